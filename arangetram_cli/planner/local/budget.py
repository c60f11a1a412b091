"""The budget of an event: lines, payments (no overpaying without confirming), what-if."""

from __future__ import annotations

from typing import Any

from arangetram_cli.core import workspace as ws
from arangetram_cli.core.errors import Invalid, NotFound
from arangetram_cli.core.policy import CHANGE, EVENT_HINT
from arangetram_cli.planner.local.workspace import Doc, WorkspaceBase


class BudgetService(WorkspaceBase):
    """The budget of an event: lines, payments (no overpaying without confirming), what-if."""

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
        event = self.plan_event(event_ref, CHANGE)
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
        event = self.plan_event(event_ref, CHANGE)
        data = dict(data)
        paid = data.pop("paid", None)
        paid_on = data.pop("paid_on", None)
        confirm = bool(data.pop("confirm", False))
        fields = ws.budget_fields(data, event, creating=True)
        if fields.get("vendor_id"):
            fields["vendor_id"] = self.get_vendor(fields["vendor_id"])["id"]  # type: ignore[attr-defined]
        item = ws.new_budget_item(event, event["user_id"], fields)
        guests = self._guests(event)
        if paid not in (None, "", 0):
            cents = paid if isinstance(paid, int) else ws.parse_money(paid, "--paid")
            ws.check_payment(item, cents, guests, confirm=confirm)
            item["payments"] = [self._payment(cents, paid_on, "")]
        self.store.budget_items.insert(item)
        return self._line_view(event, item, guests)

    def _payment(self, cents: int, on: str | None, note: str) -> Doc:
        day = ws.parse_date(on, "--on").isoformat() if on else self._today().isoformat()
        return {
            "id": ws.new_id(),
            "amount_cents": cents,
            "on": day,
            "note": note,
            "at": ws.now_iso(),
        }

    def _line_view(self, event: Doc, item: Doc, guests: int) -> Doc:
        """A budget line as shown, with `guests` the event's headcount (self._guests(event):
        a query of the guest list, so a caller reads it once per event, not per line)."""
        est, quo = ws.line_amounts(item, guests)
        paid = ws.paid(item)
        committed = quo if quo is not None else est
        return {
            **item,
            "currency": event.get("currency") or ws.DEFAULT_CURRENCY,
            "paid_cents": paid,
            "balance_cents": None if committed is None else committed - paid,
        }

    def update_budget_item(self, event_ref: str | None, item_ref: str, data: Doc) -> Doc:
        event = self.plan_event(event_ref, CHANGE)
        fields = ws.budget_fields(data, event, creating=False)
        item = self._item(event, item_ref)
        if not fields:
            raise Invalid("nothing to change: give at least one field")
        if fields.get("vendor_id"):
            fields["vendor_id"] = self.get_vendor(fields["vendor_id"])["id"]  # type: ignore[attr-defined]
        updated = self.store.budget_items.update(item["id"], {**fields, "updated_at": ws.now_iso()})
        if updated is None:
            raise NotFound("Budget item not found", hint="see: arangetram budget show")
        return self._line_view(event, updated, self._guests(event))

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
        event = self.plan_event(event_ref, CHANGE)
        cents = amount if isinstance(amount, int) else ws.parse_money(amount, "amount")
        ws.check_cents(cents, "amount")
        note = ws.text_field(note, "note", 500)
        item = self._item(event, item_ref)
        guests = self._guests(event)
        ws.check_payment(item, cents, guests, confirm=confirm)
        updated = self.store.budget_items.add_payment(item["id"], self._payment(cents, on, note))
        if updated is None:
            raise NotFound("Budget item not found", hint="see: arangetram budget show")
        return self._line_view(event, updated, guests)

    def remove_budget_item(self, event_ref: str | None, item_ref: str) -> Doc:
        event = self.plan_event(event_ref, CHANGE)
        item = self._item(event, item_ref)
        if not self.store.budget_items.delete(item["id"]):
            raise NotFound("Budget item not found", hint="see: arangetram budget show")
        return item
