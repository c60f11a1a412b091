"""Option values every command group reads the same way: dates, guest counts, categories,
price ranges, short ids. A bad value is exit 2 with one line that says what to type."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import sys
from typing import Any

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.values import check_category, check_date, check_price_range

_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def from_group(ctx: Any, name: str, value: Any, flag: str) -> Any:
    """A subcommand's option that its group also takes (`budget -e ID add ...`): the
    subcommand's own value, else the group's; both given and different is exit 2."""
    parent = getattr(ctx, "parent", None)
    given = parent.params.get(name) if parent is not None else None
    if value is not None and given is not None and value != given:
        raise Invalid(f"{flag} given twice, as {given} and as {value}: give it once")
    return value if value is not None else given


def filled(text: str) -> bool | str:
    """A prompt's check that an answer is not empty (the reason shown under the question)."""
    return True if text.strip() else "this cannot be empty"


def given(**options: Any) -> dict[str, Any]:
    """The options that were given (not None)."""
    return {k: v for k, v in options.items() if v is not None}


def changes(**options: Any) -> dict[str, Any]:
    """The options an `update` was given; none at all is exit 2."""
    data = given(**options)
    if not data:
        raise Invalid("nothing to change: give at least one option (see --help)")
    return data


def short(doc: dict[str, Any]) -> str:
    """The 8-character id prefix shown in tables and accepted by every command."""
    return str(doc.get("id", ""))[:8]


def date_problem(text: str) -> str | None:
    """Why `text` is not a YYYY-MM-DD day, or None when it is one."""
    m = _YMD.fullmatch(text.strip())
    if m:
        year, month, day = (int(g) for g in m.groups())
        if 1 <= month <= 12 and year >= 1:
            days = calendar.monthrange(year, month)[1]
            if not 1 <= day <= days:
                return (
                    f"{text.strip()} is not a day "
                    f"({calendar.month_name[month]} has {days} days in {year})"
                )
    try:
        check_date(text)
    except ValueError as e:
        return str(e)
    return None


def valid_date(text: str) -> bool | str:
    """A prompt's check of a typed date (True, or the reason shown under the question)."""
    return date_problem(text) or True


def warn_if_past(day: str, what: str = "that date") -> None:
    if dt.date.fromisoformat(day) < dt.date.today():
        print(f"warning: {day} is in the past ({what})", file=sys.stderr)


def date(value: str | None, flag: str = "--date") -> str | None:
    """A YYYY-MM-DD option checked (exit 2 on a bad one), None when not given."""
    if value is None:
        return None
    problem = date_problem(value)
    if problem:
        raise Invalid(f"{flag}: {problem}")
    return check_date(value)


def guests(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise Invalid(f"--guests must be 1 or more, not {value}")
    return value


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
