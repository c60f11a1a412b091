"""The planning workspace's rules: money, due dates, the Arangetram template, the checklist,
the budget (with what-if), the one-screen plan, and the export document.

Pure functions over plain documents (no store, no HTTP, no pydantic: read paths stay cheap),
shared by LocalPlanner (planner/workspace.py), the server and the CLI.

Documents
- task: {id, event_id, user_id, title, category, vendor_category, due_date ("" or
  YYYY-MM-DD), status ("open"|"done"), notes, template_key (None or the template's key),
  done_at, ticked_by [booking ids that ticked it], created_at, updated_at}
- budget item: {id, event_id, user_id, name, category, vendor_id, booking_id (None or the
  booking it was made for), estimate_cents, quoted_cents (None: not known), per_guest (the
  estimate is per guest), due_date, notes, payments [{id, amount_cents, on, note, at}],
  created_at, updated_at}; on read also paid_cents and balance_cents.
- event (additive fields): budget_amount_cents (None or int), currency ("USD").
Money is integer cents, never floats.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from arangetram_cli.core import refs
from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.errors import Overpayment as Overpayment  # its home: core.errors

Doc = dict[str, Any]

EXPORT_FORMAT = "arangetram-plan"
EXPORT_VERSION = 1
TEMPLATE_FILE = "arangetram_template.json"
TASK_STATUSES = ("open", "done")
MAX_CENTS = 10**13  # $100 billion: larger is a typo, and stays far inside 64-bit integers
MAX_TEXT = 2000
MAX_TITLE = 200
DEFAULT_CURRENCY = "USD"
VENDOR_CATEGORIES = (
    "venue",
    "catering",
    "photographer",
    "videographer",
    "decorations",
    "musicians",
)
# Budget categories per-guest by nature (what-if scales them with the headcount).
PER_GUEST_WORDS = ("per person", "per guest", "per plate", "/person", "/guest", "per head")
_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "SGD": "$", "EUR": "€", "GBP": "£", "INR": "₹"}


def new_id() -> str:
    return str(uuid.uuid4())


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


# ---- money --------------------------------------------------------------------------------
_MONEY = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")


def parse_money(value: Any, what: str = "amount") -> int:
    """Integer cents from what a person types: 1800, 1,800.50, $1,800 (or an int of cents
    when it already is one, from a JSON body). Negative, non-numeric, more than two decimals
    or absurdly large amounts are Invalid."""
    if isinstance(value, bool):
        raise Invalid(f"{what}: not an amount: {value!r}")
    if isinstance(value, int):
        cents = value
    else:
        text = str(value).strip()
        for sym in ("$", "€", "£", "₹"):
            text = text.removeprefix(sym).strip()
        if text.upper().startswith(("USD", "INR", "EUR", "GBP", "CAD")):
            text = text[3:].strip()
        if text.startswith("-"):
            raise Invalid(f"{what} cannot be negative: {str(value)[:40]!r}")
        if not _MONEY.match(text):
            raise Invalid(
                f"{what}: not an amount: {str(value)[:40]!r}",
                hint="write it as 1800, 1,800.50 or $1,800",
            )
        try:
            cents = int(Decimal(text.replace(",", "")) * 100)
        except InvalidOperation:  # pragma: no cover (the pattern admits only decimals)
            raise Invalid(f"{what}: not an amount: {str(value)[:40]!r}") from None
    if cents < 0:
        raise Invalid(f"{what} cannot be negative")
    if cents > MAX_CENTS:
        raise Invalid(f"{what} is too large: {str(value)[:40]!r}")
    return cents


def check_cents(value: Any, what: str) -> int | None:
    """A stored or posted amount in cents: None, or an int 0..MAX_CENTS."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{what} must be a whole number of cents")
    if value < 0:
        raise Invalid(f"{what} cannot be negative")
    if value > MAX_CENTS:
        raise Invalid(f"{what} is too large")
    return value


def check_currency(value: Any) -> str:
    text = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise Invalid(
            f"currency must be a 3-letter code such as USD or INR, not {str(value)[:20]!r}"
        )
    return text


def format_money(cents: int | None, currency: str = DEFAULT_CURRENCY) -> str:
    if cents is None:
        return "-"
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    number = f"{whole:,}" + (f".{frac:02d}" if frac else "")
    symbol = _SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"


# ---- dates --------------------------------------------------------------------------------
_OFFSET = re.compile(r"^\s*(\d{1,3})\s*([dwm])\s*$", re.I)


def parse_date(value: Any, what: str = "date") -> dt.date:
    text = str(value or "").strip()
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{what}: bad date {text[:40]!r} (use YYYY-MM-DD)") from None


