"""Reading a vendor's free text: a price estimate ("$2,000 - $3,500", "$25 - $35 per
person", "$1.5k") and a hall's seats ("A 1,200-seat hall"). One reader, shared by the
recommendations (core.recommend) and the budget (core.workspace.budget); light to import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

Doc = dict[str, Any]


# ---- price estimates --------------------------------------------------------------------
_AMOUNT = re.compile(r"\$\s*(\d[\d,]*(?:\.\d+)?)\s*([kK])?")
_PER_PERSON = re.compile(
    r"per\s+(person|guest|head|plate|pax)|/\s*(person|guest|head|plate|pax)|\bpp\b|a head"
)
_PER_OTHER = re.compile(r"per\s+(hour|hr|day)|/\s*(hour|hr|day)\b")


@dataclass(frozen=True)
class Estimate:
    low: float
    high: float
    per: str = ""  # "" flat, "person", or "hour"/"day" (not estimable without more facts)

    def total(self, guests: int) -> tuple[float, float] | None:
        if self.per == "person":
            return self.low * guests, self.high * guests
        if self.per:
            return None
        return self.low, self.high


def _amounts(text: str) -> list[Decimal]:
    """The dollar amounts a price text states, exactly ("$1.5k" -> 1500), at most two."""
    amounts: list[Decimal] = []
    for num, k in _AMOUNT.findall(text):
        try:
            value = Decimal(num.replace(",", ""))
        except InvalidOperation:
            continue
        amounts.append(value * 1000 if k else value)
    return amounts[:2]


def _per(text: str) -> str:
    lower = text.lower()
    if _PER_PERSON.search(lower):
        return "person"
    if m := _PER_OTHER.search(lower):
        return "hour" if (m.group(1) or m.group(2) or "").startswith("h") else "day"
    return ""


def parse_estimate(text: str | None) -> Estimate | None:
    """Read a free-text price estimate: "$2,000 - $3,500", "$25 - $35 per person",
    "$1,800 - $2,800 for the orchestra", "$1.5k", "from $900". None when it has no amount."""
    if not text:
        return None
    amounts = _amounts(text)
    if not amounts:
        return None
    low, high = min(amounts), max(amounts)
    return Estimate(float(low), float(high), _per(text))


def estimate_cents(text: str | None) -> tuple[int | None, bool]:
    """(cents, per_guest): the middle of a price estimate in integer cents ("$2,000 - $3,500"
    -> 275000; "$1.5k - $2k" -> 175000), per guest when it says so ("$25 - $35 pp"). None
    when it states no amount or a rate that needs more facts ("$150 per hour")."""
    amounts = _amounts(text or "")
    per = _per(text or "")
    if not amounts or per not in ("", "person"):
        return None, False
    mid = sum(amounts) / len(amounts)
    return int((mid * 100).to_integral_value(ROUND_HALF_UP)), per == "person"


def estimate_cost(text: str | None, guests: int) -> tuple[float, float] | None:
    """(low, high) in dollars for this many guests, or None when it cannot be told."""
    est = parse_estimate(text)
    return est.total(guests) if est else None


# ---- venues -----------------------------------------------------------------------------
_SEATS = re.compile(r"(\d[\d,]{1,6})[- ]seat", re.I)


def venue_capacity(vendor: Doc) -> int | None:
    """Seats of a hall: an additive `capacity` field, else "450-seat" or "1,200-seat" in its
    description."""
    cap = vendor.get("capacity")
    if isinstance(cap, int) and not isinstance(cap, bool) and cap > 0:
        return cap
    m = _SEATS.search(str(vendor.get("description") or ""))
    return int(m.group(1).replace(",", "")) if m else None


def seats(vendor: Doc) -> int | None:
    """The seat count a venue states ("A 450-seat hall"), if any; None for other categories."""
    if vendor.get("category") != "venue":
        return None
    return venue_capacity(vendor)
