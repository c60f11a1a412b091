"""Input models (pydantic v2) and document helpers.

Documents travel as plain dicts with the contract's field names (api-contract.md); pydantic
validates what comes *in* (commands, request bodies, seed rows). Reading paths never import
this module, which keeps `vendors list` start-up cheap.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    field_validator,
)

from arangetram_cli.core.identity import normalize_email

# Re-exported: callers that build models import these from here too.
from arangetram_cli.core.values import (  # noqa: F401
    BOOKING_STATUSES,
    CATEGORIES,
    EVENT_STATUSES,
    LIST_LIMIT,
    MIN_PASSWORD_CHARS,
    PRICE_RANGES,
    SHORT_TEXT_LIMIT,
    TEXT_LIMIT,
    USER_TYPES,
    check_category,
    check_date,
    check_price_range,
    new_id,
    now_iso,
)

from .urls import MAX_URL_LENGTH, check_image_url

MAX_PASSWORD_BYTES = 72  # bcrypt's limit; bcrypt 5 raises past it instead of truncating

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_LIMIT)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=SHORT_TEXT_LIMIT)]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TEXT_LIMIT)
]
# One check for every stored image URL (core/urls.py): https, or the configured S3 store.
ImageUrl = Annotated[
    str, StringConstraints(max_length=MAX_URL_LENGTH), AfterValidator(check_image_url)
]


def check_email(value: str) -> str:
    """The address as the web app stores it (NFKC; domain lowercased, local part as typed);
    invisible characters and mixed-alphabet look-alikes refused (core.identity)."""

    return normalize_email(value)


def check_password(value: str) -> str:
    if len(value.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValueError(
            f"password is longer than {MAX_PASSWORD_BYTES} bytes in UTF-8; bcrypt cannot use it"
        )
    if len(value) < MIN_PASSWORD_CHARS:
        raise ValueError(f"password must have at least {MIN_PASSWORD_CHARS} characters")
    return value


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class RegisterIn(_In):
    email: str
    name: Name
    password: str
    user_type: Literal["user", "vendor"] = "user"

    _email = field_validator("email")(check_email)
    # not stripped: spaces may be part of a password
    _password = field_validator("password")(check_password)


class LoginIn(_In):
    email: str
    password: str

    # As the web app's LoginIn (EmailStr): a malformed address is a 422, not a 401.
    _email = field_validator("email")(check_email)


class GuestIn(_In):
    name: Name = "Guest"


class VendorIn(_In):
    """POST /api/vendors body, and one row of a seed file (which may also carry id/rating)."""

    business_name: Name
    category: str
    description: Text = ""
    location: ShortText = ""
    price_range: str = "$$"
    price_estimate: ShortText = ""
    services: list[ShortText] = Field(default_factory=list, max_length=LIST_LIMIT)
    portfolio_images: list[ImageUrl] = Field(default_factory=list, max_length=LIST_LIMIT)
    contact_phone: ShortText = ""
    contact_email: ShortText = ""

    _category = field_validator("category")(check_category)
    _price = field_validator("price_range")(check_price_range)


class VendorSeedIn(VendorIn):
    id: str | None = None
    rating: float = Field(default=0.0, ge=0.0, le=5.0)
    review_count: int = Field(default=0, ge=0)
    is_active: bool = True

    @field_validator("id")
    @classmethod
    def _uuid(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        try:
            return str(uuid.UUID(v))
        except ValueError:
            raise ValueError(f"id '{v}' is not a UUID") from None


class VendorUpdateIn(_In):
    """PUT /api/vendors/{id}: every field optional; None means 'leave as it is'."""

    business_name: Name | None = None
    description: Text | None = None
    location: ShortText | None = None
    price_range: str | None = None
    price_estimate: ShortText | None = None
    services: list[ShortText] | None = Field(default=None, max_length=LIST_LIMIT)
    portfolio_images: list[ImageUrl] | None = Field(default=None, max_length=LIST_LIMIT)
    contact_phone: ShortText | None = None
    contact_email: ShortText | None = None
    is_active: bool | None = None

    @field_validator("price_range")
    @classmethod
    def _price(cls, v: str | None) -> str | None:
        return None if v is None else check_price_range(v)


class EventIn(_In):
    event_name: Name
    event_date: str
    event_time: ShortText = ""
    guest_count: int = Field(default=100, ge=1, le=100_000)
    budget: str = "$$"
    location_preference: ShortText = "Bay Area"
    special_requirements: Text = ""

    _date = field_validator("event_date")(check_date)
    _budget = field_validator("budget")(check_price_range)


class EventUpdateIn(_In):
    event_name: Name | None = None
    event_date: str | None = None
    event_time: ShortText | None = None
    guest_count: int | None = Field(default=None, ge=1, le=100_000)
    budget: str | None = None
    location_preference: ShortText | None = None
    special_requirements: Text | None = None
    selected_vendors: list[str] | None = None
    status: Literal["planning", "confirmed", "completed"] | None = None

    @field_validator("event_date")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        return None if v is None else check_date(v)

    @field_validator("budget")
    @classmethod
    def _budget(cls, v: str | None) -> str | None:
        return None if v is None else check_price_range(v)


class BookingIn(_In):
    event_id: Name
    vendor_id: Name
    message: Text = ""


class BookingRespondIn(_In):
    status: Literal["accepted", "declined"]
    response_message: Text | None = None
    # Additive: accept although another booking for the same date is accepted already.
    # Absent (the web front end): accepted, with a `warnings` entry in the answer.
    confirm_double_booking: bool | None = None


class CancelIn(_In):
    reason: Text = ""


class CompleteIn(_In):
    message: Text = ""


class ReviewIn(_In):
    rating: StrictInt = Field(ge=1, le=5)
    text: Text = ""


class ReplyIn(_In):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


def first_error(exc: Any) -> str:
    """One readable line from a pydantic ValidationError."""
    errs = exc.errors()
    if not errs:
        return str(exc)
    e = errs[0]
    loc = ".".join(str(p) for p in e.get("loc", ()) if p != "__root__")
    msg = str(e.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    extra = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{loc}: {msg}{extra}" if loc else msg + extra
