"""Who may do what: ownership, roles in an event (owner, planner, viewer), roles in a
booking, state moves, double booking.

Pure rules over documents (no store, no I/O): LocalPlanner applies them on every call, and
RemotePlanner applies the same ones where a plain back end forgets them. The move table
itself is core.lifecycle's (MOVES); this module decides and phrases the refusals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from arangetram_cli.core import refs
from arangetram_cli.core.errors import (
    VENDOR_EXISTS,
    Conflict,
    DoubleBooking,
    Forbidden,
    Invalid,
    NotFound,
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


# ---- roles in an event (planning together) -------------------------------------------------
# The event's `owner` (its `user_id`), and the members it was shared with, stored in
# `event_members`: `planner` (changes the event, its vendors, tasks, budget and guests, and
# sends booking requests for it) and `viewer` (reads all of it). Anybody else, including a
# former member, gets "Event not found": the event's existence is not revealed. A member who
# tries more than the role allows gets Forbidden (403 / exit 3): the event is visible to them.
OWNER, PLANNER, VIEWER = "owner", "planner", "viewer"
ROLES = (OWNER, PLANNER, VIEWER)
SHAREABLE = (PLANNER, VIEWER)  # `events share --role`

READ, CHANGE, BOOK, SHARE, TRANSFER = "read", "change", "book", "share", "transfer"
RIGHTS: dict[str, frozenset[str]] = {
    OWNER: frozenset({READ, CHANGE, BOOK, SHARE, TRANSFER}),
    PLANNER: frozenset({READ, CHANGE, BOOK}),
    VIEWER: frozenset({READ}),
}
EVENT_HINT = refs.NEXT_STEP["Event"]


def can(role: str | None, action: str) -> bool:
    """Whether `role` (None: no part in the event) may do `action` to the event."""
    return role is not None and action in RIGHTS.get(role, frozenset())


def require(role: str | None, action: str) -> None:
    """Raise unless `role` may do `action`: NotFound for no role, Forbidden otherwise."""
    if role is None or role not in RIGHTS:
        raise NotFound("Event not found", hint=EVENT_HINT)
    if can(role, action):
        return
    if role == VIEWER:
        raise Forbidden(
            "viewers can't change this event", hint="ask the owner to make you a planner"
        )
    raise Forbidden("only the event's owner can share, transfer or delete it", hint="ask the owner")


def check_role(value: Any) -> str:
    """A role an event can be shared with (`events share --role`)."""
    role = str(value or "").strip().lower()
    if role not in SHAREABLE:
        raise Invalid(f"role must be planner or viewer, not '{str(value)[:40]}'")
    return role


def member_part(role: str | None) -> set[str]:
    """A member's part in its event's bookings: a planner acts as the family ("user"), a
    viewer only reads ("viewer"); no role, no part."""
    if role is None:
        return set()
    return {"user"} if can(role, BOOK) else {"viewer"}


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
    wrong) is decided before Conflict (the state is wrong), as the contract does. A viewer
    of the booking's event reads it but moves it never, and is told so."""
    if roles == {"viewer"}:
        require(VIEWER, CHANGE)
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
