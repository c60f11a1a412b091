"""Due dates: absolute or relative to the event (`-30d`, `-2w`), clamped, counted down."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.lifecycle import next_upcoming as next_upcoming  # home: core.lifecycle
from arangetram_cli.core.values import event_day as event_day  # its home: core.values
from arangetram_cli.core.workspace.base import Doc

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
