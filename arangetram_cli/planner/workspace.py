"""The planning workspace in LocalPlanner: checklist, budget, plan, calendar, export/import.

A mixin over LocalPlanner's store, identity and clock. Every operation names an event by id,
unique id prefix or exact name among the caller's own events; another user's event is "not
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
from arangetram_cli.core.errors import ArangetramError, Conflict, Invalid, NotFound

Doc = dict[str, Any]
log = logging.getLogger(__name__)
EVENT_HINT = "see your events: arangetram events list"


class WorkspaceMixin:
    store: Any

    # provided by LocalPlanner
    def current_user(self) -> Doc: ...  # pragma: no cover
    def _today(self) -> Any: ...  # pragma: no cover

    # ---- events ---------------------------------------------------------------------------
    def _my_events(self) -> list[Doc]:
        """The caller's own events and those shared with it (each with its `role`)."""
        return self.accessible_events()  # type: ignore[attr-defined]

    def plan_event(self, ref: str | None, action: str = "read") -> Doc:
        """An event the caller owns or is a member of, by id, prefix or exact name (None: the
        next upcoming one), when its role allows `action` (core/members.py)."""
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

    # ---- sync with bookings ---------------------------------------------------------------
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

    # ---- tasks ----------------------------------------------------------------------------
    def _tasks_of(self, event: Doc) -> list[Doc]:
        self._sync(event)
        return self.store.tasks.list_by_event(event["id"])

    def _task(self, event: Doc, ref: str) -> Doc:
        return ws.resolve_ref(
            self.store.tasks.list_by_event(event["id"]),
            ref,
            "Task",
            "title",
            "see: arangetram tasks list",
        )

    def list_tasks(
        self,
        event_ref: str | None,
        *,
        open_only: bool = False,
        overdue: bool = False,
        due_before: str | None = None,
        category: str | None = None,
    ) -> Doc:
        event = self.plan_event(event_ref)
        tasks = ws.filter_tasks(
            self._tasks_of(event),
            self._today(),
            open_only=open_only,
            overdue=overdue,
            due_before=due_before,
            category=category,
        )
        tasks = self._with_assignees(tasks)  # type: ignore[attr-defined]
        return {"event": ws.event_summary(event), "tasks": tasks}

    def add_task(self, event_ref: str | None, data: Doc) -> Doc:
        event = self.plan_event(event_ref, "change")
        data = dict(data)
        assign = data.pop("assign", None)
        fields = ws.task_fields(data, event, self._today(), creating=True)
        fields.pop("status", None)
        task = ws.new_task(event, event["user_id"], **fields)
        if assign is not None:
            task["assignee"] = self._assignee(event, assign)  # type: ignore[attr-defined]
        self.store.tasks.insert(task)
        return ws.task_view(task, self._today())

    def update_task(self, event_ref: str | None, task_ref: str, data: Doc) -> Doc:
        event = self.plan_event(event_ref, "change")
        data = dict(data)
        assign = data.pop("assign", None)
        fields = ws.task_fields(data, event, self._today(), creating=False)
        if assign is not None:
            fields["assignee"] = self._assignee(event, assign)  # type: ignore[attr-defined]
        task = self._task(event, task_ref)
        if not fields:
            raise Invalid("nothing to change: give at least one field")
        now = ws.now_iso()
        if fields.get("status") == "done" and task.get("status") != "done":
            fields["done_at"] = now
        elif fields.get("status") == "open":
            fields["done_at"] = ""
        updated = self.store.tasks.update(task["id"], {**fields, "updated_at": now})
        if updated is None:
            raise NotFound("Task not found", hint="see: arangetram tasks list")
        return ws.task_view(updated, self._today())

    def remove_task(self, event_ref: str | None, task_ref: str) -> Doc:
        event = self.plan_event(event_ref, "change")
        task = self._task(event, task_ref)
        if not self.store.tasks.delete(task["id"]):
            raise NotFound("Task not found", hint="see: arangetram tasks list")
        return task

    def apply_template(self, event_ref: str | None, template: Doc | None = None) -> Doc:
        """Add the template's tasks the event does not have yet (by key): running it twice
        adds nothing the second time. A family's own template goes through the same
        validation as the packaged one."""
        event = self.plan_event(event_ref, "change")
        tpl = ws.load_template() if template is None else ws.validate_template(template, "given")
        for _ in range(3):  # a concurrent apply may win a key between reading and writing
            have = {t.get("template_key") for t in self.store.tasks.list_by_event(event["id"])}
            docs = ws.template_task_docs(tpl, event, event["user_id"], self._today(), have)
            try:
                self.store.tasks.insert_many(docs)
            except Conflict:
                continue
            self._sync(event)
            return {
                "event": ws.event_summary(event),
                "added": len(docs),
                "skipped": len(tpl["tasks"]) - len(docs),
                "template": tpl.get("name") or "custom",
            }
        raise Conflict("the checklist changed while the template was applied; try again")

    # ---- budget ---------------------------------------------------------------------------
    def _item(self, event: Doc, ref: str) -> Doc:
        return ws.resolve_ref(
            self.store.budget_items.list_by_event(event["id"]),
            ref,
            "Budget item",
            "name",
            "see: arangetram budget show",
        )

    def _budget(
        self, event: Doc, *, guests: int | None = None, budget_amount_cents: int | None = None
    ) -> Doc:
        self._sync(event)
        items = self.store.budget_items.list_by_event(event["id"])
        selected = event.get("selected_vendors") or []
        bookings = self.store.bookings.list_by_event(event["id"])
        wanted = set(selected) | {b["vendor_id"] for b in bookings}
        vendors = self.store.vendors.get_many(wanted)
        live = {
            b["vendor_id"]
            for b in bookings
            if b.get("status") in ("pending", "accepted", "completed")
        }
        catalog = [vendors[v] for v in selected if v in vendors] + [
            vendors[v] for v in sorted(live - set(selected)) if v in vendors
        ]
        venue = ws.booked_venue(vendors, bookings) or next(
            (v for v in catalog if v.get("category") == "venue"), None
        )
        if guests is not None and not 1 <= guests <= 100_000:
            raise Invalid(f"--guests must be between 1 and 100000, not {guests}")
        return ws.compute_budget(
            event,
            items,
            catalog,
            guests=guests,
            budget_amount_cents=ws.check_cents(budget_amount_cents, "--budget-amount"),
            venue=venue,
        )

    def get_budget(
        self,
        event_ref: str | None,
        *,
        guests: int | None = None,
        budget_amount_cents: int | None = None,
    ) -> Doc:
        event = self.plan_event(event_ref)
        return {
            "event": ws.event_summary(event),
            **self._budget(event, guests=guests, budget_amount_cents=budget_amount_cents),
        }

    def set_event_budget(
        self, event_ref: str | None, *, amount_cents: Any = None, currency: str | None = None
    ) -> Doc:
        event = self.plan_event(event_ref, "change")
        fields: Doc = {}
        if amount_cents is not None:
            fields["budget_amount_cents"] = (
                ws.check_cents(amount_cents, "budget amount")
                if isinstance(amount_cents, int)
                else ws.parse_money(amount_cents, "budget amount")
            )
        if currency is not None:
            fields["currency"] = ws.check_currency(currency)
        if not fields:
            raise Invalid("nothing to change: give an amount or a currency")
        updated = self.store.events.update(event["id"], fields)
        if updated is None:
            raise NotFound("Event not found", hint=EVENT_HINT)
        return ws.event_summary(updated)

    def add_budget_item(self, event_ref: str | None, data: Doc) -> Doc:
        event = self.plan_event(event_ref, "change")
        data = dict(data)
        paid = data.pop("paid", None)
        paid_on = data.pop("paid_on", None)
        confirm = bool(data.pop("confirm", False))
        fields = ws.budget_fields(data, event, creating=True)
        if fields.get("vendor_id"):
            fields["vendor_id"] = self.get_vendor(fields["vendor_id"])["id"]  # type: ignore[attr-defined]
        item = ws.new_budget_item(event, event["user_id"], fields)
        if paid not in (None, "", 0):
            cents = paid if isinstance(paid, int) else ws.parse_money(paid, "--paid")
            ws.check_payment(item, cents, self._guests(event), confirm=confirm)
            item["payments"] = [self._payment(cents, paid_on, "")]
        self.store.budget_items.insert(item)
        return self._line_view(event, item)

    def _payment(self, cents: int, on: str | None, note: str) -> Doc:
        day = ws.parse_date(on, "--on").isoformat() if on else self._today().isoformat()
        return {
            "id": ws.new_id(),
            "amount_cents": cents,
            "on": day,
            "note": note,
            "at": ws.now_iso(),
        }

    def _line_view(self, event: Doc, item: Doc) -> Doc:
        est, quo = ws.line_amounts(item, self._guests(event))
        paid = ws.paid(item)
        committed = quo if quo is not None else est
        return {
            **item,
            "currency": event.get("currency") or ws.DEFAULT_CURRENCY,
            "paid_cents": paid,
            "balance_cents": None if committed is None else committed - paid,
        }

    def update_budget_item(self, event_ref: str | None, item_ref: str, data: Doc) -> Doc:
        event = self.plan_event(event_ref, "change")
        fields = ws.budget_fields(data, event, creating=False)
        item = self._item(event, item_ref)
        if not fields:
            raise Invalid("nothing to change: give at least one field")
        if fields.get("vendor_id"):
            fields["vendor_id"] = self.get_vendor(fields["vendor_id"])["id"]  # type: ignore[attr-defined]
        updated = self.store.budget_items.update(item["id"], {**fields, "updated_at": ws.now_iso()})
        if updated is None:
            raise NotFound("Budget item not found", hint="see: arangetram budget show")
        return self._line_view(event, updated)

    def pay_budget_item(
        self,
        event_ref: str | None,
        item_ref: str,
        amount: Any,
        *,
        on: str | None = None,
        note: str = "",
        confirm: bool = False,
    ) -> Doc:
        """Record a payment. One that takes the total paid past the quote (or the estimate)
        raises Overpayment unless confirm."""
        event = self.plan_event(event_ref, "change")
        cents = amount if isinstance(amount, int) else ws.parse_money(amount, "amount")
        ws.check_cents(cents, "amount")
        note = ws._text(note, "note", 500)
        item = self._item(event, item_ref)
        ws.check_payment(item, cents, self._guests(event), confirm=confirm)
        updated = self.store.budget_items.add_payment(item["id"], self._payment(cents, on, note))
        if updated is None:
            raise NotFound("Budget item not found", hint="see: arangetram budget show")
        return self._line_view(event, updated)

    def remove_budget_item(self, event_ref: str | None, item_ref: str) -> Doc:
        event = self.plan_event(event_ref, "change")
        item = self._item(event, item_ref)
        if not self.store.budget_items.delete(item["id"]):
            raise NotFound("Budget item not found", hint="see: arangetram budget show")
        return item

    # ---- the plan, the calendar, export and import ---------------------------------------
    def get_plan(self, event_ref: str | None) -> Doc:
        event = self.plan_event(event_ref)
        budget = self._budget(event)
        bookings = self.store.bookings.list_by_event(event["id"])
        wanted = set(event.get("selected_vendors") or []) | {b["vendor_id"] for b in bookings}
        vendors = self.store.vendors.get_many(wanted)
        tasks = self.store.tasks.list_by_event(event["id"])
        return ws.build_plan(event, tasks, budget, vendors, bookings, self._today())

    def _calendar_parts(self, event: Doc) -> Doc:
        self._sync(event)
        bookings = self.store.bookings.list_by_event(event["id"])
        vendors = self.store.vendors.get_many(b["vendor_id"] for b in bookings)
        return {
            "event": event,
            "venue": ws.booked_venue(vendors, bookings),
            "tasks": self.store.tasks.list_by_event(event["id"]),
            "items": [
                self._line_view(event, i)
                for i in self.store.budget_items.list_by_event(event["id"])
            ],
        }

    def calendar(self, event_ref: str | None, *, all_events: bool = False) -> str:
        """An RFC 5545 calendar (text): the recital, open tasks, payment due dates."""
        from arangetram_cli.core.calendar import build_calendar

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
        from arangetram_cli.planner.local import _validate

        body = _validate(EventIn, event_data)
        unresolved: list[str] = []
        selected: list[str] = []
        for ref in doc.get("vendors") or []:
            v = self._resolve_vendor_ref(ref)
            if v is None:
                unresolved.append(f"vendor {ws._label(ref)}")
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
                        f"vendor {ws._label(b['vendor'])} of budget item '{fields['name']}'"
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
                        "note": ws._text(p.get("note"), "payment note", 500),
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
            self._delete_event(event["id"])
            raise
        return {
            "event": event,
            "tasks": len(tasks),
            "budget_items": len(items),
            "vendors": len(selected),
            "unresolved": unresolved,
        }

    def _delete_event(self, event_id: str) -> None:
        """Undo an import's event (the Store contract has no event delete)."""
        store = self.store
        if getattr(store, "kind", "") == "sqlite":
            with store.write():
                store.conn.execute("DELETE FROM events WHERE id = ?", (event_id,))
        else:
            store.db["events"].delete_one({"id": event_id})
