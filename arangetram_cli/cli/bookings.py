"""`arangetram bookings`: requests from families to vendors, and the vendors' answers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.vendors import short

app = typer.Typer(help="Send booking requests and answer them.", no_args_is_help=True)


def _sub(key: str, field: str) -> Any:
    return lambda b: (b.get(key) or {}).get(field, "")


USER_COLUMNS = [
    ("id", "Id", short),
    ("vendor", "Vendor", _sub("vendor", "business_name")),
    ("event", "Event", _sub("event", "event_name")),
    ("event_date", "Date"),
    ("status", "Status"),
    ("response_message", "Reply"),
]
VENDOR_COLUMNS = [
    ("id", "Id", short),
    ("user", "From", _sub("user", "name")),
    ("event", "Event", _sub("event", "event_name")),
    ("event_date", "Date"),
    ("guests", "Guests", _sub("event", "guest_count")),
    ("message", "Message"),
    ("status", "Status"),
]
BOOKING_FIELDS = [
    ("id", "Id"),
    ("event_id", "Event"),
    ("vendor_id", "Vendor"),
    ("event_date", "Date"),
    ("message", "Message"),
    ("status", "Status"),
    ("response_message", "Reply"),
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
    booking = st.planner(auth=True).create_booking(event, vendor, message)
    st.out.success(f"Request sent ({booking['id']}); status pending")
    st.out.item(booking, BOOKING_FIELDS, title="Booking request")


@app.command("list")
def list_(
    ctx: typer.Context,
    as_vendor: Annotated[
        bool, typer.Option("--as-vendor", help="Requests sent to your vendor profile.")
    ] = False,
) -> None:
    """Your booking requests (or, with --as-vendor, those sent to you)."""
    st = state(ctx)
    planner = st.planner(auth=True)
    if as_vendor:
        st.out.items(
            planner.list_vendor_bookings(),
            VENDOR_COLUMNS,
            title="Requests to you",
            empty="no booking requests yet",
        )
    else:
        st.out.items(
            planner.list_bookings(),
            USER_COLUMNS,
            title="Your booking requests",
            empty="no booking requests yet: arangetram bookings create",
        )


@app.command()
def respond(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Booking id or prefix.")],
    answer: Annotated[str, typer.Argument(help="accept or decline.", metavar="accept|decline")],
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="A reply to the family.")
    ] = None,
) -> None:
    """Accept or decline a request sent to your vendor profile."""
    from arangetram_cli.core.errors import Invalid

    statuses = {
        "accept": "accepted",
        "accepted": "accepted",
        "decline": "declined",
        "declined": "declined",
    }
    if answer.lower() not in statuses:
        raise Invalid(f"answer must be accept or decline, not '{answer}'")
    st = state(ctx)
    booking = st.planner(auth=True).respond_booking(ref, statuses[answer.lower()], message)
    st.out.success(f"Booking {booking['id'][:8]} {booking['status']}")
    st.out.item(booking, BOOKING_FIELDS, title="Booking")
