"""Money: integer cents, never floats; amounts typed by people parsed, checked and shown."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from arangetram_cli.core.errors import Invalid

MAX_CENTS = 10**13  # $100 billion: larger is a typo, and stays far inside 64-bit integers
DEFAULT_CURRENCY = "USD"
_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "SGD": "$", "EUR": "€", "GBP": "£", "INR": "₹"}


# ---- money --------------------------------------------------------------------------------
_MONEY = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$|^\d+(\.\d{1,2})?$")


def parse_money(value: Any, what: str = "amount") -> int:
    """Integer cents from what a person types: 1800, 1,800.50, $1,800 (or an int of cents
    when it already is one, from a JSON body). Negative, non-numeric, more than two decimals
    or absurdly large amounts are Invalid."""
    if isinstance(value, bool):
        raise Invalid(f"{what}: not an amount: {value!r}")
    if isinstance(value, int):
        cents = value
    else:
        text = str(value).strip()
        for sym in ("$", "€", "£", "₹"):
            text = text.removeprefix(sym).strip()
        if text.upper().startswith(("USD", "INR", "EUR", "GBP", "CAD")):
            text = text[3:].strip()
        if text.startswith("-"):
            raise Invalid(f"{what} cannot be negative: {str(value)[:40]!r}")
        if not _MONEY.match(text):
            raise Invalid(
                f"{what}: not an amount: {str(value)[:40]!r}",
                hint="write it as 1800, 1,800.50 or $1,800",
            )
        try:
            cents = int(Decimal(text.replace(",", "")) * 100)
        except InvalidOperation:  # pragma: no cover (the pattern admits only decimals)
            raise Invalid(f"{what}: not an amount: {str(value)[:40]!r}") from None
    if cents < 0:
        raise Invalid(f"{what} cannot be negative")
    if cents > MAX_CENTS:
        raise Invalid(f"{what} is too large: {str(value)[:40]!r}")
    return cents


def check_cents(value: Any, what: str) -> int | None:
    """A stored or posted amount in cents: None, or an int 0..MAX_CENTS."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"{what} must be a whole number of cents")
    if value < 0:
        raise Invalid(f"{what} cannot be negative")
    if value > MAX_CENTS:
        raise Invalid(f"{what} is too large")
    return value


def check_currency(value: Any) -> str:
    text = str(value or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", text):
        raise Invalid(
            f"currency must be a 3-letter code such as USD or INR, not {str(value)[:20]!r}"
        )
    return text


def format_money(cents: int | None, currency: str = DEFAULT_CURRENCY) -> str:
    if cents is None:
        return "-"
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    number = f"{whole:,}" + (f".{frac:02d}" if frac else "")
    symbol = _SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{number}" if symbol else f"{sign}{number} {currency.upper()}"
