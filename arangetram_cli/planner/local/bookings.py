"""Bookings: requests, listings filtered in the store, and the state moves of core.policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arangetram_cli.core import policy, refs
from arangetram_cli.core.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
)
from arangetram_cli.core.lifecycle import (
    ACCEPTED,
    CANCELLED,
    COMPLETED,
    PENDING,
    check_status,
    event_passed,
    history_entry,
    refusal,
)
from arangetram_cli.core.values import new_id, now_iso
from arangetram_cli.planner.local.access import AccessService
from arangetram_cli.planner.local.common import (
    public_user,
    validated,
)
from arangetram_cli.store.base import (
    Doc,
)


def _in_listing_order(bookings: list[Doc], upcoming: bool) -> list[Doc]:
    """The store's order for a listing: soonest event first when upcoming, else newest first
    (as list_for sorts each part)."""
    unique = list({b["id"]: b for b in bookings}.values())
    if upcoming:
        return sorted(unique, key=lambda b: (str(b.get("event_date")), b["created_at"], b["id"]))
    unique.sort(key=lambda b: b["id"])
    return sorted(unique, key=lambda b: b["created_at"], reverse=True)


if TYPE_CHECKING:
    from arangetram_cli.core.models import BookingIn, BookingRespondIn, CancelIn, CompleteIn


class BookingsService(AccessService):
    def create_booking(self, event_ref: str, vendor_ref: str, message: str = "") -> Doc:
        from arangetram_cli.core.models import BookingIn

        body = validated(
            BookingIn, {"event_id": event_ref, "vendor_id": vendor_ref, "message": message}
        )
        return self.create_booking_checked(body)

    def create_booking_checked(self, body: BookingIn) -> Doc:
        """create_booking with a BookingIn already validated (by the server's route)."""
        event = self._own_event(body.event_id, policy.BOOK)  # the web app forgot this check
        vendor = self.get_vendor(body.vendor_id)
        policy.bookable(vendor)
        now = now_iso()
        booking = {
            "id": new_id(),
            "event_id": event["id"],
            "vendor_id": vendor["id"],
            "user_id": event["user_id"],
            "message": body.message,
            "event_date": event["event_date"],
            "status": PENDING,
            "created_at": now,
            "updated_at": now,
            "history": [history_entry(now, event["user_id"], "user", None, PENDING, body.message)],
            "requested_by": self.current_user()["id"],  # the member who sent it (additive)
        }
        try:  # one pending request per event and vendor: a unique index in the store
            self.store.bookings.insert(booking)
        except Conflict:
            pending = self.store.bookings.list_for(
                event_id=event["id"], vendor_id=vendor["id"], status=PENDING
            )
            raise policy.pending_exists(pending[0]["id"] if pending else "?") from None
        return booking

    def _event_filter(self, ref: str | None, vendor_id: str | None = None) -> str | None:
        """The event id a listing is filtered on: the caller's own event (resolved like
        every event reference), or for a vendor an id or unique prefix among its requests."""
        if not ref or not ref.strip():
            return None
        if vendor_id is None:
            return self._own_event(ref)["id"]
        ids = {str(b.get("event_id")) for b in self.store.bookings.list_for(vendor_id=vendor_id)}
        return refs.prefix_match(ids, ref, "Event") or ref.strip().lower()

    def _listed(
        self, status: str | None, event_id: str | None, upcoming: bool, **who: str
    ) -> list[Doc]:
        """The filters of `bookings list`, applied by the store's query."""
        try:
            wanted = check_status(status)
        except ValueError as e:
            raise Invalid(str(e)) from None
        return self.store.bookings.list_for(
            **who,
            event_id=event_id,
            status=wanted,
            from_date=self._today().isoformat() if upcoming else None,
        )

    def list_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        """The caller's requests, each with `vendor` and `event` (three queries in all).
        Filters: status, one of the caller's events, upcoming (event today or later,
        soonest first)."""
        user = self.current_user()
        event_id = self._event_filter(event)
        bookings = self._listed(status, event_id, upcoming, user_id=user["id"])
        shared = [e for e in self.shared_events(user) if event_id in (None, e["id"])]
        if shared:  # a member sees its events' requests
            for e in shared:
                bookings += self._listed(status, e["id"], upcoming)
            bookings = _in_listing_order(bookings, upcoming)
        vendors = self.store.vendors.get_many(b["vendor_id"] for b in bookings)
        events = self.store.events.get_many(b["event_id"] for b in bookings)
        return [
            {**b, "vendor": vendors.get(b["vendor_id"]), "event": events.get(b["event_id"])}
            for b in bookings
        ]

    def list_vendor_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        """Requests to the caller's vendor profile, each with `user` and `event`."""
        user = self.current_user()
        vendor = self.store.vendors.get_by_user(user["id"])
        if vendor is None:
            raise NotFound("Vendor profile not found")
        event_id = self._event_filter(event, vendor["id"])
        bookings = self._listed(status, event_id, upcoming, vendor_id=vendor["id"])
        users = self.store.users.get_many(
            u for b in bookings for u in (b["user_id"], b.get("requested_by")) if u
        )
        events = self.store.events.get_many(b["event_id"] for b in bookings)
        sender = {u: {"name": d.get("name"), "email": d.get("email")} for u, d in users.items()}
        return [
            {
                **b,
                "user": public_user(users[b["user_id"]]) if b["user_id"] in users else None,
                "requested_by_user": sender.get(b.get("requested_by") or b["user_id"]),
                "event": events.get(b["event_id"]),
            }
            for b in bookings
        ]

    def _roles(self, booking: Doc, user: Doc) -> tuple[set[str], Doc | None]:
        """The caller's parts in a booking: "user" (the family that sent it), "vendor" (the
        owner of the booked profile); and the booked vendor."""
        vendor = self.store.vendors.get(booking["vendor_id"])
        roles = policy.booking_roles(booking, user, vendor)
        if not roles:  # a member of the event: a planner acts as the family, a viewer reads
            roles = self._member_part(booking, user)
        return roles, vendor

    def get_booking(self, ref: str) -> Doc:
        """One booking with its `history`, `vendor`, `event` and `user` (no password): for
        the family that sent it and the booked vendor only."""
        user = self.current_user()
        booking = self._visible_booking(ref, user)  # its parties, and its event's members
        roles, vendor = self._roles(booking, user)
        if not roles:
            raise Forbidden(policy.NOT_AUTHORIZED)
        family = self.store.users.get(booking["user_id"])
        sender = self.store.users.get(booking.get("requested_by") or booking["user_id"]) or {}
        return {
            **booking,
            "history": booking.get("history") or [],
            "vendor": vendor,
            "event": self.store.events.get(booking["event_id"]),
            "user": public_user(family) if family else None,
            "requested_by_user": {"name": sender.get("name"), "email": sender.get("email")},
        }

    def _move(
        self,
        booking: Doc,
        to: str,
        user: Doc,
        role: str,
        message: str,
        fields: Doc | None = None,
    ) -> Doc:
        """Apply one state move: compare-and-set on the current status, with its history
        entry in the same update."""
        now = now_iso()
        current = booking["status"]
        entry = history_entry(now, user["id"], role, current, to, message)
        updated = self.store.bookings.update(
            booking["id"],
            {"status": to, "updated_at": now, **(fields or {})},
            expect_status=current,
            push_history=entry,
        )
        if updated is None:  # somebody moved it in between
            latest = self.store.bookings.get(booking["id"]) or booking
            raise Conflict(refusal(latest["status"], to))
        return updated

    def respond_booking(
        self, ref: str, status: str, message: str | None = None, *, confirm: bool | None = False
    ) -> Doc:
        """The booked vendor accepts or declines a pending request. Accepting when the vendor
        already has an accepted booking on that date raises DoubleBooking unless confirm is
        true; confirm None (a client that cannot ask, like the web front end) accepts and
        says so in `warnings`."""
        from arangetram_cli.core.models import BookingRespondIn

        body = validated(BookingRespondIn, {"status": status, "response_message": message})
        return self.respond_checked(ref, body, confirm=confirm)

    def respond_checked(
        self, ref: str, body: BookingRespondIn, *, confirm: bool | None = False
    ) -> Doc:
        """respond_booking with a BookingRespondIn already validated (by the server's route):
        the input is checked once, at the first layer that sees it."""
        user = self.current_user()
        booking = self._visible_booking(ref, user)  # its parties, and its event's members
        roles, vendor = self._roles(booking, user)
        policy.check_move(booking, body.status, roles, vendor_known=vendor is not None)
        assert vendor is not None  # check_move refuses a booking whose vendor is gone
        date = booking.get("event_date")
        taken = bool(
            body.status == ACCEPTED
            and date
            and self.store.bookings.vendors_booked_on(date, [vendor["id"]])
        )
        warnings = policy.double_booking(booking, body.status, taken, confirm)
        fields: Doc = {"responded_at": now_iso()}
        if body.response_message is not None:
            fields["response_message"] = body.response_message
        updated = self._move(
            booking, body.status, user, "vendor", body.response_message or "", fields
        )
        if body.status == ACCEPTED:
            self.booking_accepted(updated)  # the family's checklist and budget (workspace)
        return {**updated, "warnings": warnings} if warnings else updated

    def cancel_booking(self, ref: str, reason: str = "") -> Doc:
        """The family withdraws a pending or accepted booking, with an optional reason."""
        from arangetram_cli.core.models import CancelIn

        self.current_user()  # not logged in comes before a bad reason
        return self.cancel_booking_checked(ref, validated(CancelIn, {"reason": reason}))

    def cancel_booking_checked(self, ref: str, body: CancelIn) -> Doc:
        """cancel_booking with a CancelIn already validated (by the server's route)."""
        user = self.current_user()
        booking = self._visible_booking(ref, user)  # its parties, and its event's members
        roles, _ = self._roles(booking, user)
        policy.check_move(booking, CANCELLED, roles)
        fields: Doc = {"cancel_reason": body.reason} if body.reason else {}
        return self._move(booking, CANCELLED, user, "user", body.reason, fields)

    def complete_booking(self, ref: str, message: str = "") -> Doc:
        """Mark an accepted booking done: the family or the booked vendor, once the event
        date has passed (from the next day, UTC)."""
        from arangetram_cli.core.models import CompleteIn

        self.current_user()  # not logged in comes before a bad message
        return self.complete_booking_checked(ref, validated(CompleteIn, {"message": message}))

    def complete_booking_checked(self, ref: str, body: CompleteIn) -> Doc:
        """complete_booking with a CompleteIn already validated (by the server's route)."""
        user = self.current_user()
        booking = self._visible_booking(ref, user)  # its parties, and its event's members
        roles, _ = self._roles(booking, user)
        policy.check_move(booking, COMPLETED, roles)
        if not event_passed(booking.get("event_date"), self._today()):
            raise Conflict(
                f"The event on {booking.get('event_date')} has not happened yet; "
                "a booking can be completed from the day after its event date"
            )
        role = "user" if "user" in roles else "vendor"
        return self._move(booking, COMPLETED, user, role, body.message)
