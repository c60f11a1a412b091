"""`arangetram budget`: the event's money, line by line, in integer cents of one currency.

Amounts are typed as people write them (1800, 1,800.50, $1,800) and kept as cents.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.params import changes, from_group, given
from arangetram_cli.cli.workspace_ui import (
    EventOpt,
    cell,
    fmt_money,
    grid,
    line,
    money,
    pick_event,
    render_totals,
)
from arangetram_cli.core.errors import Conflict, Invalid
from arangetram_cli.core.workspace import Overpayment

app = typer.Typer(
    rich_markup_mode=None,
    help="The event's budget: lines, quotes, payments, and what-if.",
    invoke_without_command=True,
)

ItemArg = Annotated[str, typer.Argument(help="Budget item id, prefix or exact name.")]
Category = Annotated[str | None, typer.Option("--category", "-c", help="Such as venue, costume.")]
Estimate = Annotated[str | None, typer.Option("--estimate", help="Such as 1800 or $1,800.")]
Quoted = Annotated[str | None, typer.Option("--quoted", help="The vendor's quote.")]
Due = Annotated[str | None, typer.Option("--due", help="Next payment due, YYYY-MM-DD.")]
Notes = Annotated[str | None, typer.Option("--notes", help="Notes.")]
PerGuest = Annotated[
    bool | None,
    typer.Option("--per-guest/--total", help="The amounts are per guest (catering, gifts)."),
]
Vendor = Annotated[str | None, typer.Option("--vendor", help="Vendor id, prefix or exact name.")]
Yes = Annotated[
    bool, typer.Option("--yes", "-y", help="Record a payment larger than the quote anyway.")
]
Guests = Annotated[
    int | None, typer.Option("--guests", help="What if: recompute for this many guests.")
]
BudgetAmount = Annotated[
    str | None, typer.Option("--budget-amount", help="What if: against this total budget.")
]


def _cur(doc: dict[str, Any]) -> str:
    return str(doc.get("currency") or "USD")


ITEM_FIELDS = [
    ("name", "Item"),
    ("id", "Id"),
    ("category", "Category"),
    ("estimate_cents", "Estimate", lambda i: fmt_money(i.get("estimate_cents"), _cur(i))),
    ("quoted_cents", "Quoted", lambda i: fmt_money(i.get("quoted_cents"), _cur(i))),
    ("per_guest", "Per guest"),
    ("paid_cents", "Paid", lambda i: fmt_money(i.get("paid_cents"), _cur(i))),
    ("balance_cents", "Balance", lambda i: fmt_money(i.get("balance_cents"), _cur(i))),
    ("due_date", "Due"),
    ("notes", "Notes"),
]


def _show(
    ctx: typer.Context, event: str | None, guests: int | None, budget_amount: str | None
) -> None:
    st = state(ctx)
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, event)
    doc = planner.get_budget(
        ref, guests=guests, budget_amount_cents=money(budget_amount, "--budget-amount")
    )
    if st.out.quiet:
        for line in doc["lines"]:
            if line.get("id"):
                print(line["id"])
        return
    if st.out.format != "table":
        st.out.item(doc, [], id_key="_none")
        return
    _draw(st, doc)


def _draw(st: Any, doc: dict[str, Any]) -> None:

    console = st.out.console()
    cur = _cur(doc)
    ev = doc["event"]
    head = f"Budget: {line(ev.get('event_name'))} ({doc['guests']} guests, {cur})"
    if doc.get("what_if"):
        head += " - WHAT IF, nothing saved"
    console.print(cell(head, "bold"))
    rows = [
        [
            cell(h, "bold")
            for h in ("Item", "Category", "Estimate", "Quoted", "Paid", "Balance", "Due")
        ]
    ]
    for ln in doc["lines"]:
        name = line(ln.get("name"))
        if ln.get("source") == "catalog":
            name += " (catalog)"
        if ln.get("per_guest"):
            name += " (per guest)"
        rows.append(
            [
                cell(name),
                cell(ln.get("category")),
                cell(fmt_money(ln.get("estimate_total_cents"), cur)),
                cell(fmt_money(ln.get("quoted_total_cents"), cur)),
                cell(fmt_money(ln.get("paid_cents"), cur)),
                cell(fmt_money(ln.get("balance_cents"), cur)),
                cell(ln.get("due_date") or "-"),
            ]
        )
    if len(rows) == 1:
        console.print(cell("no budget lines yet: arangetram budget add ITEM --estimate AMOUNT"))
    else:
        width = max(12, console.width - 70)
        grid(console, rows, [width, 12, 10, 10, 10, 10, 10])
    render_totals(console, doc)


@app.callback()
def main(
    ctx: typer.Context,
    event: EventOpt = None,
    guests: Guests = None,
    budget_amount: BudgetAmount = None,
) -> None:
    """`budget` alone shows the budget (as `budget show`). Its --event applies to the
    subcommand that follows (`budget -e ID add ...`); --guests and --budget-amount are what-if
    options of `show` only."""
    if ctx.invoked_subcommand is None:
        _show(ctx, event, guests, budget_amount)
    elif ctx.invoked_subcommand != "show" and (guests is not None or budget_amount is not None):
        raise Invalid(
            "--guests and --budget-amount are what-if options of `budget show`, "
            f"not of `budget {ctx.invoked_subcommand}`"
        )


@app.command()
def show(
    ctx: typer.Context,
    event: EventOpt = None,
    guests: Guests = None,
    budget_amount: BudgetAmount = None,
) -> None:
    """Every line with estimate, quoted, paid and due, by category; totals against the
    event's budget. With --guests or --budget-amount: what if (nothing is saved)."""
    _show(
        ctx,
        from_group(ctx, "event", event, "--event"),
        from_group(ctx, "guests", guests, "--guests"),
        from_group(ctx, "budget_amount", budget_amount, "--budget-amount"),
    )


