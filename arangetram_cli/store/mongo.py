"""The MongoDB store: pymongo against MongoDB or Atlas, sharing the web back end's database.

Collections and document shapes are the contract's (api-contract.md): `users`, `vendors`,
`events`, `bookings`, each document keyed by a UUID string in `id`; Mongo's own `_id` is
never returned. Behaviour mirrors the SQLite adapter (the reference), including filling
missing contract fields with the same defaults on write.

Design notes:
- Uniqueness lives in unique indexes created at start (idempotent): `id` on every
  collection, `users.email`, and one vendor profile per owner (see `_owner_key`).
- Text filters are case-insensitive regexes built with `re.escape`, so user input is always
  literal (`[` or `(a+)+$` are plain characters, never a pattern).
- Listing order is rating desc, then business name case-insensitively, then id. Mongo has no
  portable case-insensitive sort: a collation would use ICU order (which differs from
  SQLite's NOCASE for punctuation and accents) and mongomock_ng ignores collations, so the
  listing is an aggregation that sorts on `$toLower` of the name (ASCII folding, exactly
  like NOCASE). `$sort` + `$limit` is a top-k sort; vendor catalogs are small.
- Shared lists and state changes are single atomic updates (`$addToSet`, `$pull`,
  `find_one_and_update` with a status filter for compare-and-set, `$push` of the booking's
  history entry in the same update).
- `reviews` (additive collection): unique (vendor_id, user_id); the vendor's rating and
  review_count are recomputed after each write in a way that converges (see `_Reviews`).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, TypeVar
from urllib.parse import unquote

import pymongo
from pymongo import IndexModel, InsertOne, ReplaceOne, ReturnDocument
from pymongo.errors import (
    BulkWriteError,
    ConfigurationError,
    ConnectionFailure,
    DuplicateKeyError,
    InvalidURI,
    OperationFailure,
)

from arangetram_cli.core.errors import Conflict, Unavailable
from arangetram_cli.core.identity import email_domain, email_key
from arangetram_cli.store.base import (
    BOOKING_FIELDS,
    EMAIL_TAKEN,
    EMAIL_TAKEN_OTHER_SPELLING,
    EVENT_FIELDS,
    REVIEW_FIELDS,
    USER_FIELDS,
    VENDOR_FIELDS,
    Doc,
    VendorQuery,
    Visible,
    prices_up_to,
    search_then_count,
)

log = logging.getLogger(__name__)

# Errors that mean "the database cannot be reached or the URL is unusable".
_UNREACHABLE = (ConnectionFailure, ConfigurationError, InvalidURI)
# Server codes for credentials problems: AuthenticationFailed, Unauthorized.
_ACCESS_CODES = {18, 13}

# ids per `$in` query: one query up to 50k ids (about 2 MB of BSON, far below the 16 MB
# document limit), so a listing of up to 50k bookings costs a constant number of queries.
_IN_CHUNK = 50_000
_SORT_KEY = "_arangetram_sort_name"  # computed in the listing pipeline, never stored
_ID_EXCLUDED = {"_id": 0}
# reviews_version: the Mongo adapter's change counter for rating recomputation (internal).
_VENDOR_PROJECTION = {"_id": 0, "owner_key": 0, "reviews_version": 0}
_USER_PROJECTION = {"_id": 0, "email_lower": 0}

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


def _normalize(fields: dict[str, str], doc: Doc, *, fill: bool) -> Doc:
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


def mask_url(url: str) -> str:
    """The URL with its password (userinfo and any `...password=` option) replaced by ***."""
    scheme, sep, rest = url.partition("://")
    if sep:
        head, qmark, query = rest.partition("?")
        userinfo, at, hosts = head.rpartition("@")
        if at and ":" in userinfo:
            head = f"{userinfo.split(':', 1)[0]}:***@{hosts}"
        rest = head + qmark + re.sub(r"(?i)(password=)[^&]*", r"\1***", query)
        return f"{scheme}://{rest}"
    return url


def _password(url: str) -> str | None:
    rest = url.partition("://")[2].partition("?")[0]
    userinfo, at, _ = rest.rpartition("@")
    if at and ":" in userinfo:
        return userinfo.split(":", 1)[1] or None
    return None


def _short_reason(exc: BaseException) -> str:
    """One line out of a pymongo error (drops the topology dump and timeout settings)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    for cut in (", Timeout:", " (configured timeouts", ", Topology Description:"):
        i = text.find(cut)
        if i > 0:
            text = text[:i]
    text = text.strip().rstrip(",")
    if len(text) > 200:
        text = text[:197] + "..."
    return text or type(exc).__name__


