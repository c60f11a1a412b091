"""`arangetram events`: plan the recital: date, guests, budget and chosen vendors."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arangetram_cli.cli import params
from arangetram_cli.cli.columns import LIST_COLUMNS, role_of
from arangetram_cli.cli.context import state
from arangetram_cli.cli.lazy import lazy_commands
from arangetram_cli.cli.output import Col
from arangetram_cli.cli.params import short
from arangetram_cli.core.errors import Invalid, NotSupported
from arangetram_cli.core.values import EVENT_STATUSES, PRICE_RANGES

app = typer.Typer(
    rich_markup_mode=None, help="Plan events and choose their vendors.", no_args_is_help=True
)

EVENT_COLUMNS = [
    Col("id", "Id", short, priority=0, fixed=True),
    Col("event_name", "Event", priority=0, min_width=14),
    Col("event_date", "Date", priority=0, fixed=True),
    Col("guest_count", "Guests", priority=2, fixed=True),
    Col("budget", "Budget", priority=2, fixed=True),
    Col("location_preference", "Where", priority=3, min_width=10),
    Col(
        "selected_vendors",
        "Vendors",
        lambda e: str(len(e.get("selected_vendors") or [])),
        priority=2,
        fixed=True,
    ),
    Col("status", "Status", priority=0, fixed=True),
    Col("role", "Role", role_of, priority=1, fixed=True),
]
EVENT_FIELDS = [
    ("event_name", "Event"),
    ("id", "Id"),
    ("event_date", "Date"),
    ("event_time", "Time"),
    ("guest_count", "Guests"),
    ("budget", "Budget"),
    ("location_preference", "Where"),
    ("special_requirements", "Notes"),
    ("status", "Status"),
    ("created_at", "Created"),
]

DateOpt = Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD.")]
TimeOpt = Annotated[str | None, typer.Option("--time", help='Such as "5:30 PM".')]
Guests = Annotated[int | None, typer.Option("--guests", help="Expected guests (1 or more).")]
Budget = Annotated[str | None, typer.Option("--budget", help="$, $$, $$$ or $$$$.")]
Where = Annotated[str | None, typer.Option("--location", help='Such as "Bay Area".')]
Notes = Annotated[str | None, typer.Option("--notes", help="Special requirements.")]


def _show(st: Any, event: dict[str, Any]) -> None:
    planner = st.planner()
    fmt = st.out.format
    vendors = planner.event_vendors(event)
    if fmt == "table" and not st.out.quiet:

        def extra(console: Any) -> None:
            if vendors:
                st.out.items(vendors, LIST_COLUMNS, title="Selected vendors")
            else:
                st.out.note("no vendors chosen yet: arangetram events add-vendor EVENT VENDOR")
            st.out.note(f"the whole plan: arangetram events plan {event['id'][:8]}")

        st.out.item(event, EVENT_FIELDS, title=event.get("event_name"), extra=extra)
    else:
        st.out.item({**event, "vendors": vendors}, EVENT_FIELDS)


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option("--name", help="Event name.")] = None,
    date: DateOpt = None,
    time: TimeOpt = None,
    guests: Guests = None,
    budget: Budget = None,
    location: Where = None,
    notes: Notes = None,
    checklist: Annotated[
        bool, typer.Option("--checklist/--no-checklist", help="Start with the Arangetram tasks.")
    ] = True,
) -> None:
    """Create an event (a form asks for what is missing when a person is at a terminal)."""

    st = state(ctx)
    planner = st.planner(auth=True)
    data: dict[str, Any] = {
        "event_name": name,
        "event_date": params.date(date),
        "event_time": time,
        "guest_count": params.guests(guests),
        "budget": params.price(budget, "--budget"),
        "location_preference": location,
        "special_requirements": notes,
    }
    missing = [f for k, f in (("event_name", "--name"), ("event_date", "--date")) if not data[k]]
    if missing and not st.io.can_prompt:
        raise Invalid("missing " + ", ".join(missing))
    if st.io.can_prompt:
        data = _form(st, data)
    if data["event_date"]:
        params.warn_if_past(data["event_date"], "the event date")
    event = planner.create_event(params.given(**data))
    st.out.success(f"Created event {event['event_name']} on {event['event_date']} ({event['id']})")
    _after_create(st, planner, event, checklist)
    _show(st, event)


def _after_create(st: Any, planner: Any, event: dict[str, Any], checklist: bool) -> None:
    """A new event starts with the Arangetram checklist (unless --no-checklist). A server
    without the workspace keeps the event and says so."""
    if not checklist:
        return
    try:
        result = planner.apply_template(event["id"])
    except NotSupported:
        st.out.note("this server keeps no checklist; the event was created without one")
        return
    st.out.note(
        f"checklist: {result['added']} tasks (arangetram tasks list --event {event['id'][:8]})"
    )


def _whole_number(text: str) -> bool | str:
    return True if text.strip().isdigit() and int(text) > 0 else "a whole number, 1 or more"


def _form(st: Any, data: dict[str, Any]) -> dict[str, Any]:
    """At a terminal, ask for every field not given as an option (each answer checked as it
    is typed)."""
    io = st.io
    questions = {
        "event_name": lambda: io.text("Event name:", validate=params.filled).strip(),
        "event_date": lambda: io.text("Date (YYYY-MM-DD):", validate=params.valid_date).strip(),
        "guest_count": lambda: int(io.text("Guests:", default="100", validate=_whole_number)),
        "budget": lambda: io.select("Budget:", list(PRICE_RANGES), default="$$"),
        "location_preference": lambda: io.text("Area:", default="Bay Area").strip() or None,
    }
    for key, ask in questions.items():
        if data.get(key) in (None, ""):
            data[key] = ask()
    return data


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
) -> None:
    """Your events, newest first."""
    st = state(ctx)
    page = st.planner(auth=True).list_events(offset=offset, limit=limit)
    for n in page.notes:
        st.out.note(n)
    shown = st.out.items(
        page.items, EVENT_COLUMNS, title="Events", empty="no events yet: arangetram events create"
    )
    if page.total is not None and offset + shown < page.total:
        st.out.note(
            f"showing {offset + 1}-{offset + shown} of {page.total}; "
            f"next page: --offset {offset + shown}"
        )


@app.command()
def show(
    ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Event id or prefix.")]
) -> None:
    """One event with its selected vendors."""
    st = state(ctx)
    _show(st, st.planner(auth=True).get_event(ref))


@app.command()
def update(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Event id or prefix.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    date: DateOpt = None,
    time: TimeOpt = None,
    guests: Guests = None,
    budget: Budget = None,
    location: Where = None,
    notes: Notes = None,
    status: Annotated[
        str | None, typer.Option("--status", help="planning, confirmed or completed.")
    ] = None,
) -> None:
    """Change an event."""

    st = state(ctx)
    if status is not None and status not in EVENT_STATUSES:
        raise Invalid(f"--status must be one of {', '.join(EVENT_STATUSES)}, not '{status}'")
    data = {
        "event_name": name,
        "event_date": params.date(date),
        "event_time": time,
        "guest_count": params.guests(guests),
        "budget": params.price(budget, "--budget"),
        "location_preference": location,
        "special_requirements": notes,
        "status": status,
    }
    data = params.changes(**data)
    if data.get("event_date"):
        params.warn_if_past(data["event_date"], "the event date")
    event = st.planner(auth=True).update_event(ref, data)
    st.out.success(f"Updated {event['event_name']}")
    _show(st, event)


@app.command("add-vendor")
def add_vendor(
    ctx: typer.Context,
    event: Annotated[str, typer.Argument(help="Event id or prefix.")],
    vendor: Annotated[str, typer.Argument(help="Vendor id, prefix or exact name.")],
) -> None:
    """Add a vendor to an event's shortlist (adding twice keeps one)."""
    st = state(ctx)
    updated = st.planner(auth=True).add_event_vendor(event, vendor)
    st.out.success(f"{updated['event_name']} now has {len(updated['selected_vendors'])} vendor(s)")
    st.out.item(updated, EVENT_FIELDS, title=updated["event_name"])


