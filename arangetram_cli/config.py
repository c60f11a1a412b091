"""Settings: flags > environment > ./.env (only a trusted one) > the TOML config file
(named profiles).

A `.env` in the working directory is read only after the user trusted that exact file, as
direnv and mise do: `arangetram config trust-env` records its resolved path and the SHA-256
of its content in `trusted_env.json` (config dir, owner-only). A file that is not trusted,
or changed since, is ignored with one note on stderr: a cloned repository or a downloaded
folder must not be able to point the user's token, password or AI key at another server.
ARANGETRAM_TOKEN and ARANGETRAM_CONFIG_DIR come from the real environment only, never from a
`.env` (the config dir holds the trust list itself). Nothing else reads `.env`: the AI and
S3 settings take it from here (`env_with_dotenv`).

Kept free of heavy imports: every command loads settings first.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arangetram_cli.core.errors import Invalid

APP = "arangetram"
PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

# Every variable the tool reads (also listed, with comments, in .env.example).
ENV_VARS = (
    "ARANGETRAM_PROFILE",
    "ARANGETRAM_CONFIG_DIR",
    "ARANGETRAM_DATA_DIR",
    "ARANGETRAM_DB",
    "MONGO_URL",
    "DB_NAME",
    "JWT_SECRET",
    "ARANGETRAM_TOKEN",
    "ARANGETRAM_API_URL",
    "ARANGETRAM_CREDENTIALS",
    "ARANGETRAM_BCRYPT_ROUNDS",
    "ARANGETRAM_KEYRING_TIMEOUT",
    "ARANGETRAM_MONGO_TIMEOUT_MS",
    "NO_COLOR",
    # the AI assistant (arangetram_cli/ai/client.py, LLM_ENV_VARS)
    "ARANGETRAM_LLM_PROVIDER",
    "ARANGETRAM_LLM_BASE_URL",
    "ARANGETRAM_LLM_API_KEY",
    "ARANGETRAM_LLM_MODEL",
    "ARANGETRAM_LLM_TIMEOUT",
    "GEMINI_API_KEY",
    "OPENAI_API_KEY",
    "EMERGENT_LLM_KEY",
    "OLLAMA_HOST",
    # portfolio images (arangetram_cli/media/s3_config.py, ENV_VARS)
    "ARANGETRAM_S3_BUCKET",
    "ARANGETRAM_S3_PREFIX",
    "ARANGETRAM_S3_ENDPOINT_URL",
    "ARANGETRAM_S3_PUBLIC_URL",
    "ARANGETRAM_S3_MAX_BYTES",
    "ARANGETRAM_S3_MULTIPART_BYTES",
)
# Never taken from a .env, trusted or not: a token found in a folder would file the user's
# work under someone else's account, and the config dir holds the list of trusted files.
ENV_ONLY = frozenset({"ARANGETRAM_TOKEN", "ARANGETRAM_CONFIG_DIR"})
TRUST_FILE = "trusted_env.json"
MAX_DOTENV_BYTES = 1024 * 1024
_S3_URL_VARS = ("ARANGETRAM_S3_ENDPOINT_URL", "ARANGETRAM_S3_PUBLIC_URL")
SECRET_KEYS = {"jwt_secret", "token", "mongo_url"}
# Keys a profile in the config file may set.
PROFILE_KEYS = {"db", "mongo_url", "db_name", "api_url"}


def _user_dir(kind: str) -> Path:
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
    return Path(env.get("ARANGETRAM_CONFIG_DIR") or _user_dir("config"))


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


@dataclass
class Settings:
    profile: str
    config_dir: Path
    data_dir: Path
    config_file: Path
    db_path: Path
    mongo_url: str | None
    db_name: str
    api_url: str | None
    jwt_secret: str | None
    env_token: str | None
    credentials: str  # "auto" (keyring, else file), "file" or "keyring"
    sources: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    dotenv: Dotenv | None = None

    def env(self, names: tuple[str, ...] | frozenset[str]) -> dict[str, str]:
        """Variables from the environment, then the trusted .env (never an untrusted one)."""
        return env_with_dotenv(names, dotenv=self.dotenv or Dotenv(Path(".env"), "none"))

    @property
    def mode(self) -> str:
        if self.api_url:
            return "remote"
        return "mongo" if self.mongo_url else "sqlite"

    @property
    def secret_path(self) -> Path:
        # Beside the database for the embedded store; in the data dir for MongoDB.
        return (self.db_path.parent if self.mode == "sqlite" else self.data_dir) / "jwt_secret"

    @property
    def server_key(self) -> str:
        """Which backend issued a token: tokens are never sent to another one."""
        if self.api_url:
            # normalized: `http://Host:80/api/` and `http://host` are one backend, one login
            return mask_url(normalize_api_url(self.api_url))  # shown by whoami: no password
        if self.mongo_url:
            return f"mongo:{mask_url(self.mongo_url)}/{self.db_name}"
        return f"sqlite:{self.db_path}"


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_api_url(url: str) -> str:
    """One spelling per backend: scheme and host lowercased, the default port dropped, the
    path without a trailing `/` or `/api` (the contract's base is `<server>/api`, and people
    give either). Query and fragment are dropped. Anything that is not an http(s) URL (a
    `mongo:` or `sqlite:` server key, an empty string) comes back unchanged, so this can
    normalize stored server keys of every kind."""
    from urllib.parse import urlsplit

    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a bad port: leave it for the caller's own check
        return text.rstrip("/")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return text
    host = parts.hostname.lower()  # urlsplit lowercases it; IPv6 without brackets
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    path = parts.path.rstrip("/").removesuffix("/api").rstrip("/")
    return f"{scheme}://{netloc}{path}"


def same_backend(server: str, settings: Settings) -> bool:
    """Whether a stored token's `server` is this profile's backend. Both are compared in
    normalized form, so a token stored under an older, un-normalized key (`.../api/`) keeps
    working."""
    return normalize_api_url(server) == normalize_api_url(settings.server_key)


def mask_url(url: str) -> str:
    """The URL with its password (userinfo and any `...password=` option) replaced by ***:
    `mongodb://user:pw@host/?authMechanismProperties=...&password=x` shows neither."""
    scheme, sep, rest = url.partition("://")
    if sep:
        head, qmark, query = rest.partition("?")
        userinfo, at, hosts = head.rpartition("@")
        if at and ":" in userinfo:
            head = f"{userinfo.split(':', 1)[0]}:***@{hosts}"
        rest = head + qmark + re.sub(r"(?i)(password=)[^&]*", r"\1***", query)
        return f"{scheme}://{rest}"
    return url


def mask(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "…" if len(value) > 12 else "***"


def _profiles_of(doc: dict[str, Any], config_file: Path) -> dict[str, dict[str, Any]]:
    """The config file's [profiles.NAME] tables; a wrongly shaped one is exit 2 naming the
    file and the key (the file is the user's to fix: every command reads it)."""
    profiles = doc.get("profiles", {})
    if not isinstance(profiles, dict):
        raise Invalid(f"{config_file}: profiles must be a table of [profiles.NAME] tables")
    for name, prof in profiles.items():
        if not isinstance(prof, dict):
            raise Invalid(f"{config_file}: [profiles.{name}] must be a table")
        for key, value in prof.items():
            if isinstance(value, dict | list):
                raise Invalid(f"{config_file}: profiles.{name}.{key} must be a string")
    return profiles


def load_settings(
    profile: str | None = None,
    *,
    api_url: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    environ = dict(os.environ if env is None else env)
    found = dotenv_for(cwd, environ)
    dotenv = found.values  # empty unless the user trusted this file
    sources: dict[str, str] = {}

    def pick(name: str) -> str | None:
        if environ.get(name):
            sources[name] = "environment"
            return environ[name]
        if dotenv.get(name) and name not in ENV_ONLY:
            sources[name] = ".env"
            return dotenv[name]
        return None

    config_dir = config_dir_from(environ)
    if environ.get("ARANGETRAM_CONFIG_DIR"):
        sources["ARANGETRAM_CONFIG_DIR"] = "environment"
    config_file = config_dir / "config.toml"
    doc: dict[str, Any] = {}
    if config_file.exists():
        import tomllib

        try:
            doc = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise Invalid(f"config file {config_file} is not valid TOML: {e}") from None
    profiles = _profiles_of(doc, config_file)

    if profile:
        sources["profile"] = "flag"
    else:
        profile = pick("ARANGETRAM_PROFILE")
        if profile:
            sources["profile"] = sources.pop("ARANGETRAM_PROFILE")
        else:
            profile = str(doc.get("default_profile") or "default")
            sources["profile"] = "config file" if doc.get("default_profile") else "default"
    if not PROFILE_NAME.match(profile):
        raise Invalid(f"bad profile name '{profile}' (letters, digits, '.', '_' and '-')")
    prof = profiles.get(profile, {})

    def setting(key: str, env_name: str | None) -> str | None:
        if env_name:
            v = pick(env_name)
            if v:
                sources[key] = sources.pop(env_name)
                return v
        v = prof.get(key)
        if v:
            sources[key] = f"profile {profile}"
            return str(v)
        return None

    data_dir = Path(pick("ARANGETRAM_DATA_DIR") or _user_dir("data"))
    db = setting("db", "ARANGETRAM_DB")
    db_path = Path(db).expanduser() if db else data_dir / "arangetram.db"
    if api_url:
        sources["api_url"] = "flag"
    else:
        api_url = setting("api_url", "ARANGETRAM_API_URL")
    creds = (pick("ARANGETRAM_CREDENTIALS") or "auto").lower()
    if creds not in ("auto", "file", "keyring"):
        raise Invalid(f"ARANGETRAM_CREDENTIALS must be auto, file or keyring, not '{creds}'")
    if environ.get("ARANGETRAM_TOKEN"):
        sources["ARANGETRAM_TOKEN"] = "environment"
    store = env_with_dotenv(_S3_URL_VARS, environ=environ, dotenv=found)
    if store or "arangetram_cli.core.urls" in sys.modules:  # (not imported: none allowed)
        from arangetram_cli.core.urls import allow_store_origins

        allow_store_origins(*store.values())  # image URLs on the S3 store may be http://
    return Settings(
        profile=profile,
        config_dir=config_dir,
        data_dir=data_dir,
        config_file=config_file,
        db_path=db_path,
        mongo_url=setting("mongo_url", "MONGO_URL"),
        db_name=setting("db_name", "DB_NAME") or "arangetram",
        api_url=api_url.rstrip("/") if api_url else None,
        jwt_secret=pick("JWT_SECRET"),
        env_token=environ.get("ARANGETRAM_TOKEN") or None,  # the real environment only
        credentials=creds,
        sources=sources,
        profiles=profiles,
        dotenv=found,
    )


def write_config(settings: Settings, doc: dict[str, Any]) -> None:
    """Write the config file atomically (owner-only: it may hold a Mongo URL password)."""
    write_private(settings.config_file, dump_toml(doc))


def read_config(settings: Settings) -> dict[str, Any]:
    if not settings.config_file.exists():
        return {}
    import tomllib

    return tomllib.loads(settings.config_file.read_text(encoding="utf-8"))


def _toml_str(v: str) -> str:
    import json

    return json.dumps(v, ensure_ascii=False)  # JSON strings are valid TOML basic strings


def dump_toml(doc: dict[str, Any]) -> str:
    lines: list[str] = []
    for k, v in doc.items():
        if not isinstance(v, dict):
            lines.append(f"{k} = {_toml_str(str(v))}")
    for k, v in doc.items():
        if isinstance(v, dict):
            for name, table in v.items():
                lines.append("")
                lines.append(f"[{k}.{_toml_str(name)}]")
                for key, val in table.items():
                    lines.append(f"{key} = {_toml_str(str(val))}")
    return "\n".join(lines).lstrip("\n") + "\n"
