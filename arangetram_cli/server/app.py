"""The app factory: `create_app(store_factory, secret)` builds the FastAPI application.

Tests build it directly; `arangetram serve` builds it from the profile's settings. The store
is opened once, on first use, and shared by all requests (SQLite keeps one connection per
thread; pymongo pools); each request gets its own planner (`RequestPlanner`), whose token is
verified once per request through a small cache of verified tokens (expiry re-checked on
every use). On SQLite, read-only handlers call the planner on the event loop (a local read is
cheaper than the thread-pool hop); on MongoDB every call goes to the thread pool.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from arangetram_cli import __version__
from arangetram_cli.core import security
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.server import (
    ai,
    deps,
    errors,
    images,
    routes,
    together_routes,
    workspace_routes,
)
from arangetram_cli.server.guard import (
    AiBuckets,
    Guard,
    Refused,
    bearer,
    hot_answer,
    hot_inline,
)
from arangetram_cli.server.limits import Limits
from arangetram_cli.server.ratelimit import DEFAULT_AUTH_RATE, Rate, TokenBuckets
from arangetram_cli.server.routes import hot_read
from arangetram_cli.store.base import Doc, Store

SERVER_HEADER = "X-Arangetram-API"  # marks our server: clients use the /api/v1 additions
LOCAL_FRONT_ENDS = (  # CORS with no CORS_ORIGINS on a loopback bind: the usual dev servers
    "http://localhost:3000",
    "http://127.0.0.1:3000",
    "http://localhost:5173",
    "http://127.0.0.1:5173",
)
_TOKEN_CACHE = 4096  # verified tokens kept per worker (a few hundred KB at most)


class RequestPlanner(LocalPlanner):
    """A LocalPlanner for one request: its token is checked through the app's cache of
    verified tokens (the signature once, the expiry and the account on every request)."""

    def __init__(self, state: AppState, token: str | None) -> None:
        super().__init__(state.store(), state.secret, token=token)
        self._state = state

    def _token_payload(self, token: str) -> Doc:
        return self._state.verify(token)


class AppState:
    def __init__(
        self,
        store_factory: Callable[[], Store],
        secret: str | Callable[[], str],
        auth_rate: Rate | None,
        limits: Limits | None = None,
    ) -> None:
        self._factory = store_factory
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._secret = secret
        self.auth_buckets = TokenBuckets(auth_rate) if auth_rate else None
        self.limits = limits or Limits()
        self.ai_buckets = AiBuckets(self.limits)
        rsvp = self.limits.rsvp_rate  # (per link, per address: five times that)
        self.rsvp_buckets = (
            None
            if rsvp is None
            else (TokenBuckets(rsvp), TokenBuckets(Rate(rsvp.burst * 5, rsvp.per_minute * 5)))
        )
        self.inline = False  # read handlers call the store on the event loop (SQLite)
        self._tokens: dict[str, tuple[dict[str, Any], int]] = {}

    def store(self) -> Store:
        if self._store is None:
            with self._lock:
                if self._store is None:
                    store = self._factory()
                    self.inline = getattr(store, "kind", "") == "sqlite"
                    self._store = store
        return self._store

    def planner(self, authorization: str | None) -> RequestPlanner:
        return RequestPlanner(self, bearer(authorization))

    def verify(self, token: str) -> dict[str, Any]:
        """The token's verified payload (AuthRequired when it is not valid now)."""
        hit = self._tokens.get(token)
        if hit is not None and hit[1] > time.time():
            return hit[0]
        payload = security.decode_token(token, self.secret)
        if len(self._tokens) >= _TOKEN_CACHE:
            self._tokens.clear()
        self._tokens[token] = (payload, int(payload["exp"]))
        return payload

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


class ArangetramAPI(FastAPI):
    """FastAPI, with the hot reads (routes.hot_read) answered in front of its stack when the
    store is SQLite and the request has no Origin header (a cross-origin request takes the
    whole stack, CORS included). Their answers carry the same headers as the stack's."""

    arangetram: AppState

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            read = hot_read(scope["path"], scope["query_string"])
            if (
                read is not None
                and hot_inline(self.arangetram)
                and not any(name == b"origin" for name, _ in scope["headers"])
            ):
                await hot_answer(self.arangetram, read, scope, receive, send, self._extra)
                return
        await super().__call__(scope, receive, send)

    _extra: ClassVar[list[tuple[bytes, bytes]]] = [
        (SERVER_HEADER.lower().encode(), __version__.encode()),
        (b"vary", b"Origin"),
    ]


def parse_origins(text: str | None) -> list[str]:
    return [o.strip().rstrip("/") for o in (text or "").split(",") if o.strip()]


def default_origins(text: str | None, loopback: bool) -> list[str]:
    """CORS origins: CORS_ORIGINS when set (`none` or empty: no origin); unset, the local
    front-end dev servers on a loopback bind and none elsewhere."""
    if text is None:
        return list(LOCAL_FRONT_ENDS) if loopback else []
    if text.strip().lower() == "none":
        return []
    return parse_origins(text)


def create_app(
    store_factory: Callable[[], Store],
    secret: str | Callable[[], str],
    *,
    cors_origins: Sequence[str] = (),
    auth_rate: Rate | None = DEFAULT_AUTH_RATE,
    limits: Limits | None = None,
) -> FastAPI:
    state = AppState(store_factory, secret, auth_rate, limits)
    security.pyjwt()  # import the token library once, before any request thread needs it

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = ArangetramAPI(
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
    app.arangetram = state
    errors.install(app)

    @app.exception_handler(deps.RateLimited)
    async def _limited(_: Any, exc: deps.RateLimited) -> Any:
        return deps.rate_limited_response(exc)

    @app.exception_handler(Refused)
    async def _refused(_: Any, exc: Refused) -> Any:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    routes.add_hot_routes(app)  # first: matched before the routers' routes are scanned
    app.include_router(routes.api)
    app.include_router(routes.v1)
    app.include_router(ai.router)
    app.include_router(images.router)

    app.include_router(workspace_routes.router)
    app.include_router(together_routes.router)  # members, guests, the RSVP page
    app.include_router(together_routes.pages)

    app.add_middleware(Guard, state=state, limits=state.limits)
    # Always present, so a preflight is answered (200 for an allowed origin, 400 without CORS
    # headers for any other) rather than 405, and refusals carry CORS headers too.
    origins = list(cors_origins)
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
