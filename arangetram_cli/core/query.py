"""The shapes that cross every layer: a document, a vendor listing's filters, who may see a
document, the price scale. Core owns them (store/base.py re-exports them for the adapters)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from arangetram_cli.core.values import PRICE_RANGES

Doc = dict[str, Any]


@dataclass(frozen=True)
class VendorQuery:
    """Filters of a vendor listing. Text filters are case-insensitive substrings, matched
    literally (never as a pattern)."""

    category: str | None = None
    location: str | None = None
    price_range: str | None = None
    search: str | None = None
    active_only: bool = True
    max_price_range: str | None = None  # "$$" admits "$" and "$$" (recommendations)


Visible = Mapping[str, str]
"""Who may see a document, for `ids_with_prefix(..., visible_to=...)`: field -> value pairs,
any one of which admits a document (`{"user_id": me, "vendor_id": my_profile}`)."""

PRICE_ORDER = {level: n for n, level in enumerate(PRICE_RANGES, 1)}  # "$" 1 .. "$$$$" 4


def prices_up_to(max_price: str) -> list[str]:
    limit = PRICE_ORDER.get(max_price, 4)
    return [p for p, n in PRICE_ORDER.items() if n <= limit]
