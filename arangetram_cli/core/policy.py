"""Who may do what: ownership, roles in a booking, state moves, double booking.

Pure rules over documents (no store, no I/O): LocalPlanner applies them on every call, and
RemotePlanner applies the same ones where a plain back end forgets them. The move table
itself is core.lifecycle's (MOVES); this module decides and phrases the refusals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from arangetram_cli.core.errors import (
    VENDOR_EXISTS,
    Conflict,
    DoubleBooking,
    Forbidden,
)
from arangetram_cli.core.lifecycle import (
    ACCEPTED,
    CANCELLED,
    COMPLETED,
    PENDING,
    allowed,
    may,
    refusal,
)

Doc = dict[str, Any]

NOT_AUTHORIZED = "Not authorized"


# ---- accounts and ownership ---------------------------------------------------------------
def require_vendor_account(user: Doc) -> None:
    if user.get("user_type") != "vendor":
        raise Forbidden("Only vendors can create listings")


def require_no_profile(existing: Doc | None) -> None:
    if existing is not None:
        raise Conflict(VENDOR_EXISTS)


def require_owner(doc: Doc, user: Doc, message: str = NOT_AUTHORIZED) -> None:
    """Only the user who owns doc (its `user_id`) may change it."""
    if doc.get("user_id") != user.get("id"):
        raise Forbidden(message)


def owns(doc: Doc | None, user: Doc) -> bool:
    return doc is not None and doc.get("user_id") == user.get("id")


# ---- bookings -----------------------------------------------------------------------------
def booking_roles(booking: Doc, user: Doc, vendor: Doc | None) -> set[str]:
    """The caller's parts in a booking: "user" (the family that sent it), "vendor" (the
    owner of the booked profile)."""
    roles = set()
    if booking.get("user_id") == user.get("id"):
        roles.add("user")
    if owns(vendor, user):
        roles.add("vendor")
    return roles


def bookable(vendor: Doc) -> None:
    if not vendor.get("is_active", True):
        raise Conflict(f"{vendor.get('business_name')} is not taking bookings")


def pending_exists(booking_id: Any) -> Conflict:
    return Conflict(
        f"a pending request to this vendor exists already: {booking_id}",
        hint=f"see it: arangetram bookings show {booking_id}",
    )


def check_move(booking: Doc, to: str, roles: set[str], *, vendor_known: bool = True) -> None:
    """May a caller with these roles move this booking to `to` now? Forbidden (the role is
    wrong) is decided before Conflict (the state is wrong), as the contract does."""
    if not roles & may(to) or not vendor_known:
        if to == CANCELLED:
            hint = None
            if "vendor" in roles and booking.get("status") == PENDING:
                hint = f"decline it instead: arangetram bookings respond {booking['id']} decline"
            raise Forbidden("Only the family that sent the request can cancel it", hint=hint)
        if to == COMPLETED:
            raise Forbidden("Only the family or the booked vendor can complete a booking")
        raise Forbidden(NOT_AUTHORIZED)
    if not allowed(str(booking.get("status")), to):
        raise Conflict(refusal(str(booking.get("status")), to))


def double_booking(booking: Doc, to: str, taken: bool, confirm: bool | None) -> list[str]:
    """Accepting a request for a date the vendor has already accepted another booking on:
    refused (DoubleBooking) unless confirm; confirm None (a client that cannot ask) accepts
    and returns the warning to show."""
    date = booking.get("event_date")
    if to != ACCEPTED or not date or not taken:
        return []
    text = f"You already accepted another booking for {date}"
    if confirm is False:
        raise DoubleBooking(text, hint="confirm to accept this one as well")
    return [f"{text}; this one is accepted as well"]


def other_accepted_on(bookings: Iterable[Doc], booking: Doc) -> bool:
    """Whether another of these bookings is accepted for booking's date (the remote
    planner's check on a back end that has no such rule)."""
    date = booking.get("event_date")
    return any(
        b.get("id") != booking.get("id")
        and b.get("status") == ACCEPTED
        and b.get("event_date") == date
        for b in bookings
    )
