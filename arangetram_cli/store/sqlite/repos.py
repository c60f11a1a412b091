"""The repositories of users, events and bookings (vendors and reviews have their own modules)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from arangetram_cli.core.errors import Conflict
from arangetram_cli.core.identity import email_key
from arangetram_cli.store.base import (
    BOOKING_FIELDS,
    EMAIL_TAKEN,
    EMAIL_TAKEN_OTHER_SPELLING,
    EVENT_FIELDS,
    USER_FIELDS,
    Doc,
    Visible,
)
from arangetram_cli.store.sqlite.codec import decoder_for, encode

if TYPE_CHECKING:
    from arangetram_cli.store.sqlite.store import SqliteStore


def _prefix_bounds(prefix: str) -> tuple[str, str]:
    return prefix, prefix + "\U0010ffff"


class Repo:
    table = ""
    cols: ClassVar[dict[str, str]] = {}

    def __init__(self, store: SqliteStore) -> None:
        self._s = store
        self._decode = decoder_for(self.cols)
        self._select = f"SELECT {', '.join(self.cols)}, extra FROM {self.table}"
        ph = ", ".join("?" * (len(self.cols) + 1))
        self._insert_sql = f"INSERT INTO {self.table} ({', '.join(self.cols)}, extra) VALUES ({ph})"

    def _one(self, where: str, *args: Any) -> Doc | None:
        row = self._s.conn.execute(f"{self._select} WHERE {where}", args).fetchone()
        return self._decode(row) if row else None

    def _all(self, sql_tail: str, *args: Any) -> list[Doc]:
        rows = self._s.conn.execute(f"{self._select} {sql_tail}", args).fetchall()
        return [self._decode(r) for r in rows]

    def get(self, doc_id: str) -> Doc | None:
        return self._one("id = ?", doc_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, Doc]:
        # One statement however many ids: they travel as one JSON array (no limit on bound
        # parameters), so a listing that joins N rows costs a constant number of queries.
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        # A join driven by the list (each id looked up once) is twice as fast as `IN`.
        rows = self._all(
            "JOIN (SELECT value AS wanted_id FROM json_each(?)) ON id = wanted_id",
            json.dumps(wanted),
        )
        return {d["id"]: d for d in rows}

    def ids_with_prefix(
        self, prefix: str, limit: int = 2, *, visible_to: Visible | None = None
    ) -> list[str]:
        lo, hi = _prefix_bounds(prefix)
        where, args = "", []
        if visible_to is not None:
            unknown = set(visible_to) - set(self.cols)
            if unknown or not visible_to:
                raise ValueError(f"cannot filter {self.table} on {sorted(unknown) or 'nothing'}")
            where = " AND (" + " OR ".join(f"{f} = ?" for f in visible_to) + ")"
            args = list(visible_to.values())
        rows = self._s.conn.execute(
            f"SELECT id FROM {self.table} WHERE id >= ? AND id < ?{where} ORDER BY id LIMIT ?",
            (lo, hi, *args, limit),
        ).fetchall()
        return [r[0] for r in rows]

    def _update(self, doc_id: str, fields: Doc, extra_where: str = "", *args: Any) -> Doc | None:
        """Set fields on one row in a single transaction; additive fields merge into extra."""
        with self._s.write():
            current = self._one(f"id = ?{extra_where}", doc_id, *args)
            if current is None:
                return None
            current.update(fields)
            vals = encode(self.cols, current)
            sets = ", ".join(f"{c} = ?" for c in self.cols if c != "id")
            self._s.conn.execute(
                f"UPDATE {self.table} SET {sets}, extra = ? WHERE id = ?",
                [*vals[1:], doc_id],
            )
            return current


class Users(Repo):
    """Users, with the address's `email_key` in the `email_lower` column (unique; never
    part of a returned document)."""

    table, cols = "users", USER_FIELDS

    def __init__(self, store: SqliteStore) -> None:
        super().__init__(store)
        ph = ", ".join("?" * (len(self.cols) + 2))
        self._insert_sql = (
            f"INSERT INTO users ({', '.join(self.cols)}, extra, email_lower) VALUES ({ph})"
        )

    def insert(self, doc: Doc) -> None:
        row = encode(self.cols, doc)
        try:
            with self._s.write():
                self._s.conn.execute(self._insert_sql, [*row, email_key(str(doc["email"]))])
        except sqlite3.IntegrityError as e:
            if "email" in str(e):
                same = self.get_by_email(str(doc["email"])) is not None
                raise Conflict(EMAIL_TAKEN if same else EMAIL_TAKEN_OTHER_SPELLING) from None
            raise Conflict(f"User {doc.get('id')} already exists") from None

    def get_by_email(self, email: str) -> Doc | None:
        return self._one("email = ?", email)

    def find_by_email_key(self, key: str, limit: int = 2) -> list[Doc]:
        found = self._all("WHERE email_lower = ? LIMIT ?", key, limit)
        # Rows without a key (see _EMAIL_KEY): few, found through the same index.
        found += [d for d in self._all("WHERE email_lower IS NULL") if email_key(d["email"]) == key]
        return found[:limit]

    def delete(self, user_id: str) -> bool:
        with self._s.write():
            return self._s.conn.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount > 0


class Events(Repo):
    table, cols = "events", EVENT_FIELDS

    def insert(self, doc: Doc) -> None:
        try:
            with self._s.write():
                self._s.conn.execute(self._insert_sql, encode(self.cols, doc))
        except sqlite3.IntegrityError:
            raise Conflict(f"Event {doc.get('id')} already exists") from None

    def list_by_user(self, user_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._all(
            "WHERE user_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            user_id,
            limit,
            offset,
        )

    def count_by_user(self, user_id: str) -> int:
        sql = "SELECT count(*) FROM events WHERE user_id = ?"
        return self._s.conn.execute(sql, (user_id,)).fetchone()[0]

    def update(self, event_id: str, fields: Doc) -> Doc | None:
        return self._update(event_id, fields)

    def add_vendor(self, event_id: str, vendor_id: str) -> bool:
        # One statement: append only when absent. SQLite runs it atomically.
        with self._s.write():
            conn = self._s.conn
            if conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is None:
                return False
            conn.execute(
                "UPDATE events SET selected_vendors = json_insert(selected_vendors, '$[#]', ?) "
                "WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM json_each(events.selected_vendors) WHERE value = ?)",
                (vendor_id, event_id, vendor_id),
            )
            return True

    def remove_vendor(self, event_id: str, vendor_id: str) -> bool:
        with self._s.write():
            cur = self._s.conn.execute(
                "UPDATE events SET selected_vendors = (SELECT coalesce(json_group_array(value), "
                "'[]') FROM json_each(events.selected_vendors) WHERE value <> ?) WHERE id = ?",
                (vendor_id, event_id),
            )
            return cur.rowcount > 0

    def delete(self, event_id: str) -> bool:
        with self._s.write():
            return self._s.conn.execute("DELETE FROM events WHERE id = ?", (event_id,)).rowcount > 0


class Bookings(Repo):
    table, cols = "bookings", BOOKING_FIELDS

    def insert(self, doc: Doc) -> None:
        try:
            with self._s.write():
                self._s.conn.execute(self._insert_sql, encode(self.cols, doc))
        except sqlite3.IntegrityError as e:
            if "bookings_one_pending" in str(e) or "pending_dup" in str(e):
                raise Conflict("a pending request to this vendor exists already") from None
            raise Conflict(f"Booking {doc.get('id')} already exists") from None

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
        where, args = [], []
        for col, value in (
            ("user_id", user_id),
            ("vendor_id", vendor_id),
            ("event_id", event_id),
            ("status", status),
        ):
            if value is not None:
                where.append(f"{col} = ?")
                args.append(value)
        if from_date is not None:
            where.append("event_date >= ?")
            args.append(from_date)
        order = "event_date, created_at, id" if from_date is not None else "created_at DESC, id"
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        return self._all(f"{clause}ORDER BY {order} LIMIT ?", *args, limit)

    def list_by_user(self, user_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._all(
            "WHERE user_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            user_id,
            limit,
            offset,
        )

    def list_by_vendor(self, vendor_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        return self._all(
            "WHERE vendor_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            vendor_id,
            limit,
            offset,
        )

    def list_by_event(self, event_id: str) -> list[Doc]:
        return self._all("WHERE event_id = ? ORDER BY created_at, id", event_id)

    def vendors_booked_on(self, event_date: str, vendor_ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(vendor_ids))
        out: set[str] = set()
        for i in range(0, len(wanted), 500):  # the bookings_vendor index serves the IN list
            chunk = wanted[i : i + 500]
            rows = self._s.conn.execute(
                f"SELECT DISTINCT vendor_id FROM bookings WHERE vendor_id IN "
                f"({', '.join('?' * len(chunk))}) AND status = 'accepted' AND event_date = ?",
                [*chunk, event_date],
            ).fetchall()
            out.update(r[0] for r in rows)
        return out

    def update(
        self,
        booking_id: str,
        fields: Doc,
        *,
        expect_status: str | None = None,
        push_history: Doc | None = None,
    ) -> Doc | None:
        where, args = ("", ()) if expect_status is None else (" AND status = ?", (expect_status,))
        if push_history is None:
            return self._update(booking_id, fields, where, *args)
        with self._s.write():  # read the history and write it back in one transaction
            current = self._one(f"id = ?{where}", booking_id, *args)
            if current is None:
                return None
            history = [*(current.get("history") or []), push_history]
            return self._update(booking_id, {**fields, "history": history})
