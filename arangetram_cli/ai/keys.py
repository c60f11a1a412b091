"""Stored AI provider keys: the OS keyring (service "arangetram-llm", one entry per provider),
with the same policy as login tokens (ARANGETRAM_CREDENTIALS): `auto` falls back to an
owner-only file `llm_keys.json` in the config directory when no keyring works, `keyring`
requires the keyring, `file` uses only the file. Every keyring call is bounded in time
(credentials.bounded), so a locked Secret Service never hangs `ask`, and a keyring that
failed is skipped on later reads in the same environment (credentials.keyring_known_unavailable).
"""

from __future__ import annotations

import sys
from typing import Any

from arangetram_cli.config import Settings
from arangetram_cli.credentials import (
    KeyringUnavailable,
    backend,
    bounded,
    forget_keyring_unavailable,
    keyring_known_unavailable,
    read_private_json,
    remember_keyring_unavailable,
    write_private_json,
)

SERVICE = "arangetram-llm"


class LlmKeys:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.file = settings.config_dir / "llm_keys.json"

    # -- file --------------------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        return read_private_json(self.file)

    def _write(self, data: dict[str, Any]) -> None:
        write_private_json(self.file, data)

    def _required(self, e: KeyringUnavailable) -> KeyringUnavailable:
        return KeyringUnavailable(
            f"ARANGETRAM_CREDENTIALS=keyring, but {e}",
            hint="unlock or start the OS keyring, or set ARANGETRAM_CREDENTIALS=auto",
        )

    # -- public ------------------------------------------------------------------------------
    def get(self, provider: str) -> tuple[str, str] | None:
        """(key, where it is kept) or None. A broken keyring reads as 'no key' unless the
        keyring is required."""
        mode = self.settings.credentials
        config_dir = self.settings.config_dir
        if mode == "auto" and keyring_known_unavailable(config_dir) is not None:
            found = self._from_file(provider)
            if found is not None:
                return found  # the keyring failed last time in this environment: skip it
        if mode != "file":
            try:
                kr = backend()
                key = bounded(kr.get_password, SERVICE, provider)
            except KeyringUnavailable as e:
                if mode == "keyring":
                    raise self._required(e) from None
                remember_keyring_unavailable(config_dir, str(e))
            else:
                forget_keyring_unavailable(config_dir)
                if key:
                    return key, f"keyring ({SERVICE}/{provider})"
        return self._from_file(provider)

    def _from_file(self, provider: str) -> tuple[str, str] | None:
        key = self._read().get("keys", {}).get(provider)
        return (key, f"file {self.file}") if isinstance(key, str) and key else None

    def set(self, provider: str, key: str) -> str:
        """Store the key; returns where it went."""
        mode = self.settings.credentials
        if mode != "file":
            try:
                kr = backend()
                bounded(kr.set_password, SERVICE, provider, key)
                if bounded(kr.get_password, SERVICE, provider) != key:
                    raise KeyringUnavailable("the keyring did not keep the key")
                self._forget_file(provider)
                forget_keyring_unavailable(self.settings.config_dir)
                return f"keyring ({SERVICE}/{provider})"
            except KeyringUnavailable as e:
                if mode == "keyring":
                    raise self._required(e) from None
                remember_keyring_unavailable(self.settings.config_dir, str(e))
                if mode == "auto":
                    print(
                        f"note: no usable OS keyring ({e}); keeping the key in {self.file} "
                        "(owner-only, 0600)",
                        file=sys.stderr,
                    )
        data = self._read()
        data.setdefault("keys", {})[provider] = key
        self._write(data)
        return f"file {self.file}"

    def _forget_file(self, provider: str) -> bool:
        data = self._read()
        if provider in data.get("keys", {}):
            del data["keys"][provider]
            self._write(data)
            return True
        return False

    def delete(self, provider: str) -> bool:
        removed = False
        mode = self.settings.credentials
        if mode != "file":
            try:
                kr = backend()
                if bounded(kr.get_password, SERVICE, provider):
                    bounded(kr.delete_password, SERVICE, provider)
                    removed = True
            except KeyringUnavailable as e:
                if mode == "keyring":
                    raise self._required(e) from None
        return self._forget_file(provider) or removed