def parse_offset(value: str, what: str = "--before") -> tuple[int, str]:
    m = _OFFSET.match(str(value))
    if not m:
        raise Invalid(
            f"{what}: bad interval {str(value)[:40]!r}",
            hint="use a number and d, w or m: 10d, 8w, 6m",
        )
    return int(m.group(1)), m.group(2).lower()


def shift(day: dt.date, n: int, unit: str, *, back: bool = True) -> dt.date:
    sign = -1 if back else 1
    if unit == "d":
        return day + dt.timedelta(days=sign * n)
    if unit == "w":
        return day + dt.timedelta(weeks=sign * n)
    months = day.year * 12 + day.month - 1 + sign * n
    year, month = divmod(months, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise Invalid("interval goes past the calendar")
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def event_day(event: Doc) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(event.get("event_date") or "")[:10])
    except ValueError:
        return None


def clamp_due(due: dt.date, today: dt.date, event_date: dt.date | None, *, after: bool) -> dt.date:
    """Late planners: a due date already past becomes today; never after the event (unless
    the task belongs after it), never before today."""
    if due < today:
        due = today
    if event_date is not None and not after and due > event_date >= today:
        due = event_date
    return due


def days_to_go(event: Doc, today: dt.date) -> int | None:
    day = event_day(event)
    return None if day is None else (day - today).days


def next_upcoming(events: Iterable[Doc], today: dt.date) -> Doc | None:
    """The caller's next event: the soonest dated today or later; else the latest past one."""
    dated = [(event_day(e), e) for e in events]
    future = [(d, e) for d, e in dated if d is not None and d >= today]
    if future:
        return min(future, key=lambda de: (de[0], str(de[1].get("id"))))[1]
    past = [(d, e) for d, e in dated if d is not None]
    return max(past, key=lambda de: (de[0], str(de[1].get("id"))))[1] if past else None


# ---- the template -------------------------------------------------------------------------
def load_template(path: str | Path | None = None) -> Doc:
    """The Arangetram template (package data), or a family's own file in the same shape.
    Invalid (one line) when the file is unreadable or fails validation."""
    where = str(path) if path else TEMPLATE_FILE
    try:
        if path is None:
            text = resources.files("arangetram_cli.core").joinpath(TEMPLATE_FILE).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise Invalid(f"cannot read the template {where}: {e.__class__.__name__}") from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise Invalid(f"template {where} is not JSON: line {getattr(e, 'lineno', '?')}") from None
    return validate_template(data, where)


def validate_template(data: Any, where: str = "template") -> Doc:
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise Invalid(f"template {where}: needs an object with a 'tasks' list")
    seen: set[str] = set()
    out = []
    for i, t in enumerate(data["tasks"], 1):
        at = f"template {where}: task {i}"
        if not isinstance(t, dict):
            raise Invalid(f"{at} is not an object")
        key, title = t.get("key"), t.get("title")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", key):
            raise Invalid(f"{at}: 'key' must be lowercase letters, digits and dashes")
        if key in seen:
            raise Invalid(f"{at}: key '{key}' appears twice")
        seen.add(key)
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            raise Invalid(f"{at} ({key}): 'title' must be 1-{MAX_TITLE} characters")
        before, after = t.get("before"), t.get("after")
        if (before is None) == (after is None):
            raise Invalid(f"{at} ({key}): give exactly one of 'before' or 'after'")
        parse_offset(before if before is not None else after, f"{at} ({key})")
        books = t.get("books")
        if books is not None and books not in VENDOR_CATEGORIES:
            raise Invalid(f"{at} ({key}): 'books' must be one of {', '.join(VENDOR_CATEGORIES)}")
        for name in ("category", "notes"):
            if t.get(name) is not None and not isinstance(t[name], str):
                raise Invalid(f"{at} ({key}): '{name}' must be text")
        out.append(t)
    if not out:
        raise Invalid(f"template {where}: has no tasks")
    return {**data, "tasks": out}


