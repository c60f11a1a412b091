"""`arangetram config`: settings, their sources, and named profiles."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.lazy import lazy_commands
from arangetram_cli.config import (
    ENV_ONLY,
    PROFILE_KEYS,
    PROFILE_NAME,
    config_dir_from,
    mask,
    mask_url,
    parse_dotenv,
    read_config,
    read_env_file,
    read_trust,
    trust_path,
    write_config,
    write_trust,
)
from arangetram_cli.core.errors import Invalid, NotFound
from arangetram_cli.credentials import backend_name

app = typer.Typer(
    rich_markup_mode=None, help="Show settings and manage profiles.", no_args_is_help=True
)


@app.command()
def show(ctx: typer.Context) -> None:
    """Every setting in force and where it came from (secrets masked)."""

    st = state(ctx)
    s = st.settings
    src = s.sources
    rows: list[dict[str, Any]] = [
        {"key": "profile", "value": s.profile, "source": src.get("profile", "default")},
        {"key": "mode", "value": s.mode, "source": ""},
        {"key": "config_file", "value": str(s.config_file), "source": ""},
        {"key": "db", "value": str(s.db_path), "source": src.get("db", "default")},
        {
            "key": "mongo_url",
            "value": mask_url(s.mongo_url) if s.mongo_url else "",
            "source": src.get("mongo_url", ""),
        },
        {"key": "db_name", "value": s.db_name, "source": src.get("db_name", "default")},
        {
            "key": "api_url",
            "value": mask_url(s.api_url) if s.api_url else "",
            "source": src.get("api_url", ""),
        },
        {
            "key": "jwt_secret",
            "value": mask(s.jwt_secret) if s.jwt_secret else f"(generated, in {s.secret_path})",
            "source": src.get("JWT_SECRET", ""),
        },
        {"key": "token", "value": mask(s.env_token), "source": src.get("ARANGETRAM_TOKEN", "")},
        {
            "key": "credentials",
            "value": s.credentials,
            "source": src.get("ARANGETRAM_CREDENTIALS", "default"),
        },
        {
            "key": "keyring",
            "value": backend_name() if s.credentials != "file" else "(not used)",
            "source": "",
        },
    ]
    dotenv = s.dotenv
    if dotenv is not None and dotenv.status != "none":
        rows.append({"key": "dotenv", "value": str(dotenv.path), "source": dotenv.describe()})
    trusted = sorted(read_trust(s.config_dir))
    rows.append(
        {
            "key": "trusted_env",
            "value": ", ".join(trusted) if trusted else "(none)",
            "source": str(trust_path(s.config_dir)) if trusted else "",
        }
    )
    if st.out.format in ("json", "jsonl") and not st.out.quiet:
        st.out.item(
            {r["key"]: r["value"] for r in rows}
            | {
                "trusted_env": trusted,
                "dotenv_status": dotenv.status if dotenv is not None else "none",
                "sources": {r["key"]: r["source"] for r in rows if r["source"]},
            },
            [],
        )
        return
    st.out.items(
        rows,
        [("key", "Setting"), ("value", "Value"), ("source", "From")],
        title="Settings",
        id_key="key",
    )


def _profile_doc(ctx: typer.Context) -> tuple[Any, dict[str, Any], dict[str, Any]]:

    st = state(ctx)
    doc = read_config(st.settings)
    profiles = doc.setdefault("profiles", {})
    return st, doc, profiles.setdefault(st.settings.profile, {})


@app.command("set")
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="db, mongo_url, db_name or api_url.")],
    value: Annotated[str, typer.Argument()],
) -> None:
    """Set a value in the current profile (see --profile)."""

    if key not in PROFILE_KEYS:
        raise Invalid(f"unknown setting '{key}' (use {', '.join(sorted(PROFILE_KEYS))})")
    st, doc, prof = _profile_doc(ctx)
    prof[key] = value
    write_config(st.settings, doc)
    st.out.success(f"profile {st.settings.profile}: {key} set")


@app.command()
def unset(ctx: typer.Context, key: Annotated[str, typer.Argument()]) -> None:
    """Remove a value from the current profile."""

    st, doc, prof = _profile_doc(ctx)
    if key not in prof:
        raise NotFound(f"profile {st.settings.profile} has no '{key}'")
    del prof[key]
    write_config(st.settings, doc)
    st.out.success(f"profile {st.settings.profile}: {key} removed")


@app.command()
def use(ctx: typer.Context, profile: Annotated[str, typer.Argument()]) -> None:
    """Make PROFILE the default profile."""

    if not PROFILE_NAME.match(profile):
        raise Invalid(f"bad profile name '{profile}'")
    st = state(ctx)
    doc = read_config(st.settings)
    doc["default_profile"] = profile
    doc.setdefault("profiles", {}).setdefault(profile, {})
    write_config(st.settings, doc)
    st.out.success(f"default profile is now {profile}")


@app.command()
def profiles(ctx: typer.Context) -> None:
    """The profiles in the config file."""
    st = state(ctx)
    s = st.settings
    names = sorted(set(s.profiles) | {"default"})
    rows = [
        {
            "id": n,
            "current": n == s.profile,
            **{k: v for k, v in s.profiles.get(n, {}).items() if k != "mongo_url"},
        }
        for n in names
    ]
    st.out.items(
        rows,
        [("id", "Profile"), ("current", "Current"), ("db", "Database"), ("api_url", "Server")],
        title="Profiles",
    )


@app.command()
def path(ctx: typer.Context) -> None:
    """Where the config file, data and credentials live."""
    st = state(ctx)
    s = st.settings
    st.out.item(
        {
            "config_file": str(s.config_file),
            "data_dir": str(s.data_dir),
            "db": str(s.db_path),
            "secret": str(s.secret_path),
            "credentials_file": str(s.config_dir / "credentials.json"),
        },
        [
            ("config_file", "Config"),
            ("data_dir", "Data"),
            ("db", "Database"),
            ("secret", "Secret"),
            ("credentials_file", "Credentials file"),
        ],
        id_key="config_file",
    )


EnvPath = Annotated[
    str | None, typer.Argument(help="The .env file (default: ./.env).", show_default=False)
]


def _env_file(path: str | None) -> Any:

    p = Path(path or ".env").expanduser()
    return p if p.is_absolute() else Path.cwd() / p


@app.command("trust-env")
def trust_env(ctx: typer.Context, path: EnvPath = None) -> None:
    """Let arangetram read this .env (as it is now; a changed file needs trusting again)."""

    st = state(ctx)
    p = _env_file(path)
    if not p.exists():
        raise NotFound(f"no such file: {p}", hint="give the path of a .env file")
    try:
        data, resolved = read_env_file(p)
        names = sorted(parse_dotenv(data.decode("utf-8")))
    except (OSError, ValueError) as e:
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise Invalid(f"cannot trust {p}: {why}", hint="trust a readable UTF-8 file") from None
    config_dir = config_dir_from()  # the real environment's, as the reader uses
    trusted = read_trust(config_dir)
    trusted[str(resolved)] = hashlib.sha256(data).hexdigest()
    write_trust(config_dir, trusted)
    shown = ", ".join(names) if names else "nothing"
    st.out.success(f"trusted {resolved} (sets {shown}); it is read while it stays unchanged")
    for name in sorted(ENV_ONLY.intersection(names)):
        st.out.note(f"note: {name} is never read from a .env; set it in the environment")
    if st.out.format in ("json", "jsonl") and not st.out.quiet:
        doc = {"path": str(resolved), "sha256": trusted[str(resolved)], "variables": names}
        st.out.item(doc, [], id_key="path")


@app.command("untrust-env")
def untrust_env(ctx: typer.Context, path: EnvPath = None) -> None:
    """Stop reading this .env (it is ignored again)."""

    st = state(ctx)
    p = _env_file(path)
    resolved = str(p.resolve())
    config_dir = config_dir_from()
    trusted = read_trust(config_dir)
    key = resolved if resolved in trusted else str(p) if str(p) in trusted else None
    if key is None:
        raise NotFound(f"{resolved} is not trusted", hint="see: arangetram config show")
    del trusted[key]
    write_trust(config_dir, trusted)
    st.out.success(f"{key} is no longer trusted")


# AI provider keys (their own module, with the AI client it needs), listed last and
# imported only when one of them runs.
lazy_commands(
    app,
    set_key="arangetram_cli.cli.llm_config:set_key",
    delete_key="arangetram_cli.cli.llm_config:delete_key",
    llm="arangetram_cli.cli.llm_config:llm",
)