@app.command("remove-vendor")
def remove_vendor(
    ctx: typer.Context,
    event: Annotated[str, typer.Argument(help="Event id or prefix.")],
    vendor: Annotated[str, typer.Argument(help="Vendor id, prefix or exact name.")],
) -> None:
    """Remove a vendor from an event's shortlist."""
    st = state(ctx)
    updated = st.planner(auth=True).remove_event_vendor(event, vendor)
    st.out.success(f"{updated['event_name']} now has {len(updated['selected_vendors'])} vendor(s)")
    st.out.item(updated, EVENT_FIELDS, title=updated["event_name"])


# Listed after the commands above; each module is imported only when one of its commands
# is named (`events list` loads neither the planning workspace nor the sharing commands).
_PLAN = "arangetram_cli.cli.plan"  # plan, calendar, export, import
_TOGETHER = "arangetram_cli.cli.together"  # share, members, unshare, leave, transfer, rsvp-note
lazy_commands(
    app,
    plan=f"{_PLAN}:plan",
    calendar=f"{_PLAN}:calendar",
    export=f"{_PLAN}:export",
    **{"import": f"{_PLAN}:import_"},
    share=f"{_TOGETHER}:share",
    members=f"{_TOGETHER}:members",
    unshare=f"{_TOGETHER}:unshare",
    leave=f"{_TOGETHER}:leave",
    transfer=f"{_TOGETHER}:transfer",
    rsvp_note=f"{_TOGETHER}:rsvp_note",
)
