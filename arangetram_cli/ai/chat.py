"""One answer, streamed: the seam between the CLI (or the server) and whoever answers.

`answer_stream(planner, messages, event_ref, provider=..., offline=...)` builds the context
through the Planner port (the event, its chosen vendors and booking requests, the relevant
part of the catalog), then streams either a provider's answer (ai/client.py) or the offline
planner's (ai/offline.py). `LocalPlanner.ask_stream` is this function over itself; a
`RemotePlanner.ask_stream` streams the server's answer instead (see planner/base.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from arangetram_cli.ai import offline as offline_planner
from arangetram_cli.ai.client import ChatClient
from arangetram_cli.ai.history import provider_messages
from arangetram_cli.ai.prompt import event_context, system_prompt
from arangetram_cli.store.base import Doc

OFFLINE_SOURCE = "offline"


@dataclass
class AnswerStream:
    """Text chunks as they arrive. Iterating may raise AuthRequired, Invalid or Unavailable
    after some chunks: what came before stays valid (an incomplete answer)."""

    chunks: Iterator[str]
    source: str  # "offline", or "provider/model"
    client: Any = None  # the ChatClient, when a provider answers (timings, counters)

    @property
    def offline(self) -> bool:
        return self.source == OFFLINE_SOURCE

    def __iter__(self) -> Iterator[str]:
        return iter(self.chunks)


def last_question(messages: list[Doc]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            return str(m.get("content") or "")
    return ""


def answer_stream(
    planner: Any,
    messages: list[Doc],
    event_ref: str | None = None,
    *,
    provider: Any = None,
    offline: bool = False,
    event: Doc | None = None,
    booked_on: Any = None,
    debug: bool = False,
    today: dt.date | None = None,
) -> AnswerStream:
    """`event` gives the event itself instead of a reference: the contract's POST /api/ai/chat
    sends only {event_date, guest_count, budget, location}, which a server turns into an
    unsaved event document (no id: no chosen vendors or bookings)."""

    question = last_question(messages)
    if event is None and event_ref:
        event = planner.get_event(event_ref)
    ctx = event_context(planner, event) if event is not None else None
    if offline or provider is None:
        reason = "--offline was given" if offline else "no AI provider is configured"
        chunks = offline_planner.answer(
            planner, question, ctx, reason=reason, booked_on=booked_on, today=today
        )
        return AnswerStream(chunks, OFFLINE_SOURCE)

    system = system_prompt(planner, question, ctx, today=today)
    client = ChatClient(provider, debug=debug)
    wire = [{"role": "system", "content": system}, *provider_messages(messages)]
    return AnswerStream(client.stream(wire), provider.source, client)
