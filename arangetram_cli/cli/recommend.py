"""`arangetram vendors recommend`: the best vendors per category for an event or criteria.

Registered on the vendors group in cli/vendors.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from arangetram_cli.cli import params
from arangetram_cli.cli.context import state
from arangetram_cli.cli.output import Col
from arangetram_cli.core.query import PRICE_ORDER
from arangetram_cli.core.values import DEFAULT_BUDGET, DEFAULT_GUESTS, DEFAULT_LOCATION

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

    # the rules are imported here: every `vendors` command loads this module (registration)
    from arangetram_cli.core.recommend import recommend_for

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
        kwargs["guest_count"] = kwargs["guest_count"] or DEFAULT_GUESTS
        kwargs["budget"] = kwargs["budget"] or DEFAULT_BUDGET
        kwargs["location"] = DEFAULT_LOCATION if location is None else location
    # `arangetram serve` answers recommendations to logged-in callers only: send the login
    # to a server when there is one
    remote_login = st.settings.mode == "remote" and st.stored_token() is not None
    planner = st.planner(auth=event is not None or remote_login)
    rec = getattr(planner, "recommend", None)
    if rec is None:  # a planner without the method (an older server): the same rules, here
        ev = planner.get_event(event) if event else None

        def rec(_: Any, **kw: Any) -> dict[str, Any]:
            return recommend_for(planner, event=ev, **kw)

    result = rec(event, **kwargs)
    if getattr(planner, "recommend", None) is None:
        result["notes"].append("vendors booked on the date could not be checked on this server")
    near_misses(rec, event, kwargs, result, limit)
    show(st, result)


BUDGET_PART = re.compile(r"\S+ for a \$+ budget")


def near_misses(
    rec: Any, event: str | None, kwargs: dict[str, Any], result: dict[str, Any], limit: int
) -> None:
    """Fill each category up to `limit` with vendors that just miss, each labelled (`fit`,
    and its reason): one price level over the budget first, then the wider area. The
    server's answer keeps the contract's rules; this is asked for separately."""
    from arangetram_cli.core.recommend import wider_areas

    crit = result.get("criteria") or {}
    budget, area = str(crit.get("budget") or ""), crit.get("location")
    level = PRICE_ORDER.get(budget)
    tries: list[tuple[dict[str, Any], str]] = []
    if level is not None and level < len(PRICE_ORDER):
        tries.append(({"budget": "$" * (level + 1)}, "over budget"))
    tries += [({"location": wider}, "outside the area") for wider in wider_areas(area)]
    recs: dict[str, list[dict[str, Any]]] = result["recommendations"]
    added: dict[str, int] = {}
    for change, fit in tries:
        short = [cat for cat, found in recs.items() if len(found) < limit]
        if not short:
            break
        wider = {**kwargs, **change, "categories": short, "limit": min(20, limit * 3)}
        more = rec(event, **wider)["recommendations"]
        for cat in short:
            have = {v.get("id") for v in recs[cat]}
            for v in more.get(cat, []):
                if len(recs[cat]) >= limit:
                    break
                price = PRICE_ORDER.get(str(v.get("price_range")), 0)
                if v.get("id") in have or (fit == "over budget" and price <= (level or 0)):
                    continue  # within the budget but left out: for a reason already given
                why = (
                    f"over budget: {v.get('price_range')} for a {budget} budget"
                    if fit == "over budget"
                    else f"outside the area: {v.get('location')}, not {area}"
                )
                rest = [
                    part  # the server's "$$ for a $$ budget" spoke of the budget it was asked
                    for part in str(v.get("reason") or "").split("; ")
                    if part and not BUDGET_PART.fullmatch(part)
                ]
                recs[cat].append({**v, "fit": fit, "reason": "; ".join([why, *rest])})
                have.add(v.get("id"))
                added[cat] = added.get(cat, 0) + 1
    for cat, n in added.items():
        result.setdefault("notes", []).append(
            f"{cat}: {n} more labelled over budget or outside the area (fewer fit)"
        )


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
