"""The vendors repository: listing and search (an aggregation sorted like SQLite's NOCASE),
bulk import, portfolio images, one profile per owner."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from pymongo import InsertOne, ReplaceOne, ReturnDocument
from pymongo.errors import (
    BulkWriteError,
    DuplicateKeyError,
)

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.base import (
    VENDOR_FIELDS,
    Doc,
    VendorQuery,
    prices_up_to,
    search_then_count,
)
from arangetram_cli.store.mongo.codec import (
    ID_EXCLUDED,
    IN_CHUNK,
    SORT_KEY,
    VENDOR_PROJECTION,
    literal_regex,
    normalized,
    owner_key_of,
)
from arangetram_cli.store.mongo.guard import guarded, is_unavailable
from arangetram_cli.store.mongo.repos import Repo

_OWNER_CONFLICT = "Vendor profile already exists for one owner"
_ID_CONFLICT = "a vendor id in the file already exists (use --upsert to update)"


class Vendors(Repo):
    name, fields, label = "vendors", VENDOR_FIELDS, "Vendor"
    projection = VENDOR_PROJECTION

    def _prepare(self, doc: Doc) -> Doc:
        out = normalized(self.fields, doc, fill=True)
        out.pop("owner_key", None)
        key = owner_key_of(out.get("user_id"))
        if key is not None:
            out["owner_key"] = key
        return out

    def _conflict(self, e: DuplicateKeyError, doc: Doc) -> Conflict:
        if "owner_key" in f"{e.details} {e}":
            return Conflict("Vendor profile already exists")
        return self._dup(doc)

    @guarded
    def insert(self, doc: Doc) -> None:
        out = self._prepare(doc)
        key = out.get("owner_key")
        # Profiles written by the web back end carry no owner_key: look at user_id too.
        if key is not None and self._c.find_one({"user_id": key}, {"_id": 1}) is not None:
            raise Conflict("Vendor profile already exists")
        self._insert(out)

    @guarded
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
        for i in range(0, len(ids), IN_CHUNK):
            chunk = list(dict.fromkeys(ids[i : i + IN_CHUNK]))
            proj = ID_EXCLUDED if upsert else {"_id": 0, "id": 1}
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
        for i in range(0, len(keys), IN_CHUNK):
            found = self._c.find(
                {"user_id": {"$in": keys[i : i + IN_CHUNK]}},
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

    @guarded
    def get_by_user(self, user_id: str) -> Doc | None:
        return self._c.find_one(
            {"user_id": user_id}, self.projection, sort=[("created_at", 1), ("id", 1)]
        )

    @guarded
    def find_by_name(self, name: str) -> list[Doc]:
        wanted = name.strip()
        rx = literal_regex(wanted)
        rx["$regex"] = f"^{rx['$regex']}$"
        found = self._c.find({"business_name": rx}, self.projection).sort("id", 1)
        # `$` also matches before a final newline: keep exact (case-folded) matches only.
        return [d for d in found if str(d.get("business_name", "")).lower() == wanted.lower()]

    def _changes(self, fields: Doc) -> tuple[Doc, Doc]:
        sets, unsets = super()._changes(fields)
        sets.pop("owner_key", None)
        if "user_id" in sets:
            key = owner_key_of(sets["user_id"])
            if key is None:
                unsets["owner_key"] = ""
            else:
                sets["owner_key"] = key
        return sets, unsets

    @guarded
    def update(self, vendor_id: str, fields: Doc) -> Doc | None:
        return self._update({"id": vendor_id}, fields)

    @guarded
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

    @guarded
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
            rx = literal_regex(q.search)
            clauses.append({"$or": [{"business_name": rx}, {"description": rx}]})
        if q.location:
            clauses.append({"location": literal_regex(q.location)})
        if not clauses:
            return {}
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def _pipeline(self, q: VendorQuery) -> list[Doc]:
        return [
            {"$match": self._filter(q)},
            {"$addFields": {SORT_KEY: {"$toLower": "$business_name"}}},
            {"$sort": {"rating": -1, SORT_KEY: 1, "id": 1}},
        ]

    _PROJECT: ClassVar[Doc] = {
        "$project": {"_id": 0, "owner_key": 0, "reviews_version": 0, SORT_KEY: 0}
    }

    @guarded
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
            if is_unavailable(e):
                raise self._s._unavailable(e) from None
            raise

    def search_page(
        self, q: VendorQuery, *, offset: int = 0, limit: int = 100
    ) -> tuple[list[Doc], int]:
        return search_then_count(self, q, offset, limit)

    @guarded
    def count(self, q: VendorQuery) -> int:
        return self._c.count_documents(self._filter(q))

    @guarded
    def count_all(self) -> int:
        return self._c.count_documents({})
