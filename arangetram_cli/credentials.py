"""Where login tokens live: the OS keyring (service "arangetram", one entry per profile and
backend), or an owner-only file when no keyring works. `ARANGETRAM_TOKEN` overrides both.

Each stored value records the backend that issued the token (`server`), so a token is never
sent to another server or database than the one it came from.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arangetram_cli.config import Settings, same_backend, write_private
from arangetram_cli.core.errors import Unavailable

SERVICE = "arangetram"
_UNUSABLE = ("fail.Keyring", "null.Keyring", "chainer.ChainerBackend")


@dataclass
class StoredToken:
    token: str
    server: str
    source: str  # human-readable: "keyring (SecretService)", "file /…/credentials.json", …
    user: dict[str, Any] = field(default_factory=dict)  # id, name, email when saved


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
    if isinstance(box.get("error"), KeyringUnavailable):
        raise box["error"]
    if "error" in box:
        raise KeyringUnavailable(f"{type(box['error']).__name__}: {box['error']}")
    return box.get("value")


def keyringrc_path() -> Path:
    """keyring's config file (keyring.core._config_path), found without importing keyring:
    %LOCALAPPDATA%/Python Keyring on Windows, $XDG_CONFIG_HOME/python_keyring elsewhere."""
    if sys.platform == "win32":
        root = Path(os.environ.get("LOCALAPPDATA", os.environ.get("PROGRAMDATA", ".")))
        return root / "Python Keyring" / "keyringrc.cfg"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config, "python_keyring", "keyringrc.cfg")


def _platform_backends() -> list[str]:
    """The OS keyrings worth asking here, best first (keyring's own priorities)."""
    if sys.platform == "darwin":
        return ["keyring.backends.macOS.Keyring"]
    if sys.platform == "win32":
        return ["keyring.backends.Windows.WinVaultKeyring"]
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        # Secret Service and KWallet are reached over the session bus (jeepney reads this
        # variable, nothing else): without it no OS keyring can answer.
        raise KeyringUnavailable("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)")
    names = ["keyring.backends.SecretService.Keyring"]
    if "KDE" in os.environ.get("XDG_CURRENT_DESKTOP", "").split(":"):
        names.insert(0, "keyring.backends.kwallet.DBusKeyring")  # keyring ranks it first on KDE
    return names


def _choose() -> tuple[Any, bool]:
    """The keyring backend to use, and whether the user chose it.

    keyring's own discovery (keyring.get_keyring) imports every backend and its entry points,
    and its macOS backend runs ctypes.util.find_library, which spawns gcc and ldconfig on
    Linux: ~40% of a logged-in command. This picks the backend the way keyring would on this
    platform, asking only that one: a backend set in this process (keyring.set_keyring),
    PYTHON_KEYRING_BACKEND, keyring's config file, else the platform's OS keyring. Backends
    that only entry points name (keyrings.alt, ...) are used when chosen in one of the first
    three ways."""
    core = sys.modules.get("keyring.core")
    if core is not None and getattr(core, "_keyring_backend", None) is not None:
        return core._keyring_backend, bool(os.environ.get("PYTHON_KEYRING_BACKEND"))
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        import keyring.core

        return keyring.core.load_env(), True
    if keyringrc_path().is_file():
        import keyring.core

        kr = keyring.core.load_config()
        if kr is not None:
            return kr, True

    reasons = []
    for dotted in _platform_backends():
        module, _, cls_name = dotted.rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), cls_name)
            cls.priority  # noqa: B018  (raises when the backend cannot work here)
        except Exception as e:
            reasons.append(f"{module.rsplit('.', 1)[-1]}: {e}")
            continue
        return cls(), False
    raise KeyringUnavailable("; ".join(reasons) or "no OS keyring on this platform")


def _backend() -> Any:
    kr, chosen = _bounded(_choose)
    name = f"{type(kr).__module__.rsplit('.', 1)[-1]}.{type(kr).__name__}"
    if name in _UNUSABLE and not getattr(kr, "backends", None):
        raise KeyringUnavailable(f"no usable keyring backend ({name})")
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


# ---- remembering that no keyring works ------------------------------------------------------
# Finding out costs a D-Bus round trip, the import of keyring, secretstorage and cryptography,
# or (a locked, hanging keyring) the whole ARANGETRAM_KEYRING_TIMEOUT. So a failure is kept in
# the config directory with what it depends on; while that is unchanged (and for a day at
# most), reads go straight to the file. Only reads use it: a save or logout asks the keyring
# again, and a read that finds nothing in the file does too, so a keyring that came back is
# never missed, only asked later.
MEMO_FILE = "keyring-unavailable.json"
MEMO_TTL = 24 * 3600


