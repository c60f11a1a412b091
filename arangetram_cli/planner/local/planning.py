"""The assistant: recommendations and answers over this planner (core.recommend, ai.chat)."""

from __future__ import annotations

from typing import Any

from arangetram_cli.planner.local.base import LocalBase
from arangetram_cli.store.base import (
    Doc,
)


class PlanningService(LocalBase):
    def recommend(
        self,
        event_ref: str | None = None,
        *,
        event_date: str | None = None,
        guest_count: int | None = None,
        budget: str | None = None,
        location: str | None = None,
        categories: list[str] | None = None,
        limit: int = 3,
    ) -> Doc:
        from arangetram_cli.core.recommend import recommend_for

        event = self._own_event(event_ref) if event_ref else None
        return recommend_for(
            self,
            event=event,
            event_date=event_date,
            guest_count=guest_count,
            budget=budget,
            location=location,
            categories=categories,
            limit=limit,
            booked_on=self.store.bookings.vendors_booked_on,
        )

    def ask_stream(
        self,
        messages: list[Doc],
        event_ref: str | None = None,
        *,
        provider: Any = None,
        offline: bool = False,
        event: Doc | None = None,
        debug: bool = False,
    ) -> Any:
        from arangetram_cli.ai.chat import answer_stream

        return answer_stream(
            self,
            messages,
            event_ref,
            provider=provider,
            offline=offline,
            event=event,
            booked_on=self.store.bookings.vendors_booked_on,
            debug=debug,
        )
