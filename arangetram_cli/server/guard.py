"""What `arangetram serve` checks before a handler runs, and while a body arrives.

One pure ASGI middleware, so every check happens before the body is read or parsed:
- a declared `Content-Length` over the limit is a 413 at once (nothing read); a chunked or
  under-declared body is counted as it arrives and cut off with a 413 past the limit;
- the whole body must arrive within the body timeout (408), so a slow sender cannot hold a
  request open forever;
- the auth endpoints' rate limit (per client address) is taken before their body is read;
- the AI endpoints refuse a caller without a valid token (401) and take the per-address AI
  rate limit before their body is read; the handler then checks the account (deleted users,
  the per-user rate limit, the guest quota: `ai_gate`).

Requests without a body (GET, HEAD, OPTIONS, DELETE) pass straight through.
Refusals close the connection, so an abusive client has to connect again.

`hot_answer` serves the hot reads (`routes.hot_read`: vendors, a vendor, the caller's
events...) on SQLite in front of the whole FastAPI stack (app.py), on the event loop: the
planner's read is a local SQLite query, cheaper than both the thread-pool hop and the
framework's per-route work.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pydantic_core import to_json
from starlette.exceptions import HTTPException

from arangetram_cli.core.errors import ArangetramError, AuthRequired
from arangetram_cli.media.images import human_size
from arangetram_cli.server.errors import error_parts, error_response
from arangetram_cli.server.limits import Limits
from arangetram_cli.server.ratelimit import Rate, TokenBuckets

AUTH_PATHS = frozenset({"/api/auth/register", "/api/auth/login", "/api/auth/guest"})
AI_PATHS = frozenset(
    {
        "/api/ai/chat",
        "/api/ai/recommendations",
        "/api/v1/ai/chat/completions",
        "/api/v1/ai/recommendations",
    }
)
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
GUEST_QUOTA_HINT = "register for an account: arangetram auth register"


class Refused(HTTPException):
    """An HTTP refusal raised from `receive` (body too large, too slow): rendered by the app's
    exception handler as `{"detail"}` with the status, closing the connection. (An
    HTTPException, so FastAPI's body reader lets it through rather than answering 400.)"""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, detail, {"Connection": "close", **(headers or {})})
        self.status = status


def client_host(scope: Any) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def authorization(scope: Any) -> str | None:
    """The request's Authorization header: the first, as Starlette's `request.headers` reads
    it (so the guard checks the token the route will use)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None. The guard and
    AppState.planner both read it here."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def size_text(n: int) -> str:
    """1048576 -> '1 MiB (1,048,576 bytes)': media.images.human_size, and the exact count."""
    return f"{human_size(n)} ({n:,} bytes)"


async def respond(
    send: Any, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    raw = to_json(body)
    hdrs = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(raw)).encode()),
        (b"connection", b"close"),
    ]
    hdrs += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": raw})


def retry_after_body(buckets: TokenBuckets, wait: float, what: str) -> tuple[dict, dict]:
    secs = buckets.retry_after(wait)
    return (
        {"detail": f"Too many {what}; try again in {secs} s"},
        {"Retry-After": str(secs)},
    )


class AiBuckets:
    """The AI endpoints' limits: per client address, per user, and the guests' daily quota."""

    def __init__(self, limits: Limits) -> None:
        self.per_ip = TokenBuckets(limits.ai_ip_rate) if limits.ai_ip_rate else None
        self.per_user = TokenBuckets(limits.ai_rate) if limits.ai_rate else None
        quota = limits.ai_guest_quota
        self.guest_quota = quota
        self.guests = TokenBuckets(Rate(burst=quota, per_minute=quota / 1440)) if quota else None


class Guard:
    def __init__(self, app: Any, state: Any, limits: Limits) -> None:
        self.app = app
        self.state = state
        self.max_body = limits.max_body
        self.body_timeout = limits.body_timeout

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in _NO_BODY:
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
        if declared is not None and declared > self.max_body:
            await respond(
                send,
                413,
                {
                    "detail": f"Request body too large: {declared:,} bytes; this server takes "
                    f"at most {size_text(self.max_body)}"
                },
            )
            return
        path = scope["path"]
        if path in AUTH_PATHS and scope["method"] == "POST":
            buckets = self.state.auth_buckets
            wait = buckets.take(client_host(scope)) if buckets else 0.0
            if wait:
                body, headers = retry_after_body(buckets, wait, "requests")
                await respond(send, 429, body, headers)
                return
        elif path in AI_PATHS:
            refusal = self._ai_precheck(scope)
            if refusal is not None:
                await respond(send, *refusal)
                return
        await self.app(scope, self._counted(receive), send)

    def _ai_precheck(self, scope: Any) -> tuple[int, dict, dict] | None:
        ai = self.state.ai_buckets
        if ai.per_ip is not None:
            wait = ai.per_ip.take(client_host(scope))
            if wait:
                return (429, *retry_after_body(ai.per_ip, wait, "AI requests from this address"))
        token = bearer(authorization(scope))
        try:
            if token is None:
                raise AuthRequired(
                    "Not authenticated",
                    hint="the assistant needs an account: arangetram auth login, or auth guest",
                )
            self.state.verify(token)
        except ArangetramError as e:
            return error_parts(e)
        return None

    def _counted(self, receive: Any) -> Any:
        """`receive` that counts body bytes and gives the body a deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        max_body = self.max_body
        seen = 0
        done = False

        async def counted() -> Any:
            nonlocal seen, done
            if done:  # the body is in: later calls wait for a disconnect, untimed
                return await receive()
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), remaining)
            except TimeoutError:
                raise Refused(
                    408, f"Request body not received within {self.body_timeout:g} s"
                ) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_body:
                    raise Refused(
                        413,
                        f"Request body too large: over {size_text(max_body)}, the most this "
                        "server takes",
                    )
                if not message.get("more_body", False):
                    done = True
            else:
                done = True
            return message

        return counted


def hot_inline(state: Any) -> bool:
    """True when the hot reads may run on the event loop (the store is SQLite)."""
    try:
        state.store()
    except Exception:  # an unreachable store: the app's handlers answer (503)
        return False
    return state.inline


async def hot_answer(
    state: Any, read: Any, scope: Any, receive: Any, send: Any, extra: list
) -> None:
    """Answer a hot read as its FastAPI route would (same status, body and errors)."""
    try:
        body = to_json(read(state.planner(authorization(scope))))
    except ArangetramError as e:
        response = error_response(e)
        response.raw_headers += extra
        await response(scope, receive, send)
        return
    except Exception:
        logging.getLogger("arangetram.server").exception("unhandled error on GET %s", scope["path"])
        body, status = b'{"detail":"Internal server error"}', 500
    else:
        status = 200
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
