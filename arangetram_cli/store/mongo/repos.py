"""The repositories of users, events and bookings (vendors and reviews have their own modules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from pymongo import ReturnDocument
from pymongo.errors import (
    DuplicateKeyError,
)

from arangetram_cli.core.errors import Conflict
from arangetram_cli.core.identity import email_domain, email_key
from arangetram_cli.store.base import (
    BOOKING_FIELDS,
    EMAIL_TAKEN,
    EMAIL_TAKEN_OTHER_SPELLING,
    EVENT_FIELDS,
    USER_FIELDS,
    Doc,
    Visible,
)
from arangetram_cli.store.mongo.codec import (
    BOOKING_PROJECTION,
    ID_EXCLUDED,
    IN_CHUNK,
    USER_PROJECTION,
    literal_regex,
    normalized,
)
from arangetram_cli.store.mongo.guard import guarded

if TYPE_CHECKING:
    from arangetram_cli.store.mongo.store import MongoStore


class Repo:
    name = ""
    fields: ClassVar[dict[str, str]] = {}
    projection: ClassVar[dict[str, int]] = ID_EXCLUDED
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

    @guarded
    def insert(self, doc: Doc) -> None:
        self._insert(normalized(self.fields, doc, fill=True))

    @guarded
    def get(self, doc_id: str) -> Doc | None:
        return self._c.find_one({"id": doc_id}, self.projection)

    @guarded
    def get_many(self, ids: Iterable[str]) -> dict[str, Doc]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, Doc] = {}
        for i in range(0, len(wanted), IN_CHUNK):
            for d in self._c.find({"id": {"$in": wanted[i : i + IN_CHUNK]}}, self.projection):
                out[d["id"]] = d
        return out

    @guarded
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
        sets = normalized(self.fields, fields, fill=False)
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


class Users(Repo):
    """Users, with the address's `email_key` (core.identity) in an additive `email_lower`
    field under its own unique partial index. The web app writes users without it: a
    look-up by key also compares the unkeyed users of the same domain in Python, and
    MongoStore's start-up backfills the field (see `backfill_email_keys`)."""

    name, fields, label = "users", USER_FIELDS, "User"
    projection = USER_PROJECTION

    def _conflict(self, e: DuplicateKeyError, doc: Doc) -> Conflict:
        if "email" in f"{e.details} {e}":
            same = self._c.find_one({"email": doc.get("email")}, {"_id": 1}) is not None
            return Conflict(EMAIL_TAKEN if same else EMAIL_TAKEN_OTHER_SPELLING)
        return self._dup(doc)

    @guarded
    def insert(self, doc: Doc) -> None:
        out = normalized(self.fields, doc, fill=True)
        out["email_lower"] = email_key(str(out["email"]))
        self._insert(out)

    @guarded
    def get_by_email(self, email: str) -> Doc | None:
        return self._c.find_one({"email": email}, self.projection)

    @guarded
    def find_by_email_key(self, key: str, limit: int = 2) -> list[Doc]:
        found = list(self._c.find({"email_lower": key}, self.projection).limit(limit))
        # Unkeyed users (an index scan on users_unkeyed): only those of the key's domain (an
        # anchored, escaped, case-blind regex; stored domains are lowercase) are compared in
        # Python.
        domain = {"$regex": f"@{literal_regex(email_domain(key))['$regex']}$", "$options": "i"}
        unkeyed = self._c.find({"email_lower": None, "email": domain}, USER_PROJECTION)
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

    @guarded
    def delete(self, user_id: str) -> bool:
        return self._c.delete_one({"id": user_id}).deleted_count > 0


class Events(Repo):
    name, fields, label = "events", EVENT_FIELDS, "Event"

    @guarded
    def list_by_user(self, user_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._page({"user_id": user_id}, offset, limit)

    @guarded
    def count_by_user(self, user_id: str) -> int:
        return self._c.count_documents({"user_id": user_id})

    @guarded
    def update(self, event_id: str, fields: Doc) -> Doc | None:
        return self._update({"id": event_id}, fields)

    @guarded
    def add_vendor(self, event_id: str, vendor_id: str) -> bool:
        r = self._c.update_one({"id": event_id}, {"$addToSet": {"selected_vendors": vendor_id}})
        return r.matched_count > 0

    @guarded
    def remove_vendor(self, event_id: str, vendor_id: str) -> bool:
        r = self._c.update_one({"id": event_id}, {"$pull": {"selected_vendors": vendor_id}})
        return r.matched_count > 0

    @guarded
    def delete(self, event_id: str) -> bool:
        return self._c.delete_one({"id": event_id}).deleted_count > 0


class Bookings(Repo):
    name, fields, label = "bookings", BOOKING_FIELDS, "Booking"
    projection = BOOKING_PROJECTION

    @guarded
    def list_by_user(self, user_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._page({"user_id": user_id}, offset, limit)

    @guarded
    def list_by_vendor(self, vendor_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._page({"vendor_id": vendor_id}, offset, limit)

    def _conflict(self, e: DuplicateKeyError, doc: Doc) -> Conflict:
        if "pending_dup" in str(getattr(e, "details", None) or e):
            return Conflict("a pending request to this vendor exists already")
        return self._dup(doc)

    @guarded
    def list_by_event(self, event_id: str) -> list[Doc]:
        cur = self._c.find({"event_id": event_id}, self.projection)
        return list(cur.sort([("created_at", 1), ("id", 1)]))

    @guarded
    def list_for(
        self,
        *,
        user_id: str | None = None,
        vendor_id: str | None = None,
        event_id: str | None = None,
        status: str | None = None,
        from_date: str | None = None,
        limit: int = 10_000,
    ) -> list[Doc]:
        flt: Doc = {
            k: v
            for k, v in (
                ("user_id", user_id),
                ("vendor_id", vendor_id),
                ("event_id", event_id),
                ("status", status),
            )
            if v is not None
        }
        if from_date is not None:
            flt["event_date"] = {"$gte": from_date}
            order = [("event_date", 1), ("created_at", 1), ("id", 1)]
        else:
            order = [("created_at", -1), ("id", 1)]
        return list(self._c.find(flt, self.projection).sort(order).limit(max(0, limit)))

    def mark_pending_duplicates(self) -> int:
        """Set apart (`pending_dup`: their own id) the pending requests that repeat an older
        pending one to the same vendor for the same event, written before the unique index
        existed; the oldest stays under the rule. Returns how many were set apart."""
        first: set[tuple[Any, Any]] = set()
        marked = 0
        cur = self._c.find(
            {"status": "pending", "pending_dup": {"$exists": False}},
            {"_id": 0, "id": 1, "event_id": 1, "vendor_id": 1},
        ).sort([("created_at", 1), ("id", 1)])
        for d in cur:
            key = (d.get("event_id"), d.get("vendor_id"))
            if key in first:
                self._c.update_one({"id": d["id"]}, {"$set": {"pending_dup": d["id"]}})
                marked += 1
            first.add(key)
        return marked

    @guarded
    def vendors_booked_on(self, event_date: str, vendor_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(vendor_ids))
        out: set[str] = set()
        for i in range(0, len(wanted), IN_CHUNK):  # served by the bookings_vendor index
            flt = {
                "vendor_id": {"$in": wanted[i : i + IN_CHUNK]},
                "status": "accepted",
                "event_date": event_date,
            }
            out.update(d["vendor_id"] for d in self._c.find(flt, {"_id": 0, "vendor_id": 1}))
        return out

    @guarded
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
