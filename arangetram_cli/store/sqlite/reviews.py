"""The reviews repository; `reply` has its own JSON column."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from arangetram_cli.core.lifecycle import combine_rating, seed_figures
from arangetram_cli.store.base import (
    REVIEW_FIELDS,
    Doc,
)
from arangetram_cli.store.sqlite.codec import encode
from arangetram_cli.store.sqlite.repos import Repo

if TYPE_CHECKING:
    from arangetram_cli.store.sqlite.store import SqliteStore


class Reviews(Repo):
    """Reviews; `reply` has its own JSON column (NULL: not answered)."""

    table, cols = "reviews", REVIEW_FIELDS

    def __init__(self, store: SqliteStore) -> None:
        super().__init__(store)
        names = ", ".join(self.cols)
        self._select = f"SELECT {names}, extra, reply FROM reviews"
        plain = self._decode

        def decode(row: tuple) -> Doc:
            doc = plain(row[:-1])
            doc["reply"] = json.loads(row[-1]) if row[-1] else None
            return doc

        self._decode = decode

    def upsert(self, review: Doc) -> Doc | None:
        vendor_id, user_id = review["vendor_id"], review["user_id"]
        vals = encode(self.cols, {k: v for k, v in review.items() if k != "reply"})
        sets = ", ".join(f"{c} = excluded.{c}" for c in ("rating", "text", "user_name"))
        with self._s.write():  # the review and the vendor's figures: one transaction
            if self._s.conn.execute("SELECT 1 FROM vendors WHERE id = ?", (vendor_id,)).fetchone():
                self._s.conn.execute(
                    f"{self._insert_sql} ON CONFLICT(vendor_id, user_id) DO UPDATE SET "
                    f"{sets}, updated_at = excluded.updated_at",
                    vals,
                )
                self._recompute(vendor_id)
                return self.get_by_user(vendor_id, user_id)
        return None

    def _recompute(self, vendor_id: str) -> Doc | None:
        with self._s.write():
            vendor = self._s.vendors.get(vendor_id)
            if vendor is None:
                return None
            total, n = self._s.conn.execute(
                "SELECT coalesce(sum(rating), 0), count(*) FROM reviews WHERE vendor_id = ?",
                (vendor_id,),
            ).fetchone()
            seed_rating, seed_count = seed_figures(vendor)
            rating, count = combine_rating(seed_rating, seed_count, total, n)
            self._s.conn.execute(
                "UPDATE vendors SET rating = ?, review_count = ?, extra = json_set("
                "coalesce(extra, '{}'), '$.seed_rating', ?, '$.seed_review_count', ?) "
                "WHERE id = ?",
                (rating, count, float(seed_rating), int(seed_count), vendor_id),
            )
            return self._s.vendors.get(vendor_id)

    def recompute(self, vendor_id: str) -> Doc | None:
        return self._recompute(vendor_id)

    def get_by_user(self, vendor_id: str, user_id: str) -> Doc | None:
        return self._one("vendor_id = ? AND user_id = ?", vendor_id, user_id)

    def list_by_vendor(self, vendor_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._all(
            "WHERE vendor_id = ? ORDER BY updated_at DESC, id LIMIT ? OFFSET ?",
            vendor_id,
            limit,
            offset,
        )

    def count_by_vendor(self, vendor_id: str) -> int:
        sql = "SELECT count(*) FROM reviews WHERE vendor_id = ?"
        return self._s.conn.execute(sql, (vendor_id,)).fetchone()[0]

    def set_reply(self, review_id: str, reply: Doc) -> Doc | None:
        with self._s.write():
            cur = self._s.conn.execute(
                "UPDATE reviews SET reply = ? WHERE id = ? AND reply IS NULL",
                (json.dumps(reply, ensure_ascii=False), review_id),
            )
            return self.get(review_id) if cur.rowcount else None

    def vendors_with_reviews(self, vendor_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(vendor_ids))
        out: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self._s.conn.execute(
                f"SELECT DISTINCT vendor_id FROM reviews WHERE vendor_id IN "
                f"({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            out.update(r[0] for r in rows)
        return out
