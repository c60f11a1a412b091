"""`arangetram vendors recommend`: the best vendors per category for an event or criteria.

Registered on the vendors group in cli/vendors.py.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arangetram_cli.cli import params
from arangetram_cli.cli.context import state
from arangetram_cli.cli.output import Col
from arangetram_cli.core.recommend import recommend_for

COLUMNS = [
    Col("category", "Category", priority=0, fixed=True),
    Col("rank", "#", priority=0, fixed=True),
    Col("business_name", "Name", priority=0, min_width=16),
    Col("location", "Location", priority=3, min_width=12),
    Col("price_range", "Price", priority=2, fixed=True),
    Col("reason", "Why", priority=0, min_width=24, fold=True),  # the point of the command
]


def recommend(
    ctx: typer.Context,
    event: Annotated[
        str | None,
        typer.Option("--event", "-e", help="Event id or prefix: its date, guests, budget, area."),
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="YYYY-MM-DD: leave out vendors booked that day.")
    ] = None,
    guests: Annotated[int | None, typer.Option("--guests", help="Expected guests.")] = None,
    budget: Annotated[
        str | None, typer.Option("--budget", help="$, $$, $$$ or $$$$ (at most this price).")
    ] = None,
    location: Annotated[
        str | None,
        typer.Option(
            "--location", "-l", help='A place or region ("San Jose", "Bay Area", "Tri-Valley").'
        ),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            "-c",
            help="Repeat for each (default: the categories the event still lacks; all without "
            "an event).",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=20, help="Vendors per category.")
    ] = 3,
) -> None:
    """The best vendors per category for an event or criteria, each with a reason.

    Active vendors in the area (a region such as "Bay Area" matches its cities; with none in
    a city, the region around it), at most the budget, best rated first, then most reviews,
    then name; vendors booked on the date are left out, and so are venues with fewer seats
    than guests."""

    st = state(ctx)
    cats = [c for c in (params.category(c) for c in category or []) if c] or None
    kwargs: dict[str, Any] = {
        "event_date": params.date(date),
        "guest_count": params.guests(guests),
        "budget": params.price(budget, "--budget"),
        "location": location,
        "categories": list(dict.fromkeys(cats)) if cats else None,
        "limit": limit,
    }
    if event is None:  # the web app's defaults for what is not given
        kwargs["guest_count"] = kwargs["guest_count"] or 100
        kwargs["budget"] = kwargs["budget"] or "$$"
        kwargs["location"] = "Bay Area" if location is None else location
    # `arangetram serve` answers recommendations to logged-in callers only: send the login
    # to a server when there is one
    remote_login = st.settings.mode == "remote" and st.stored_token() is not None
    planner = st.planner(auth=event is not None or remote_login)
    rec = getattr(planner, "recommend", None)
    if rec is not None:
        result = rec(event, **kwargs)
    else:  # a planner without the method (an older server): the same rules, client-side
        ev = planner.get_event(event) if event else None
        result = recommend_for(planner, event=ev, **kwargs)
        result["notes"].append("vendors booked on the date could not be checked on this server")
    show(st, result)


def rows_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for cat, vendors in result["recommendations"].items():
        for n, v in enumerate(vendors, 1):
            rows.append({"category": cat, "rank": n, **v})
    return rows


def show(st: Any, result: dict[str, Any]) -> None:
    out = st.out
    for note in result.get("notes", []):
        out.note(note)
    if out.format == "json" and not out.quiet:
        out.item(result, [])
        return
    c = result.get("criteria", {})
    title = (
        f"Recommendations: {c.get('guest_count')} guests, budget {c.get('budget')}, "
        f"{c.get('location') or 'any area'}"
        + (f", {c['event_date']}" if c.get("event_date") else "")
    )
    out.items(rows_of(result), COLUMNS, title=title, empty="no vendor fits these criteria")
