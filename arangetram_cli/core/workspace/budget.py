"""The budget: lines, catalog estimates, payments (no overpaying without confirming), and
the totals with what-if (guests, budget)."""

from __future__ import annotations

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.errors import Overpayment as Overpayment  # its home: core.errors
from arangetram_cli.core.prices import estimate_cents, venue_capacity
from arangetram_cli.core.workspace.base import Doc, new_id, now_iso
from arangetram_cli.core.workspace.dates import parse_date
from arangetram_cli.core.workspace.money import (
    DEFAULT_CURRENCY,
    MAX_CENTS,
    check_cents,
    format_money,
    parse_money,
)
from arangetram_cli.core.workspace.tasks import MAX_TITLE, text_field


# ---- budget -------------------------------------------------------------------------------
def vendor_estimate(vendor: Doc) -> tuple[int | None, bool]:
    """(cents, per_guest) from a vendor's free-text price_estimate, read as recommendations
    read it (core.prices): the middle of a range ("$2,000 - $3,500" -> 2,750), per guest
    when it says so ("$25 - $35 per person")."""
    cents, per_guest = estimate_cents(str(vendor.get("price_estimate") or ""))
    return (None if cents is None else min(cents, MAX_CENTS)), per_guest


def budget_fields(data: Doc, event: Doc, *, creating: bool) -> Doc:
    """Validated budget-line fields: name, category, estimate, quoted (cents or text as a
    person types it), per_guest, due (YYYY-MM-DD), notes, vendor_id."""
    known = {
        "name",
        "category",
        "estimate",
        "quoted",
        "estimate_cents",
        "quoted_cents",
        "per_guest",
        "due",
        "due_date",
        "notes",
        "vendor_id",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise Invalid(f"unknown budget field '{unknown[0]}'")
    out: Doc = {}
    if creating or data.get("name") is not None:
        out["name"] = text_field(data.get("name"), "budget item name", MAX_TITLE, required=True)
    if data.get("category") is not None:
        out["category"] = text_field(data["category"], "budget category", 100).lower()
    for name in ("estimate", "quoted"):
        raw = data.get(name) if data.get(name) is not None else data.get(f"{name}_cents")
        if raw is not None:
            out[f"{name}_cents"] = (
                check_cents(raw, f"--{name}")
                if isinstance(raw, int)
                else parse_money(raw, f"--{name}")
            )
    if data.get("per_guest") is not None:
        if not isinstance(data["per_guest"], bool):
            raise Invalid("per_guest must be true or false")
        out["per_guest"] = data["per_guest"]
    due = data.get("due") if data.get("due") is not None else data.get("due_date")
    if due == "":
        out["due_date"] = ""
    elif due is not None:
        out["due_date"] = parse_date(due, "--due").isoformat()
    if data.get("notes") is not None:
        out["notes"] = text_field(data["notes"], "notes")
    if data.get("vendor_id") is not None:
        out["vendor_id"] = text_field(data["vendor_id"], "vendor id", 100)
    return out


def new_budget_item(event: Doc, user_id: str, fields: Doc, *, now: str | None = None) -> Doc:
    now = now or now_iso()
    return {
        "id": new_id(),
        "event_id": event["id"],
        "user_id": user_id,
        "name": fields.get("name", ""),
        "category": fields.get("category", "other") or "other",
        "vendor_id": fields.get("vendor_id", ""),
        "booking_id": fields.get("booking_id"),
        "estimate_cents": fields.get("estimate_cents"),
        "quoted_cents": fields.get("quoted_cents"),
        "per_guest": bool(fields.get("per_guest", False)),
        "due_date": fields.get("due_date", ""),
        "notes": fields.get("notes", ""),
        "payments": list(fields.get("payments") or []),
        "created_at": now,
        "updated_at": now,
    }


def paid(item: Doc) -> int:
    return sum(int(p.get("amount_cents") or 0) for p in item.get("payments") or [])


def line_amounts(item: Doc, guests: int) -> tuple[int | None, int | None]:
    """(estimate, quoted) for the whole event: per-guest lines times the headcount."""
    est, quo = item.get("estimate_cents"), item.get("quoted_cents")
    if item.get("per_guest"):
        est = None if est is None else est * guests
        quo = None if quo is None else quo * guests
    return est, quo


def payment_limit(item: Doc, guests: int) -> int | None:
    est, quo = line_amounts(item, guests)
    return quo if quo is not None else est


def check_payment(item: Doc, amount: int, guests: int, *, confirm: bool) -> None:
    if amount <= 0:
        raise Invalid("a payment must be more than zero")
    limit = payment_limit(item, guests)
    after = paid(item) + amount
    if limit is not None and after > limit and not confirm:
        what = "quote" if item.get("quoted_cents") is not None else "estimate"
        raise Overpayment(
            f"payments on '{item.get('name')}' would come to {after / 100:,.2f}, more than its "
            f"{what} of {limit / 100:,.2f}",
            hint="check the amount, or confirm with --yes",
        )


def compute_budget(
    event: Doc,
    items: list[Doc],
    catalog: list[Doc],
    *,
    guests: int | None = None,
    budget_amount_cents: int | None = None,
    venue: Doc | None = None,
) -> Doc:
    """Lines, per-category totals, totals against the event's budget, and what-if: with
    `guests` (or `budget_amount_cents`) the per-guest lines are recomputed for that headcount
    and a venue it does not fit is flagged; nothing is stored."""
    currency = str(event.get("currency") or DEFAULT_CURRENCY)
    what_if = guests is not None or budget_amount_cents is not None
    headcount = guests if guests is not None else int(event.get("guest_count") or 0)
    amount = (
        budget_amount_cents if budget_amount_cents is not None else event.get("budget_amount_cents")
    )
    lines = []
    linked_vendors = {i.get("vendor_id") for i in items if i.get("vendor_id")}
    for item in sorted(
        items, key=lambda i: (i.get("category") or "", i.get("created_at") or "", i.get("id") or "")
    ):
        est, quo = line_amounts(item, headcount)
        p = paid(item)
        committed = quo if quo is not None else est
        lines.append(
            {
                **item,
                "estimate_total_cents": est,
                "quoted_total_cents": quo,
                "paid_cents": p,
                "balance_cents": None if committed is None else committed - p,
                "source": "line",
            }
        )
    for vendor in catalog:  # chosen vendors with no line yet: the catalog's estimate
        if vendor.get("id") in linked_vendors:
            continue
        cents, per_guest = vendor_estimate(vendor)
        est = None if cents is None else cents * (headcount if per_guest else 1)
        lines.append(
            {
                "id": None,
                "name": vendor.get("business_name") or "",
                "category": vendor.get("category") or "other",
                "vendor_id": vendor.get("id"),
                "estimate_cents": cents,
                "per_guest": per_guest,
                "estimate_total_cents": est,
                "quoted_total_cents": None,
                "quoted_cents": None,
                "paid_cents": 0,
                "balance_cents": est,
                "due_date": "",
                "payments": [],
                "source": "catalog",
            }
        )
    cats: dict[str, Doc] = {}
    for line in lines:
        c = cats.setdefault(
            line["category"],
            {"category": line["category"], "estimate_cents": 0, "quoted_cents": 0, "paid_cents": 0},
        )
        c["estimate_cents"] += line["estimate_total_cents"] or 0
        c["quoted_cents"] += line["quoted_total_cents"] or 0
        c["paid_cents"] += line["paid_cents"]
    est_total = sum(c["estimate_cents"] for c in cats.values())
    quo_total = sum(c["quoted_cents"] for c in cats.values())
    paid_total = sum(c["paid_cents"] for c in cats.values())
    committed = sum(
        (
            line["quoted_total_cents"]
            if line["quoted_total_cents"] is not None
            else line["estimate_total_cents"] or 0
        )
        for line in lines
    )
    warnings = []
    if venue is not None and headcount:
        cap = venue_capacity(venue)
        if cap is not None and headcount > cap:
            warnings.append(
                f"{venue.get('business_name')} seats {cap}; {headcount} guests would not fit"
            )
    remaining = None if amount is None else amount - committed
    if remaining is not None and remaining < 0:
        warnings.append(f"over budget by {format_money(-remaining, currency)}")
    return {
        "event_id": event.get("id"),
        "currency": currency,
        "guests": headcount,
        "what_if": what_if,
        "budget_amount_cents": amount,
        "lines": lines,
        "categories": sorted(cats.values(), key=lambda c: c["category"]),
        "totals": {
            "estimate_cents": est_total,
            "quoted_cents": quo_total,
            "paid_cents": paid_total,
            "committed_cents": committed,
            "remaining_cents": remaining,
            "over_budget": remaining is not None and remaining < 0,
        },
        "warnings": warnings,
    }
