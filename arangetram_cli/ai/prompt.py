"""The system prompt: what an Arangetram needs, the family's event, and the part of the
vendor catalog that matters for this question and event (not a fixed first 20).

Everything is read through the Planner port (get_event, event_vendors, list_bookings,
iter_vendors), so the same code serves local mode, remote mode and the server.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from arangetram_cli.core.recommend import (
    CATEGORY_ORDER,
    REGIONS,
    covered_categories,
    location_matches,
    rank_key,
)
from arangetram_cli.core.workspace import checklist_lines
from arangetram_cli.store.base import PRICE_ORDER, Doc, VendorQuery

CATALOG_LIMIT = 24

ARANGETRAM_BRIEF = """\
An Arangetram ("ascending the stage") is a Bharatanatyam dancer's solo debut recital: two and a
half to three and a half hours, the culmination of years of training under a guru. Families plan
it 9 to 12 months ahead, around one date. It needs:
- a venue: an auditorium with a wide stage (30 ft or more; sprung wood or Marley floor kind to the
  dancer's knees), green rooms close to the wings, stage lighting and sound, seats for the guests;
- the live Carnatic orchestra: nattuvangam (usually the guru), vocalist, mridangam, violin and
  flute (sometimes veena), booked early, with several rehearsals before the day;
- a photographer and a (multi-camera) videographer, stage decorations (backdrop, flowers, lamps,
  a Nataraja idol) and catering for the guests (often a South Indian lunch or dinner);
- outside the catalog: costumes (usually two or three sets) and temple jewellery, a makeup artist,
  invitations and a programme brochure for the margam (Pushpanjali or Alarippu, Jatiswaram,
  Shabdam, Varnam, Padam, Tillana, Mangalam), an MC, and return gifts."""

RULES = """\
Answer the family's question concretely and briefly, in Markdown. When you name vendors, use
only vendors from the catalog below, by their exact name, with their price estimate and why
they fit the event; when none fits, say so plainly. Price estimates are the vendors' own: say
that they must be confirmed. Do not invent phone numbers, prices or availability."""

CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "venue": ("venue", "hall", "auditorium", "theatre", "theater", "stage", "seats", "seating"),
    "catering": ("cater", "food", "lunch", "dinner", "meal", "menu", "buffet", "snack", "dosa"),
    "photographer": ("photo", "picture", "camera", "portrait"),
    "videographer": ("video", "film", "livestream", "live stream", "recording"),
    "decorations": ("decor", "flower", "backdrop", "lighting", "garland", "lamp"),
    "musicians": (
        "music", "orchestra", "nattuvan", "mridang", "violin", "flute", "vocal", "singer",
        "veena", "carnatic",
    ),
}  # fmt: skip
_STOP = {
    "what", "which", "where", "when", "with", "that", "this", "have", "from", "would", "could",
    "should", "about", "there", "their", "they", "your", "best", "good", "need", "needs",
    "want", "more", "most", "some", "much", "many", "does", "will", "into", "than", "also",
    "arangetram", "vendor", "vendors", "recommend", "please", "help", "event",
}  # fmt: skip
_WORD = re.compile(r"[a-z][a-z'-]{3,}")


def detect_categories(text: str) -> list[str]:
    """Categories a question is about, in catalog order (none: a general question)."""
    t = text.lower()
    return [c for c in CATEGORY_ORDER if any(w in t for w in CATEGORY_WORDS[c])]


def mentioned_place(text: str) -> str | None:
    """A region or city named in the question ("in San Jose", "South Bay ...")."""
    t = " ".join(text.lower().split())
    for region in sorted(REGIONS, key=len, reverse=True):
        if region in t:
            return region
    cities = sorted({c for cs in REGIONS.values() for c in cs}, key=len, reverse=True)
    for city in cities:
        if re.search(rf"\b{re.escape(city)}\b", t):
            return city
    return None


@dataclass
class EventContext:
    event: Doc
    selected: list[Doc] = field(default_factory=list)
    bookings: list[Doc] = field(default_factory=list)  # this event's, vendor embedded
    tasks: list[Doc] = field(default_factory=list)  # the stored checklist (workspace)

    @property
    def open_bookings(self) -> list[Doc]:
        return [b for b in self.bookings if b.get("status") in ("pending", "accepted")]

    @property
    def covered(self) -> set[str]:
        return covered_categories(self.selected, self.bookings)

    @property
    def missing(self) -> list[str]:
        return [c for c in CATEGORY_ORDER if c not in self.covered]

    def days_left(self, today: dt.date) -> int | None:
        try:
            return (dt.date.fromisoformat(str(self.event.get("event_date"))) - today).days
        except ValueError:
            return None


def event_context(planner: Any, event: Doc) -> EventContext:
    selected = planner.event_vendors(event)
    if not event.get("id"):  # an unsaved event (the contract's event_context)
        return EventContext(event, selected, [])
    try:
        mine = planner.list_bookings(event=event["id"])
        bookings = [b for b in mine if b.get("event_id") == event["id"]]
    except Exception:
        bookings = []
    try:  # a server without the workspace, or none stored: the planners count back instead
        tasks = planner.list_tasks(event["id"])["tasks"]
    except Exception:
        tasks = []
    return EventContext(event, selected, bookings, tasks)


def _score(v: Doc, words: set[str], place: str | None, budget: str | None) -> float:
    s = float(v.get("rating") or 0) + min(int(v.get("review_count") or 0), 300) / 150
    if place:
        s += 3 if location_matches(v.get("location"), place) else -2
    if budget in PRICE_ORDER:
        over = PRICE_ORDER.get(v.get("price_range") or "", 2) - PRICE_ORDER[budget]
        s += 2 if over <= 0 else -1.5 * over
    if words:
        text = " ".join(
            [
                str(v.get("business_name") or ""),
                str(v.get("description") or ""),
                " ".join(v.get("services") or []),
            ]
        ).lower()
        s += min(3, sum(1 for w in words if w in text))
    return s


def select_catalog(
    planner: Any,
    question: str,
    ctx: EventContext | None,
    *,
    limit: int = CATALOG_LIMIT,
) -> tuple[list[Doc], int]:
    """The vendors most relevant to the question and the event, at most `limit`, grouped by
    category in catalog order; and how many vendors were considered. Constant memory: one
    bounded heap per category over a streamed listing."""
    asked = detect_categories(question)
    place = mentioned_place(question) or (
        str(ctx.event.get("location_preference") or "") if ctx else None
    )
    budget = str(ctx.event.get("budget")) if ctx else None
    words = {w for w in _WORD.findall(question.lower()) if w not in _STOP}
    skip = {v["id"] for v in ctx.selected} if ctx else set()
    if asked:
        quotas = {c: max(4, limit // len(asked)) for c in asked}
    elif ctx:
        missing = ctx.missing
        quotas = {c: (5 if c in missing else 2) for c in CATEGORY_ORDER}
    else:
        quotas = dict.fromkeys(CATEGORY_ORDER, max(1, limit // len(CATEGORY_ORDER)))
    heaps: dict[str, list[tuple[float, int, Doc]]] = {c: [] for c in quotas}
    seen = 0
    queries: Iterable[VendorQuery] = (
        [VendorQuery(category=c) for c in asked] if asked else [VendorQuery()]
    )
    n = 0
    for q in queries:
        for v in planner.iter_vendors(q):
            seen += 1
            cat = v.get("category")
            if cat not in heaps or v.get("id") in skip:
                continue
            n += 1
            item = (_score(v, words, place, budget), -n, v)  # earlier (better-rated) wins ties
            heap = heaps[cat]
            if len(heap) < quotas[cat]:
                heapq.heappush(heap, item)
            elif item[:2] > heap[0][:2]:
                heapq.heapreplace(heap, item)
    picked: list[Doc] = []
    for cat in CATEGORY_ORDER:
        ranked = sorted(heaps.get(cat, []), key=lambda t: (-t[0], rank_key(t[2])))
        picked.extend(v for _, _, v in ranked)
    return picked[:limit], seen


def vendor_line(v: Doc) -> str:
    rating = float(v.get("rating") or 0)
    reviews = int(v.get("review_count") or 0)
    stars = f"{rating:.1f}/5 ({reviews} reviews)" if reviews else "new, no reviews"
    services = ", ".join((v.get("services") or [])[:4])
    desc = " ".join(str(v.get("description") or "").split())
    if len(desc) > 160:
        desc = desc[:157].rstrip() + "..."
    line = (
        f"- {v.get('business_name')} [{v.get('category')}] {v.get('location')}; "
        f"{v.get('price_range')}; {v.get('price_estimate') or 'no estimate'}; {stars}"
    )
    if services:
        line += f"; offers: {services}"
    return line + (f". {desc}" if desc else "")


def event_block(ctx: EventContext, today: dt.date) -> str:
    e = ctx.event
    days = ctx.days_left(today)
    when = str(e.get("event_date") or "no date")
    if days is not None:
        when += f" ({days} days from today)" if days >= 0 else f" ({-days} days ago)"
    lines = [
        f"Event: {e.get('event_name')} on {when}"
        + (f" at {e['event_time']}" if e.get("event_time") else ""),
        f"Guests: {e.get('guest_count')}; budget: {e.get('budget')} (on the catalog's $ to $$$$ "
        f"scale); area: {e.get('location_preference') or 'not given'}; status: {e.get('status')}",
    ]
    if e.get("special_requirements"):
        lines.append(f"Special requirements: {e['special_requirements']}")
    if ctx.selected:
        lines.append("Vendors chosen so far:")
        lines.extend("  " + vendor_line(v) for v in ctx.selected)
    else:
        lines.append("Vendors chosen so far: none")
    if ctx.open_bookings:
        lines.append("Booking requests:")
        for b in ctx.open_bookings:
            v = b.get("vendor") or {}
            lines.append(
                f"  - {v.get('business_name', b.get('vendor_id'))} [{v.get('category', '?')}]: "
                f"{b.get('status')}"
            )
    missing = ctx.missing
    lines.append("Still needed from the catalog: " + (", ".join(missing) if missing else "nothing"))
    return "\n".join(lines)


def system_prompt(
    planner: Any,
    question: str,
    ctx: EventContext | None,
    *,
    today: dt.date | None = None,
    limit: int = CATALOG_LIMIT,
) -> str:
    today = today or dt.date.today()
    vendors, seen = select_catalog(planner, question, ctx, limit=limit)
    parts = [
        "You are the planning assistant of an Arangetram planning marketplace, "
        "answering in a terminal.",
        ARANGETRAM_BRIEF,
        RULES,
        f"Today is {today.isoformat()}.",
    ]
    if ctx:
        parts.append("## The family's event\n" + event_block(ctx, today))
        if ctx.tasks:
            parts.append(
                "## The family's checklist (stored: answer from it, do not invent another)\n"
                + "\n".join(checklist_lines(ctx.tasks, today))
            )
    else:
        parts.append(
            "## The family's event\nNot given: ask for the date, guests and budget "
            "when the answer depends on them."
        )
    header = (
        f"## Catalog: the {len(vendors)} vendors most relevant to this question"
        + (" and event" if ctx else "")
        + f", of {seen} considered"
    )
    parts.append(header + "\n" + ("\n".join(vendor_line(v) for v in vendors) or "(empty)"))
    return "\n\n".join(parts)
