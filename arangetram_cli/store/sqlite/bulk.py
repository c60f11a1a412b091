"""Bulk vendor writes (`Vendors.insert_many`): budgets for one import, all constant, so memory
does not grow with the file; the FTS5 and listing indexes rebuilt once at the end."""

from __future__ import annotations

import sqlite3

_IMPORT_FTS_HASHSIZE = 4 << 20  # FTS5 pending index data before a segment is written
# FTS5 settings while a bulk import indexes its rows, and FTS5's defaults (put back after).
# automerge 0: no incremental merging after each segment written; crisismerge still merges
# a level once it holds 16 segments, so the index stays a few segments deep (search at 100k
# vendors measured no slower) and ordinary writes merge as before afterwards.
_IMPORT_FTS = {"hashsize": _IMPORT_FTS_HASHSIZE, "automerge": 0}
_FTS5_DEFAULTS = {"hashsize": 1 << 20, "automerge": 4}
_BULK_INDEX_ROWS = 20_000  # rows imported before the listing indexes may be built afresh
_LISTING_INDEXES = ("vendors_order", "vendors_category", "vendors_name", "vendors_price")
_FTS_INSERT_TRIGGER = "vendors_ai"
_FTS_BULK_INSERT = (
    "INSERT INTO vendors_fts(rowid, business_name, description, location) "
    "SELECT rid, business_name, description, location FROM vendors WHERE rid > ?"
)


class BulkVendorWrite:
    """The schema side of publishing one bulk vendor write; every step runs inside the
    caller's write transaction, so a rollback (an error, a crash) undoes it with the rows.

    At the start the FTS insert trigger is dropped (rows then go in without a per-row FTS
    update) and, when `coming` rows are many (at least _BULK_INDEX_ROWS and no fewer than
    the `there` already present), the plain listing indexes too; `finish` builds the
    indexes again, indexes the new rows for FTS in one statement and creates the trigger
    again, each from the SQL the schema held.
    """

    def __init__(self, conn: sqlite3.Connection, coming: int, there: int) -> None:
        self._conn = conn
        self._indexes: list[str] = []
        self._max_rid = conn.execute("SELECT coalesce(max(rid), 0) FROM vendors").fetchone()[0]
        row = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            (_FTS_INSERT_TRIGGER,),
        ).fetchone()
        # New rows get rowids past the largest one, so "rid > max" finds exactly them
        # (SQLite picks other rowids only once the largest possible one is taken).
        self._trigger = row[0] if row and self._max_rid < 1 << 62 else None
        if self._trigger:
            conn.execute(f"DROP TRIGGER {_FTS_INSERT_TRIGGER}")
        if coming >= _BULK_INDEX_ROWS and coming >= there:
            self._drop_listing_indexes()

    def _drop_listing_indexes(self) -> None:
        conn = self._conn
        marks = ", ".join("?" * len(_LISTING_INDEXES))
        found = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'vendors' "
            f"AND name IN ({marks}) AND sql IS NOT NULL ORDER BY name",
            _LISTING_INDEXES,
        ).fetchall()
        for name, sql in found:
            if sql.lstrip().upper().startswith("CREATE UNIQUE"):
                continue  # constraints stay in force while rows go in
            conn.execute(f"DROP INDEX {name}")
            self._indexes.append(sql)

    def finish(self) -> None:
        conn = self._conn
        for sql in self._indexes:
            conn.execute(sql)
        self._indexes.clear()
        if self._trigger:
            # Settings kept in the FTS table (a larger budget for pending data, no merging
            # after each segment): the old values go back afterwards.
            changed: dict[str, int | None] = {}
            for key, value in _IMPORT_FTS.items():
                before = self._fts_config(key)
                try:
                    self._set_fts_config(key, value)
                except sqlite3.Error:
                    continue  # an FTS5 without the setting: its default
                changed[key] = before
            conn.execute(_FTS_BULK_INSERT, (self._max_rid,))
            for key, before in changed.items():
                self._set_fts_config(key, _FTS5_DEFAULTS[key] if before is None else before)
            conn.execute(self._trigger)
            self._trigger = None

    def _fts_config(self, key: str) -> int | None:
        row = self._conn.execute("SELECT v FROM vendors_fts_config WHERE k = ?", (key,)).fetchone()
        return int(row[0]) if row else None

    def _set_fts_config(self, key: str, value: int) -> None:
        self._conn.execute(
            "INSERT INTO vendors_fts(vendors_fts, rank) VALUES (?, ?)", (key, int(value))
        )
