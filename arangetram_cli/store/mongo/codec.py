"""Documents in and out of Mongo: the contract's fields filled with their defaults, literal
text filters, the owner key, the projections that hide internal fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from arangetram_cli.store.base import (
    Doc,
)

# ids per `$in` query: one query up to 50k ids (about 2 MB of BSON, far below the 16 MB
# document limit), so a listing of up to 50k bookings costs a constant number of queries.
IN_CHUNK = 50_000
SORT_KEY = "_arangetram_sort_name"  # computed in the listing pipeline, never stored
ID_EXCLUDED = {"_id": 0}
# reviews_version: the Mongo adapter's change counter for rating recomputation (internal).
VENDOR_PROJECTION = {"_id": 0, "owner_key": 0, "reviews_version": 0}
USER_PROJECTION = {"_id": 0, "email_lower": 0}
BOOKING_PROJECTION = {"_id": 0, "pending_dup": 0}  # set apart older duplicates (store-only)

# Defaults for missing or null contract fields, by kind (store.base's field tables).
_DEFAULTS: dict[str, Callable[[], Any]] = {
    "s": str,
    "i": int,
    "f": float,
    "b": lambda: True,
    "j": list,
}


def _coerce(kind: str, value: Any) -> Any:
    if value is None:
        return _DEFAULTS[kind]()
    if kind == "j":
        return list(value)
    if kind == "b":
        return bool(value)
    if kind == "f" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def normalized(fields: dict[str, str], doc: Doc, *, fill: bool) -> Doc:
    """A copy of doc ready to store: no `_id`, contract fields coerced like SQLite does;
    with fill, missing contract fields get their default."""
    out: Doc = {}
    for name, kind in fields.items():  # contract fields first, in contract order
        if name in doc:
            out[name] = _coerce(kind, doc[name])
        elif fill:
            out[name] = _DEFAULTS[kind]()
    out.update((k, v) for k, v in doc.items() if k not in fields and k != "_id")
    return out


def literal_regex(text: str) -> dict[str, str]:
    """A case-insensitive regex matching `text` as a literal substring."""
    # re.escape output is valid PCRE with the same meaning; NUL cannot appear raw in a
    # server-side regex, so it is written as an escape.
    return {"$regex": re.escape(text).replace("\x00", "\\x00"), "$options": "i"}


def owner_key_of(user_id: Any) -> str | None:
    # One profile per owner, enforced by the database. Seeded vendors all carry
    # user_id "system", so a plain unique index on user_id is impossible, and a partial
    # index cannot say "user_id != 'system'" portably: `$ne`/`$not` are not allowed in
    # partialFilterExpression, and `$or` of `$lt`/`$gt` needs MongoDB 6.0+ (and range
    # operators are not accepted by every server or by compatible services). So vendors
    # owned by a real user carry an additive field `owner_key` (= user_id), absent for
    # "system", under a unique index with partialFilterExpression {owner_key: {$exists:
    # true}}: works on every MongoDB since 3.2 and in mongomock_ng. The field is stripped
    # from everything we return. Vendors written by the web back end lack it, so inserts
    # also check user_id first (the index still settles races between our own writers).
    if user_id is None or user_id == "system":
        return None
    return str(user_id)