def _memo_key() -> dict[str, str]:
    rc = keyringrc_path()
    try:
        rc_stamp = str(rc.stat().st_mtime_ns)
    except OSError:
        rc_stamp = "absent"
    env = ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "XDG_CURRENT_DESKTOP")
    return {
        "platform": sys.platform,
        **{k: os.environ.get(k, "") for k in env},
        "keyringrc": f"{rc}:{rc_stamp}",
    }


def keyring_known_unavailable(config_dir: Path) -> str | None:
    """Why the keyring failed last time, if it did in this same environment (else None)."""

    memo = read_private_json(config_dir / MEMO_FILE)
    if not memo or memo.get("key") != _memo_key():
        return None
    checked = memo.get("checked")
    if not isinstance(checked, int | float) or not 0 <= time.time() - checked < MEMO_TTL:
        return None
    return str(memo.get("reason", ""))


def remember_keyring_unavailable(config_dir: Path, reason: str) -> None:
    memo = {"key": _memo_key(), "checked": time.time(), "reason": reason}
    with contextlib.suppress(OSError):  # a read-only config dir: we shall ask again next time
        write_private_json(config_dir / MEMO_FILE, memo)


def forget_keyring_unavailable(config_dir: Path) -> None:
    with contextlib.suppress(OSError):
        (config_dir / MEMO_FILE).unlink(missing_ok=True)


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
    write_private(path, json.dumps(data, indent=2))


