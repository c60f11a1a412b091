"""What every route of `arangetram serve` shares: the caller's planner, the answer of a
read-only handler, the AI gate (rate limits, guests' quota) and the errors with their own
status (413, 429). Imports core, planner.local and server.guard; no route module."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from arangetram_cli.core.errors import Forbidden, Invalid
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.server.guard import GUEST_QUOTA_HINT
from arangetram_cli.store.base import Doc


def planner(request: Request) -> LocalPlanner:
    return request.app.state.arangetram.planner(request.headers.get("authorization"))


class JSONBytes(Response):
    media_type = "application/json"


async def answer(request: Request, read: Callable[[LocalPlanner], Any]) -> Response:
    """A read-only handler's answer: `read(planner)` on the event loop for SQLite (a local
    read costs less than the thread-pool hop), in the thread pool for MongoDB; the result
    serialized once."""
    state = request.app.state.arangetram
    p = state.planner(request.headers.get("authorization"))
    if state.inline:
        return JSONBytes(to_json(read(p)))
    return JSONBytes(to_json(await run_in_threadpool(read, p)))


class RateLimited(Exception):
    def __init__(self, retry_after: int, detail: str | None = None, hint: str | None = None):
        super().__init__("Too many requests")
        self.retry_after = retry_after
        self.detail = detail or f"Too many requests; try again in {retry_after} s"
        self.hint = hint


def rate_limited_response(exc: RateLimited) -> JSONResponse:
    body = {"detail": exc.detail}
    if exc.hint:
        body["hint"] = exc.hint
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(exc.retry_after)})


def ai_gate(request: Request, p: LocalPlanner) -> Doc:
    """The AI endpoints' caller: a valid, existing account (401 otherwise), within the
    per-user rate limit and, for a guest, the guests' daily quota (429)."""
    user = p.current_user()
    ai = request.app.state.arangetram.ai_buckets
    if user.get("user_type") == "guest":
        if ai.guests is None:
            raise Forbidden("Guests cannot use the assistant on this server", hint=GUEST_QUOTA_HINT)
        wait = ai.guests.take(user["id"])
        if wait:
            secs = ai.guests.retry_after(wait)
            raise RateLimited(
                secs,
                f"Guest AI quota used up ({ai.guest_quota} requests a day); try again in {secs} s",
                GUEST_QUOTA_HINT,
            )
    if ai.per_user is not None:
        wait = ai.per_user.take(user["id"])
        if wait:
            secs = ai.per_user.retry_after(wait)
            raise RateLimited(secs, f"Too many AI requests; try again in {secs} s")
    return user


class TooLarge(Invalid):
    """413: the request is larger than this server takes."""

    http_status = 413


P = Annotated[LocalPlanner, Depends(planner)]
