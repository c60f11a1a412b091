"""The plan of an event on one screen, its calendar (.ics), and export and import."""

from __future__ import annotations

from typing import Any

from arangetram_cli.core import workspace as ws
from arangetram_cli.core.calendar import build_calendar
from arangetram_cli.core.errors import Invalid, NotFound
from arangetram_cli.planner.local.common import validated as _validate
from arangetram_cli.planner.local.workspace import Doc, WorkspaceBase


class PlansService(WorkspaceBase):
    """The plan of an event on one screen, its calendar (.ics), and export and import."""

    def get_plan(self, event_ref: str | None) -> Doc:
        event = self.plan_event(event_ref)
        budget = self._budget(event)
        bookings = self.store.bookings.list_by_event(event["id"])
        wanted = set(event.get("selected_vendors") or []) | {b["vendor_id"] for b in bookings}
        vendors = self.store.vendors.get_many(wanted)
        tasks = self.store.tasks.list_by_event(event["id"])
        plan = ws.build_plan(event, tasks, budget, vendors, bookings, self._today())
        plan["guests"] = budget.get("headcount")  # RsvpService._budget's, from the guest list
        plan["role"] = event.get("role")  # as plan_event's access check found it
        return plan

    def _calendar_parts(self, event: Doc) -> Doc:
        self._sync(event)
        bookings = self.store.bookings.list_by_event(event["id"])
        vendors = self.store.vendors.get_many(b["vendor_id"] for b in bookings)
        guests = self._guests(event)
        return {
            "event": event,
            "venue": ws.booked_venue(vendors, bookings),
            "tasks": self.store.tasks.list_by_event(event["id"]),
            "items": [
                self._line_view(event, i, guests)
                for i in self.store.budget_items.list_by_event(event["id"])
            ],
        }

    def calendar(self, event_ref: str | None, *, all_events: bool = False) -> str:
        """An RFC 5545 calendar (text): the recital, open tasks, payment due dates."""

        events = self._my_events() if all_events else [self.plan_event(event_ref)]
        if not events:
            raise NotFound("You have no events", hint="create one: arangetram events create")
        return build_calendar([self._calendar_parts(e) for e in events])

    def export_plan(self, event_ref: str | None) -> Doc:
        event = self.plan_event(event_ref)
        self._sync(event)
        bookings = self.store.bookings.list_by_event(event["id"])
        items = self.store.budget_items.list_by_event(event["id"])
        wanted = (
            set(event.get("selected_vendors") or [])
            | {b["vendor_id"] for b in bookings}
            | {i["vendor_id"] for i in items if i.get("vendor_id")}
        )
        vendors = self.store.vendors.get_many(wanted)
        tasks = self.store.tasks.list_by_event(event["id"])
        return ws.export_doc(event, tasks, items, vendors, bookings)

    def _resolve_vendor_ref(self, ref: Any) -> Doc | None:
        if not isinstance(ref, dict):
            return None
        vid, name = ref.get("id"), ref.get("business_name")
        if isinstance(vid, str) and vid:
            v = self.store.vendors.get(vid)
            if v is not None:
                return v
        if isinstance(name, str) and name.strip():
            named = self.store.vendors.find_by_name(name.strip())
            if len(named) == 1:
                return named[0]
        return None

    def import_plan(self, doc: Any) -> Doc:
        """Recreate an exported plan under the caller's account, with new ids. Vendors are
        resolved by id, then by exact name; what cannot be resolved is reported, not
        guessed. Everything is validated before the first write; a failure while writing
        takes back what this import wrote."""
        user = self.current_user()
        ws.check_export(doc)
        src = doc["event"]
        today = self._today()
        event_data = {
            k: src.get(k)
            for k in (
                "event_name",
                "event_date",
                "event_time",
                "guest_count",
                "budget",
                "location_preference",
                "special_requirements",
            )
            if src.get(k) is not None
        }
        from arangetram_cli.core.models import EventIn, new_id, now_iso

        body = _validate(EventIn, event_data)
        unresolved: list[str] = []
        selected: list[str] = []
        for ref in doc.get("vendors") or []:
            v = self._resolve_vendor_ref(ref)
            if v is None:
                unresolved.append(f"vendor {ws.ref_label(ref)}")
            elif v["id"] not in selected:
                selected.append(v["id"])
        event = {
            "id": new_id(),
            "user_id": user["id"],
            **body.model_dump(),
            "selected_vendors": selected,
            "status": src.get("status")
            if src.get("status") in ("planning", "confirmed", "completed")
            else "planning",
            "created_at": now_iso(),
        }
        if src.get("budget_amount_cents") is not None:
            event["budget_amount_cents"] = ws.check_cents(
                src["budget_amount_cents"], "budget_amount_cents"
            )
        if src.get("currency"):
            event["currency"] = ws.check_currency(src["currency"])
        tasks = []
        for i, t in enumerate(doc.get("tasks") or [], 1):
            if not isinstance(t, dict):
                raise Invalid(f"plan export: task {i} is not an object")
            fields = ws.task_fields(
                {
                    k: t.get(k)
                    for k in ("title", "category", "vendor_category", "notes")
                    if t.get(k) is not None
                }
                | {"due": t.get("due_date") or "", "after_event": True},
                event,
                today,
                creating=True,
            )
            task = ws.new_task(event, user["id"], **fields)
            if t.get("status") == "done":
                task.update(status="done", done_at=str(t.get("done_at") or task["created_at"]))
            key = t.get("template_key")
            task["template_key"] = key if isinstance(key, str) and key else None
            tasks.append(task)
        items = []
        for i, b in enumerate(doc.get("budget_items") or [], 1):
            if not isinstance(b, dict):
                raise Invalid(f"plan export: budget item {i} is not an object")
            fields = ws.budget_fields(
                {
                    k: b.get(k)
                    for k in (
                        "name",
                        "category",
                        "estimate_cents",
                        "quoted_cents",
                        "per_guest",
                        "due_date",
                        "notes",
                    )
                    if b.get(k) is not None
                },
                event,
                creating=True,
            )
            if b.get("vendor"):
                v = self._resolve_vendor_ref(b["vendor"])
                if v is None:
                    unresolved.append(
                        f"vendor {ws.ref_label(b['vendor'])} of budget item '{fields['name']}'"
                    )
                else:
                    fields["vendor_id"] = v["id"]
            payments = []
            for p in b.get("payments") or []:
                if not isinstance(p, dict):
                    raise Invalid(f"plan export: a payment of budget item {i} is not an object")
                cents = ws.check_cents(p.get("amount_cents"), "payment amount_cents")
                if not cents:
                    raise Invalid(f"plan export: a payment of budget item {i} has no amount")
                day = ws.parse_date(p.get("on"), "payment date").isoformat()
                payments.append(
                    {
                        "id": ws.new_id(),
                        "amount_cents": cents,
                        "on": day,
                        "note": ws.text_field(p.get("note"), "payment note", 500),
                        "at": ws.now_iso(),
                    }
                )
            fields["payments"] = payments
            items.append(ws.new_budget_item(event, user["id"], fields))
        bookings = doc.get("bookings") or []
        if bookings:
            unresolved.append(
                f"{len(bookings)} booking(s): requests are not copied; send them again with "
                "arangetram bookings create"
            )
        # every check passed: write, and take it back if a write fails
        self.store.events.insert(event)
        try:
            self.store.tasks.insert_many(tasks)
            self.store.budget_items.insert_many(items)
        except BaseException:
            for t in tasks:
                self.store.tasks.delete(t["id"])
            for it in items:
                self.store.budget_items.delete(it["id"])
            self.store.events.delete(event["id"])
            raise
        return {
            "event": event,
            "tasks": len(tasks),
            "budget_items": len(items),
            "vendors": len(selected),
            "unresolved": unresolved,
        }
