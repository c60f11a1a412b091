"""`arangetram bookings`: requests from families to vendors, the vendors' answers, and the
rest of a booking's life (cancel, complete, history: docs/lifecycle.md)."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.output import Col, one_line
from arangetram_cli.cli.params import short
from arangetram_cli.core.errors import ArangetramError, Conflict, DoubleBooking, Invalid
from arangetram_cli.core.lifecycle import inbox_order

app = typer.Typer(
    rich_markup_mode=None, help="Send booking requests and answer them.", no_args_is_help=True
)


def _sub(key: str, field: str) -> Any:
    return lambda b: (b.get(key) or {}).get(field, "")


def _from(b: dict[str, Any]) -> str:
    """The family, and the member who sent the request when it was not the owner."""
    family = (b.get("user") or {}).get("name", "")
    sender = b.get("requested_by_user") or {}
    if sender.get("email") and sender.get("email") != (b.get("user") or {}).get("email"):
        return f"{sender.get('name') or sender.get('email')} (for {family})"
    return family


USER_COLUMNS = [
    Col("id", "Id", short, priority=0, fixed=True),
    Col("vendor", "Vendor", _sub("vendor", "business_name"), priority=0, min_width=14),
    Col("event", "Event", _sub("event", "event_name"), min_width=12),
    Col("event_date", "Date", priority=0, fixed=True),
    Col("status", "Status", priority=0, fixed=True),
    Col("response_message", "Reply", priority=3),
]
VENDOR_COLUMNS = [
    Col("id", "Id", short, priority=0, fixed=True),
    Col("user", "From", _from, min_width=12),
    Col("event", "Event", _sub("event", "event_name"), min_width=12),
    Col("event_date", "Date", priority=0, fixed=True),
    Col("guests", "Guests", _sub("event", "guest_count"), priority=3, fixed=True),
    Col("message", "Message", priority=2, min_width=12),
    Col("status", "Status", priority=0, fixed=True),
]


def _named(key: str, field: str, id_key: str) -> Any:
    """A name with its short id ("Natya Hall (2f128b42)"), or the short id alone."""

    def get(b: dict[str, Any]) -> str:
        ref = str(b.get(id_key) or (b.get(key) or {}).get("id") or "")[:8]
        name = (b.get(key) or {}).get(field)
        return f"{name} ({ref})" if name else ref

    return get


BOOKING_FIELDS = [
    ("id", "Id"),
    ("event", "Event", _named("event", "event_name", "event_id")),
    ("vendor", "Vendor", _named("vendor", "business_name", "vendor_id")),
    ("event_date", "Date"),
    ("message", "Message"),
    ("status", "Status"),
    ("response_message", "Reply"),
    ("cancel_reason", "Cancel reason"),
    ("created_at", "Requested"),
    ("updated_at", "Updated"),
]


@app.command()
def create(
    ctx: typer.Context,
    event: Annotated[str, typer.Option("--event", "-e", help="Your event (id or prefix).")],
    vendor: Annotated[str, typer.Option("--vendor", "-v", help="Vendor id, prefix or exact name.")],
    message: Annotated[str, typer.Option("--message", "-m", help="A note to the vendor.")] = "",
) -> None:
    """Ask a vendor to take your event."""
    st = state(ctx)
    planner = st.planner(auth=True)
    booking = planner.create_booking(event, vendor, message)
    st.out.success(f"Request sent ({booking['id']}); status pending")
    _panel(st, planner, booking, "Booking request")


def _panel(st: Any, planner: Any, booking: dict[str, Any], title: str) -> None:
    """A booking after a change. On a terminal the event and vendor show by name (read
    back with the booking); scripts get the document as it came."""
    if st.out.format == "table" and not st.out.quiet:
        with contextlib.suppress(ArangetramError):  # the change stands; only names are missing
            booking = {**planner.get_booking(booking["id"]), **booking}
    st.out.item(booking, BOOKING_FIELDS, title=title)


Status = Annotated[
    str | None,
    typer.Option(
        "--status",
        "-s",
        help="pending, accepted, declined, cancelled or completed.",
    ),
]


@app.command("list")
def list_(
    ctx: typer.Context,
    as_vendor: Annotated[
        bool, typer.Option("--as-vendor", help="Requests sent to your vendor profile.")
    ] = False,
    status: Status = None,
    event: Annotated[
        str | None, typer.Option("--event", "-e", help="Only this event's (id or prefix).")
    ] = None,
    upcoming: Annotated[
        bool, typer.Option("--upcoming", help="Only events today or later, soonest first.")
    ] = False,
) -> None:
    """Your booking requests (or, with --as-vendor, those sent to you)."""
    st = state(ctx)
    planner = st.planner(auth=True)
    filters: dict[str, Any] = {"status": status, "event": event, "upcoming": upcoming}
    if as_vendor:
        st.out.items(
            planner.list_vendor_bookings(**filters),
            VENDOR_COLUMNS,
            title="Requests to you",
            empty="no booking requests match"
            if any(filters.values())
            else "no booking requests yet",
        )
    else:
        st.out.items(
            planner.list_bookings(**filters),
            USER_COLUMNS,
            title="Your booking requests",
            empty="no booking requests match"
            if any(filters.values())
            else "no booking requests yet: arangetram bookings create",
        )


@app.command()
def inbox(
    ctx: typer.Context,
    pending: Annotated[bool, typer.Option("--pending", help="Only requests to answer.")] = False,
) -> None:
    """Requests to your vendor profile: pending ones first, the longest waiting at the top."""

    st = state(ctx)
    found = st.planner(auth=True).list_vendor_bookings(status="pending" if pending else None)
    ordered = inbox_order(found)
    waiting = sum(1 for b in ordered if b.get("status") == "pending")
    shown = st.out.items(
        ordered, VENDOR_COLUMNS, title="Inbox", empty="no booking requests to answer"
    )
    if shown and waiting:
        st.out.note(
            f"{waiting} waiting for an answer: arangetram bookings respond ID accept|decline"
        )


@app.command()
def respond(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Booking id or prefix.")],
    answer: Annotated[str, typer.Argument(help="accept or decline.", metavar="accept|decline")],
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="A reply to the family.")
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Accept even if you accepted another booking that day."),
    ] = False,
) -> None:
    """Accept or decline a request sent to your vendor profile."""

    statuses = {
        "accept": "accepted",
        "accepted": "accepted",
        "decline": "declined",
        "declined": "declined",
    }
    if answer.lower() not in statuses:
        raise Invalid(f"answer must be accept or decline, not '{answer}'")
    st = state(ctx)
    planner = st.planner(auth=True)
    status = statuses[answer.lower()]
    try:
        booking = planner.respond_booking(ref, status, message, confirm=yes)
    except DoubleBooking as e:
        if not st.io.can_prompt:
            raise Conflict(
                f"{e.message}; pass --yes to accept this one as well",
                hint="or decline it: arangetram bookings respond ID decline",
            ) from None
        agreed = st.io.confirm(f"{one_line(e.message)}. Accept this one as well?", default=False)
        if not agreed:
            raise Conflict("Not accepted; the request is still pending") from None
        booking = planner.respond_booking(ref, status, message, confirm=True)
    for warning in booking.get("warnings") or []:
        st.out.note(f"warning: {warning}")
    st.out.success(f"Booking {booking['id'][:8]} {booking['status']}")
    _panel(st, planner, booking, "Booking")


def _who(booking: dict[str, Any]) -> Any:
    family = (booking.get("user") or {}).get("name") or "the family"
    vendor = (booking.get("vendor") or {}).get("business_name") or "the vendor"

    def who(entry: dict[str, Any]) -> str:
        role = entry.get("by_role")
        if entry.get("by") == booking.get("user_id") and role == "user":
            return f"{family} (family)"
        return f"{vendor} (vendor)" if role == "vendor" else str(entry.get("by") or "")

    return who


HISTORY_COLUMNS = [
    Col("at", "When", lambda h: str(h.get("at", ""))[:19].replace("T", " "), fixed=True),
    Col("who", "Who"),
    Col("change", "Change", lambda h: f"{h.get('from') or 'new'} → {h.get('to')}", fixed=True),
    Col("message", "Message", lambda h: str(h.get("message") or "")),
]


def _history_table(st: Any, booking: dict[str, Any]) -> Any:
    def draw(console: Any) -> None:
        history = booking.get("history") or []
        if not history:
            return
        who = _who(booking)
        rows = [{**h, "who": who(h)} for h in history]
        table, _ = st.out.table(
            rows, HISTORY_COLUMNS, title="History", width=console.width, wrap=True
        )
        console.print(table)

    return draw


SHOW_FIELDS = [
    ("id", "Id"),
    ("status", "Status"),
    ("vendor", "Vendor", _sub("vendor", "business_name")),
    ("event", "Event", _sub("event", "event_name")),
    ("event_date", "Date"),
    ("user", "Family", _from),
    ("message", "Message"),
    ("response_message", "Reply"),
    ("cancel_reason", "Cancel reason"),
    ("created_at", "Requested"),
    ("updated_at", "Updated"),
]


@app.command()
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Booking id or prefix.")],
) -> None:
    """One booking and its history (who changed it, when, and what they said)."""
    st = state(ctx)
    booking = st.planner(auth=True).get_booking(ref)
    st.out.item(booking, SHOW_FIELDS, title="Booking", extra=_history_table(st, booking))


@app.command()
def cancel(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Booking id or prefix.")],
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Why, for the vendor (optional).")
    ] = "",
) -> None:
    """Cancel one of your pending or accepted bookings (the family that sent it)."""
    st = state(ctx)
    booking = st.planner(auth=True).cancel_booking(ref, reason)
    st.out.success(f"Booking {booking['id'][:8]} cancelled")
    _panel(st, st.planner(), booking, "Booking")


@app.command()
def complete(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Booking id or prefix.")],
    message: Annotated[str, typer.Option("--message", "-m", help="A closing note.")] = "",
) -> None:
    """Mark an accepted booking completed, after its event date (the family or the vendor)."""
    st = state(ctx)
    booking = st.planner(auth=True).complete_booking(ref, message)
    st.out.success(f"Booking {booking['id'][:8]} completed")
    _panel(st, st.planner(), booking, "Booking")
