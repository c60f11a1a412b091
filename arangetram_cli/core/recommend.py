"""Vendor recommendations and cost estimates: domain rules over the Planner port.

The web app's rule (api-contract.md, POST /api/ai/recommendations): active vendors of each
category whose location contains the wanted location and whose price range is at most the
budget, best rating first, three per category. This module keeps that rule and adds:

- ties broken by review count, then name (case-insensitive), then id, so the order is stable;
- vendors with an accepted booking on the event's date are left out (they are taken);
- a region such as "Bay Area", "South Bay" or "Tri-Valley" matches the cities in it (the web
  app's plain substring test matches no vendor for its own default location, "Bay Area");
- a venue whose description states fewer seats than the guest count is left out;
- a one-line reason for every pick, and a cost estimate from its `price_estimate`.

Nothing here touches a database or the network: callers pass the vendor listing
(`Planner.iter_vendors`) and, where they can, a `booked_on` function (the store's
`bookings.vendors_booked_on`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from arangetram_cli.core.prices import Estimate as Estimate  # its home: core.prices
from arangetram_cli.core.prices import estimate_cost as estimate_cost
from arangetram_cli.core.prices import parse_estimate as parse_estimate
from arangetram_cli.core.prices import seats as seats
from arangetram_cli.core.query import PRICE_ORDER, Doc, VendorQuery
from arangetram_cli.core.values import DEFAULT_BUDGET, DEFAULT_GUESTS, DEFAULT_LOCATION

CATEGORY_ORDER = ("venue", "musicians", "photographer", "videographer", "catering", "decorations")
DEFAULT_LIMIT = 3
# With no event: DEFAULT_GUESTS, DEFAULT_BUDGET, DEFAULT_LOCATION (core.values), which the
# offline assistant, the CLI and the server's AI routes assume too.

_SOUTH_BAY = (
    "san jose", "santa clara", "sunnyvale", "cupertino", "milpitas", "mountain view",
    "campbell", "los gatos", "saratoga", "los altos", "morgan hill", "gilroy",
)  # fmt: skip
_EAST_BAY = (
    "fremont", "newark", "union city", "hayward", "san leandro", "castro valley", "oakland",
    "berkeley", "alameda", "richmond", "concord", "walnut creek", "pleasanton", "dublin",
    "livermore", "san ramon", "danville",
)  # fmt: skip
_TRI_VALLEY = ("pleasanton", "dublin", "livermore", "san ramon", "danville")
_PENINSULA = (
    "palo alto", "menlo park", "redwood city", "san mateo", "burlingame", "foster city",
    "san carlos", "belmont", "millbrae", "south san francisco", "daly city",
)  # fmt: skip
REGIONS: dict[str, tuple[str, ...]] = {
    "south bay": _SOUTH_BAY,
    "silicon valley": (*_SOUTH_BAY, "palo alto", "menlo park"),
    "east bay": _EAST_BAY,
    "tri-valley": _TRI_VALLEY,
    "tri valley": _TRI_VALLEY,
    "peninsula": _PENINSULA,
    "bay area": (*_SOUTH_BAY, *_EAST_BAY, *_PENINSULA, "san francisco", "marin", "san rafael"),
    "sf bay area": (*_SOUTH_BAY, *_EAST_BAY, *_PENINSULA, "san francisco"),
}


# ---- location ---------------------------------------------------------------------------
def _norm_place(text: str) -> str:
    t = " ".join(text.strip().lower().split())
    for suffix in (", california", ", ca", " california", " ca"):
        if t.endswith(suffix) and len(t) > len(suffix):
            t = t[: -len(suffix)]
    return t.strip(" ,")


def region_of(wanted: str | None) -> tuple[str, ...] | None:
    """The cities of a named region ("Bay Area", "South Bay", ...), or None."""
    if not wanted:
        return None
    return REGIONS.get(_norm_place(wanted))


def location_matches(vendor_location: str | None, wanted: str | None) -> bool:
    """Case-insensitive substring, as the web app does; a region name matches its cities."""
    if not wanted or not wanted.strip():
        return True
    where = (vendor_location or "").lower()
    if wanted.strip().lower() in where:
        return True
    cities = region_of(wanted)
    return bool(cities) and any(c in where for c in cities)


def money(value: float) -> str:
    return f"${value:,.0f}"


def money_range(low: float, high: float) -> str:
    return money(low) if round(low) == round(high) else f"{money(low)}–{money(high)}"


# ---- ranking ----------------------------------------------------------------------------
def rank_key(v: Doc) -> tuple[float, int, str, str]:
    """Best rating first, then more reviews, then name (case-insensitive), then id."""
    return (
        -float(v.get("rating") or 0.0),
        -int(v.get("review_count") or 0),
        str(v.get("business_name") or "").casefold(),
        str(v.get("id") or ""),
    )


@dataclass
class Criteria:
    event_date: str | None = None
    guest_count: int = DEFAULT_GUESTS
    budget: str = DEFAULT_BUDGET
    location: str = DEFAULT_LOCATION
    categories: list[str] = field(default_factory=lambda: list(CATEGORY_ORDER))
    event_id: str | None = None

    def as_doc(self) -> Doc:
        return {
            "event_id": self.event_id,
            "event_date": self.event_date,
            "guest_count": self.guest_count,
            "budget": self.budget,
            "location": self.location,
            "categories": list(self.categories),
        }


BookedOn = Callable[[str, list[str]], set[str]]


def reason(v: Doc, c: Criteria, *, tie_with: Doc | None = None) -> str:
    """One line: why this vendor is recommended."""
    parts: list[str] = []
    rating, reviews = float(v.get("rating") or 0), int(v.get("review_count") or 0)
    if reviews:
        parts.append(f"rated {rating:.1f} from {reviews} reviews")
    else:
        parts.append("new listing, no reviews yet")
    if tie_with is not None:
        parts[-1] += f" (same rating as {tie_with.get('business_name')}, more reviews)"
    where = v.get("location") or ""
    if c.location and region_of(c.location) and c.location.lower() not in where.lower():
        parts.append(f"{where.split(',')[0]} is in the {c.location}")
    parts.append(f"{v.get('price_range') or '?'} for a {c.budget} budget")
    cap = seats(v)
    if cap:
        parts.append(f"seats {cap} for {c.guest_count} guests")
    est = parse_estimate(v.get("price_estimate"))
    total = est.total(c.guest_count) if est else None
    if total and est and est.per == "person":
        parts.append(f"about {money_range(*total)} for {c.guest_count} guests")
    elif total:
        parts.append(f"about {money_range(*total)}")
    return "; ".join(parts)


def wider_areas(place: str | None) -> list[str]:
    """The regions around a place, smallest first ("San Jose" -> South Bay, Bay Area)."""
    if not place or region_of(place):
        return []
    p = _norm_place(place)
    around = [name for name, cities in REGIONS.items() if p in cities]
    seen: set[tuple[str, ...]] = set()
    out: list[str] = []
    for name in sorted(around, key=lambda n: (len(REGIONS[n]), n)):
        if REGIONS[name] not in seen and name in _WIDEN:
            seen.add(REGIONS[name])
            out.append(name.title())
    return out


_WIDEN = ("tri-valley", "south bay", "east bay", "peninsula", "bay area")


def _candidates(
    vendors: Callable[[VendorQuery], Iterable[Doc]],
    cat: str,
    location: str,
    c: Criteria,
    skip: set[str],
) -> tuple[list[Doc], list[str]]:
    """Active vendors of cat in location within the budget, ranked; and the venues left out
    for having too few seats."""
    q = VendorQuery(
        category=cat,
        # a plain place goes to the store's (indexed) substring filter; a region is matched
        # here, city by city
        location=None if region_of(location) or not location else location,
        max_price_range=c.budget if c.budget in PRICE_ORDER else None,
    )
    too_small: list[str] = []
    cands: list[Doc] = []
    for v in vendors(q):
        if v.get("id") in skip or not v.get("is_active", True):
            continue
        if not location_matches(v.get("location"), location):
            continue
        cap = seats(v)
        if cap is not None and cap < c.guest_count:
            too_small.append(str(v.get("business_name")))
            continue
        cands.append(v)
    cands.sort(key=rank_key)
    return cands, too_small


def recommend(
    vendors: Callable[[VendorQuery], Iterable[Doc]],
    criteria: Criteria,
    *,
    booked_on: BookedOn | None = None,
    limit: int = DEFAULT_LIMIT,
    exclude: Iterable[str] = (),
) -> Doc:
    """The best `limit` vendors per category, each with a `reason` (additive field). When no
    vendor of a category is in the place itself, the region around it is searched (San Jose,
    then the South Bay, then the Bay Area), and a note says so.

    Returns {"recommendations": {category: [vendor, ...]}, "criteria": {...}, "notes": [...]},
    whose `recommendations` has the contract's shape.
    """
    skip = set(exclude)
    out: dict[str, list[Doc]] = {}
    notes: list[str] = []
    for cat in dict.fromkeys(criteria.categories):
        area = criteria.location
        cands, too_small = _candidates(vendors, cat, area, criteria, skip)
        picked, taken = _take(cands, limit, criteria.event_date, booked_on)
        if not picked:
            for wider in wider_areas(criteria.location):
                cands, small = _candidates(vendors, cat, wider, criteria, skip)
                more, busy = _take(cands, limit, criteria.event_date, booked_on)
                too_small += [n for n in small if n not in too_small]
                taken += [n for n in busy if n not in taken]
                if more:
                    picked, area = more, wider
                    notes.append(f"{cat}: none in {criteria.location}; these are in the {wider}")
                    break
        wide = Criteria(**{**criteria.__dict__, "location": area})
        out[cat] = [
            {
                **v,
                "reason": reason(v, wide, tie_with=_tie(v, picked, cands)),
                **_cost_fields(v, criteria.guest_count),
            }
            for v in picked
        ]
        if taken:
            notes.append(
                f"{cat}: left out, already booked on {criteria.event_date}: {', '.join(taken)}"
            )
        if too_small:
            notes.append(
                f"{cat}: left out, fewer seats than {criteria.guest_count} guests: "
                + ", ".join(too_small)
            )
        if not picked:
            where = f" in {criteria.location}" if criteria.location else ""
            notes.append(f"{cat}: no active vendor{where} within a {criteria.budget} budget")
    return {"recommendations": out, "criteria": criteria.as_doc(), "notes": notes}


def _cost_fields(v: Doc, guests: int) -> Doc:
    total = estimate_cost(v.get("price_estimate"), guests)
    return {"estimated_cost": [round(total[0]), round(total[1])]} if total else {}


def _take(
    cands: Sequence[Doc], limit: int, date: str | None, booked_on: BookedOn | None
) -> tuple[list[Doc], list[str]]:
    """The first `limit` candidates not booked on `date`; asks `booked_on` in small windows,
    so a long candidate list costs one query per window, not one per vendor."""
    if limit <= 0:
        return [], []
    if not date or booked_on is None:
        return list(cands[:limit]), []
    picked: list[Doc] = []
    taken: list[str] = []
    step = max(limit * 2, 8)
    for i in range(0, len(cands), step):
        window = list(cands[i : i + step])
        busy = booked_on(date, [str(v["id"]) for v in window])
        for v in window:
            if v["id"] in busy:
                taken.append(str(v.get("business_name")))
            else:
                picked.append(v)
                if len(picked) == limit:
                    return picked, taken
    return picked, taken


def _tie(v: Doc, picked: list[Doc], cands: list[Doc]) -> Doc | None:
    """The next-ranked candidate with the same rating, when v outranks it on reviews."""
    i = next((n for n, c in enumerate(cands) if c is v), -1)
    if i < 0 or i + 1 >= len(cands):
        return None
    nxt = cands[i + 1]
    same = float(nxt.get("rating") or 0) == float(v.get("rating") or 0)
    more = int(v.get("review_count") or 0) > int(nxt.get("review_count") or 0)
    return nxt if same and more else None


# ---- an event's needs -------------------------------------------------------------------
def covered_categories(selected: Iterable[Doc], bookings: Iterable[Doc]) -> set[str]:
    """Categories an event has a vendor for: a selected vendor, or a booking request that
    is pending or accepted."""
    have = {str(v.get("category")) for v in selected if v}
    for b in bookings:
        vendor = b.get("vendor") or {}
        if b.get("status") in ("pending", "accepted") and vendor.get("category"):
            have.add(str(vendor["category"]))
    return have


def missing_categories(selected: Iterable[Doc], bookings: Iterable[Doc]) -> list[str]:
    have = covered_categories(selected, bookings)
    return [c for c in CATEGORY_ORDER if c not in have]


def criteria_for(
    event: Doc | None,
    *,
    event_date: str | None = None,
    guest_count: int | None = None,
    budget: str | None = None,
    location: str | None = None,
    categories: Sequence[str] | None = None,
    missing: Sequence[str] | None = None,
) -> Criteria:
    """Criteria from an event, with explicit values taking precedence."""
    ev = event or {}
    cats = list(categories or []) or list(missing if missing is not None else CATEGORY_ORDER)
    return Criteria(
        event_date=event_date or ev.get("event_date") or None,
        guest_count=int(guest_count or ev.get("guest_count") or 100),
        budget=budget or ev.get("budget") or "$$",
        location=location if location is not None else (ev.get("location_preference") or ""),
        categories=cats,
        event_id=ev.get("id"),
    )


def recommend_for(
    planner: Any,
    *,
    event: Doc | None = None,
    event_date: str | None = None,
    guest_count: int | None = None,
    budget: str | None = None,
    location: str | None = None,
    categories: Sequence[str] | None = None,
    limit: int = DEFAULT_LIMIT,
    booked_on: BookedOn | None = None,
) -> Doc:
    """Recommendations through the Planner port only (any planner): without `categories`,
    the categories the event still lacks (all of them without an event)."""
    missing: list[str] | None = None
    exclude: set[str] = set()
    if event is not None:
        selected = planner.event_vendors(event)
        mine = [
            b
            for b in planner.list_bookings(event=event["id"])
            if b.get("event_id") == event.get("id")
        ]
        missing = missing_categories(selected, mine)
        exclude = {v["id"] for v in selected} | {
            b["vendor_id"] for b in mine if b.get("status") in ("pending", "accepted")
        }
    c = criteria_for(
        event,
        event_date=event_date,
        guest_count=guest_count,
        budget=budget,
        location=location,
        categories=categories,
        missing=missing,
    )
    result = recommend(planner.iter_vendors, c, booked_on=booked_on, limit=limit, exclude=exclude)
    if event is not None and not categories and not missing:
        result["notes"].insert(0, "the event has a vendor in every category")
    return result
