"""The planning workspace in LocalPlanner: checklist, budget, plan, calendar, export/import.

Services checklist.py, budget.py and plans.py over WorkspaceBase (here): event selection and
the sync with bookings, over LocalPlanner's store, identity and clock. Every operation names
an event by id, unique id prefix or exact name among the caller's own events and those shared
with it (access.py; a change needs a planner or the owner); another user's event is "not
found" (its existence is not revealed), like a task or budget line of it.

Accepting a booking ticks the event's open "book the ..." task of the vendor's category and
creates (or links) the budget line for that vendor with its catalog estimate
(`booking_accepted`, called by LocalPlanner.respond_booking). The same sync runs when the
workspace is read, so bookings accepted elsewhere (the web app on a shared database) are
caught up; it is idempotent (a booking ticks a task once, and has at most one line).
"""

from __future__ import annotations

import logging
from typing import Any

from arangetram_cli.core import workspace as ws
from arangetram_cli.core.errors import ArangetramError, Conflict, NotFound
from arangetram_cli.core.policy import READ

Doc = dict[str, Any]
log = logging.getLogger(__name__)


class WorkspaceBase:
    """Event selection and the sync with bookings, over LocalPlanner's store and clock."""

    store: Any

    # provided by LocalPlanner
    def current_user(self) -> Doc: ...  # pragma: no cover

    def _today(self) -> Any: ...  # pragma: no cover

    def _my_events(self) -> list[Doc]:
        """The caller's own events and those shared with it (each with its `role`)."""
        return self.accessible_events()  # type: ignore[attr-defined]

    def plan_event(self, ref: str | None, action: str = READ) -> Doc:
        """An event the caller owns or is a member of, by id, prefix or exact name (None: the
        next upcoming one), when its role allows `action` (core.policy)."""
        if ref is None or not str(ref).strip():
            found = ws.next_upcoming(self._my_events(), self._today())
            if found is None:
                raise NotFound("You have no events", hint="create one: arangetram events create")
            ref = found["id"]
        return self.event_access(ref, action, names=True)  # type: ignore[attr-defined]

    def next_event(self) -> Doc:
        return self.plan_event(None)

    def _guests(self, event: Doc) -> int:
        return int(event.get("guest_count") or 0)

    def booking_accepted(self, booking: Doc) -> None:
        """Tick the "book the ..." task and create or link the budget line (never raises:
        the acceptance itself has happened)."""
        try:
            event = self.store.events.get(booking.get("event_id"))
            if event is not None:
                self._sync(event)
        except ArangetramError as e:  # pragma: no cover (caught up on the next read)
            log.warning("workspace sync after accepting %s: %s", booking.get("id"), e)

    def _sync(self, event: Doc) -> None:
        bookings = [
            b
            for b in self.store.bookings.list_by_event(event["id"])
            if b.get("status") in ("accepted", "completed")
        ]
        if not bookings:
            return
        items = self.store.budget_items.list_by_event(event["id"])
        linked = {i.get("booking_id") for i in items if i.get("booking_id")}
        tasks = self.store.tasks.list_by_event(event["id"])
        ticked = {b for t in tasks for b in t.get("ticked_by") or []}
        todo = [b for b in bookings if b["id"] not in linked or b["id"] not in ticked]
        if not todo:
            return
        vendors = self.store.vendors.get_many(b["vendor_id"] for b in todo)
        now = ws.now_iso()
        for b in todo:
            vendor = vendors.get(b["vendor_id"])
            if vendor is None:
                continue
            cat = vendor.get("category")
            if b["id"] not in ticked:
                for t in tasks:
                    if t.get("vendor_category") == cat and b["id"] not in t.get("ticked_by", []):
                        fields: Doc = {"ticked_by": [*t.get("ticked_by", []), b["id"]]}
                        if t.get("status") != "done":
                            fields.update(status="done", done_at=now, updated_at=now)
                        self.store.tasks.update(t["id"], fields)
                        break
            if b["id"] not in linked:
                self._link_line(event, vendor, b, items, now)

    def _link_line(self, event: Doc, vendor: Doc, booking: Doc, items: list[Doc], now: str) -> None:
        cents, per_guest = ws.vendor_estimate(vendor)
        mine = [i for i in items if not i.get("booking_id")]
        match = next((i for i in mine if i.get("vendor_id") == vendor["id"]), None)
        if match is None:
            match = next(
                (
                    i
                    for i in mine
                    if not i.get("vendor_id") and i.get("category") == vendor.get("category")
                ),
                None,
            )
        try:
            if match is not None:
                fields: Doc = {
                    "booking_id": booking["id"],
                    "vendor_id": vendor["id"],
                    "updated_at": now,
                }
                if match.get("estimate_cents") is None and cents is not None:
                    fields.update(estimate_cents=cents, per_guest=per_guest)
                self.store.budget_items.update(match["id"], fields, expect={"booking_id": None})
                match["booking_id"] = booking["id"]
                return
            line = ws.new_budget_item(
                event,
                event["user_id"],
                {
                    "name": vendor.get("business_name") or "",
                    "category": vendor.get("category") or "other",
                    "vendor_id": vendor["id"],
                    "booking_id": booking["id"],
                    "estimate_cents": cents,
                    "per_guest": per_guest,
                },
                now=now,
            )
            self.store.budget_items.insert(line)
            items.append(line)
        except Conflict:
            pass  # another writer linked this booking in between
