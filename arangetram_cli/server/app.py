"""The app factory: `create_app(store_factory, secret)` builds the FastAPI application.

Tests build it directly; `arangetram serve` builds it from the profile's settings. The store
is opened once, on first use, and shared by all requests (SQLite keeps one connection per
thread; pymongo pools); each request gets its own LocalPlanner.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from fastapi import FastAPI

from arangetram_cli import __version__
from arangetram_cli.server import errors
from arangetram_cli.server.ratelimit import DEFAULT_AUTH_RATE, Rate, TokenBuckets
from arangetram_cli.store.base import Store

SERVER_HEADER = "X-Arangetram-API"  # marks our server: clients use the /api/v1 additions


class AppState:
    def __init__(
        self,
        store_factory: Callable[[], Store],
        secret: str | Callable[[], str],
        auth_rate: Rate | None,
    ) -> None:
        self._factory = store_factory
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._secret = secret
        self.auth_buckets = TokenBuckets(auth_rate) if auth_rate else None

    def store(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = self._factory()
        return self._store

    @property
    def secret(self) -> str:
        if callable(self._secret):
            with self._lock:
                if callable(self._secret):
                    self._secret = self._secret()
        return self._secret  # type: ignore[return-value]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class _MarkServer:
    """Pure ASGI middleware: adds the X-Arangetram-API header to every response."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.value = __version__.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((SERVER_HEADER.lower().encode(), self.value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_marked)


def parse_origins(text: str | None) -> list[str]:
    return [o.strip().rstrip("/") for o in (text or "").split(",") if o.strip()]


def create_app(
    store_factory: Callable[[], Store],
    secret: str | Callable[[], str],
    *,
    cors_origins: Sequence[str] = (),
    auth_rate: Rate | None = DEFAULT_AUTH_RATE,
) -> FastAPI:
    from fastapi.middleware.cors import CORSMiddleware

    from arangetram_cli.server import ai, images, routes

    state = AppState(store_factory, secret, auth_rate)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Arangetram Planning API",
        version=__version__,
        description="The planning platform's REST API (api-contract.md) plus additive /api/v1 "
        "endpoints. Served by `arangetram serve`.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.arangetram = state
    errors.install(app)

    @app.exception_handler(routes.RateLimited)
    async def _limited(_: Any, exc: routes.RateLimited) -> Any:
        return routes.rate_limited_response(exc)

    app.include_router(routes.api)
    app.include_router(routes.v1)
    app.include_router(ai.router)
    app.include_router(images.router)
    from arangetram_cli.server import workspace_routes

    app.include_router(workspace_routes.router)
    from arangetram_cli.server import together_routes  # members, guests, the RSVP page

    app.include_router(together_routes.router)
    app.include_router(together_routes.pages)

    origins = list(cors_origins)
    if origins:
        wildcard = "*" in origins
        app.add_middleware(
            CORSMiddleware,
            allow_origins=["*"] if wildcard else origins,
            allow_credentials=not wildcard,  # never credentials for any origin
            allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After", SERVER_HEADER],
            max_age=600,
        )
    app.add_middleware(_MarkServer)
    return app
