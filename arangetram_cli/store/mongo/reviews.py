"""The reviews repository and the vendor figures that follow them (see Reviews)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import (
    DuplicateKeyError,
)

from arangetram_cli.core.lifecycle import combine_rating, seed_figures
from arangetram_cli.store.base import (
    REVIEW_FIELDS,
    Doc,
)
from arangetram_cli.store.mongo.codec import IN_CHUNK, VENDOR_PROJECTION, normalized
from arangetram_cli.store.mongo.guard import guarded
from arangetram_cli.store.mongo.repos import Repo

_RECOMPUTE_ROUNDS = 50


class Reviews(Repo):
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

    @guarded
    def upsert(self, review: Doc) -> Doc | None:
        if self._s.transactions_supported():
            with self._s.client.start_session() as session:
                return session.with_transaction(lambda s: self._upsert(review, s))
        return self._upsert(review, None)

    def _upsert(self, review: Doc, session: Any) -> Doc | None:
        vendor_id, user_id = review["vendor_id"], review["user_id"]
        if self._vendors().find_one({"id": vendor_id}, {"_id": 1}, session=session) is None:
            return None
        doc = normalized(self.fields, review, fill=True)
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
        out = normalized(self.fields, doc, fill=False)
        out["reply"] = out.pop("reply", None)
        return out

    def _recompute(self, vendor_id: str, session: Any) -> Doc | None:
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
        return vendors.find_one({"id": vendor_id}, dict(VENDOR_PROJECTION), session=session)

    @guarded
    def recompute(self, vendor_id: str) -> Doc | None:
        return self._recompute(vendor_id, None)

    @guarded
    def get(self, doc_id: str) -> Doc | None:
        return self._ordered(self._c.find_one({"id": doc_id}, dict(self.projection)))

    @guarded
    def get_by_user(self, vendor_id: str, user_id: str) -> Doc | None:
        found = self._c.find_one(
            {"vendor_id": vendor_id, "user_id": user_id}, dict(self.projection)
        )
        return self._ordered(found)

    @guarded
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

    @guarded
    def count_by_vendor(self, vendor_id: str) -> int:
        return self._c.count_documents({"vendor_id": vendor_id})

    @guarded
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

    @guarded
    def vendors_with_reviews(self, vendor_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(vendor_ids))
        out: set[str] = set()
        for i in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[i : i + IN_CHUNK]
            out.update(self._c.distinct("vendor_id", {"vendor_id": {"$in": chunk}}))
        return out
