"""The import's fast path: `fast_vendor_fields` vouches for the common row (plain JSON or CSV
values, certainly valid) without building a `VendorSeedIn`, several times the model's speed.
Every other row goes through the model in core/import_rows.py; tests/test_importer_fast.py checks
on generated rows that both give the same values."""

from __future__ import annotations

import re
from typing import Any

from .urls import MAX_URL_LENGTH, image_url_ok
from .values import CATEGORIES, LIST_LIMIT, PRICE_RANGES, SHORT_TEXT_LIMIT, TEXT_LIMIT

# An id already in canonical form: str(uuid.UUID(v)) == v, so the model's check would pass it
# unchanged. Other ids (upper case, braces, "urn:uuid:", junk) go through the model.
CANONICAL_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
).fullmatch

# What a vendor document takes from a validated seed row, in the order of the tuples that
# `fast_vendor_fields` returns after the id.
SEED_FIELDS = (
    "business_name",
    "category",
    "description",
    "location",
    "price_range",
    "price_estimate",
    "services",
    "portfolio_images",
    "contact_phone",
    "contact_email",
    "rating",
    "review_count",
    "is_active",
)


_ABSENT: Any = object()
_ASCII_SPACE = " \t\n\r\x0b\x0c"
_SURROGATE = re.compile("[\ud800-\udfff]").search
_FLOAT_TEXT = re.compile(r"[0-9](?:\.[0-9]{1,15})?").fullmatch
_INT_TEXT = re.compile(r"0|[1-9][0-9]{0,17}").fullmatch
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}
_INT_LIMIT = 1 << 63
# description, location, estimate, phone, email
_TEXT_LIMITS = (TEXT_LIMIT, SHORT_TEXT_LIMIT, SHORT_TEXT_LIMIT, SHORT_TEXT_LIMIT, SHORT_TEXT_LIMIT)
_ONLY_STR = frozenset({str}).issuperset
_STRIP = str.strip


def _text(v: Any, limit: int) -> str | None:
    """A str field as VendorSeedIn leaves it (stripped, at most `limit` characters), or None
    when this check is not sure the model would accept it unchanged otherwise."""
    if type(v) is not str:
        return None
    s = v.strip()
    # pydantic strips Unicode White_Space (Rust's trim), a subset of what str.strip()
    # removes; both agree on ASCII white space, so anything else at the ends is left to it.
    if len(s) != len(v) and v.strip(_ASCII_SPACE) != s:
        return None
    if len(s) > limit or (not s.isascii() and _SURROGATE(s)):
        return None  # too long, or not encodable as UTF-8 (the model rejects both)
    return s


def _texts(v: Any, limit: int) -> list[str] | None:
    if type(v) is not list or len(v) > LIST_LIMIT:
        return None
    out = []
    for item in v:
        s = _text(item, limit)
        if s is None:
            return None
        out.append(s)
    return out


def fast_vendor_fields(raw: dict) -> tuple | None:
    """The fields VendorSeedIn would give for `raw`, as a tuple (id or None, business_name,
    category, description, location, price_range, price_estimate, services,
    portfolio_images, contact_phone, contact_email, rating, review_count, is_active), for
    rows of plain JSON or CSV values; None when the row is not certainly valid, so the
    model decides (and words the error). Never accepts a row the model rejects, and gives
    exactly the model's values: the import's hot path, several times the model's speed.
    """
    get = raw.get
    vid = get("id")
    if vid == "":
        vid = None
    elif vid is not None and not (type(vid) is str and CANONICAL_UUID(vid)):
        return None
    category = get("category")
    if type(category) is not str:
        return None
    category = category.strip().lower()
    if category not in CATEGORIES:
        return None
    price = get("price_range", _ABSENT)
    if price is _ABSENT:
        price = "$$"
    elif type(price) is not str:
        return None
    else:
        price = price.strip()
        if price not in PRICE_RANGES:
            return None
    name = get("business_name")
    description = get("description", "")
    location = get("location", "")
    estimate = get("price_estimate", "")
    phone = get("contact_phone", "")
    email = get("contact_email", "")
    services = get("services", _ABSENT)
    if services is _ABSENT:
        services = []
    elif type(services) is not list or len(services) > LIST_LIMIT:
        return None
    images = get("portfolio_images", _ABSENT)
    if images is _ABSENT:
        images = []
    elif type(images) is not list or len(images) > LIST_LIMIT:
        return None
    # All the row's text at once (the usual case: plain ASCII with nothing to strip): one
    # join, one scan; anything else is checked field by field.
    texts = [name, description, location, estimate, phone, email, *services, *images]
    try:
        joined = "\x00".join(texts)
    except TypeError:
        return None  # a value that is not text
    if not _ONLY_STR(map(type, texts)):
        return None
    if joined.isascii() and "\x00".join(map(_STRIP, texts)) == joined:
        if not (
            0 < len(name) <= SHORT_TEXT_LIMIT
            and len(description) <= TEXT_LIMIT
            and max(len(location), len(estimate), len(phone), len(email)) <= SHORT_TEXT_LIMIT
            and (not services or max(map(len, services)) <= SHORT_TEXT_LIMIT)
            and (not images or max(map(len, images)) <= MAX_URL_LENGTH)
        ):
            return None
        services = services.copy()
        images = images.copy()
    else:
        name = _text(name, SHORT_TEXT_LIMIT)
        if not name:
            return None
        fields = [_text(v, limit) for v, limit in zip(texts[1:6], _TEXT_LIMITS, strict=True)]
        if None in fields:
            return None
        description, location, estimate, phone, email = fields
        services = _texts(services, SHORT_TEXT_LIMIT)
        images = _texts(images, MAX_URL_LENGTH)
        if services is None or images is None:
            return None
    if images and not all(map(image_url_ok, images)):
        return None  # the model words what is wrong with it
    rating = get("rating", 0.0)
    kind = type(rating)
    if kind is str:
        if not _FLOAT_TEXT(rating):
            return None
        rating = float(rating)
    elif kind is int:
        if not 0 <= rating <= 5:
            return None
        rating = float(rating)
    elif kind is not float:
        return None
    if not 0.0 <= rating <= 5.0:
        return None  # out of range, or NaN
    count = get("review_count", 0)
    kind = type(count)
    if kind is str:
        if not _INT_TEXT(count):
            return None
        count = int(count)
    elif kind is not int or not 0 <= count < _INT_LIMIT:
        return None
    active = get("is_active", True)
    if type(active) is str:
        active = _BOOL_TEXT.get(active)
    if type(active) is not bool:
        return None
    return (
        vid,
        name,
        category,
        description,
        location,
        price,
        estimate,
        services,
        images,
        phone,
        email,
        rating,
        count,
        active,
    )
