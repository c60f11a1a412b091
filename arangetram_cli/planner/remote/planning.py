"""The assistant and the catalog over the API: recommendations, answers, seeding, imports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from arangetram_cli.core.errors import (
    Invalid,
    Unavailable,
)
from arangetram_cli.core.values import DEFAULT_LOCATION, check_category
from arangetram_cli.planner.remote.chat import server_chat
from arangetram_cli.planner.remote.common import (
    APOLOGY,
    clean,
)
from arangetram_cli.planner.remote.plain import PlainContract
from arangetram_cli.store.base import Doc


class PlanningApi(PlainContract):
    """The assistant and the catalog over the API: recommendations, answers, seeding, imports."""

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
        if categories:
            try:
                categories = [check_category(c) for c in categories]
            except ValueError as e:
                raise Invalid(str(e)) from None
        return self.api.recommend(
            event_ref,
            event_date=event_date,
            guest_count=guest_count,
            budget=budget,
            location=location,
            categories=categories,
            limit=limit,
        )

    def _v1_recommend(
        self,
        event_ref: str | None,
        *,
        event_date: str | None,
        guest_count: int | None,
        budget: str | None,
        location: str | None,
        categories: list[str] | None,
        limit: int,
    ) -> Doc:
        path = "/api/v1/ai/recommendations"
        body = {
            "event_id": self._event_ref(event_ref) if event_ref else None,
            "event_date": event_date,
            "guest_count": guest_count,
            "budget": budget,
            "location": location,
            "categories": categories,
            "limit": limit,
        }
        return self._dict(self._call("POST", path, body=body), path, "recommendations")

    def _contract_recommend(
        self,
        event_ref: str | None,
        *,
        event_date: str | None,
        guest_count: int | None,
        budget: str | None,
        location: str | None,
        categories: list[str] | None,
        limit: int,
    ) -> Doc:
        from arangetram_cli.core.recommend import criteria_for, recommend_for

        if event_ref is not None:  # the plain back end knows no events here: client-side
            event = self.get_event(event_ref)
            result = recommend_for(
                self,
                event=event,
                event_date=event_date,
                guest_count=guest_count,
                budget=budget,
                location=location,
                categories=categories,
                limit=limit,
            )
            result["notes"].append("vendors booked on the date could not be checked on this server")
            return result
        c = criteria_for(
            None,
            event_date=event_date,
            guest_count=guest_count,
            budget=budget,
            location=location if location is not None else DEFAULT_LOCATION,
            categories=categories,
        )
        path = "/api/ai/recommendations"
        body = {
            "event_date": c.event_date or "",
            "guest_count": c.guest_count,
            "budget": c.budget,
            "location": c.location,
            "categories_needed": list(c.categories),
        }
        doc = self._dict(self._call("POST", path, body=body), path, "recommendations")
        recs = doc["recommendations"]
        if not isinstance(recs, dict) or not all(isinstance(v, list) for v in recs.values()):
            raise self._malformed(path)
        notes = [clean(n) for n in doc.get("notes") or [] if isinstance(n, str)]
        picks = {k: [v for v in vs if isinstance(v, dict)][:limit] for k, vs in recs.items()}
        if limit > 3:
            notes.append("this server recommends at most 3 vendors per category")
        return {
            "recommendations": self._with_reasons(picks, c, limit, notes),
            "criteria": doc.get("criteria") or c.as_doc(),
            "notes": notes,
        }

    def _with_reasons(
        self, picks: dict[str, list[Doc]], c: Any, limit: int, notes: list[str]
    ) -> dict[str, list[Doc]]:
        """The plain back end's recommendations made whole: it matches a region name ("Bay
        Area", its own default) as a substring of "Fremont, CA" and finds nobody, so for the
        categories it left empty the same rules run here on its catalog (a region matches
        its cities); and every vendor gets its one-line reason, which it never sends."""
        from arangetram_cli.core.recommend import reason, recommend, region_of

        empty = [cat for cat in dict.fromkeys(c.categories) if not picks.get(cat)]
        if empty and region_of(c.location):
            here = recommend(self.iter_vendors, replace(c, categories=empty), limit=limit)
            found = [cat for cat in empty if here["recommendations"].get(cat)]
            for cat in empty:
                picks[cat] = here["recommendations"].get(cat, [])
            if found:
                notes.append(
                    f"this server found no vendor in '{c.location}' (it matches the region's "
                    f"name, not its cities); chosen here from its catalog: {', '.join(found)}"
                )
            notes.extend(n for n in here["notes"] if n not in notes)
            if c.event_date:
                notes.append("vendors booked on the date could not be checked on this server")
        return {
            cat: [v if v.get("reason") else {**v, "reason": reason(v, c)} for v in vs]
            for cat, vs in picks.items()
        }

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
        """The server's answer, streamed from POST /api/v1/ai/chat/completions (its own
        provider; `provider` is ignored); against the plain web back end, the contract's
        POST /api/ai/chat (one whole answer, the last question only)."""
        return self.api.ask_stream(messages, event_ref, offline=offline, event=event, debug=debug)

    def _v1_ask_stream(
        self,
        messages: list[Doc],
        event_ref: str | None,
        *,
        offline: bool,
        event: Doc | None,
        debug: bool,
    ) -> Any:
        from arangetram_cli.ai.chat import AnswerStream
        from arangetram_cli.ai.history import provider_messages

        client = server_chat(self, debug=debug or self.debug)
        extra: Doc = {"offline": bool(offline)}
        if event_ref:
            extra["event_id"] = event_ref.strip()
        wire = provider_messages(messages)
        answer = AnswerStream(iter(()), "server", client)

        def chunks() -> Iterator[str]:
            client.cfg.api_key = self.token  # the login may be loaded after this call
            for text in client.stream(wire, extra):
                if client.seen_model:
                    answer.source = client.seen_model
                yield text

        answer.chunks = chunks()
        return answer

    def _contract_ask_stream(
        self,
        messages: list[Doc],
        event_ref: str | None,
        *,
        offline: bool,
        event: Doc | None,
        debug: bool,
    ) -> Any:
        from arangetram_cli.ai.chat import AnswerStream, last_question

        if offline:
            self.note("this server has no offline planner; its own assistant answers")
        if event is None and event_ref:
            event = self.get_event(event_ref)
        body: Doc = {"message": last_question(messages)}
        if event is not None:
            body["event_context"] = {
                "event_date": event.get("event_date"),
                "guest_count": event.get("guest_count"),
                "budget": event.get("budget"),
                "location": event.get("location_preference"),
            }
        path = "/api/ai/chat"

        def whole() -> Iterator[str]:
            doc = self._dict(self._call("POST", path, body=body), path, "response")
            text = doc["response"]
            if not isinstance(text, str):
                raise self._malformed(path)
            if " ".join(text.split()) == APOLOGY:  # its 200 for "the provider failed"
                raise Unavailable(
                    f"the assistant of {self.base} failed (it answered with its fixed apology, "
                    "which hides the cause)",
                    hint="try again later, or see the server's log; "
                    "`arangetram ask --offline` on a local profile answers from the catalog",
                )
            if text:
                yield text

        return AnswerStream(whole(), "server")

    def seed_demo(self, *, only_if_empty: bool = False) -> Doc:
        return self.api.seed_demo(only_if_empty)

    def _v1_seed_demo(self, only_if_empty: bool) -> Doc:
        path = "/api/v1/seed"
        data = self._call("POST", path, body={"only_if_empty": only_if_empty})
        return self._dict(data, path, "message", "vendor_count")

    def _contract_seed_demo(self, only_if_empty: bool) -> Doc:
        path = "/api/seed"
        doc = self._dict(self._call("POST", path), path, "message", "vendor_count")
        seeded = doc["message"] == "Database seeded successfully"
        doc.setdefault("added", doc["vendor_count"] if seeded else 0)
        if not seeded and not only_if_empty:
            self.note(
                "this server seeds only an empty catalog; missing demo vendors were not added"
            )
        return doc

    def import_vendors(self, docs: Iterable[Doc], *, upsert: bool = False) -> tuple[int, int]:
        raise Invalid(
            "importing vendors needs the database itself; the REST API has no import endpoint",
            hint="run the import with a profile on the store (db or mongo_url), not api_url",
        )
