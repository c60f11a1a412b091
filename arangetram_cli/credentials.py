"""Where login tokens live: the OS keyring (service "arangetram", one entry per profile), or
an owner-only file when no keyring works. `ARANGETRAM_TOKEN` overrides both.

Each stored value records the backend that issued the token (`server`), so a token is never
sent to another server or database than the one it came from.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arangetram_cli.config import Settings
from arangetram_cli.core.errors import Unavailable

SERVICE = "arangetram"
_UNUSABLE = ("fail.Keyring", "null.Keyring", "chainer.ChainerBackend")


@dataclass
class StoredToken:
    token: str
    server: str
    source: str  # human-readable: "keyring (SecretService)", "file /…/credentials.json", …


class KeyringUnavailable(Unavailable):
    """No working keyring. An `Unavailable` error, so the CLI reports it as one `error:` line
    (exit 6) wherever it escapes, not as an unexpected exception."""


def _required(e: KeyringUnavailable) -> KeyringUnavailable:
    """The error to raise when ARANGETRAM_CREDENTIALS=keyring rules out the file fallback."""
    return KeyringUnavailable(
        f"ARANGETRAM_CREDENTIALS=keyring, but {e}",
        hint="unlock or start the OS keyring, or set ARANGETRAM_CREDENTIALS=auto to use a file",
    )


def _timeout() -> float:
    try:
        return float(os.environ.get("ARANGETRAM_KEYRING_TIMEOUT", "5"))
    except ValueError:
        return 5.0


def _bounded(fn: Any, *args: Any) -> Any:
    """Run a keyring call with a deadline: a locked or hung Secret Service must not hang us."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as e:
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(_timeout())
    if t.is_alive():
        raise KeyringUnavailable(f"the keyring did not answer within {_timeout():g}s")
    if "error" in box:
        raise KeyringUnavailable(f"{type(box['error']).__name__}: {box['error']}")
    return box.get("value")


def _backend() -> Any:
    import keyring

    kr = _bounded(keyring.get_keyring)
    name = f"{type(kr).__module__.rsplit('.', 1)[-1]}.{type(kr).__name__}"
    if name in _UNUSABLE and not getattr(kr, "backends", None):
        raise KeyringUnavailable(f"no usable keyring backend ({name})")
    if name.startswith(("fail.", "null.")):
        raise KeyringUnavailable(f"no usable keyring backend ({name})")
    chosen = bool(os.environ.get("PYTHON_KEYRING_BACKEND"))
    if type(kr).__module__.startswith("keyrings.alt") and not chosen:
        raise KeyringUnavailable(f"no OS keyring (only {type(kr).__name__} from keyrings.alt)")
    if name == "chainer.ChainerBackend":
        # Picked automatically: keyrings.alt's file backends are no OS keyring (a base64
        # file, or one that prompts for a password); our own 0600 file is the better fallback.
        # A backend chosen explicitly (PYTHON_KEYRING_BACKEND) is used as it is.
        real = [b for b in kr.backends if not type(b).__module__.startswith("keyrings.alt")]
        if not real:
            raise KeyringUnavailable("no OS keyring (only keyrings.alt file backends)")
        if len(real) == 1:
            return real[0]
    return kr


def _name(kr: Any) -> str:
    """A backend's name for people: keyring calls most backend classes `Keyring`, so name
    those by their module (SecretService, macOS, Windows, ...)."""
    cls = type(kr)
    return cls.__module__.rsplit(".", 1)[-1] if cls.__name__ == "Keyring" else cls.__name__


def _members(kr: Any) -> list[Any]:
    """The backends a ChainerBackend asks in turn (highest priority first), else [kr]."""
    from keyring.backends.chainer import ChainerBackend

    return list(kr.backends) if isinstance(kr, ChainerBackend) and kr.backends else [kr]