def _confirmed(st: Any, call: Any, yes: bool) -> Any:
    """Run call(confirm); a payment past the quote asks a person at a terminal, and is
    refused (exit 5, one line) for a script that did not pass --yes."""

    try:
        return call(yes)
    except Overpayment as e:
        if not st.io.can_prompt:
            raise
        if not st.io.confirm(f"{e.message}. Record it anyway?", default=False):
            raise Conflict("Not recorded", hint="check the amount") from None
        return call(True)


@app.command()
def add(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="What the money is for.")],
    event: EventOpt = None,
    category: Category = None,
    estimate: Estimate = None,
    quoted: Quoted = None,
    paid: Annotated[str | None, typer.Option("--paid", help="Paid already (today).")] = None,
    due: Due = None,
    per_guest: PerGuest = None,
    vendor: Vendor = None,
    notes: Notes = None,
    yes: Yes = False,
) -> None:
    """Add a budget line."""
    st = state(ctx)
    data = given(
        name=item,
        category=category,
        estimate=money(estimate, "--estimate"),
        quoted=money(quoted, "--quoted"),
        paid=money(paid, "--paid"),
        due=due,
        per_guest=per_guest,
        vendor_id=vendor,
        notes=notes,
    )
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, from_group(ctx, "event", event, "--event"))
    line = _confirmed(
        st, lambda confirm: planner.add_budget_item(ref, {**data, "confirm": confirm}), yes
    )
    st.out.success(f"Added: {line['name']}")
    st.out.item(line, ITEM_FIELDS, title="Budget line")


@app.command()
def pay(
    ctx: typer.Context,
    item: ItemArg,
    amount: Annotated[str, typer.Argument(help="Such as 500 or $1,250.50.")],
    event: EventOpt = None,
    on: Annotated[str | None, typer.Option("--on", help="Paid on, YYYY-MM-DD (today).")] = None,
    note: Annotated[str, typer.Option("--note", help="Such as deposit, cheque 104.")] = "",
    yes: Yes = False,
) -> None:
    """Record a payment on a line."""
    st = state(ctx)
    cents = money(amount, "amount")
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, from_group(ctx, "event", event, "--event"))
    line = _confirmed(
        st,
        lambda confirm: planner.pay_budget_item(
            ref, item, cents, on=on, note=note, confirm=confirm
        ),
        yes,
    )
    st.out.success(
        f"Paid {fmt_money(cents, _cur(line))} on {line['name']}; "
        f"balance {fmt_money(line.get('balance_cents'), _cur(line))}"
    )
    st.out.item(line, ITEM_FIELDS, title="Budget line")


@app.command()
def update(
    ctx: typer.Context,
    item: ItemArg,
    event: EventOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    category: Category = None,
    estimate: Estimate = None,
    quoted: Quoted = None,
    due: Due = None,
    per_guest: PerGuest = None,
    vendor: Vendor = None,
    notes: Notes = None,
) -> None:
    """Change a line (a quote arrived, a due date moved)."""

    st = state(ctx)
    data = changes(
        name=name,
        category=category,
        estimate=money(estimate, "--estimate"),
        quoted=money(quoted, "--quoted"),
        due=due,
        per_guest=per_guest,
        vendor_id=vendor,
        notes=notes,
    )
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, from_group(ctx, "event", event, "--event"))
    line = planner.update_budget_item(ref, item, data)
    st.out.success(f"Updated: {line['name']}")
    st.out.item(line, ITEM_FIELDS, title="Budget line")


@app.command()
def remove(ctx: typer.Context, item: ItemArg, event: EventOpt = None) -> None:
    """Remove a line (and its payments)."""
    st = state(ctx)
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, from_group(ctx, "event", event, "--event"))
    gone = planner.remove_budget_item(ref, item)
    st.out.success(f"Removed: {gone['name']}")
    st.out.item(gone, [("name", "Item"), ("id", "Id")], title="Removed")


@app.command("set")
def set_(
    ctx: typer.Context,
    amount: Annotated[str | None, typer.Argument(help="The event's total budget.")] = None,
    event: EventOpt = None,
    currency: Annotated[
        str | None, typer.Option("--currency", help="3-letter code (USD default).")
    ] = None,
) -> None:
    """Set the event's total budget (a number, beside the web app's $-level) or currency."""

    st = state(ctx)
    cents = money(amount, "amount")
    if cents is None and currency is None:
        raise Invalid("give an amount, --currency, or both")
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, from_group(ctx, "event", event, "--event"))
    ev = planner.set_event_budget(ref, amount_cents=cents, currency=currency)
    st.out.success(
        f"Budget of {ev.get('event_name')}: "
        f"{fmt_money(ev.get('budget_amount_cents'), _cur(ev))} ({_cur(ev)})"
    )
    st.out.item(ev, [("event_name", "Event"), ("budget_amount_cents", "Cents")])
