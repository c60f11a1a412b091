"""The planning workspace on SQLite: `tasks` and `budget_items` tables (additive).

Each row keeps the whole document as JSON in `doc`, beside the columns the per-event queries
and the uniqueness rules need (indexed): a template task once per event (template_key), one
budget line per booking (booking_id). The tables come with the main schema's migration 6
(store/sqlite/schema.py), so a store that opened has them: a refused command changes nothing.
Read-modify-writes run in one write transaction (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any, ClassVar

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.workspace_base import (
    BUDGET_DEFAULTS,
    TASK_DEFAULTS,
    Doc,
    with_defaults,
)


class DocRepo:
    table = ""
    columns: tuple[str, ...] = ()
    defaults: ClassVar[Doc] = {}
    order = "created_at, id"

    def __init__(self, store: Any) -> None:
        self._s = store

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._s.conn

    def _row(self, doc: Doc) -> list[Any]:
        return [doc.get(c) for c in self.columns] + [json.dumps(doc, ensure_ascii=False)]

    def _load(self, text: str) -> Doc:
        return with_defaults(json.loads(text), self.defaults)

    def _conflict(self, e: sqlite3.IntegrityError, doc: Doc) -> Conflict:
        return Conflict(f"{self.table} row {doc.get('id')} already exists")

    def insert(self, doc: Doc) -> None:
        self.insert_many([doc])

    def insert_many(self, docs: Iterable[Doc]) -> int:
        """All or nothing."""
        rows = [self._row(with_defaults(d, self.defaults)) for d in docs]
        if not rows:
            return 0
        cols = ", ".join((*self.columns, "doc"))
        marks = ", ".join("?" * (len(self.columns) + 1))
        conn = self._conn
        try:
            with self._s.write():
                conn.executemany(f"INSERT INTO {self.table} ({cols}) VALUES ({marks})", rows)
        except sqlite3.IntegrityError as e:
            raise self._conflict(e, json.loads(rows[0][-1])) from None
        return len(rows)

    def get(self, doc_id: str) -> Doc | None:
        row = self._conn.execute(f"SELECT doc FROM {self.table} WHERE id = ?", (doc_id,)).fetchone()
        return self._load(row[0]) if row else None

    def list_by_event(self, event_id: str) -> list[Doc]:
        rows = self._conn.execute(
            f"SELECT doc FROM {self.table} WHERE event_id = ? ORDER BY {self.order}", (event_id,)
        ).fetchall()
        return [self._load(r[0]) for r in rows]

    def update(self, doc_id: str, fields: Doc, *, expect: Doc | None = None) -> Doc | None:
        """Merge fields into the document; with expect, only when those fields still hold
        those values (compare-and-set). None when missing or changed in between."""
        conn = self._conn
        try:
            with self._s.write():
                current = self.get(doc_id)
                if current is None or any(current.get(k) != v for k, v in (expect or {}).items()):
                    return None
                doc = {**current, **{k: v for k, v in fields.items() if k != "id"}}
                sets = ", ".join(f"{c} = ?" for c in (*self.columns, "doc"))
                conn.execute(
                    f"UPDATE {self.table} SET {sets} WHERE id = ?", [*self._row(doc), doc_id]
                )
                return doc
        except sqlite3.IntegrityError as e:
            raise self._conflict(e, {"id": doc_id, **fields}) from None

    def delete(self, doc_id: str) -> bool:
        conn = self._conn
        with self._s.write():
            return conn.execute(f"DELETE FROM {self.table} WHERE id = ?", (doc_id,)).rowcount > 0

    def count_by_event(self, event_id: str) -> int:
        sql = f"SELECT count(*) FROM {self.table} WHERE event_id = ?"
        return self._conn.execute(sql, (event_id,)).fetchone()[0]


class SqliteTasks(DocRepo):
    table = "tasks"
    columns = ("id", "event_id", "user_id", "due_date", "status", "template_key", "created_at")
    defaults = TASK_DEFAULTS
    order = "due_date, created_at, id"

    def _conflict(self, e: sqlite3.IntegrityError, doc: Doc) -> Conflict:
        if "template_key" in str(e):
            return Conflict("that template task is on the event already")
        return super()._conflict(e, doc)


class SqliteBudgetItems(DocRepo):
    table = "budget_items"
    columns = ("id", "event_id", "user_id", "booking_id", "created_at")
    defaults = BUDGET_DEFAULTS

    def _conflict(self, e: sqlite3.IntegrityError, doc: Doc) -> Conflict:
        if "booking_id" in str(e):
            return Conflict("that booking has a budget line already")
        return super()._conflict(e, doc)

    def add_payment(self, item_id: str, payment: Doc) -> Doc | None:
        """Append a payment in one write transaction. None when the item is gone."""
        conn = self._conn
        with self._s.write():
            current = self.get(item_id)
            if current is None:
                return None
            doc = {
                **current,
                "payments": [*current.get("payments", []), payment],
                "updated_at": payment.get("at") or current.get("updated_at"),
            }
            sets = ", ".join(f"{c} = ?" for c in (*self.columns, "doc"))
            conn.execute(f"UPDATE {self.table} SET {sets} WHERE id = ?", [*self._row(doc), item_id])
            return doc
