"""Settings: flags > environment > ./.env (only a trusted one) > the TOML config file
(named profiles).

The `.env` rules (trust list, owner-only files) live in dotenv.py.

Kept free of heavy imports: every command loads settings first.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arangetram_cli.core.errors import Invalid

# re-exported: their home is dotenv.py (the .env trust list and the owner-only writer)
from arangetram_cli.dotenv import APP as APP
from arangetram_cli.dotenv import ENV_ONLY as ENV_ONLY
from arangetram_cli.dotenv import Dotenv as Dotenv
from arangetram_cli.dotenv import config_dir_from as config_dir_from
from arangetram_cli.dotenv import dotenv_for as dotenv_for
from arangetram_cli.dotenv import env_with_dotenv as env_with_dotenv
from arangetram_cli.dotenv import parse_dotenv as parse_dotenv
from arangetram_cli.dotenv import read_env_file as read_env_file
from arangetram_cli.dotenv import read_trust as read_trust
from arangetram_cli.dotenv import trust_path as trust_path
from arangetram_cli.dotenv import user_dir
from arangetram_cli.dotenv import write_private as write_private
from arangetram_cli.dotenv import write_trust as write_trust

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
_S3_URL_VARS = ("ARANGETRAM_S3_ENDPOINT_URL", "ARANGETRAM_S3_PUBLIC_URL")
SECRET_KEYS = {"jwt_secret", "token", "mongo_url"}
# Keys a profile in the config file may set.
PROFILE_KEYS = {"db", "mongo_url", "db_name", "api_url"}


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

    data_dir = Path(pick("ARANGETRAM_DATA_DIR") or user_dir("data"))
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
