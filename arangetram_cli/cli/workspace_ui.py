"""Shared by `tasks`, `budget` and the `events plan|calendar|export|import` commands: picking
the event, reading money, and drawing the plan.

What people wrote (titles, notes, vendor names) is hostile: it is drawn as rich.text.Text,
never as markup, on one line per row (control characters escaped, long text cut with an
ellipsis), so a title cannot restyle or rearrange the screen.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arangetram_cli.cli.output import cut_grid, cut_text, new_text, one_line
from arangetram_cli.core.workspace import format_money, parse_money

EventOpt = Annotated[
    str | None,
    typer.Option(
        "--event",
        "-e",
        help="Event id, prefix or exact name (default: your next upcoming event).",
    ),
]


def pick_event(st: Any, planner: Any, ref: str | None) -> str:
    """The event a command acts on: --event, else the caller's next upcoming one (said on
    stderr, so a script sees which)."""
    if ref is not None and ref.strip():
        return ref
    event = planner.next_event()
    st.out.note(
        f"event: {one_line(event.get('event_name'))} on {event.get('event_date')} "
        f"({str(event.get('id'))[:8]}); choose another with --event"
    )
    return str(event["id"])


def money(value: str | None, flag: str) -> int | None:
    if value is None:
        return None

    return parse_money(value, flag)


def fmt_money(cents: Any, currency: str = "USD") -> str:

    return format_money(cents if isinstance(cents, int) else None, currency)


def line(text: Any) -> str:
    return one_line("" if text is None else text)


def cell(text: Any, style: str = "") -> Any:
    """A grid cell: one line of text, cut with an ellipsis."""
    return cut_text(line(text), style)


def grid(console: Any, rows: list[list[Any]], widths: list[int | None]) -> None:
    """One line per row: columns cut with an ellipsis rather than wrapped."""
    console.print(cut_grid(rows, widths))


BAR_GLYPHS = {"paid": "█", "quoted": "▒", "estimate": "░"}


def bar(est: int, quo: int, paid: int, scale: int, width: int) -> Any:
    """A horizontal bar: paid (█) within quoted (▒) within estimate (░), scaled to the
    largest category; readable without colour."""

    def cells(v: int) -> int:
        return 0 if scale <= 0 else min(width, round(width * v / scale))

    p, q, e = cells(paid), cells(max(quo, paid)), cells(max(est, quo, paid))
    out = new_text()
    out.append(BAR_GLYPHS["paid"] * p, style="green")
    out.append(BAR_GLYPHS["quoted"] * (q - p), style="yellow")
    out.append(BAR_GLYPHS["estimate"] * (e - q), style="cyan")
    out.append(" " * (width - e))
    return out


def render_budget_bars(console: Any, budget: dict[str, Any], width: int) -> None:
    cur = budget.get("currency") or "USD"
    cats = budget.get("categories") or []
    bar_w = max(10, min(40, width - 58))
    scale = max([max(c["estimate_cents"], c["quoted_cents"], c["paid_cents"]) for c in cats] or [0])
    rows = [
        [
            cell("", "bold"),
            cell(""),
            cell("estimate", "bold"),
            cell("quoted", "bold"),
            cell("paid", "bold"),
        ]
    ]
    for c in cats:
        rows.append(
            [
                cell(c["category"]),
                bar(c["estimate_cents"], c["quoted_cents"], c["paid_cents"], scale, bar_w),
                cell(fmt_money(c["estimate_cents"], cur)),
                cell(fmt_money(c["quoted_cents"], cur)),
                cell(fmt_money(c["paid_cents"], cur)),
            ]
        )
    if not cats:
        console.print(cell("  no budget lines yet: arangetram budget add ITEM --estimate AMOUNT"))
        return
    grid(console, rows, [12, bar_w, 10, 10, 10])
    console.print(
        cell(
            f"{BAR_GLYPHS['paid']} paid  {BAR_GLYPHS['quoted']} quoted  "
            f"{BAR_GLYPHS['estimate']} estimate",
            "dim",
        )
    )
    render_totals(console, budget)


def render_totals(console: Any, budget: dict[str, Any]) -> None:
    cur = budget.get("currency") or "USD"
    totals = budget["totals"]
    parts = [
        f"committed {fmt_money(totals['committed_cents'], cur)}",
        f"paid {fmt_money(totals['paid_cents'], cur)}",
    ]
    amount = budget.get("budget_amount_cents")
    if amount is None:
        parts.append("no budget set")
        console.print(cell("Total: " + ", ".join(parts)))
    else:
        remaining = totals["remaining_cents"]
        console.print(cell(f"Total: {', '.join(parts)} of a budget of {fmt_money(amount, cur)}"))
        if totals["over_budget"]:
            console.print(cell(f"OVER BUDGET by {fmt_money(-remaining, cur)}", "bold red"))
        else:
            console.print(cell(f"Remaining: {fmt_money(remaining, cur)}", "green"))
    for w in budget.get("warnings") or []:
        if not w.startswith("over budget"):
            console.print(cell(f"warning: {w}", "yellow"))


def task_marker(t: dict[str, Any]) -> str:
    if t.get("status") == "done":
        return "done"
    return "OVERDUE" if t.get("overdue") else "open"


def render_plan(console: Any, plan: dict[str, Any]) -> None:
    """`events plan`: days to go, vendors per category, the checklist, the budget bars."""
    width = console.width
    ev = plan["event"]
    days = plan.get("days_to_go")
    if days is None:
        when = "no date"
    elif days > 0:
        when = f"{days} days to go"
    elif days == 0:
        when = "today!"
    else:
        when = f"{-days} days ago"
    console.print(cell(f"{line(ev.get('event_name'))} - {ev.get('event_date')} - {when}", "bold"))
    console.print(
        cell(
            f"{ev.get('guest_count')} guests, {line(ev.get('location_preference'))}, "
            f"status {ev.get('status')}"
        )
    )
    console.print()
    console.print(cell("Vendors", "bold underline"))
    styles = {"booked": "green", "requested": "yellow", "shortlisted": "cyan", "missing": "red"}
    rows = []
    for v in plan["vendors"]:
        names = v["booked"] or v["requested"] or v["shortlisted"]
        rows.append(
            [
                cell(v["category"]),
                cell(v["status"], styles.get(v["status"], "")),
                cell(", ".join(line(n) for n in names) or "-"),
            ]
        )
    grid(console, rows, [12, 11, max(10, width - 26)])
    console.print()
    ck = plan["checklist"]
    head = f"Checklist: {ck['done']}/{ck['total']} done"
    if ck["overdue"]:
        head += f", {ck['overdue']} overdue"
    console.print(cell(head, "bold underline"))
    if not ck["total"]:
        console.print(cell("  no checklist: arangetram tasks apply-template"))
    rows = []
    for t in ck["next"]:
        marker = task_marker(t)
        rows.append(
            [
                cell(t.get("due_date") or "-"),
                cell(marker, "bold red" if marker == "OVERDUE" else ""),
                cell(t.get("title")),
            ]
        )
    if rows:
        grid(console, rows, [10, 7, max(10, width - 20)])
    guests = plan.get("guests")  # the headcount (planning together; absent on older servers)
    if guests and guests.get("invitations"):
        console.print()
        console.print(cell("Guests", "bold underline"))
        g = guests
        rows = [
            (
                "confirmed",
                f"{g.get('confirmed', 0)} ({g.get('confirmed_adults', 0)} adults, "
                f"{g.get('confirmed_children', 0)} children)",
            ),
            ("maybe", str(g.get("maybe", 0))),
            ("pending", str(g.get("pending", 0))),
            ("declined", str(g.get("declined", 0))),
            ("invitations", f"{g.get('invitations', 0)} ({g.get('invited', 0)} people)"),
        ]
        grid(console, [[cell(k), cell(v)] for k, v in rows], [12, max(10, width - 16)])
    console.print()
    cur = plan["budget"].get("currency") or "USD"
    console.print(cell(f"Budget ({cur})", "bold underline"))
    render_budget_bars(console, plan["budget"], width)
