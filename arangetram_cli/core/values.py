"""The values commands and models both check (categories, price ranges, dates, statuses),
and ids and timestamps.

Plain Python, no pydantic: the CLI validates its options with these before any model module
is imported (`vendors list --category` must not pay for building every input model), and
core/models.py wires the same functions into its validators.
"""

from __future__ import annotations

import datetime as dt
import uuid

CATEGORIES: dict[str, tuple[str, str, str]] = {
    # id: (name, icon, description) as GET /api/categories returns them
    "venue": ("Venues", "building", "Auditoriums and halls with a stage for the recital"),
    "catering": ("Catering", "utensils", "South Indian and multi-cuisine caterers"),
    "photographer": ("Photographers", "camera", "Stage and portrait photographers"),
    "videographer": ("Videographers", "video", "Multi-camera recital videography"),
    "decorations": ("Decorations", "sparkles", "Stage backdrops, flowers and lighting"),
    "musicians": ("Musicians", "music", "Carnatic orchestra: nattuvangam, vocal, mridangam"),
}
PRICE_RANGES = ("$", "$$", "$$$", "$$$$")
EVENT_STATUSES = ("planning", "confirmed", "completed")
BOOKING_STATUSES = ("pending", "accepted", "declined", "cancelled", "completed")
USER_TYPES = ("user", "vendor", "guest")
MIN_PASSWORD_CHARS = 8  # checked by the models, and by `auth register` as it is typed
# Lengths the input models allow (core/models.py), which the seed fast path checks too
TEXT_LIMIT = 5000  # descriptions, messages
SHORT_TEXT_LIMIT = 200  # names, places, estimates, phones, emails, each service
LIST_LIMIT = 100  # services, portfolio images


def new_id() -> str:
    return str(uuid.uuid4())


def now_iso() -> str:
    """UTC timestamp in the web app's exact format (always with microseconds and offset)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def normalize_category(value: str) -> str:
    """A category as stored (any case and spacing typed); an unknown one stays unknown:
    a filter on it finds nothing, as the web contract answers (an empty list)."""
    return value.strip().lower()


def check_category(value: str) -> str:
    v = normalize_category(value)
    if v not in CATEGORIES:
        raise ValueError(f"unknown category '{value}' (choose from {', '.join(CATEGORIES)})")
    return v


def check_price_range(value: str) -> str:
    v = value.strip()
    if v not in PRICE_RANGES:
        raise ValueError(f"bad price range '{value}' (use $, $$, $$$ or $$$$)")
    return v


def check_date(value: str) -> str:
    v = value.strip()
    try:
        parsed = dt.date.fromisoformat(v)
    except ValueError:
        raise ValueError(f"bad date '{value}' (use YYYY-MM-DD)") from None
    if len(v) != 10:
        raise ValueError(f"bad date '{value}' (use YYYY-MM-DD)")
    return parsed.isoformat()