def _lookup(kr: Any, username: str) -> tuple[str | None, str]:
    """get_password, and the name of the backend that answered: for a chainer that is the
    member holding the value (SecretService, ...), not "ChainerBackend"."""
    for member in _members(kr):
        raw = member.get_password(SERVICE, username)
        if raw is not None:
            return raw, _name(member)
    return None, _name(kr)


def backend_name() -> str:
    try:
        kr = _backend()
    except KeyringUnavailable as e:
        return f"none ({e})"
    names = [_name(m) for m in _members(kr)]
    return names[0] if names == [_name(kr)] else f"{_name(kr)} ({', '.join(names)})"


def read_private_json(path: Path) -> dict[str, Any]:
    """An owner-only JSON file as a dict ({} when missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Replace the file atomically; it is created 0600 and never readable by others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


class Credentials:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.file = settings.config_dir / "credentials.json"

    # -- file backend ----------------------------------------------------------------------
    def _read_file(self) -> dict[str, Any]:
        return read_private_json(self.file)

    def _write_file(self, data: dict[str, Any]) -> None:
        write_private_json(self.file, data)

    def _file_note(self, data: dict[str, Any]) -> None:
        if not data.get("_warned"):
            print(
                f"note: no usable OS keyring; keeping tokens in {self.file} (owner-only, 0600)",
                file=sys.stderr,
            )
            data["_warned"] = True

    # -- public ----------------------------------------------------------------------------
    def load(self) -> StoredToken | None:
        s = self.settings
        if s.env_token:
            return StoredToken(s.env_token, s.server_key, "environment variable ARANGETRAM_TOKEN")
        if s.credentials != "file":
            try:
                kr = _backend()
                raw, where = _bounded(_lookup, kr, s.profile)
            except KeyringUnavailable as e:
                if s.credentials == "keyring":
                    raise _required(e) from None
                raw = None
            else:
                if raw:
                    entry = _parse(raw)
                    if entry:
                        return StoredToken(
                            entry["token"],
                            entry.get("server", ""),
                            f"keyring ({where})",
                        )
        entry = self._read_file().get("profiles", {}).get(s.profile)
        if isinstance(entry, dict) and entry.get("token"):
            return StoredToken(entry["token"], entry.get("server", ""), f"file {self.file}")
        return None

    def save(self, token: str) -> str:
        """Store the token for this profile; returns where it went."""
        s = self.settings
        value = json.dumps({"token": token, "server": s.server_key})
        if s.credentials != "file":
            try:
                kr = _backend()
                _bounded(kr.set_password, SERVICE, s.profile, value)
                # Some backends accept writes and drop them: believe only what reads back.
                raw, where = _bounded(_lookup, kr, s.profile)
                if raw == value:
                    self._forget_file()
                    return f"keyring ({where})"
                raise KeyringUnavailable("the keyring did not keep the token")
            except KeyringUnavailable as e:
                if s.credentials == "keyring":
                    raise _required(e) from None
        data = self._read_file()
        if s.credentials == "auto":  # with ARANGETRAM_CREDENTIALS=file the file is no surprise
            self._file_note(data)
        data.setdefault("profiles", {})[s.profile] = {"token": token, "server": s.server_key}
        self._write_file(data)
        return f"file {self.file}"

    def _forget_file(self) -> bool:
        data = self._read_file()
        if self.settings.profile in data.get("profiles", {}):
            del data["profiles"][self.settings.profile]
            self._write_file(data)
            return True
        return False

    def delete(self) -> bool:
        removed = False
        if self.settings.credentials != "file":
            try:
                kr = _backend()
                if _bounded(kr.get_password, SERVICE, self.settings.profile):
                    _bounded(kr.delete_password, SERVICE, self.settings.profile)
                    removed = True
            except KeyringUnavailable as e:
                if self.settings.credentials == "keyring":
                    raise _required(e) from None
        return self._forget_file() or removed


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw)
    except ValueError:
        return {"token": raw, "server": ""}  # a bare token stored by hand
    return entry if isinstance(entry, dict) and entry.get("token") else None
