"""Columns several command groups share (the vendor listing); option checks are in
cli/params.py.

Kept light (no Typer sub-apps, no pydantic): `events list` and `bookings list` import it, and
importing `cli.vendors` instead would build the vendor, image and review commands as well.
"""

from __future__ import annotations

from typing import Any

from arangetram_cli.cli.output import Col
from arangetram_cli.cli.params import short


def role_of(event: dict[str, Any]) -> str:
    """An event's Role column: the caller's role (owner when the event is theirs)."""
    return str(event.get("role") or "owner")


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