class Credentials:
    """The logins of one profile, one per backend: a local login and a login to a server
    live side by side. Keyring entries are named `PROFILE@BACKEND` (BACKEND is
    Settings.server_key, normalized), file entries sit under logins[PROFILE][BACKEND]. An
    entry of an older version, named by the profile alone, is copied to its backend's name
    the first time it is read (and removed by logout)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.file = settings.config_dir / "credentials.json"

    @property
    def account(self) -> str:
        """The keyring user name of this profile's login to this backend."""
        return f"{self.settings.profile}@{self.settings.server_key}"

    def _ours(self, entry: dict[str, Any] | None) -> bool:
        """Whether an old, profile-named entry was issued by this backend."""
        if not entry:
            return False
        server = str(entry.get("server") or "")
        if not server:  # a bare token stored by hand: for whichever backend asks
            return True
        return same_backend(server, self.settings)

    # -- file backend ----------------------------------------------------------------------
    def _read_file(self) -> dict[str, Any]:
        """The file's data, wrongly shaped parts dropped (a `logins` that is no table of
        tables, ...): a damaged file is no login, and the next save writes a sound one."""
        data = read_private_json(self.file)
        for key in ("logins", "profiles"):
            if key in data:
                value = data[key]
                value = value if isinstance(value, dict) else {}
                data[key] = {k: v for k, v in value.items() if isinstance(v, dict)}
        return data

    def _write_file(self, data: dict[str, Any]) -> None:
        write_private_json(self.file, data)

    def _file_note(self, data: dict[str, Any]) -> None:
        if not data.get("_warned"):
            print(
                f"note: no usable OS keyring; keeping tokens in {self.file} (owner-only, 0600)",
                file=sys.stderr,
            )
            data["_warned"] = True

    def _file_entry(self, data: dict[str, Any]) -> dict[str, Any] | None:
        s = self.settings
        logins = data.get("logins", {}).get(s.profile, {})
        entry = _usable(logins.get(s.server_key))
        if entry:
            return entry
        old = _usable(data.get("profiles", {}).get(s.profile))
        if old and self._ours(old):
            with contextlib.suppress(OSError):  # copied to its backend's name; read-only: later
                data.setdefault("logins", {}).setdefault(s.profile, {})[s.server_key] = old
                self._write_file(data)
            return old
        return None

    # -- public ----------------------------------------------------------------------------
    def load(self) -> StoredToken | None:
        s = self.settings
        if s.env_token:
            return StoredToken(s.env_token, s.server_key, "environment variable ARANGETRAM_TOKEN")
        if s.credentials == "auto" and keyring_known_unavailable(s.config_dir) is not None:
            stored = self._load_file()
            if stored is not None:
                return stored  # the keyring failed last time in this environment: skip it
        if s.credentials != "file":
            try:
                kr = _backend()
                raw, where = _bounded(_lookup, kr, self.account)
                if not raw:
                    raw = self._migrate_keyring(kr)
            except KeyringUnavailable as e:
                if s.credentials == "keyring":
                    raise _required(e) from None
                remember_keyring_unavailable(s.config_dir, str(e))
                raw = None
            else:
                forget_keyring_unavailable(s.config_dir)
                if raw:
                    entry = _parse(raw)
                    if entry:
                        return _stored(entry, f"keyring ({where})")
        return self._load_file()

    def _migrate_keyring(self, kr: Any) -> str | None:
        """An entry of an older version (named by the profile alone) for this backend, copied
        to this backend's name. The old entry stays, for an older version still in use,
        until `auth logout`."""
        raw, _ = _bounded(_lookup, kr, self.settings.profile)
        if not raw or not self._ours(_parse(raw)):
            return None
        with contextlib.suppress(KeyringUnavailable):
            _bounded(kr.set_password, SERVICE, self.account, raw)
        return raw

    def _load_file(self) -> StoredToken | None:
        entry = self._file_entry(self._read_file())
        return _stored(entry, f"file {self.file}") if entry else None

    def others(self) -> list[str]:
        """The other backends this profile has a login to, in the file (the keyring cannot
        list its entries without a search every backend lacks)."""
        logins = self._read_file().get("logins", {}).get(self.settings.profile, {})
        return [k for k in logins if k != self.settings.server_key]

    def save(self, token: str, user: dict[str, Any] | None = None) -> str:
        """Store the token of this profile's login to this backend; returns where it went.
        `user` (id, name, email) is kept beside it, to say whose login a new one replaces."""
        s = self.settings
        entry: dict[str, Any] = {"token": token, "server": s.server_key}
        if user:
            entry["user"] = {k: user.get(k) for k in ("id", "name", "email") if user.get(k)}
        value = json.dumps(entry)
        if s.credentials != "file":
            try:
                kr = _backend()
                _bounded(kr.set_password, SERVICE, self.account, value)
                # Some backends accept writes and drop them: believe only what reads back.
                raw, where = _bounded(_lookup, kr, self.account)
                if raw == value:
                    self._forget_file()
                    forget_keyring_unavailable(s.config_dir)
                    return f"keyring ({where})"
                raise KeyringUnavailable("the keyring did not keep the token")
            except KeyringUnavailable as e:
                if s.credentials == "keyring":
                    raise _required(e) from None
                remember_keyring_unavailable(s.config_dir, str(e))
        data = self._read_file()
        if s.credentials == "auto":  # with ARANGETRAM_CREDENTIALS=file the file is no surprise
            self._file_note(data)
        data.setdefault("logins", {}).setdefault(s.profile, {})[s.server_key] = entry
        old = data.get("profiles", {}).get(s.profile)
        if isinstance(old, dict) and self._ours(old):
            del data["profiles"][s.profile]
        self._write_file(data)
        return f"file {self.file}"

    def _forget_file(self) -> bool:
        s = self.settings
        data = self._read_file()
        removed = False
        logins = data.get("logins", {}).get(s.profile)
        if isinstance(logins, dict) and s.server_key in logins:
            del logins[s.server_key]
            if not logins:
                del data["logins"][s.profile]
            removed = True
        old = data.get("profiles", {}).get(s.profile)
        if isinstance(old, dict) and self._ours(old):
            del data["profiles"][s.profile]
            removed = True
        if removed:
            self._write_file(data)
        return removed

    def delete(self) -> bool:
        """Forget this profile's login to this backend (its other logins stay)."""
        removed = False
        if self.settings.credentials != "file":
            try:
                kr = _backend()
                if _bounded(kr.get_password, SERVICE, self.account):
                    _bounded(kr.delete_password, SERVICE, self.account)
                    removed = True
                old = _bounded(kr.get_password, SERVICE, self.settings.profile)
                if old and self._ours(_parse(old)):
                    _bounded(kr.delete_password, SERVICE, self.settings.profile)
                    removed = True
            except KeyringUnavailable as e:
                if self.settings.credentials == "keyring":
                    raise _required(e) from None
        return self._forget_file() or removed


def _usable(entry: Any) -> dict[str, Any] | None:
    """A stored login with a token (a string) and a server (a string when present), else
    None: a damaged entry is no login."""
    if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
        return None
    if not entry["token"] or not isinstance(entry.get("server") or "", str):
        return None
    return entry


def _stored(entry: dict[str, Any], source: str) -> StoredToken:
    user = entry.get("user")
    return StoredToken(
        entry["token"], entry.get("server") or "", source, user if isinstance(user, dict) else {}
    )


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw)
    except ValueError:
        return {"token": raw, "server": ""}  # a bare token stored by hand
    return _usable(entry)


# Shared with ai/keys.py (provider keys use the same bounded keyring access).
bounded = _bounded
backend = _backend
