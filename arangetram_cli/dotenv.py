"""The working directory's `.env`, read only when trusted, and the owner-only file writer.

A `.env` in the working directory is read only after the user trusted that exact file, as
direnv and mise do: `arangetram config trust-env` records its resolved path and the SHA-256
of its content in `trusted_env.json` (config dir, owner-only). A file that is not trusted,
or changed since, is ignored with one note on stderr: a cloned repository or a downloaded
folder must not be able to point the user's token, password or AI key at another server.
ARANGETRAM_TOKEN and ARANGETRAM_CONFIG_DIR come from the real environment only, never from a
`.env` (the config dir holds the trust list itself). Nothing else reads `.env`: the AI and
S3 settings take it from here (`env_with_dotenv`).

Kept free of heavy imports: every command reads settings first (config.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

APP = "arangetram"
ENV_ONLY = frozenset({"ARANGETRAM_TOKEN", "ARANGETRAM_CONFIG_DIR"})
TRUST_FILE = "trusted_env.json"
MAX_DOTENV_BYTES = 1024 * 1024


def user_dir(kind: str) -> Path:
    import platformdirs

    fn = platformdirs.user_data_dir if kind == "data" else platformdirs.user_config_dir
    return Path(fn(APP, appauthor=False))


def parse_dotenv(text: str) -> dict[str, str]:
    """KEY=VALUE lines, `export` and quotes allowed, # comments. No interpolation."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        if key:
            out[key] = value
    return out


# ---- the trust list ---------------------------------------------------------------------
def config_dir_from(environ: Mapping[str, str] | None = None) -> Path:
    """The config directory: ARANGETRAM_CONFIG_DIR from the real environment, else the
    platform's (never from a .env)."""
    env = os.environ if environ is None else environ
    return Path(env.get("ARANGETRAM_CONFIG_DIR") or user_dir("config"))


def trust_path(config_dir: Path) -> Path:
    return config_dir / TRUST_FILE


def _private_file(path: Path) -> bool:
    """True for a regular file of ours that nobody else may write (POSIX); a trust list
    that others can change is no trust list."""
    try:
        st = path.stat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    others_may_write = bool(st.st_mode & 0o022)
    return not (hasattr(os, "getuid") and (st.st_uid != os.getuid() or others_may_write))


def read_trust(config_dir: Path) -> dict[str, str]:
    """{resolved path: sha256 hex} of the trusted .env files."""
    path = trust_path(config_dir)
    if not path.exists():
        return {}
    if not _private_file(path):
        _note_once(
            f"trust:{path}",
            f"ignoring {path}: it is not an owner-only file of yours "
            f"(remove it, then trust your .env files again)",
        )
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    out = {}
    for k, v in files.items():
        digest = v.get("sha256") if isinstance(v, dict) else None
        if isinstance(k, str) and isinstance(digest, str):
            out[k] = digest
    return out


def write_trust(config_dir: Path, trusted: Mapping[str, str]) -> None:
    """Replace the trust list atomically, owner-only (0600) in an owner-only directory."""
    doc = {"version": 1, "files": {k: {"sha256": v} for k, v in sorted(trusted.items())}}
    write_private(trust_path(config_dir), json.dumps(doc, indent=2) + "\n")


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically (a temporary file beside it, renamed over it):
    owner-only (0600), its directory created owner-only (0700). The one writer of the files
    that hold secrets or decide trust: config.toml, credentials.json, trusted_env.json, ..."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)  # a leftover temporary file keeps its mode through O_TRUNC
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@dataclass(frozen=True)
class Dotenv:
    """The working directory's .env and whether its variables are used."""

    path: Path  # resolved (symlinks followed), as the trust list records it
    status: str  # "none" (no file), "trusted", "untrusted", "changed", "unreadable"
    values: dict[str, str] = field(default_factory=dict)  # empty unless trusted
    sha256: str = ""

    @property
    def used(self) -> bool:
        return self.status == "trusted"

    def describe(self) -> str:
        return {
            "none": "no .env here",
            "trusted": "used (trusted)",
            "untrusted": "ignored: not trusted (arangetram config trust-env)",
            "changed": "ignored: changed since it was trusted (arangetram config trust-env)",
            "unreadable": "ignored: unreadable, not UTF-8, or over 1 MiB",
        }[self.status]


def read_env_file(path: Path) -> tuple[bytes, Path]:
    """(content, resolved path) of a .env file; OSError/ValueError when it is not a
    readable regular file of at most MAX_DOTENV_BYTES."""
    resolved = path.resolve()
    # O_NONBLOCK: a FIFO named .env must not hang every command run in its folder
    fd = os.open(resolved, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("not a regular file")
        data = f.read(MAX_DOTENV_BYTES + 1)
    if len(data) > MAX_DOTENV_BYTES:
        raise ValueError("over 1 MiB")
    return data, resolved


def dotenv_for(
    cwd: Path | None = None, environ: Mapping[str, str] | None = None, *, note: bool = True
) -> Dotenv:
    """The .env of `cwd` (default: the working directory), its variables only if the user
    trusted this content. The note for an ignored file is printed once per process."""
    candidate = (cwd or Path.cwd()) / ".env"
    try:
        if not candidate.exists() and not candidate.is_symlink():
            return Dotenv(candidate, "none")
    except OSError:
        return Dotenv(candidate, "none")
    try:
        data, resolved = read_env_file(candidate)
        text = data.decode("utf-8")
    except (OSError, ValueError):
        found = Dotenv(candidate, "unreadable")
    else:
        import hashlib

        digest = hashlib.sha256(data).hexdigest()
        known = read_trust(config_dir_from(environ)).get(str(resolved))
        if known == digest:
            values = {k: v for k, v in parse_dotenv(text).items() if k not in ENV_ONLY}
            return Dotenv(resolved, "trusted", values, digest)
        found = Dotenv(resolved, "changed" if known else "untrusted", sha256=digest)
    if note:
        _note_ignored(found)
    return found


def _note_ignored(d: Dotenv) -> None:
    import shlex

    where = shlex.quote(str(d.path))
    if d.status == "unreadable":
        msg = f"ignoring {d.path}: unreadable, not UTF-8, or over 1 MiB"
    elif d.status == "changed":
        msg = (
            f"ignoring {d.path}: it changed since you trusted it (review it, then run: "
            f"arangetram config trust-env {where})"
        )
    else:
        msg = (
            f"ignoring {d.path}: not trusted (review it; to use it, run: "
            f"arangetram config trust-env {where})"
        )
    _note_once(f"dotenv:{d.path}", msg)


_NOTED: set[str] = set()


def _note_once(key: str, msg: str) -> None:
    if key not in _NOTED:
        _NOTED.add(key)
        print(f"note: {msg}", file=sys.stderr)


def env_with_dotenv(
    names: tuple[str, ...] | frozenset[str],
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    dotenv: Dotenv | None = None,
) -> dict[str, str]:
    """The non-empty values of `names`: the environment's, else a trusted .env's."""
    env = os.environ if environ is None else environ
    d = dotenv if dotenv is not None else dotenv_for(cwd, env)
    out = {k: v for k, v in d.values.items() if k in names and v}
    out.update({k: v for k in names if (v := env.get(k))})
    return out