def template_task_docs(
    template: Doc, event: Doc, user_id: str, today: dt.date, skip_keys: Iterable[str] = ()
) -> list[Doc]:
    """Task documents for the template's tasks not yet on the event (by key)."""
    skip = set(skip_keys)
    day = event_day(event) or today
    docs = []
    stamp = dt.datetime.now(dt.UTC)
    for i, t in enumerate(template["tasks"]):
        now = (stamp + dt.timedelta(microseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        if t["key"] in skip:
            continue
        after = t.get("after") is not None
        n, unit = parse_offset(t["after"] if after else t["before"])
        due = clamp_due(shift(day, n, unit, back=not after), today, event_day(event), after=after)
        docs.append(
            new_task(
                event,
                user_id,
                title=t["title"].strip(),
                category=(t.get("category") or "").strip(),
                vendor_category=t.get("books") or "",
                due_date=due.isoformat(),
                notes=(t.get("notes") or "").strip(),
                template_key=t["key"],
                now=now,
            )
        )
    return docs


# ---- tasks --------------------------------------------------------------------------------
def new_task(event: Doc, user_id: str, *, now: str | None = None, **fields: Any) -> Doc:
    now = now or now_iso()
    return {
        "id": new_id(),
        "event_id": event["id"],
        "user_id": user_id,
        "title": fields.get("title", ""),
        "category": fields.get("category", ""),
        "vendor_category": fields.get("vendor_category", ""),
        "due_date": fields.get("due_date", ""),
        "status": "open",
        "notes": fields.get("notes", ""),
        "template_key": fields.get("template_key"),
        "done_at": "",
        "ticked_by": [],
        "created_at": now,
        "updated_at": now,
    }


def _text(value: Any, what: str, limit: int = MAX_TEXT, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text")
    text = value.strip()
    if required and not text:
        raise Invalid(f"{what} cannot be empty")
    if len(text) > limit:
        raise Invalid(f"{what} is too long (at most {limit} characters)")
    return text


def task_fields(data: Doc, event: Doc, today: dt.date, *, creating: bool) -> Doc:
    """Validated task fields from a command or a request body: title, category,
    vendor_category, notes, due (YYYY-MM-DD) or before (10d|8w|6m), after_event, status."""
    known = {
        "title",
        "category",
        "vendor_category",
        "notes",
        "due",
        "due_date",
        "before",
        "after_event",
        "status",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise Invalid(f"unknown task field '{unknown[0]}'")
    out: Doc = {}
    if creating or data.get("title") is not None:
        out["title"] = _text(data.get("title"), "task title", MAX_TITLE, required=True)
    for name in ("category", "notes"):
        if data.get(name) is not None:
            out[name] = _text(data[name], f"task {name}", 100 if name == "category" else MAX_TEXT)
    if data.get("vendor_category") is not None:
        vc = _text(data["vendor_category"], "vendor category").lower()
        if vc and vc not in VENDOR_CATEGORIES:
            raise Invalid(
                f"unknown vendor category '{vc}' (choose from {', '.join(VENDOR_CATEGORIES)})"
            )
        out["vendor_category"] = vc
    due = data.get("due") if data.get("due") is not None else data.get("due_date")
    before = data.get("before")
    if due not in (None, "") and before not in (None, ""):
        raise Invalid("give a due date or an interval before the event, not both")
    day = event_day(event)
    if before not in (None, ""):
        if day is None:
            raise Invalid("the event has no date to count back from; give a due date")
        n, unit = parse_offset(str(before))
        out["due_date"] = clamp_due(shift(day, n, unit), today, day, after=False).isoformat()
    elif due == "":
        out["due_date"] = ""
    elif due is not None:
        d = parse_date(due, "due date")
        if day is not None and d > day and not data.get("after_event"):
            raise Invalid(
                f"due date {d.isoformat()} is after the event on {day.isoformat()}",
                hint="a task for after the recital (thank-you notes): add --after-event",
            )
        out["due_date"] = d.isoformat()
    if data.get("status") is not None:
        if data["status"] not in TASK_STATUSES:
            raise Invalid(f"task status must be open or done, not {str(data['status'])[:20]!r}")
        out["status"] = data["status"]
    return out


def task_view(task: Doc, today: dt.date) -> Doc:
    due = task.get("due_date") or ""
    overdue = bool(due) and task.get("status") != "done" and due < today.isoformat()
    return {**task, "overdue": overdue}


def sort_tasks(tasks: Iterable[Doc]) -> list[Doc]:
    """By due date (undated last), then when they were written."""
    return sorted(
        tasks,
        key=lambda t: (
            not t.get("due_date"),
            t.get("due_date") or "",
            t.get("created_at") or "",
            t.get("id") or "",
        ),
    )


def filter_tasks(
    tasks: Iterable[Doc],
    today: dt.date,
    *,
    open_only: bool = False,
    overdue: bool = False,
    due_before: str | None = None,
    category: str | None = None,
) -> list[Doc]:
    limit = parse_date(due_before, "--due-before").isoformat() if due_before else None
    cat = (category or "").strip().lower()
    out = []
    for t in sort_tasks(tasks):
        v = task_view(t, today)
        if open_only and v.get("status") == "done":
            continue
        if overdue and not v["overdue"]:
            continue
        if limit and not (v.get("due_date") and v["due_date"] < limit):
            continue
        if cat and cat not in (str(v.get("category", "")).lower(), v.get("vendor_category")):
            continue
        out.append(v)
    return out


def resolve_ref(
    items: list[Doc], ref: str, what: str, name_key: str, hint: str | None = None
) -> Doc:
    """An item of an event by id, unique id prefix (4+) or exact name (case-insensitive):
    core.refs.pick, with the ref in the not-found message (`Task not found: buy flowers`)."""
    if not (ref or "").strip():
        raise Invalid(f"missing {what.lower()}")
    return refs.pick(items, ref, what, name_key=name_key, hint=hint, detail=True)


def checklist_summary(tasks: list[Doc], today: dt.date, next_n: int = 5) -> Doc:
    views = [task_view(t, today) for t in sort_tasks(tasks)]
    open_ = [t for t in views if t.get("status") != "done"]
    overdue = [t for t in open_ if t["overdue"]]
    upcoming = [t for t in open_ if not t["overdue"]]
    return {
        "total": len(views),
        "done": len(views) - len(open_),
        "open": len(open_),
        "overdue": len(overdue),
        "next": (overdue + upcoming)[:next_n],
    }


def checklist_lines(tasks: list[Doc], today: dt.date, next_n: int = 8) -> list[str]:
    """The stored checklist as Markdown lines for the assistants: progress, what is
    overdue, what comes next."""
    summary = checklist_summary(tasks, today, next_n=next_n)
    lines = [
        f"From your checklist: {summary['done']} of {summary['total']} tasks done"
        + (f", {summary['overdue']} overdue." if summary["overdue"] else "."),
        "",
    ]
    overdue = [t for t in summary["next"] if t["overdue"]]
    upcoming = [t for t in summary["next"] if not t["overdue"]]
    if overdue:
        lines += ["**Overdue**", ""]
        lines += [f"- [ ] {t['title']} (was due {t.get('due_date')})" for t in overdue]
        lines.append("")
    if upcoming:
        lines += ["**Next**", ""]
        lines += [f"- [ ] {t['title']} (due {t.get('due_date') or 'any time'})" for t in upcoming]
        lines.append("")
    done = [t for t in sort_tasks(tasks) if t.get("status") == "done"][-5:]
    if done:
        lines += ["**Done lately**", ""]
        lines += [f"- [x] {t['title']}" for t in done]
        lines.append("")
    if summary["open"] == 0:
        lines.append("Everything on the checklist is done.")
    lines.append("See it all: `arangetram tasks list`.")
    return lines


# ---- budget -------------------------------------------------------------------------------
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def vendor_estimate(vendor: Doc) -> tuple[int | None, bool]:
    """(cents, per_guest) from a vendor's free-text price_estimate: the middle of a range
    ("$2,000 - $3,500" -> 2,750), per guest when it says so ("$25 - $35 per person")."""
    text = str(vendor.get("price_estimate") or "")
    nums = [Decimal(n.replace(",", "")) for n in _NUMBER.findall(text)][:2]
    if not nums:
        return None, False
    mid = sum(nums) / len(nums)
    per_guest = any(w in text.lower() for w in PER_GUEST_WORDS)
    return min(int(mid * 100), MAX_CENTS), per_guest


_SEATS = re.compile(r"(\d{2,5})[- ]seat", re.I)


def venue_capacity(vendor: Doc) -> int | None:
    """Seats of a hall: an additive `capacity` field, else "450-seat" in its description."""
    cap = vendor.get("capacity")
    if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0:
        return cap
    m = _SEATS.search(str(vendor.get("description") or ""))
    return int(m.group(1)) if m else None


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
        out["name"] = _text(data.get("name"), "budget item name", MAX_TITLE, required=True)
    if data.get("category") is not None:
        out["category"] = _text(data["category"], "budget category", 100).lower()
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
        out["notes"] = _text(data["notes"], "notes")
    if data.get("vendor_id") is not None:
        out["vendor_id"] = _text(data["vendor_id"], "vendor id", 100)
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


# ---- the plan -----------------------------------------------------------------------------
def vendor_status(event: Doc, vendors: dict[str, Doc], bookings: list[Doc]) -> list[Doc]:
    """Per marketplace category: booked (accepted or completed), requested (pending) or
    shortlisted vendors, else missing."""
    rows = []
    for cat in VENDOR_CATEGORIES:
        booked, requested, listed = [], [], []
        for b in bookings:
            v = vendors.get(b.get("vendor_id"))
            if v is None or v.get("category") != cat:
                continue
            if b.get("status") in ("accepted", "completed"):
                booked.append(v.get("business_name"))
            elif b.get("status") == "pending":
                requested.append(v.get("business_name"))
        for vid in event.get("selected_vendors") or []:
            v = vendors.get(vid)
            if v is not None and v.get("category") == cat:
                name = v.get("business_name")
                if name not in booked and name not in requested:
                    listed.append(name)
        state = (
            "booked"
            if booked
            else "requested"
            if requested
            else ("shortlisted" if listed else "missing")
        )
        rows.append(
            {
                "category": cat,
                "status": state,
                "booked": booked,
                "requested": requested,
                "shortlisted": listed,
            }
        )
    return rows


def booked_venue(vendors: dict[str, Doc], bookings: list[Doc]) -> Doc | None:
    for b in bookings:
        v = vendors.get(b.get("vendor_id"))
        if (
            v is not None
            and v.get("category") == "venue"
            and b.get("status") in ("accepted", "completed")
        ):
            return v
    return None


def event_summary(event: Doc) -> Doc:
    keys = (
        "id",
        "event_name",
        "event_date",
        "event_time",
        "guest_count",
        "budget",
        "location_preference",
        "status",
        "budget_amount_cents",
        "currency",
    )
    out = {k: event.get(k) for k in keys}
    out["currency"] = out["currency"] or DEFAULT_CURRENCY
    return out


def build_plan(
    event: Doc,
    tasks: list[Doc],
    budget: Doc,
    vendors: dict[str, Doc],
    bookings: list[Doc],
    today: dt.date,
) -> Doc:
    return {
        "event": event_summary(event),
        "today": today.isoformat(),
        "days_to_go": days_to_go(event, today),
        "vendors": vendor_status(event, vendors, bookings),
        "checklist": checklist_summary(tasks, today),
        "budget": {
            k: budget[k]
            for k in (
                "currency",
                "guests",
                "budget_amount_cents",
                "categories",
                "totals",
                "warnings",
            )
        },
    }


# ---- export / import ----------------------------------------------------------------------
def export_doc(
    event: Doc, tasks: list[Doc], items: list[Doc], vendors: dict[str, Doc], bookings: list[Doc]
) -> Doc:
    def vref(vid: str | None) -> Doc | None:
        v = vendors.get(vid or "")
        return {"id": vid, "business_name": v.get("business_name") if v else None} if vid else None

    ev = {k: v for k, v in event.items() if k not in ("_id", "user_id", "selected_vendors")}
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now_iso(),
        "event": ev,
        "vendors": [vref(v) for v in event.get("selected_vendors") or []],
        "tasks": [
            {
                k: t.get(k)
                for k in (
                    "id",
                    "title",
                    "category",
                    "vendor_category",
                    "due_date",
                    "status",
                    "notes",
                    "template_key",
                    "done_at",
                )
            }
            for t in sort_tasks(tasks)
        ],
        "budget_items": [
            {
                **{
                    k: i.get(k)
                    for k in (
                        "id",
                        "name",
                        "category",
                        "estimate_cents",
                        "quoted_cents",
                        "per_guest",
                        "due_date",
                        "notes",
                        "payments",
                        "booking_id",
                    )
                },
                "vendor": vref(i.get("vendor_id")),
            }
            for i in items
        ],
        "bookings": [
            {
                "id": b.get("id"),
                "status": b.get("status"),
                "vendor": vref(b.get("vendor_id")),
                "created_at": b.get("created_at"),
            }
            for b in bookings
        ],
    }


def check_export(doc: Any) -> Doc:
    """The shape of an export document, before anything is written."""
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise Invalid(f'not an arangetram plan export (no "format": "{EXPORT_FORMAT}")')
    if doc.get("version") != EXPORT_VERSION:
        raise Invalid(
            f"plan export version {str(doc.get('version'))[:10]} is not supported "
            f"(this arangetram reads version {EXPORT_VERSION})"
        )
    if not isinstance(doc.get("event"), dict):
        raise Invalid("plan export has no event")
    for key in ("vendors", "tasks", "budget_items"):
        if not isinstance(doc.get(key, []), list):
            raise Invalid(f"plan export: '{key}' must be a list")
    return doc


def _label(ref: Any) -> str:
    """How an export names a vendor it refers to: its name, else its id."""
    if isinstance(ref, dict):
        return repr(str(ref.get("business_name") or ref.get("id") or "?")[:80])
    return repr(str(ref)[:80])
