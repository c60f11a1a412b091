"""Planning together: the RSVP page (no login: the link's token is the credential), the
family's note on it, and the confirmed headcount in the plan and the budget.

RsvpService comes before the workspace services in LocalPlanner's bases: its `_guests`
and `_budget` extend theirs (super()); PlansService.get_plan shows the headcount `_budget` adds."""

from __future__ import annotations

from typing import Any

from arangetram_cli.core import guests as gl
from arangetram_cli.core import policy
from arangetram_cli.core import workspace as ws
from arangetram_cli.core.errors import Conflict, NotFound
from arangetram_cli.planner.local.guests import GuestsService
from arangetram_cli.store.base import Doc


class RsvpService(GuestsService):
    # ---- the RSVP page (no login: the token is the credential) ---------------------------
    def rsvp_lookup(self, token: str) -> Doc | None:
        """The guest and event a link's token opens, or None (unknown, revoked, expired)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        row = self.store.rsvp_tokens.get(gl.hash_token(token))
        if row is None:
            return None
        guest = self.store.guests.get(row["guest_id"])
        event = self.store.events.get(row["event_id"])
        if guest is None or event is None or guest.get("event_id") != event["id"]:
            return None
        if gl.link_expired(event, self._today()):
            return None
        bookings = self.store.bookings.list_by_event(event["id"])
        vendors = self.store.vendors.get_many(b["vendor_id"] for b in bookings)
        venue = ws.booked_venue(vendors, bookings)
        owner = self.store.users.get(event["user_id"]) or {}
        return {
            "token_hash": row["token_hash"],
            "guest": guest,
            "event": event,
            "venue": venue,
            "family": owner.get("name") or "",
        }

    def rsvp_answer(self, found: Doc, answer: str, party: Any, message: str) -> Doc | None:
        """Record a guest's answer on what `rsvp_lookup` found for their link (the page has
        just looked it up); None when the guest is gone meanwhile."""
        rsvp = gl.check_rsvp(answer, answers_only=True)
        guest = found["guest"]
        n = gl.check_party(party) if rsvp != "no" else int(guest.get("party") or 1)
        text = gl.clean_text(message or "", "message")
        for _ in range(5):
            now = ws.now_iso()
            entry = {"at": now, "rsvp": rsvp, "party": n, "message": text, "by": "guest"}
            fields = {
                "rsvp": rsvp,
                "party": n,
                "children": min(int(guest.get("children") or 0), n),
                "message": text,
                "responded_at": now,
                "updated_at": now,
                "history": [*(guest.get("history") or []), entry][-gl.MAX_HISTORY :],
            }
            updated = self.store.guests.update(
                guest["id"], fields, expect={"updated_at": guest.get("updated_at")}
            )
            if updated is not None:
                return {**found, "guest": updated}
            guest = self.store.guests.get(guest["id"])
            if guest is None:
                return None
        raise Conflict("the guest list is busy; try again")

    # ---- headcount in the plan and the budget ---------------------------------------------
    def _guests(self, event: Doc) -> int:
        """The headcount per-guest budget lines use: confirmed guests once anyone said yes,
        else the event's planned guest_count."""
        confirmed = self._headcount(event)["confirmed"]
        return confirmed or int(event.get("guest_count") or 0)

    def _budget(
        self, event: Doc, *, guests: int | None = None, budget_amount_cents: int | None = None
    ) -> Doc:
        count = self._headcount(event)
        basis = "planned"
        if guests is None and count["confirmed"]:
            guests, basis = count["confirmed"], "confirmed"
        doc = super()._budget(event, guests=guests, budget_amount_cents=budget_amount_cents)  # type: ignore[misc]
        if basis == "confirmed":
            doc["what_if"] = budget_amount_cents is not None
            planned = int(event.get("guest_count") or 0)
            if planned and count["confirmed"] > planned:
                doc["warnings"].append(
                    f"{count['confirmed']} guests confirmed; the event is planned for {planned}"
                )
        doc["guests_basis"] = basis if guests is None or basis == "confirmed" else "what-if"
        doc["headcount"] = count  # get_plan's guests: the guest list is read once
        return doc

    def set_rsvp_note(self, event_ref: str, note: str) -> Doc:
        """The short note from the family shown on the RSVP page ('' removes it)."""
        event = self.event_access(event_ref, policy.CHANGE, names=True)
        text = gl.clean_text(note, "notes")
        updated = self.store.events.update(event["id"], {"rsvp_note": text})
        if updated is None:
            raise NotFound("Event not found", hint=policy.EVENT_HINT)
        return {**ws.event_summary(updated), "rsvp_note": text}
