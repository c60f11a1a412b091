"""The AI endpoints of `arangetram serve`: the contract's POST /api/ai/chat (routes.py) and the
additive, streaming POST /api/v1/ai/chat/completions and POST /api/v1/ai/recommendations.

The provider is the SERVER's (its ARANGETRAM_LLM_* / GEMINI_API_KEY / ... environment, then its
./.env if trusted with `config trust-env`; never a key stored in a keyring); with none
configured the offline planner answers and says so. Failures are real HTTP errors (never
the web back end's 200 apology): before any text they are the status below; once text has
streamed, one SSE event `data: {"error": {"message", "code"}}` ends the stream (no `[DONE]`).

Provider failures: the provider refused the server's key or its request -> 502; unreachable,
timed out, over quota or cut off -> 503; the server's provider settings are wrong -> 503.

Every AI endpoint spends the operator's provider, so it needs a logged-in caller (guests: a
small daily quota), has its own rate limits, and caps the messages (guard.py, `ai_gate`,
`check_size`; the numbers in limits.py and docs/remote.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from arangetram_cli.ai.client import llm_env, resolve_provider, sse_chunk
from arangetram_cli.core.errors import ArangetramError, AuthRequired, Invalid, Unavailable
from arangetram_cli.core.recommend import DEFAULT_BUDGET, DEFAULT_GUESTS, DEFAULT_LOCATION
from arangetram_cli.core.values import check_price_range, normalize_category
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.server.deps import P, TooLarge, ai_gate
from arangetram_cli.store.base import Doc

log = logging.getLogger("arangetram.server")
ADMIN_HINT = "the server's administrator must check its AI provider settings"


class ProviderFailed(ArangetramError):
    """The server's AI provider failed (502: it refused the key or the request)."""

    exit_code = 6
    http_status = 502


class ProviderUnavailable(Unavailable):
    """The server's AI provider could not answer (503)."""


def server_provider() -> Any:
    """The server's provider config, or None (the offline planner answers)."""

    try:
        return resolve_provider(llm_env())
    except ArangetramError as e:
        raise ProviderUnavailable(
            f"the AI provider of this server is misconfigured: {e.message}", hint=ADMIN_HINT
        ) from None


def provider_error(e: ArangetramError, stream: Any) -> ArangetramError:
    """A failure while streaming as what the caller should see: a provider's refusal is not
    the caller's fault (no 401/400 for them)."""
    if getattr(stream, "client", None) is None or isinstance(
        e, (ProviderFailed, ProviderUnavailable)
    ):
        return e
    if isinstance(e, (AuthRequired, Invalid)):
        return ProviderFailed(f"the AI provider failed: {e.message}", hint=ADMIN_HINT)
    return ProviderUnavailable(e.message, hint=e.hint)


def unsaved_event(ctx: Doc) -> Doc:
    """The contract's event_context {event_date, guest_count, budget, location} as an unsaved
    event document (no id: no chosen vendors or bookings)."""
    return {
        "event_name": "Your Arangetram",
        "event_date": ctx.get("event_date") or "",
        "event_time": "",
        "guest_count": ctx.get("guest_count") or DEFAULT_GUESTS,
        "budget": ctx.get("budget") or DEFAULT_BUDGET,
        "location_preference": ctx.get("location") or DEFAULT_LOCATION,
        "special_requirements": "",
        "selected_vendors": [],
        "status": "planning",
    }


def open_stream(
    p: LocalPlanner,
    messages: list[Doc],
    event_ref: str | None = None,
    *,
    event: Doc | None = None,
    offline: bool = False,
) -> Any:
    provider = None if offline else server_provider()
    return p.ask_stream(messages, event_ref, provider=provider, offline=offline, event=event)


def join(stream: Any) -> str:
    try:
        return "".join(stream)
    except ArangetramError as e:
        raise provider_error(e, stream) from None


