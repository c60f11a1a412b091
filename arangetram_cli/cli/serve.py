"""`arangetram serve`: the platform's REST API over this profile's store (SQLite or MongoDB).

Needs the optional extra: pip install 'arangetram-cli[server]' (FastAPI + uvicorn), imported
only when the command runs.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from arangetram_cli.cli.context import open_store, secret_for, state
from arangetram_cli.config import load_settings
from arangetram_cli.core.errors import Invalid
from arangetram_cli.server.limits import Limits
from arangetram_cli.server.ratelimit import rate_from_env

if TYPE_CHECKING:
    from arangetram_cli.config import Settings


app = typer.Typer(rich_markup_mode=None, add_completion=False)


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_settings(settings: Settings) -> Settings:
    """The profile's store settings; an api_url (remote mode) has no meaning for a server."""
    return dataclasses.replace(settings, api_url=None)


HOST_ENV = "ARANGETRAM_SERVE_HOST"  # the bound address, for `--workers` processes


def cors_origins(host: str) -> list[str]:
    from arangetram_cli.server.app import default_origins

    return default_origins(os.environ.get("CORS_ORIGINS"), is_loopback(host))


def build_app(settings: Settings, host: str = "127.0.0.1") -> Any:
    """The app for these settings; CORS, the auth rate limit and the limits from the
    environment."""
    from arangetram_cli.server.app import create_app

    settings = server_settings(settings)
    secret = secret_for(settings)
    return create_app(
        lambda: open_store(settings),
        secret() if callable(secret) else secret,
        cors_origins=cors_origins(host),
        auth_rate=rate_from_env(),
        limits=Limits.from_env(),
    )


def app_from_env() -> Any:
    """uvicorn's factory for `--workers N` (each worker process builds its own app)."""

    settings = load_settings(os.environ.get("ARANGETRAM_PROFILE") or None)
    return build_app(settings, os.environ.get(HOST_ENV) or "127.0.0.1")


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind. Anything but loopback needs JWT_SECRET.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 1,
    log_level: Annotated[
        str, typer.Option("--log-level", help="critical, error, warning, info or debug.")
    ] = "info",
) -> None:
    """Serve the platform's REST API over this profile's store (SQLite or MongoDB).

    Contract endpoints under /api, additive ones under /api/v1, OpenAPI at /api/openapi.json.

    JWT_SECRET signs tokens (required off loopback).

    CORS_ORIGINS: comma-separated web origins allowed to call the API (unset: the local
    front-end dev servers on ports 3000 and 5173 when bound to loopback, none otherwise).

    ARANGETRAM_AUTH_RATE_LIMIT: burst/per-minute on the auth endpoints (default 10/30, off).

    Request limits (ARANGETRAM_MAX_BODY, ..._HEADER_TIMEOUT, ..._MAX_CONNECTIONS, the AI
    limits): see docs/remote.md.
    ARANGETRAM_RSVP_RATE_LIMIT: burst/per-minute per RSVP link (default 20/30, off).
    """

    st = state(ctx)
    settings = server_settings(st.settings)
    if log_level.lower() not in ("critical", "error", "warning", "info", "debug"):
        raise Invalid(
            f"--log-level must be critical, error, warning, info or debug, not '{log_level}'"
        )
    if not is_loopback(host) and not settings.jwt_secret:
        raise Invalid(
            f"JWT_SECRET must be set to serve on {host} (not a loopback address)",
            hint="export JWT_SECRET=$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')",
        )
    rate = rate_from_env()  # a bad value is a usage error now, not in a worker later
    limits = Limits.from_env()  # its rates too (ARANGETRAM_RSVP_RATE_LIMIT among them)
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise Invalid(  # a usage problem (exit 2): this install lacks the server extra
            "serve needs FastAPI and uvicorn", hint="pip install 'arangetram-cli[server]'"
        ) from None
    from arangetram_cli.server.transport import uvicorn_settings

    origins = cors_origins(host)

    # Fail fast, with one line, when the store or the secret is unusable.

    secret = secret_for(settings)
    if callable(secret):
        secret()
    store = open_store(settings)
    try:
        store.ping()
        where = store.location
    finally:
        store.close()

    url_host = f"[{host}]" if ":" in host else host
    print(
        f"serving the Arangetram API on http://{url_host}:{port}/api "
        f"({settings.mode} store {where}; profile {settings.profile}; "
        f"CORS {', '.join(origins) or 'off'}; auth rate limit "
        f"{f'{rate.burst}/{rate.per_minute:g} per minute' if rate else 'off'}; "
        f"body limit {limits.max_body:,} bytes)",
        file=sys.stderr,
        flush=True,
    )
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        **uvicorn_settings(limits, log_level.lower()),
    }
    if workers > 1:
        os.environ["ARANGETRAM_PROFILE"] = settings.profile
        os.environ[HOST_ENV] = host
        os.environ.pop("ARANGETRAM_API_URL", None)
        uvicorn.run(
            "arangetram_cli.cli.serve:app_from_env", factory=True, workers=workers, **common
        )
    else:
        uvicorn.run(build_app(settings, host), **common)
