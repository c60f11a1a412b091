"""What several command groups share: vendor columns and option checks.

Kept light (no Typer sub-apps, no pydantic): `events list` and `bookings list` import it, and
importing `cli.vendors` instead would build the vendor, image and review commands as well.
"""

from __future__ import annotations

from typing import Any

from arangetram_cli.cli.output import Col
from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.values import check_category, check_price_range


def short(doc: dict[str, Any]) -> str:
    return str(doc.get("id", ""))[:8]


def stars(doc: dict[str, Any]) -> str:
    rating = float(doc.get("rating") or 0)
    count = int(doc.get("review_count") or 0)
    return f"{rating:.1f} ({count})" if count else ("new" if not rating else f"{rating:.1f}")


# One line per vendor at 80 columns: the estimate goes first, then what is left is cut.
LIST_COLUMNS = [
    Col("id", "Id", short, priority=0, fixed=True),
    Col("business_name", "Name", priority=0, min_width=16),
    Col("category", "Category", fixed=True),
    Col("location", "Location", priority=2, min_width=12),
    Col("price_range", "Price", priority=2, fixed=True),
    Col("price_estimate", "Estimate", priority=3, min_width=12),
    Col("rating", "Rating", stars, priority=2, fixed=True),
]


def category(value: str | None) -> str | None:
    """A --category value checked (exit 2 on a bad one), None when not given."""
    if value is None:
        return None
    try:
        return check_category(value)
    except ValueError as e:
        raise Invalid(str(e)) from None


def price(value: str | None, flag: str = "--price-range") -> str | None:
    """A price range option ($ to $$$$) checked, None when not given."""
    if value is None:
        return None
    try:
        return check_price_range(value)
    except ValueError as e:
        raise Invalid(f"{flag}: {e}") from None
