"""What the parts of RemotePlanner share: limits and defaults, text cleaning, id and URL
segment checks, request validation against the core models, answer sorting."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote, urlsplit

from arangetram_cli.config import normalize_api_url
from arangetram_cli.core.errors import (
    Invalid,
)
from arangetram_cli.store.base import Doc, VendorQuery

SERVER_HEADER = "x-arangetram-api"  # set by `arangetram serve` on every answer


CONTRACT_CAP = 100  # the contract's listings answer at most this many

# What only `arangetram serve` offers (the workspace, planning together): where to get it,
# and what a serve too old to have an endpoint is told.
SERVE_ONLY_HINT = "use a server run by arangetram serve, or the local store"
OLDER_SERVE_HINT = "the server is older than this client; upgrade it"
NO_ENDPOINT_DETAILS = (None, "Not Found", "Method Not Allowed")  # a router's own 404 / 405


DEFAULT_TIMEOUT = 10.0


DEFAULT_RETRIES = 2  # extra attempts for an idempotent GET


RETRY_STATUSES = {429, 500, 502, 503, 504}


MAX_RETRY_AFTER = 5.0  # seconds we are willing to wait on a server's Retry-After


CHAT_TIMEOUT = 90.0  # an answer may take a while: the server waits up to 60 s on its provider


UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]+")

# 400 answers that are uniqueness conflicts in the contract (everything else 400 is Invalid).
# What an error answer without a detail stands for (the class comes from core.errors).

DEFAULT_DETAIL = {
    400: "the server refused the request (400)",
    401: "Not authenticated",
    403: "Not authorized",
    404: "Not found",
    409: "Conflict",
    422: "invalid request",
}


DNS_ERRORS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated",
    "name resolution",
    "errno -2]",
    "errno -3]",
    "errno -5]",
    "errno 8]",
    "errno 11001]",
    "errno -9]",
)


NO_BODY = object()

# The web back end's fixed answer when its AI provider fails (api-contract.md): a 200 that
# is in truth a failure.

APOLOGY = (
    "I apologize, but I'm having trouble processing your request. Please try again "
    "or browse our vendor categories directly."
)

# Characters with a meaning in a regular expression (PCRE, as MongoDB's $regex, and Python).

REGEX_META = re.compile(r"([\\.^$|?*+()\[\]{}])")


ID_PREFIX_RE = re.compile(r"^[0-9a-fA-F][0-9a-fA-F-]*$")


LOGIN_CASE_HINT = (
    "check the password, and type the address exactly as it was registered: this server "
    "matches the part before the @ case-sensitively"
)


def env_float(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def env_int(name: str, default: int) -> int:
    try:
        return max(0, min(10, int(os.environ.get(name, "") or default)))
    except ValueError:
        return default


def clean(text: Any, limit: int = 300) -> str:
    """Server-provided text as one safe line: no control characters (no terminal escapes)."""
    s = CONTROL_RE.sub(" ", str(text)).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def normalize_url(api_url: str) -> str:
    url = (api_url or "").strip().rstrip("/")
    if not url:
        raise Invalid("no API URL: give --api-url URL, ARANGETRAM_API_URL or a profile's api_url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"bad API URL '{clean(api_url)}': use http(s)://host[:port]")
    if parts.query or parts.fragment:
        raise Invalid(f"bad API URL '{clean(api_url)}': no query or fragment")
    # The contract's base is <server>/api; accept either form (one spelling per backend).
    return normalize_api_url(url)


def literal_pattern(text: str) -> str:
    """Text as a regular expression that matches it literally (re.escape-style, but only the
    metacharacters, so PCRE and Python read it alike): the web back end puts `search` and
    `location` into `$regex` unescaped."""
    return REGEX_META.sub(r"\\\1", text)


def checked(model_name: str, data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Local mode's input validation (core.models), before any request: the plain web back
    end accepts what local mode refuses (a 6-character password, a bad date, an unknown
    category). Returns data with the validated fields normalized as local mode stores them,
    and local mode's defaults for fields not given (the web back end requires some, such as
    a vendor's description); with partial (an update), fields not given stay absent.
    Unknown fields pass through."""
    from pydantic import ValidationError

    from arangetram_cli.core import models

    try:
        body = getattr(models, model_name).model_validate(data)
    except ValidationError as e:
        raise Invalid(models.first_error(e)) from None
    dumped = body.model_dump()
    return {**data, **{k: v for k, v in dumped.items() if k in data or not partial}}


def vendor_params(q: VendorQuery) -> dict[str, Any]:
    """A vendor search's query parameters, as both APIs name them."""
    return {
        "category": q.category,
        "location": q.location,
        "price_range": q.price_range,
        "search": q.search,
    }


def is_id(ref: str) -> bool:
    return bool(UUID_RE.match(ref.strip()))


def seg(ref: str) -> str:
    return quote(ref.strip(), safe="")


def format_validation(detail: list[Any]) -> str:
    """A 422 list as one line, like core.models.first_error: "field: msg (and N more)"."""
    if not detail:
        return "invalid request"
    first = detail[0] if isinstance(detail[0], dict) else {"msg": detail[0]}
    loc = [str(p) for p in first.get("loc") or []]
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    where = ".".join(p for p in loc if p != "__root__")
    msg = clean(first.get("msg", "invalid value")).removeprefix("Value error, ")
    extra = f" (and {len(detail) - 1} more)" if len(detail) > 1 else ""
    return clean(f"{where}: {msg}{extra}" if where else msg + extra)


def sort_vendors(items: list[Doc]) -> list[Doc]:
    """LocalPlanner's order: best rating first, then name (any case), then id."""
    return sorted(
        items,
        key=lambda v: (
            -float(v.get("rating") or 0),
            str(v.get("business_name", "")).lower(),
            str(v.get("id", "")),
        ),
    )


def sort_newest(items: list[Doc]) -> list[Doc]:
    by_id = sorted(items, key=lambda d: str(d.get("id", "")))
    return sorted(by_id, key=lambda d: str(d.get("created_at", "")), reverse=True)
