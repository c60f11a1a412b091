"""The offline planner: answers from the catalog and the event, with no language model.

It gives what can be worked out: recommended vendors per category within the budget and the
area (core/recommend.py), a budget estimate from the vendors' own price estimates ("$2,000 -
$3,500", "$25 - $35 per person" x guests, "$1,800 - $2,800 for the orchestra"), and a
month-by-month checklist toward the date. It always says that it is the offline planner.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from arangetram_cli.ai.prompt import EventContext, detect_categories
from arangetram_cli.core.recommend import (
    CATEGORY_ORDER,
    DEFAULT_BUDGET,
    DEFAULT_GUESTS,
    DEFAULT_LOCATION,
    estimate_cost,
    money_range,
    parse_estimate,
    recommend_for,
)
from arangetram_cli.core.workspace import checklist_lines, shift
from arangetram_cli.store.base import Doc

NAMES = {
    "venue": "Venue",
    "musicians": "Orchestra",
    "photographer": "Photographer",
    "videographer": "Videographer",
    "catering": "Catering",
    "decorations": "Decorations",
}
BUDGET_WORDS = ("budget", "cost", "price", "how much", "expens", "afford", "spend", "estimate")
PLAN_WORDS = (
    "checklist", "timeline", "schedule", "when ", "month", "plan", "prepare", "todo", "to-do",
    "to do", "steps", "start", "ahead",
)  # fmt: skip
NOT_IN_CATALOG = (
    "costumes and jewellery, makeup, invitations and brochures, the guru's and the orchestra's "
    "honoraria beyond the quote, and return gifts"
)

# (months before the date, task, category it completes or None)
TASKS: list[tuple[int, str, str | None]] = [
    (12, "Fix the date with the guru and book the venue", "venue"),
    (11, "Book the orchestra: nattuvangam, vocal, mridangam, violin, flute", "musicians"),
    (9, "Order costumes (two or three sets) and temple jewellery", None),
    (8, "Book the photographer", "photographer"),
    (8, "Book the videographer", "videographer"),
    (6, "Book the caterer and choose the menu", "catering"),
    (6, "Book the stage decorations and lighting", "decorations"),
    (5, "Design the invitation and the programme brochure (the margam)", None),
    (4, "Book the makeup artist; order return gifts", None),
    (3, "Send the invitations; rehearsals with the live orchestra begin", None),
    (2, "Costume and jewellery trial; fix the margam's order and timings", None),
    (1, "Confirm every vendor in writing; final headcount to the caterer; print brochures", None),
    (0, "Recital week: technical and dress rehearsal on the stage; timetable to every vendor",
     None),
]  # fmt: skip


_GUESTS = re.compile(
    r"(\d[\d,]*)\s*(?:-\s*|\s)?(?:guests?|people|persons?|attendees|pax|seats?)\b", re.I
)
_AMOUNT = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)\s*(k|K|thousand)?|\b(\d+(?:\.\d+)?)\s*(k|K)\b")
_LEVEL = re.compile(r"(?<![\w$])(\${1,4})(?![\w$\d])")
_LEVEL_WORDS = (
    ("$", ("cheap", "low budget", "low-budget", "tight budget", "frugal", "inexpensive")),
    ("$$", ("moderate", "mid-range", "midrange", "reasonable", "affordable")),
    ("$$$", ("premium", "upscale", "high-end", "high end", "generous")),
    ("$$$$", ("luxury", "luxurious", "lavish", "no expense spared", "grand")),
)
_PLACE = re.compile(
    r"\b(?:in|near|around|at|close to)\s+((?:[A-Z][\w'.-]*)(?:\s+[A-Z][\w'.-]*){0,3})"
)
DEFAULTS = {"guest_count": DEFAULT_GUESTS, "budget": DEFAULT_BUDGET, "location": DEFAULT_LOCATION}


def _level_for_total(amount: float) -> str:
    """A total budget in dollars as the price level to look for (an Arangetram's usual
    spread: under $10k frugal, under $25k moderate, under $50k premium)."""
    for limit, level in ((10_000, "$"), (25_000, "$$"), (50_000, "$$$")):
        if amount < limit:
            return level
    return "$$$$"


def criteria(question: str) -> dict[str, Any]:
    """What the question itself says about the event: guests ("300 guests", "a 300-guest
    recital"), the budget (a level "$$$", words such as "luxury", or an amount "$20,000",
    "20k") and the place ("in San Jose"). Only what was found."""
    found: dict[str, Any] = {}
    m = _GUESTS.search(question)
    if m:
        n = int(m.group(1).replace(",", ""))
        if 0 < n <= 100_000:
            found["guest_count"] = n
    lowered = question.lower()
    m_level = _LEVEL.search(question)
    amount = None
    for m in _AMOUNT.finditer(question):
        digits, thousand = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        value = float(digits.replace(",", ""))
        amount = value * 1000 if thousand else value
        break
    if amount:
        found["budget"] = _level_for_total(amount)
        found["budget_amount"] = amount
    elif m_level:
        found["budget"] = m_level.group(1)
    else:
        for level, words in _LEVEL_WORDS:
            if any(w in lowered for w in words):
                found["budget"] = level
    m = _PLACE.search(question)
    if m and m.group(1).lower() not in ("arangetram", "the", "a"):
        found["location"] = m.group(1).rstrip(".,'")
    return found


def _month(d: dt.date) -> str:
    return d.strftime("%B %Y")


def topics(question: str) -> tuple[list[str], bool, bool]:
    """(categories asked about, budget asked about, plan asked about); nothing specific
    asked means everything."""
    q = question.lower()
    cats = detect_categories(q)
    budget = any(w in q for w in BUDGET_WORDS)
    plan = any(w in q for w in PLAN_WORDS)
    if not cats and not budget and not plan:
        return [], True, True
    return cats, budget, plan


def _status(ctx: EventContext | None) -> dict[str, str]:
    """category -> what the event has for it ("booked: X", "chosen: X", "requested: X")."""
    out: dict[str, str] = {}
    if ctx is None:
        return out
    for b in ctx.bookings:
        v = b.get("vendor") or {}
        cat = v.get("category")
        if not cat:
            continue
        if b.get("status") == "accepted":
            out[cat] = f"booked: {v.get('business_name')}"
        elif b.get("status") == "pending" and cat not in out:
            out[cat] = f"requested: {v.get('business_name')} (waiting for an answer)"
    for v in ctx.selected:
        out.setdefault(str(v.get("category")), f"chosen: {v.get('business_name')}")
    return out


def answer(
    planner: Any,
    question: str,
    ctx: EventContext | None,
    *,
    reason: str,
    booked_on: Any = None,
    today: dt.date | None = None,
) -> Iterator[str]:
    """The offline answer in Markdown, yielded a line at a time (the same streaming path as
    a provider's answer)."""
    text = compose(planner, question, ctx, reason=reason, booked_on=booked_on, today=today)
    yield from text.splitlines(keepends=True)


def compose(
    planner: Any,
    question: str,
    ctx: EventContext | None,
    *,
    reason: str,
    booked_on: Any = None,
    today: dt.date | None = None,
) -> str:
    today = today or dt.date.today()
    cats, want_budget, want_plan = topics(question)
    event = ctx.event if ctx else None
    asked = {} if ctx else criteria(question)
    if asked:  # no event: the question's own figures are the criteria
        event = {
            "event_name": "your event",
            "guest_count": asked.get("guest_count", DEFAULTS["guest_count"]),
            "budget": asked.get("budget", DEFAULTS["budget"]),
            "location_preference": asked.get("location", DEFAULTS["location"]),
        }
    out: list[str] = [
        f"**Offline planner**: no AI model wrote this ({reason}). It is worked out from "
        "the vendor catalog" + (" and your event." if ctx else ".")
    ]
    if ctx:
        e = ctx.event
        days = ctx.days_left(today)
        when = f"{e.get('event_date')}"
        if days is not None:
            when += f" (in {days} days)" if days >= 0 else f" ({-days} days ago)"
        out.append(
            f"\n**{e.get('event_name')}** on {when}: {e.get('guest_count')} guests, "
            f"budget {e.get('budget')}, {e.get('location_preference') or 'no area given'}."
        )
    elif asked:
        guests, level, place = (event["guest_count"], event["budget"], event["location_preference"])
        money = (
            f" (about ${asked['budget_amount']:,.0f} in all)" if "budget_amount" in asked else ""
        )
        assumed = [
            text
            for key, text in (
                ("guest_count", "the guests"),
                ("budget", "the budget"),
                ("location", "the area"),
            )
            if key not in asked
        ]
        rest = f"; {', '.join(assumed)} assumed" if assumed else ""
        out.append(
            f"\nFrom your question: {guests} guests, a {level} budget{money}, {place}{rest} "
            "(ask with `--event ID` for your event)."
        )
    else:
        out.append(
            f"\nNo event given, so this assumes {DEFAULT_GUESTS} guests, a {DEFAULT_BUDGET} "
            f"budget and the {DEFAULT_LOCATION} (ask with `--event ID` for yours)."
        )
    status = _status(ctx)
    rec_cats = cats or ([c for c in CATEGORY_ORDER if c not in status] if ctx else [])
    result = _recommend(planner, event, rec_cats, booked_on)
    recs: dict[str, list[Doc]] = result["recommendations"]
    if cats or (want_budget and want_plan):
        out.append("\n### Recommended vendors\n")
        for cat in rec_cats or CATEGORY_ORDER:
            if cat in status and not cats:
                continue
            picks = recs.get(cat, [])
            out.append(
                f"**{NAMES.get(cat, cat)}**"
                + (f" (you have {status[cat]})" if cat in status else "")
            )
            out.append("")
            if not picks:
                out.append("- nothing in the catalog fits the area and budget\n")
                continue
            for n, v in enumerate(picks, 1):
                out.append(
                    f"{n}. **{v['business_name']}** ({v.get('location')}), "
                    f"{v.get('price_estimate') or 'no estimate'}: {v['reason']}"
                )
            out.append("")
        for note in result.get("notes", []):
            if "booked on" in note or "fewer seats" in note:
                out.append(f"- _{note}_")
        have = [f"{NAMES.get(c, c)}: {s}" for c, s in status.items()] if not cats else []
        if have:
            out.append("Already covered: " + "; ".join(have) + ".")
    if want_budget:
        out.append("\n### Budget estimate\n")
        out.extend(_budget(ctx, recs, planner, event, booked_on))
    if want_plan:
        out.append("\n### Checklist\n")
        out.extend(_checklist(ctx, status, today))
    return "\n".join(out).rstrip() + "\n"


def _recommend(planner: Any, event: Doc | None, cats: list[str], booked_on: Any) -> Doc:
    kwargs: dict[str, Any] = {"categories": cats or None}
    ref = event.get("id") if event else None
    if event is None:
        kwargs.update(guest_count=DEFAULT_GUESTS, budget=DEFAULT_BUDGET, location=DEFAULT_LOCATION)
    elif not ref:  # an unsaved event: its values are the criteria
        kwargs.update(
            event_date=event.get("event_date") or None,
            guest_count=event.get("guest_count") or DEFAULT_GUESTS,
            budget=event.get("budget") or DEFAULT_BUDGET,
            location=event.get("location_preference") or "",
        )
    rec = getattr(planner, "recommend", None)
    if rec is not None:
        return rec(ref, **kwargs)
    return recommend_for(planner, event=event if ref else None, booked_on=booked_on, **kwargs)


def _budget(
    ctx: EventContext | None,
    recs: dict[str, list[Doc]],
    planner: Any,
    event: Doc | None,
    booked_on: Any,
) -> list[str]:
    source = ctx.event if ctx else (event or {})
    guests = int(source.get("guest_count") or DEFAULT_GUESTS)
    chosen: dict[str, tuple[Doc, str]] = {}
    if ctx:
        for b in ctx.bookings:
            v = b.get("vendor") or {}
            if b.get("status") == "accepted" and v.get("category"):
                chosen[v["category"]] = (v, "booked")
        for b in ctx.bookings:
            v = b.get("vendor") or {}
            if b.get("status") == "pending" and v.get("category"):
                chosen.setdefault(v["category"], (v, "requested"))
        for v in ctx.selected:
            chosen.setdefault(v["category"], (v, "chosen"))
    missing = [c for c in CATEGORY_ORDER if c not in chosen and not recs.get(c)]
    if missing:  # the whole picture needs an estimate for every category
        more = _recommend(planner, event, missing, booked_on)["recommendations"]
        recs = {**recs, **{c: v for c, v in more.items() if v}}
    rows = ["| Category | Based on | Estimate |", "|---|---|---|"]
    low = high = 0.0
    unknown: list[str] = []
    for cat in CATEGORY_ORDER:
        if cat in chosen:
            v, how = chosen[cat]
        elif recs.get(cat):
            v, how = recs[cat][0], "top pick"
        else:
            unknown.append(f"{NAMES[cat]} (no vendor fits)")
            continue
        est = parse_estimate(v.get("price_estimate"))
        cost = estimate_cost(v.get("price_estimate"), guests)
        if cost is None:
            unknown.append(f"{NAMES[cat]} ({v.get('price_estimate') or 'no estimate'})")
            continue
        basis = f"{v['business_name']} ({how})"
        if est and est.per == "person":
            basis += f", {v['price_estimate']} x {guests} guests"
        rows.append(f"| {NAMES[cat]} | {basis} | {money_range(*cost)} |")
        low += cost[0]
        high += cost[1]
    rows.append(f"| **Total** | | **{money_range(low, high)}** |")
    if unknown:
        rows.append("\nNot in the total: " + "; ".join(unknown) + ".")
    rows.append(
        f"\nAlso budget for what the catalog does not list: {NOT_IN_CATALOG}. "
        "Estimates are the vendors' own: confirm each quote."
    )
    return rows


def _checklist(ctx: EventContext | None, status: dict[str, str], today: dt.date) -> list[str]:
    if ctx and ctx.tasks:  # the family's own checklist, as stored
        return checklist_lines(ctx.tasks, today)
    date = None
    if ctx:
        try:
            date = dt.date.fromisoformat(str(ctx.event.get("event_date")))
        except ValueError:
            date = None
    if date is None:
        lines = ["Counting back from the date (give `--event ID` for real months):", ""]
        for months, task, _ in TASKS:
            when = f"{months} months before" if months else "The week of the recital"
            lines.append(f"- **{when}**: {task}")
        return lines
    if date < today:
        return [f"The date ({date.isoformat()}) has passed: nothing left to plan."]
    this_month = today.replace(day=1)
    groups: dict[dt.date, list[str]] = {}
    overdue: list[str] = []
    done_early: list[str] = []
    for months, task, cat in TASKS:
        due = shift(date, months, "m").replace(day=1)
        done = status.get(cat) if cat else None
        if due < this_month:
            if done:
                done_early.append(f"- [x] {task} ({done})")
            else:
                overdue.append(f"- [ ] {task} (was due {_month(due)})")
            continue
        mark = "[x]" if done else "[ ]"
        groups.setdefault(due, []).append(f"- {mark} {task}" + (f" ({done})" if done else ""))
    lines: list[str] = []
    if done_early:
        lines += ["**Done**", "", *done_early, ""]
    if overdue:
        lines += [f"**Now ({_month(today)}), overdue**", "", *overdue, ""]
    for month in sorted(groups):
        lines += [f"**{_month(month)}**", "", *groups[month], ""]
    return lines
