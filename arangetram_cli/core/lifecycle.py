"""The booking lifecycle and the review rules (pure functions; no store, no I/O).

States and moves (docs/lifecycle.md has the diagram):

    pending  -> accepted | declined   the booked vendor (its owner)
    pending  -> cancelled             the family that sent the request (optional reason)
    accepted -> cancelled             the family
    accepted -> completed             the family or the booked vendor, after the event date

Every other move is refused. Each move appends one entry to the booking's `history`
(additive field): {at, by (user id), by_role ("user" | "vendor"), from, to, message}.

Ratings: a vendor's `rating` and `review_count` combine the figures it had before its first
review on this platform (the demo catalog's, or an import file's: kept as `seed_rating` and
`seed_review_count`) with the real reviews, as if the seeded figures were that many earlier
reviews of that average: a weighted mean, rounded to 2 decimals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from arangetram_cli.core.values import event_day

Doc = dict[str, Any]

PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"
CANCELLED, COMPLETED = "cancelled", "completed"
STATUSES = (PENDING, ACCEPTED, DECLINED, CANCELLED, COMPLETED)
OPEN = (PENDING, ACCEPTED)  # still going to happen
REVIEWABLE = (ACCEPTED, COMPLETED)  # a booking that was taken on

# (from, to) -> who may make the move: "vendor", "user" (the family), or both.
MOVES: dict[tuple[str, str], frozenset[str]] = {
    (PENDING, ACCEPTED): frozenset({"vendor"}),
    (PENDING, DECLINED): frozenset({"vendor"}),
    (PENDING, CANCELLED): frozenset({"user"}),
    (ACCEPTED, CANCELLED): frozenset({"user"}),
    (ACCEPTED, COMPLETED): frozenset({"user", "vendor"}),
}


def may(to: str) -> frozenset[str]:
    """The roles that may move a booking to `to` (from some state)."""
    return frozenset().union(*(who for (_, t), who in MOVES.items() if t == to))


def allowed(current: str, to: str) -> bool:
    return (current, to) in MOVES


RATING_DECIMALS = 2


def utc_today() -> dt.date:
    """The platform's calendar day (UTC): the server and every client agree on it."""
    return dt.datetime.now(dt.UTC).date()


def event_passed(event_date: Any, today: dt.date) -> bool:
    """Whether the event's day is over: true from the day after event_date (an unreadable
    date never counts as passed)."""
    try:
        return dt.date.fromisoformat(str(event_date or "")) < today
    except ValueError:
        return False


def next_upcoming(events: Iterable[Doc], today: dt.date) -> Doc | None:
    """The caller's next event: the soonest dated today or later; else the latest past one.
    (Here, not in core.workspace, so a remote command finds it without loading the
    workspace package; core.workspace re-exports it.)"""
    dated = [(event_day(e), e) for e in events]
    future = [(d, e) for d, e in dated if d is not None and d >= today]
    if future:
        return min(future, key=lambda de: (de[0], str(de[1].get("id"))))[1]
    past = [(d, e) for d, e in dated if d is not None]
    return max(past, key=lambda de: (de[0], str(de[1].get("id"))))[1] if past else None


def history_entry(
    at: str, by: str, by_role: str, from_: str | None, to: str, message: str = ""
) -> Doc:
    return {"at": at, "by": by, "by_role": by_role, "from": from_, "to": to, "message": message}


def refusal(current: str, wanted: str) -> str:
    """The message for a move the state machine does not allow."""
    if wanted in (ACCEPTED, DECLINED):
        return f"Booking is already {current}; only pending requests can be accepted or declined"
    if wanted == CANCELLED:
        return f"Booking is already {current}; only pending or accepted bookings can be cancelled"
    if wanted == COMPLETED:
        return f"Booking is {current}; only accepted bookings can be completed"
    return f"A booking cannot go from {current} to {wanted}"


# ---- listings -----------------------------------------------------------------------------
def check_status(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    v = value.strip().lower()
    if v not in STATUSES:
        raise ValueError(f"unknown booking status '{value}' (choose from {', '.join(STATUSES)})")
    return v


def filter_bookings(
    bookings: Iterable[Doc],
    *,
    status: str | None = None,
    event_id: str | None = None,
    upcoming: bool = False,
    today: dt.date | None = None,
) -> list[Doc]:
    """The filters of `bookings list`. Upcoming: the event is today or later (any status
    unless one is given), soonest first; otherwise the order is kept."""
    out = []
    day = (today or utc_today()).isoformat()
    for b in bookings:
        if status and b.get("status") != status:
            continue
        if event_id and b.get("event_id") != event_id:
            continue
        if upcoming and not str(b.get("event_date") or "") >= day:
            continue
        out.append(b)
    if upcoming:
        out.sort(key=lambda b: (str(b.get("event_date") or ""), str(b.get("created_at") or "")))
    return out


def inbox_order(bookings: Iterable[Doc]) -> list[Doc]:
    """A vendor's inbox: pending requests first, oldest first (the one waiting longest at the
    top); then the answered ones, most recently changed first."""
    items = list(bookings)
    pending = sorted(
        (b for b in items if b.get("status") == PENDING),
        key=lambda b: (str(b.get("created_at") or ""), str(b.get("id") or "")),
    )
    rest = sorted(
        (b for b in items if b.get("status") != PENDING),
        key=lambda b: (str(b.get("updated_at") or b.get("created_at") or ""), str(b.get("id"))),
        reverse=True,
    )
    return pending + rest


# ---- reviews ------------------------------------------------------------------------------
def seed_figures(vendor: Doc) -> tuple[float, int]:
    """The vendor's figures from before its first review here: the stored seed fields, or
    (for a vendor never reviewed) its current rating and count."""
    if "seed_review_count" in vendor:
        return float(vendor.get("seed_rating") or 0.0), int(vendor.get("seed_review_count") or 0)
    return float(vendor.get("rating") or 0.0), int(vendor.get("review_count") or 0)


def combine_rating(
    seed_rating: float, seed_count: int, total: float, count: int
) -> tuple[float, int]:
    """(rating, review_count) from the seeded figures and the sum and number of the real
    reviews: the mean over all of them, rounded to RATING_DECIMALS; 0.0 with none."""
    seed_count = max(0, int(seed_count))
    n = seed_count + int(count)
    if n == 0:
        return 0.0, 0
    mean = (float(seed_rating) * seed_count + float(total)) / n
    return round(mean, RATING_DECIMALS), n