def _prime(stream: Any) -> tuple[str | None, Iterator[str]]:
    """The first chunk (errors before any text are HTTP errors) and the rest."""
    it = iter(stream)
    try:
        return next(it), it
    except StopIteration:
        return None, iter(())
    except ArangetramError as e:
        raise provider_error(e, stream) from None


def _error_event(err: ArangetramError) -> str:
    body = {"error": {"message": err.message, "code": str(err.status())}}
    if err.hint:
        body["error"]["hint"] = err.hint
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def sse(stream: Any, first: str | None, rest: Iterator[str]) -> Iterator[str]:
    model = stream.source
    if first:
        yield sse_chunk(first, model)
    try:
        for chunk in rest:
            yield sse_chunk(chunk, model)
    except ArangetramError as e:
        yield _error_event(provider_error(e, stream))
        return
    except Exception:
        log.exception("AI stream failed")
        yield _error_event(Unavailable("Internal server error"))
        return
    yield "data: [DONE]\n\n"


# ---- /api/v1 ------------------------------------------------------------------------------
class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ChatMessage(_Body):
    role: Literal["system", "user", "assistant"]
    content: str = ""


class CompletionIn(_Body):
    """OpenAI's chat-completions body (model and other fields are ignored: the server picks
    its provider), plus `event_id` (an event of the caller's) and `offline`. How many
    messages and how much text: `check_size` (the server's limits)."""

    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = True
    event_id: str | None = Field(default=None, max_length=100)
    offline: bool = False


class RecommendV1In(_Body):
    event_id: str | None = Field(default=None, max_length=100)
    event_date: str | None = Field(default=None, max_length=40)
    guest_count: int | None = Field(default=None, ge=0, le=1_000_000)
    budget: str | None = Field(default=None, max_length=4)
    location: str | None = Field(default=None, max_length=200)
    categories: list[str] | None = Field(default=None, max_length=20)
    limit: int = Field(default=3, ge=1, le=20)


def check_size(texts: list[str], request: Request) -> None:
    """The AI limits on a request's messages: how many (422) and their text in all (413)."""

    limits = request.app.state.arangetram.limits
    if len(texts) > limits.ai_max_messages:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "messages"),
                    "msg": f"at most {limits.ai_max_messages} messages, not {len(texts)}",
                    "type": "too_long",
                }
            ]
        )
    total = sum(len(t) for t in texts)
    if total > limits.ai_max_chars:
        raise TooLarge(
            f"Messages too long: {total:,} characters; this server takes at most "
            f"{limits.ai_max_chars:,} in one request",
            hint="ask a shorter question, or start a new conversation",
        )


router = APIRouter(prefix="/api/v1", tags=["v1 (additive)"])


@router.post(
    "/ai/chat/completions",
    summary="The planning assistant, OpenAI-style (streamed as server-sent events)",
    response_model=None,
)
def chat_completions(body: CompletionIn, p: P, request: Request) -> Any:
    check_size([m.content for m in body.messages], request)
    ai_gate(request, p)
    messages = [m.model_dump() for m in body.messages]
    if not any(m["role"] == "user" and m["content"].strip() for m in messages):
        raise Invalid("messages: a question (a user message with text) is required")
    stream = open_stream(p, messages, body.event_id, offline=body.offline)
    if not body.stream:
        text = join(stream)
        return JSONResponse(
            {
                "object": "chat.completion",
                "model": stream.source,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
            }
        )
    first, rest = _prime(stream)
    return StreamingResponse(
        sse(stream, first, rest),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post("/ai/recommendations", summary="Recommendations for an event or criteria")
def recommendations(body: RecommendV1In, p: P, request: Request) -> Doc:
    ai_gate(request, p)
    if body.budget is not None:
        try:
            check_price_range(body.budget)
        except ValueError as e:
            raise Invalid(f"budget: {e}") from None
    cats = [normalize_category(c) for c in body.categories or [] if c.strip()] or None
    return p.recommend(
        body.event_id,
        event_date=body.event_date,
        guest_count=body.guest_count,
        budget=body.budget,
        location=body.location,
        categories=cats,
        limit=body.limit,
    )