def _literal(text: str) -> dict[str, str]:
    """A case-insensitive regex matching `text` as a literal substring."""
    # re.escape output is valid PCRE with the same meaning; NUL cannot appear raw in a
    # server-side regex, so it is written as an escape.
    return {"$regex": re.escape(text).replace("\x00", "\\x00"), "$options": "i"}


def _owner_key(user_id: Any) -> str | None:
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


F = TypeVar("F", bound=Callable[..., Any])


def _is_unavailable(e: BaseException) -> bool:
    """Cannot reach the server, an unusable URL, or credentials the server refuses."""
    if isinstance(e, _UNREACHABLE):
        return True
    return isinstance(e, OperationFailure) and e.code in _ACCESS_CODES


def _guarded(fn: F) -> F:
    """Map "cannot reach the server" errors of a repository call to Unavailable."""

    @functools.wraps(fn)
    def wrapper(self: _Repo, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except Exception as e:
            if _is_unavailable(e):
                raise self._s._unavailable(e) from None
            raise

    return wrapper  # type: ignore[return-value]


class _Repo:
    name = ""
    fields: ClassVar[dict[str, str]] = {}
    projection: ClassVar[dict[str, int]] = _ID_EXCLUDED
    label = ""

    def __init__(self, store: MongoStore) -> None:
        self._s = store
        self._c = store.db[self.name]

    def _dup(self, doc: Doc) -> Conflict:
        return Conflict(f"{self.label} {doc.get('id')} already exists")

    def _insert(self, doc: Doc) -> None:
        try:
            self._c.insert_one(doc)
        except DuplicateKeyError as e:
            raise self._conflict(e, doc) from None

    def _conflict(self, e: DuplicateKeyError, doc: Doc) -> Conflict:
        return self._dup(doc)

    @_guarded
    def insert(self, doc: Doc) -> None:
        self._insert(_normalize(self.fields, doc, fill=True))

    @_guarded
    def get(self, doc_id: str) -> Doc | None:
        return self._c.find_one({"id": doc_id}, self.projection)

    @_guarded
    def get_many(self, ids: Iterable[str]) -> dict[str, Doc]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, Doc] = {}
        for i in range(0, len(wanted), _IN_CHUNK):
            for d in self._c.find({"id": {"$in": wanted[i : i + _IN_CHUNK]}}, self.projection):
                out[d["id"]] = d
        return out

    @_guarded
    def ids_with_prefix(
        self, prefix: str, limit: int = 2, *, visible_to: Visible | None = None
    ) -> list[str]:
        if limit <= 0:
            return []
        # A range on the unique id index (same bounds as the SQLite adapter).
        flt: Doc = {"id": {"$gte": prefix, "$lt": prefix + "\U0010ffff"}}
        if visible_to is not None:
            if not visible_to or set(visible_to) - set(self.fields):
                raise ValueError(f"cannot filter {self.name} on {sorted(visible_to)}")
            flt["$or"] = [{k: v} for k, v in visible_to.items()]
        cur = self._c.find(flt, {"_id": 0, "id": 1}).sort("id", 1).limit(limit)
        return [d["id"] for d in cur]

    def _page(self, flt: Doc, offset: int, limit: int) -> list[Doc]:
        if limit <= 0:
            return []
        cur = (
            self._c.find(flt, self.projection)
            .sort([("created_at", -1), ("id", 1)])
            .skip(max(0, offset))
            .limit(limit)
        )
        return list(cur)

    def _changes(self, fields: Doc) -> tuple[Doc, Doc]:
        """($set, $unset) for an update: `id`/`_id` cannot change; contract fields are
        coerced as on insert."""
        sets = _normalize(self.fields, fields, fill=False)
        sets.pop("id", None)
        return sets, {}

    def _update(self, flt: Doc, fields: Doc) -> Doc | None:
        sets, unsets = self._changes(fields)
        change: Doc = {}
        if sets:
            change["$set"] = sets
        if unsets:
            change["$unset"] = unsets
        if not change:
            return self._c.find_one(flt, self.projection)
        try:
            return self._c.find_one_and_update(
                flt, change, projection=self.projection, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError as e:
            raise self._conflict(e, {"id": flt.get("id"), **fields}) from None


class _Users(_Repo):
    """Users, with the address's `email_key` (core.identity) in an additive `email_lower`
    field under its own unique partial index. The web app writes users without it: a
    look-up by key also compares the unkeyed users of the same domain in Python, and
    MongoStore's start-up backfills the field (see `backfill_email_keys`)."""

    name, fields, label = "users", USER_FIELDS, "User"
    projection = _USER_PROJECTION

    def _conflict(self, e: DuplicateKeyError, doc: Doc) -> Conflict:
        if "email" in f"{e.details} {e}":
            same = self._c.find_one({"email": doc.get("email")}, {"_id": 1}) is not None
            return Conflict(EMAIL_TAKEN if same else EMAIL_TAKEN_OTHER_SPELLING)
        return self._dup(doc)

    @_guarded
    def insert(self, doc: Doc) -> None:
        out = _normalize(self.fields, doc, fill=True)
        out["email_lower"] = email_key(str(out["email"]))
        self._insert(out)

    @_guarded
    def get_by_email(self, email: str) -> Doc | None:
        return self._c.find_one({"email": email}, self.projection)

    @_guarded
    def find_by_email_key(self, key: str, limit: int = 2) -> list[Doc]:
        found = list(self._c.find({"email_lower": key}, self.projection).limit(limit))
        # Unkeyed users (an index scan on users_unkeyed): only those of the key's domain (an
        # anchored, escaped, case-blind regex; stored domains are lowercase) are compared in
        # Python.
        domain = {"$regex": f"@{_literal(email_domain(key))['$regex']}$", "$options": "i"}
        unkeyed = self._c.find({"email_lower": None, "email": domain}, _USER_PROJECTION)
        found += [d for d in unkeyed if email_key(str(d.get("email", ""))) == key]
        return found[:limit]

    def backfill_email_keys(self) -> int:
        """Give every user without `email_lower` its key, unless another user has that key
        (look-alike or case-variant addresses the web app let in: the earliest keeps it).
        Returns how many users got one. Idempotent; safe next to other writers (each update
        is conditional, and the unique index refuses a key taken in between)."""
        missing = list(
            self._c.find(
                {"email_lower": None},  # missing: an index scan on users_unkeyed
                {"_id": 0, "id": 1, "email": 1, "created_at": 1},
            )
        )
        missing.sort(key=lambda d: (str(d.get("created_at") or ""), str(d.get("id"))))
        done = 0
        seen: set[str] = set()
        for d in missing:
            if not isinstance(d.get("email"), str) or "id" not in d:
                continue
            key = email_key(d["email"])
            if key in seen or self._c.find_one({"email_lower": key}, {"_id": 1}) is not None:
                seen.add(key)
                continue
            seen.add(key)
            try:
                res = self._c.update_one(
                    {"id": d["id"], "email_lower": None},
                    {"$set": {"email_lower": key}},
                )
            except DuplicateKeyError:
                continue
            done += res.modified_count
        return done

    @_guarded
    def delete(self, user_id: str) -> bool:
        return self._c.delete_one({"id": user_id}).deleted_count > 0


_OWNER_CONFLICT = "Vendor profile already exists for one owner"
_ID_CONFLICT = "a vendor id in the file already exists (use --upsert to update)"


class _Vendors(_Repo):
    name, fields, label = "vendors", VENDOR_FIELDS, "Vendor"
    projection = _VENDOR_PROJECTION

    def _prepare(self, doc: Doc) -> Doc:
        out = _normalize(self.fields, doc, fill=True)
        out.pop("owner_key", None)
        key = _owner_key(out.get("user_id"))
        if key is not None:
            out["owner_key"] = key
        return out

    def _conflict(self, e: DuplicateKeyError, doc: Doc) -> Conflict:
        if "owner_key" in f"{e.details} {e}":
            return Conflict("Vendor profile already exists")
        return self._dup(doc)

    @_guarded
    def insert(self, doc: Doc) -> None:
        out = self._prepare(doc)
        key = out.get("owner_key")
        # Profiles written by the web back end carry no owner_key: look at user_id too.
        if key is not None and self._c.find_one({"user_id": key}, {"_id": 1}) is not None:
            raise Conflict("Vendor profile already exists")
        self._insert(out)

    @_guarded
    def insert_many(self, docs: Iterable[Doc], *, upsert: bool = False) -> tuple[int, int]:
        prepared = [self._prepare(d) for d in docs]
        if not prepared:
            return 0, 0
        if self._s.transactions_supported():
            with self._s.client.start_session() as session:
                return session.with_transaction(lambda s: self._write_many(prepared, upsert, s))
        # No transactions on a standalone server (or mongomock): everything that can be
        # checked is checked before the first write, and if a write still fails (another
        # writer got in between), what this call wrote is undone (deleted, or restored from
        # the snapshot taken before). A concurrent reader may briefly see a partial import.
        return self._write_many(prepared, upsert, None)

    def _write_many(self, docs: list[Doc], upsert: bool, session: Any) -> tuple[int, int]:
        ids = [d["id"] for d in docs]
        if not upsert and len(set(ids)) != len(ids):
            raise Conflict(_ID_CONFLICT)
        before: dict[str, Doc] = {}
        for i in range(0, len(ids), _IN_CHUNK):
            chunk = list(dict.fromkeys(ids[i : i + _IN_CHUNK]))
            proj = _ID_EXCLUDED if upsert else {"_id": 0, "id": 1}
            for d in self._c.find({"id": {"$in": chunk}}, proj, session=session):
                before[d["id"]] = d
        if before and not upsert:
            raise Conflict(_ID_CONFLICT)
        self._check_owners(docs, session)

        if upsert:
            ops: list[Any] = [ReplaceOne({"id": d["id"]}, d, upsert=True) for d in docs]
        else:
            ops = [InsertOne(d) for d in docs]
        try:
            result = self._c.bulk_write(ops, ordered=True, session=session)
        except BulkWriteError as e:
            errors = e.details.get("writeErrors") or [{}]
            if session is None:
                self._undo(ids[: errors[0].get("index", len(ids))], before)
            if errors[0].get("code") == 11000:
                if "owner_key" in str(errors[0]):
                    raise Conflict(_OWNER_CONFLICT) from None
                raise Conflict(_ID_CONFLICT) from None
            raise
        if upsert:
            return result.upserted_count, result.matched_count
        return result.inserted_count, 0

    def _check_owners(self, docs: list[Doc], session: Any) -> None:
        owners: dict[str, str] = {}  # owner -> the vendor id the file gives them
        for d in docs:
            key = d.get("owner_key")
            if key is None:
                continue
            if owners.setdefault(key, d["id"]) != d["id"]:
                raise Conflict(_OWNER_CONFLICT)
        keys = list(owners)
        for i in range(0, len(keys), _IN_CHUNK):
            found = self._c.find(
                {"user_id": {"$in": keys[i : i + _IN_CHUNK]}},
                {"_id": 0, "id": 1, "user_id": 1},
                session=session,
            )
            for d in found:
                if owners.get(d["user_id"]) != d["id"]:
                    raise Conflict(_OWNER_CONFLICT)

    def _undo(self, written_ids: list[str], before: dict[str, Doc]) -> None:
        """Best-effort rollback without a transaction."""
        fresh = [i for i in dict.fromkeys(written_ids) if i not in before]
        if fresh:
            self._c.delete_many({"id": {"$in": fresh}})
        for i in dict.fromkeys(written_ids):
            if i in before:
                self._c.replace_one({"id": i}, before[i])

    @_guarded
    def get_by_user(self, user_id: str) -> Doc | None:
        return self._c.find_one(
            {"user_id": user_id}, self.projection, sort=[("created_at", 1), ("id", 1)]
        )

    @_guarded
    def find_by_name(self, name: str) -> list[Doc]:
        wanted = name.strip()
        rx = _literal(wanted)
        rx["$regex"] = f"^{rx['$regex']}$"
        found = self._c.find({"business_name": rx}, self.projection).sort("id", 1)
        # `$` also matches before a final newline: keep exact (case-folded) matches only.
        return [d for d in found if str(d.get("business_name", "")).lower() == wanted.lower()]

    def _changes(self, fields: Doc) -> tuple[Doc, Doc]:
        sets, unsets = super()._changes(fields)
        sets.pop("owner_key", None)
        if "user_id" in sets:
            key = _owner_key(sets["user_id"])
            if key is None:
                unsets["owner_key"] = ""
            else:
                sets["owner_key"] = key
        return sets, unsets

    @_guarded
    def update(self, vendor_id: str, fields: Doc) -> Doc | None:
        return self._update({"id": vendor_id}, fields)

    @_guarded
    def add_images(self, vendor_id: str, urls: Iterable[str]) -> Doc | None:
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return self._c.find_one({"id": vendor_id}, self.projection)
        # $addToSet + $each appends the missing ones in the order given, in one update.
        return self._c.find_one_and_update(
            {"id": vendor_id},
            {"$addToSet": {"portfolio_images": {"$each": wanted}}},
            projection=self.projection,
            return_document=ReturnDocument.AFTER,
        )

    @_guarded
    def remove_image(self, vendor_id: str, url: str) -> Doc | None:
        return self._c.find_one_and_update(
            {"id": vendor_id},
            {"$pull": {"portfolio_images": url}},
            projection=self.projection,
            return_document=ReturnDocument.AFTER,
        )

    @staticmethod
    def _filter(q: VendorQuery) -> Doc:
        clauses: list[Doc] = []
        if q.active_only:
            clauses.append({"is_active": True})
        if q.category:
            clauses.append({"category": q.category})
        if q.price_range:
            clauses.append({"price_range": q.price_range})
        if q.max_price_range:
            clauses.append({"price_range": {"$in": prices_up_to(q.max_price_range)}})
        if q.search:
            rx = _literal(q.search)
            clauses.append({"$or": [{"business_name": rx}, {"description": rx}]})
        if q.location:
            clauses.append({"location": _literal(q.location)})
        if not clauses:
            return {}
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _pipeline(self, q: VendorQuery) -> list[Doc]:
        return [
            {"$match": self._filter(q)},
            {"$addFields": {_SORT_KEY: {"$toLower": "$business_name"}}},
            {"$sort": {"rating": -1, _SORT_KEY: 1, "id": 1}},
        ]

    _PROJECT: ClassVar[Doc] = {
        "$project": {"_id": 0, "owner_key": 0, "reviews_version": 0, _SORT_KEY: 0}
    }

    @_guarded
    def search(self, q: VendorQuery, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        if limit <= 0:
            return []
        pipeline = [
            *self._pipeline(q),
            {"$skip": max(0, offset)},
            {"$limit": limit},
            self._PROJECT,
        ]
        return list(self._c.aggregate(pipeline))

    def iter_search(self, q: VendorQuery, *, batch: int = 1000) -> Iterator[Doc]:
        try:
            cursor = self._c.aggregate(
                [*self._pipeline(q), self._PROJECT], batchSize=max(1, batch), allowDiskUse=True
            )
            with cursor:
                yield from cursor
        except Exception as e:
            if _is_unavailable(e):
                raise self._s._unavailable(e) from None
            raise

    def search_page(
        self, q: VendorQuery, *, offset: int = 0, limit: int = 100
    ) -> tuple[list[Doc], int]:
        return search_then_count(self, q, offset, limit)

    @_guarded
    def count(self, q: VendorQuery) -> int:
        return self._c.count_documents(self._filter(q))

    @_guarded
    def count_all(self) -> int:
        return self._c.count_documents({})


class _Events(_Repo):
    name, fields, label = "events", EVENT_FIELDS, "Event"

    @_guarded
    def list_by_user(self, user_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._page({"user_id": user_id}, offset, limit)

    @_guarded
    def count_by_user(self, user_id: str) -> int:
        return self._c.count_documents({"user_id": user_id})

    @_guarded
    def update(self, event_id: str, fields: Doc) -> Doc | None:
        return self._update({"id": event_id}, fields)

    @_guarded
    def add_vendor(self, event_id: str, vendor_id: str) -> bool:
        r = self._c.update_one({"id": event_id}, {"$addToSet": {"selected_vendors": vendor_id}})
        return r.matched_count > 0

    @_guarded
    def remove_vendor(self, event_id: str, vendor_id: str) -> bool:
        r = self._c.update_one({"id": event_id}, {"$pull": {"selected_vendors": vendor_id}})
        return r.matched_count > 0


class _Bookings(_Repo):
    name, fields, label = "bookings", BOOKING_FIELDS, "Booking"

    @_guarded
    def list_by_user(self, user_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._page({"user_id": user_id}, offset, limit)

    @_guarded
    def list_by_vendor(self, vendor_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._page({"vendor_id": vendor_id}, offset, limit)

    @_guarded
    def list_by_event(self, event_id: str) -> list[Doc]:
        cur = self._c.find({"event_id": event_id}, self.projection)
        return list(cur.sort([("created_at", 1), ("id", 1)]))

    @_guarded
    def vendors_booked_on(self, event_date: str, vendor_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(vendor_ids))
        out: set[str] = set()
        for i in range(0, len(wanted), _IN_CHUNK):  # served by the bookings_vendor index
            flt = {
                "vendor_id": {"$in": wanted[i : i + _IN_CHUNK]},
                "status": "accepted",
                "event_date": event_date,
            }
            out.update(d["vendor_id"] for d in self._c.find(flt, {"_id": 0, "vendor_id": 1}))
        return out

    @_guarded
    def update(
        self,
        booking_id: str,
        fields: Doc,
        *,
        expect_status: str | None = None,
        push_history: Doc | None = None,
    ) -> Doc | None:
        flt: Doc = {"id": booking_id}
        if expect_status is not None:
            flt["status"] = expect_status  # compare-and-set in one atomic update
        if push_history is None:
            return self._update(flt, fields)
        sets, _ = self._changes(fields)
        change: Doc = {"$push": {"history": push_history}}  # same update as the status
        if sets:
            change["$set"] = sets
        return self._c.find_one_and_update(
            flt, change, projection=self.projection, return_document=ReturnDocument.AFTER
        )


_RECOMPUTE_ROUNDS = 50


class _Reviews(_Repo):
    """Reviews, and the vendor figures that follow them.

    Without a transaction the review write and the vendor update are two operations, so
    the figures are recomputed after every write, guarded so that a stale recomputation
    never lands last:
    1. the seeded figures are captured once (`seed_rating`, `seed_review_count`), by a
       compare-and-set that only succeeds while no recomputation has changed the vendor;
    2. the writer `$inc`s the vendor's `reviews_version` after writing its review;
    3. it reads the version v, aggregates sum and count over all the vendor's reviews, and
       `$set`s rating and review_count only where reviews_version is still v.
    A recomputation that lands saw every review whose writer incremented the version up to
    v (each wrote before incrementing, and the aggregate runs after reading v). If the
    compare-and-set misses, a later writer incremented after our read and recomputes after
    us (the last incrementer's compare-and-set cannot miss), so the figures converge to the
    exact values whatever the interleaving. The writer also re-reads the version after its
    write and recomputes again if it moved (belt and braces for servers or stand-ins whose
    updates are not atomic). With a replica set the same steps run in one transaction.
    """

    name, fields, label = "reviews", REVIEW_FIELDS, "Review"
    # Projections are passed as fresh dicts: mongomock_ng edits the one it is given while
    # it runs (pops `_id`, then puts it back), which breaks under concurrent writers.

    def _vendors(self) -> Any:
        return self._s.db["vendors"]

    @_guarded
    def upsert(self, review: Doc) -> Doc | None:
        if self._s.transactions_supported():
            with self._s.client.start_session() as session:
                return session.with_transaction(lambda s: self._upsert(review, s))
        return self._upsert(review, None)

    def _upsert(self, review: Doc, session: Any) -> Doc | None:
        vendor_id, user_id = review["vendor_id"], review["user_id"]
        if self._vendors().find_one({"id": vendor_id}, {"_id": 1}, session=session) is None:
            return None
        doc = _normalize(self.fields, review, fill=True)
        key = {"vendor_id": vendor_id, "user_id": user_id}
        change = {
            "$set": {k: doc[k] for k in ("rating", "text", "user_name", "updated_at")},
            "$setOnInsert": {"id": doc["id"], "created_at": doc["created_at"], "reply": None},
        }
        for attempt in range(2):
            try:
                saved = self._c.find_one_and_update(
                    key,
                    change,
                    upsert=True,
                    projection=dict(self.projection),
                    return_document=ReturnDocument.AFTER,
                    session=session,
                )
                break
            except DuplicateKeyError:
                # Two first reviews by one user at once: the unique index let one insert
                # in; the other becomes an update of it.
                if attempt:
                    raise
        self._recompute(vendor_id, session)
        return self._ordered(saved)

    def _ordered(self, doc: Doc | None) -> Doc | None:
        """Fields in the SQLite adapter's order (an upsert writes them in another)."""
        if doc is None:
            return None
        out = _normalize(self.fields, doc, fill=False)
        out["reply"] = out.pop("reply", None)
        return out

    def _recompute(self, vendor_id: str, session: Any) -> Doc | None:
        from arangetram_cli.core.lifecycle import combine_rating, seed_figures

        vendors = self._vendors()
        vendor = vendors.find_one({"id": vendor_id}, {"_id": 0}, session=session)
        if vendor is None:
            return None
        if "seed_review_count" not in vendor:  # 1. capture the seeded figures, once
            seed_rating, seed_count = seed_figures(vendor)
            vendors.update_one(
                {
                    "id": vendor_id,
                    "seed_review_count": {"$exists": False},
                    "rating": vendor.get("rating"),
                    "review_count": vendor.get("review_count"),
                },
                {"$set": {"seed_rating": seed_rating, "seed_review_count": seed_count}},
                session=session,
            )
        vendors.update_one(  # 2. announce a change
            {"id": vendor_id}, {"$inc": {"reviews_version": 1}}, session=session
        )
        for _ in range(_RECOMPUTE_ROUNDS):  # 3. recompute; land only if nothing came after
            vendor = vendors.find_one({"id": vendor_id}, {"_id": 0}, session=session)
            if vendor is None:
                return None
            version = vendor.get("reviews_version", 0)
            rows = list(
                self._c.aggregate(
                    [
                        {"$match": {"vendor_id": vendor_id}},
                        {"$group": {"_id": None, "total": {"$sum": "$rating"}, "n": {"$sum": 1}}},
                    ],
                    session=session,
                )
            )
            total, n = (rows[0]["total"], rows[0]["n"]) if rows else (0, 0)
            rating, count = combine_rating(*seed_figures(vendor), total, n)
            landed = vendors.update_one(
                {"id": vendor_id, "reviews_version": version},
                {"$set": {"rating": rating, "review_count": count}},
                session=session,
            )
            if not landed.matched_count:
                break  # a later writer recomputes after us
            after = vendors.find_one(
                {"id": vendor_id}, {"_id": 0, "reviews_version": 1}, session=session
            )
            if after is None or after.get("reviews_version", 0) == version:
                break
        return vendors.find_one({"id": vendor_id}, dict(_VENDOR_PROJECTION), session=session)

    @_guarded
    def recompute(self, vendor_id: str) -> Doc | None:
        return self._recompute(vendor_id, None)

    @_guarded
    def get(self, doc_id: str) -> Doc | None:
        return self._ordered(self._c.find_one({"id": doc_id}, dict(self.projection)))

    @_guarded
    def get_by_user(self, vendor_id: str, user_id: str) -> Doc | None:
        found = self._c.find_one(
            {"vendor_id": vendor_id, "user_id": user_id}, dict(self.projection)
        )
        return self._ordered(found)

    @_guarded
    def list_by_vendor(self, vendor_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        if limit <= 0:
            return []
        cur = (
            self._c.find({"vendor_id": vendor_id}, dict(self.projection))
            .sort([("updated_at", -1), ("id", 1)])
            .skip(max(0, offset))
            .limit(limit)
        )
        return [self._ordered(d) for d in cur]

    @_guarded
    def count_by_vendor(self, vendor_id: str) -> int:
        return self._c.count_documents({"vendor_id": vendor_id})

    @_guarded
    def set_reply(self, review_id: str, reply: Doc) -> Doc | None:
        # {reply: None} also matches a document without the field (written elsewhere).
        return self._ordered(
            self._c.find_one_and_update(
                {"id": review_id, "reply": None},
                {"$set": {"reply": reply}},
                projection=dict(self.projection),
                return_document=ReturnDocument.AFTER,
            )
        )

    @_guarded
    def vendors_with_reviews(self, vendor_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(vendor_ids))
        out: set[str] = set()
        for i in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[i : i + _IN_CHUNK]
            out.update(self._c.distinct("vendor_id", {"vendor_id": {"$in": chunk}}))
        return out


def _indexes() -> dict[str, list[IndexModel]]:
    def uid(coll: str) -> IndexModel:
        return IndexModel([("id", 1)], name=f"{coll}_id", unique=True)

    return {
        "users": [
            uid("users"),
            IndexModel([("email", 1)], name="users_email", unique=True),
            IndexModel(
                [("email_lower", 1)],
                name="users_email_lower",
                unique=True,
                partialFilterExpression={"email_lower": {"$exists": True}},
            ),
            # Finds the users without a key (`email_lower: null` matches a missing field;
            # the partial index above cannot): the start-up backfill and the look-up of
            # users the web app wrote since are index scans, not collection scans.
            IndexModel([("email_lower", 1), ("id", 1)], name="users_unkeyed"),
        ],
        "vendors": [
            uid("vendors"),
            IndexModel(
                [("owner_key", 1)],
                name="vendors_owner",
                unique=True,
                partialFilterExpression={"owner_key": {"$exists": True}},
            ),
            IndexModel([("user_id", 1), ("created_at", 1)], name="vendors_user"),
            IndexModel(
                [("is_active", 1), ("rating", -1), ("business_name", 1)], name="vendors_listing"
            ),
            IndexModel(
                [("category", 1), ("is_active", 1), ("rating", -1)], name="vendors_category"
            ),
        ],
        "events": [
            uid("events"),
            IndexModel([("user_id", 1), ("created_at", -1)], name="events_user"),
        ],
        "bookings": [
            uid("bookings"),
            IndexModel([("user_id", 1), ("created_at", -1)], name="bookings_user"),
            IndexModel([("vendor_id", 1), ("created_at", -1)], name="bookings_vendor"),
            IndexModel([("event_id", 1)], name="bookings_event"),
        ],
        "reviews": [
            uid("reviews"),
            IndexModel([("vendor_id", 1), ("user_id", 1)], name="reviews_vendor_user", unique=True),
            IndexModel([("vendor_id", 1), ("updated_at", -1), ("id", 1)], name="reviews_recent"),
        ],
    }


class MongoStore:
    """A MongoDB database (the web back end's collections and document shapes)."""

    kind = "mongo"

    def __init__(
        self,
        url: str,
        db_name: str = "arangetram",
        *,
        client: Any = None,
        timeout_ms: int = 3000,
    ) -> None:
        self.url = url
        self.location = mask_url(url)
        self._secret = _password(url)
        self._owns_client = client is None
        self._txn: bool | None = None
        self.index_warnings: list[str] = []
        try:
            if client is None:
                client = pymongo.MongoClient(
                    url,
                    serverSelectionTimeoutMS=timeout_ms,
                    connectTimeoutMS=timeout_ms,
                    socketTimeoutMS=max(30_000, timeout_ms * 10),
                    appname="arangetram-cli",
                )
            self.client = client
            self.db = client[db_name]
            self.users = _Users(self)
            self.vendors = _Vendors(self)
            self.events = _Events(self)
            self.bookings = _Bookings(self)
            self.reviews = _Reviews(self)
            from arangetram_cli.store.mongo_workspace import attach  # tasks, budget_items

            attach(self)
            from arangetram_cli.store.mongo_together import attach as attach_together

            attach_together(self)  # event_members, guests, rsvp_tokens
            self._ensure_indexes()
        except Exception as e:
            if not _is_unavailable(e):
                raise
            if self._owns_client and client is not None:
                client.close()
            raise self._unavailable(e) from None

    def _ensure_indexes(self) -> None:
        """Backfill the users' `email_lower` keys, then create the indexes (idempotent). An
        index or backfill the data or the server refuses (for example duplicates written
        before it existed, or a read-only user) is logged and kept in index_warnings rather
        than making the database unusable."""
        try:
            self.users.backfill_email_keys()
        except OperationFailure as e:
            if e.code == 18:  # authentication failed: nothing else will work either
                raise
            msg = f"users.email_lower not backfilled: {_short_reason(e)}"
            self.index_warnings.append(msg)
            log.warning(msg)
        for coll, models in _indexes().items():
            try:
                self.db[coll].create_indexes(models)
                continue
            except OperationFailure as e:
                if e.code == 18:  # authentication failed: nothing else will work either
                    raise
            for model in models:  # find out which one failed, create the others
                try:
                    self.db[coll].create_indexes([model])
                except OperationFailure as e:
                    name = model.document["name"]
                    msg = f"index {coll}.{name} not created: {_short_reason(e)}"
                    self.index_warnings.append(msg)
                    log.warning(msg)

    def _unavailable(self, e: BaseException) -> Unavailable:
        reason = _short_reason(e)
        for secret in {self._secret, unquote(self._secret or "")}:
            if secret and len(secret) >= 4:  # short ones would mangle ordinary words
                reason = reason.replace(secret, "***")
        if isinstance(e, OperationFailure):  # credentials or roles (see _ACCESS_CODES)
            return Unavailable(
                f"MongoDB at {self.location} refused access: {reason}",
                hint="check the user name, password and roles in the MongoDB URL",
            )
        return Unavailable(
            f"cannot reach MongoDB at {self.location}: {reason}",
            hint="check MONGO_URL and that the server is running and reachable",
        )

    def transactions_supported(self) -> bool:
        """Multi-document transactions need a replica set or a sharded cluster."""
        if self._txn is None:
            try:
                hello = self.client.admin.command("hello")
                self._txn = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
            except NotImplementedError:  # mongomock_ng has no `hello`
                self._txn = False
            except OperationFailure:
                self._txn = False
        return self._txn

    def ping(self) -> None:
        try:
            self.client.admin.command("ping")
        except Exception as e:
            if _is_unavailable(e):
                raise self._unavailable(e) from None
            raise

    def close(self) -> None:
        if self._owns_client:
            self.client.close()
