"""The values commands and models both check (categories, price ranges, dates, statuses),
ids and timestamps, the free-text check (`check_text`), and the CSV formula guard every
export uses.

Plain Python, no pydantic: the CLI validates its options with these before any model module
is imported (`vendors list --category` must not pay for building every input model), and
core/models.py wires the same functions into its validators.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from arangetram_cli.core.errors import Invalid

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
# What the web app assumes for recommendations without an event (core.recommend.Criteria)
DEFAULT_GUESTS = 100
DEFAULT_BUDGET = "$$"
DEFAULT_LOCATION = "Bay Area"


def new_id() -> str:
    return str(uuid.uuid4())


def now_iso() -> str:
    """UTC timestamp in the web app's exact format (always with microseconds and offset)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def day_of(text: Any) -> dt.date | None:
    """The date a stored value starts with ("2027-06-12", "2027-06-12T18:00:00"), or None."""
    try:
        return dt.date.fromisoformat(str(text or "")[:10])
    except ValueError:
        return None


def event_day(event: dict[str, Any]) -> dt.date | None:
    """The day of an event (its `event_date`'s date part), or None when it has none."""
    return day_of(event.get("event_date"))


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


def check_text(
    value: Any, what: str, limit: int, *, required: bool = False, one_line: bool = False
) -> str:
    """A person's free text (a task title, budget notes, a guest's name or message): text,
    stripped (`one_line`: its runs of whitespace made one space), no control character but
    newline and tab (a terminal or a spreadsheet would act on them), at most `limit`
    characters. Raises Invalid (exit 2) naming `what`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{what} must be text")
    text = " ".join(value.split()) if one_line else value.strip()
    if any(ord(c) < 32 and c not in "\n\t" for c in text) or "\x7f" in text:
        raise Invalid(f"{what} has control characters")
    if required and not text:
        raise Invalid(f"{what} cannot be empty")
    if len(text) > limit:
        raise Invalid(f"{what} is too long ({len(text)} characters; at most {limit})")
    return text


# ---- CSV ----------------------------------------------------------------------------------
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's CSV injection
# rule); a leading apostrophe makes it text. A value that already starts with apostrophes
# before one of them gets one more, so `seed --file` (core/importer.py `_unguard`) can take
# exactly one away again.
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ...except a cell that is only a phone number ("+1 408 555 0100"): digits run nothing
_PHONE_CELL = re.compile(r"\+\d[\d ().\-]{5,38}")


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet shows as text: one apostrophe before a formula's first character
    (`=`, `+`, `-`, `@`, tab, CR), also after apostrophes already there; a phone number
    written `+` digits, spaces, ()-. is left as it is. Every CSV export (`-o csv`,
    `guests export`, the guest links) uses this one rule."""
    text = "" if value is None else str(value)
    if _PHONE_CELL.fullmatch(text):
        return text
    return "'" + text if text.lstrip("'").startswith(CSV_FORMULA_START) else text
