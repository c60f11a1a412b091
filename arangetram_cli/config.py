"""Settings: flags > environment > ./.env > the TOML config file (named profiles).

Kept free of heavy imports: every command loads settings first.
"""

from __future__ import annotations

import os
import re
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
)
SECRET_KEYS = {"jwt_secret", "token", "mongo_url"}
# Keys a profile in the config file may set.
PROFILE_KEYS = {"db", "mongo_url", "db_name", "api_url"}


def _user_dir(kind: str) -> Path:
    import platformdirs

    fn = platformdirs.user_data_dir if kind == "data" else platformdirs.user_config_dir
    return Path(fn(APP, appauthor=False))


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, `export` and quotes allowed, # comments. No interpolation."""
    out: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError):
        return out
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


def mask_url(url: str) -> str:
    """Hide the password of a URL (mongodb://user:pw@host -> mongodb://user:***@host)."""
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


def mask(value: str | None) -> str:
    if not value:
        return ""
    return value[:4] + "…" if len(value) > 12 else "***"


def load_settings(
    profile: str | None = None,
    *,
    api_url: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    environ = dict(os.environ if env is None else env)
    dotenv = read_dotenv((cwd or Path.cwd()) / ".env")
    sources: dict[str, str] = {}

    def pick(name: str) -> str | None:
        if environ.get(name):
            sources[name] = "environment"
            return environ[name]
        if dotenv.get(name):
            sources[name] = ".env"
            return dotenv[name]
        return None

    config_dir = Path(pick("ARANGETRAM_CONFIG_DIR") or _user_dir("config"))
    config_file = config_dir / "config.toml"
    doc: dict[str, Any] = {}
    if config_file.exists():
        import tomllib

        try:
            doc = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise Invalid(f"config file {config_file} is not valid TOML: {e}") from None
    profiles = doc.get("profiles", {}) if isinstance(doc.get("profiles"), dict) else {}

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
        env_token=pick("ARANGETRAM_TOKEN"),
        credentials=creds,
        sources=sources,
        profiles=profiles,
    )


def write_config(settings: Settings, doc: dict[str, Any]) -> None:
    """Write the config file atomically (owner-only: it may hold a Mongo URL password)."""
    settings.config_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.config_file.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(dump_toml(doc))
    os.replace(tmp, settings.config_file)


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
