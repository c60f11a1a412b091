"""The embedded store: stdlib sqlite3 in WAL mode.

Each collection is a table with a column per contract field (lists as JSON text) plus an
`extra` JSON column for additive fields, so documents round-trip whole. Uniqueness lives in
unique indexes; vendor text search uses an FTS5 trigram index (case-insensitive substrings,
quoted as a phrase so user input is never syntax); list updates are single statements.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from arangetram_cli.core.errors import Conflict, Invalid, Unavailable
from arangetram_cli.core.identity import email_key
from arangetram_cli.store import sqlite_together, sqlite_workspace
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
from arangetram_cli.store.sqlite_together import TOGETHER_SCHEMA
from arangetram_cli.store.sqlite_workspace import WORKSPACE_SCHEMA

SCHEMA_VERSION = 7  # PRAGMA user_version; _MIGRATIONS brings older files up to it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, password TEXT NOT NULL,
  user_type TEXT NOT NULL, created_at TEXT NOT NULL, extra TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users(email);
CREATE TABLE IF NOT EXISTS vendors (
  rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL,
  business_name TEXT NOT NULL, category TEXT NOT NULL, description TEXT NOT NULL,
  location TEXT NOT NULL, price_range TEXT NOT NULL, price_estimate TEXT NOT NULL,
  services TEXT NOT NULL, portfolio_images TEXT NOT NULL, contact_phone TEXT NOT NULL,
  contact_email TEXT NOT NULL, rating REAL NOT NULL, review_count INTEGER NOT NULL,
  is_active INTEGER NOT NULL, created_at TEXT NOT NULL, extra TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS vendors_owner ON vendors(user_id) WHERE user_id <> 'system';
CREATE INDEX IF NOT EXISTS vendors_order
  ON vendors(is_active, rating DESC, business_name COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS vendors_category
  ON vendors(category, is_active, rating DESC, business_name COLLATE NOCASE, id);
CREATE INDEX IF NOT EXISTS vendors_name ON vendors(business_name COLLATE NOCASE);
CREATE VIRTUAL TABLE IF NOT EXISTS vendors_fts USING fts5(
  business_name, description, location, content='vendors', content_rowid='rid',
  tokenize='trigram'
);
CREATE TRIGGER IF NOT EXISTS vendors_ai AFTER INSERT ON vendors BEGIN
  INSERT INTO vendors_fts(rowid, business_name, description, location)
  VALUES (new.rid, new.business_name, new.description, new.location);
END;
CREATE TRIGGER IF NOT EXISTS vendors_ad AFTER DELETE ON vendors BEGIN
  INSERT INTO vendors_fts(vendors_fts, rowid, business_name, description, location)
  VALUES ('delete', old.rid, old.business_name, old.description, old.location);
END;
CREATE TRIGGER IF NOT EXISTS vendors_au
AFTER UPDATE OF business_name, description, location ON vendors BEGIN
  INSERT INTO vendors_fts(vendors_fts, rowid, business_name, description, location)
  VALUES ('delete', old.rid, old.business_name, old.description, old.location);
  INSERT INTO vendors_fts(rowid, business_name, description, location)
  VALUES (new.rid, new.business_name, new.description, new.location);
END;
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL, event_name TEXT NOT NULL,
  event_date TEXT NOT NULL, event_time TEXT NOT NULL, guest_count INTEGER NOT NULL,
  budget TEXT NOT NULL, location_preference TEXT NOT NULL, special_requirements TEXT NOT NULL,
  selected_vendors TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, extra TEXT
);
CREATE INDEX IF NOT EXISTS events_user ON events(user_id, created_at DESC);
CREATE TABLE IF NOT EXISTS bookings (
  id TEXT PRIMARY KEY, event_id TEXT NOT NULL, vendor_id TEXT NOT NULL, user_id TEXT NOT NULL,
  message TEXT NOT NULL, event_date TEXT NOT NULL, status TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, extra TEXT
);
CREATE INDEX IF NOT EXISTS bookings_user ON bookings(user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS bookings_vendor ON bookings(vendor_id, created_at DESC);
CREATE INDEX IF NOT EXISTS bookings_event ON bookings(event_id);
"""

# Version 2: reviews of vendors (one per user and vendor, enforced by the unique index).
# `reply` is a JSON object or NULL, so answering once is a single compare-and-set UPDATE.
_REVIEWS_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
  id TEXT PRIMARY KEY, vendor_id TEXT NOT NULL, user_id TEXT NOT NULL,
  user_name TEXT NOT NULL, rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  text TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, reply TEXT,
  extra TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS reviews_vendor_user ON reviews(vendor_id, user_id);
CREATE INDEX IF NOT EXISTS reviews_vendor_recent ON reviews(vendor_id, updated_at DESC, id);
"""

# Version 3: listings filtered by price range walk their own index in listing order (as
# category does), and count by a range of it; without it a price filter (and its count)
# visited every active vendor's row: 0.4 s at 100k vendors.
_PRICE_INDEX = """
CREATE INDEX IF NOT EXISTS vendors_price
  ON vendors(price_range, is_active, rating DESC, business_name COLLATE NOCASE, id);
"""

# Version 4: one account per address whatever its letter case, width or accents. Each user
# row keeps its address's `email_key` (core.identity; computed in Python, registered for the
# migration as the SQL function below) in `email_lower`, under a unique index. Rows from
# earlier versions (which lowercased the whole address) get their key here; of rows whose
# keys collide (look-alikes registered before this check existed) the earliest keeps it and
# the others keep none: they still log in by their exact address, and a look-up by key also
# finds them (unkeyed rows are an index search on NULL), so it sees them as several.
_EMAIL_KEY_FUNCTION = "arangetram_email_key"
_EMAIL_KEY = f"""
ALTER TABLE users ADD COLUMN email_lower TEXT;
UPDATE users SET email_lower = {_EMAIL_KEY_FUNCTION}(email);
UPDATE users SET email_lower = NULL WHERE id IN (
  SELECT id FROM (
    SELECT id, row_number() OVER (PARTITION BY email_lower ORDER BY created_at, id) AS n
    FROM users
  ) WHERE n > 1
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower ON users(email_lower);
"""

# Version 5: the vendor text index keeps no per-row column sizes (columnsize=0). Nothing
# reads them (listings order by rating, never by bm25 rank), and a bulk import then writes
# one row fewer per vendor inside its write transaction: 2.67 -> 2.51 s of CPU holding the
# lock for 100k vendors (medians of 3, interleaved). Matches are the same: the index holds
# the same trigrams and positions. Rebuilt from the vendors table in the migration.
_FTS_WITHOUT_SIZES = """
DROP TABLE IF EXISTS vendors_fts;
CREATE VIRTUAL TABLE vendors_fts USING fts5(
  business_name, description, location, content='vendors', content_rowid='rid',
  tokenize='trigram', columnsize=0
);
INSERT INTO vendors_fts(vendors_fts) VALUES ('rebuild');
"""

# Each step takes a database of version N-1 to N. Statements are idempotent (IF NOT EXISTS)
# where SQL allows; a step that is not (ALTER TABLE) fails in a second process that opened
# the old file at the same time, which then finds the file migrated (see _migrate).
_MIGRATIONS = {
    1: _SCHEMA,
    2: _REVIEWS_SCHEMA,
    3: _PRICE_INDEX,
    4: _EMAIL_KEY,
    5: _FTS_WITHOUT_SIZES,
    6: WORKSPACE_SCHEMA,  # tasks and budget_items (store/sqlite_workspace.py)
    7: TOGETHER_SCHEMA,  # event_members, guests, rsvp_tokens (store/sqlite_together.py)
}

_DEFAULTS = {"s": "", "i": 0, "f": 0.0, "b": 1, "j": "[]"}


def _encode(cols: dict[str, str], doc: Doc) -> list[Any]:
    """Row values in column order, then the extra-fields JSON (or None)."""
    out: list[Any] = []
    for name, kind in cols.items():
        v = doc.get(name)
        if v is None:
            out.append(_DEFAULTS[kind])
        elif kind == "j":
            out.append(json.dumps(list(v), ensure_ascii=False))
        elif kind == "b":
            out.append(1 if v else 0)
        else:
            out.append(v)
    extra = {k: v for k, v in doc.items() if k not in cols and k != "_id"}
    out.append(json.dumps(extra, ensure_ascii=False) if extra else None)
    return out


_json_string = json.encoder.encode_basestring  # a str as JSON, as json.dumps(ensure_ascii=False)


def _vendor_encoder(cols: dict[str, str]):
    """`_encode(cols, doc)` for many documents: the same values, built faster (one pass for
    the plain columns, fix-ups only where a column needs one)."""
    names = tuple(cols)
    width = len(names)
    json_idx = tuple(i for i, k in enumerate(cols.values()) if k == "j")
    bool_idx = tuple(i for i, k in enumerate(cols.values()) if k == "b")
    defaults = tuple(_DEFAULTS[k] for k in cols.values())
    known = frozenset(cols)
    dumps = json.JSONEncoder(ensure_ascii=False).encode  # = json.dumps(v, ensure_ascii=False)
    only_str = frozenset({str}).issuperset

    def encode(doc: Doc) -> list[Any]:
        get = doc.get
        out = [get(n) for n in names]
        for i in json_idx:
            v = out[i]
            if v is None or v == []:
                out[i] = "[]"
            elif type(v) is list and only_str(map(type, v)):
                # what json.dumps writes for a list of strings, without its machinery
                out[i] = f"[{', '.join(map(_json_string, v))}]"
            else:
                out[i] = dumps(list(v))
        for i in bool_idx:
            v = out[i]
            out[i] = 1 if v is None or v else 0
        if None in out:
            out = [defaults[i] if v is None else v for i, v in enumerate(out)]
        if len(doc) == width and known.issuperset(doc):
            out.append(None)
        else:
            extra = {k: v for k, v in doc.items() if k not in known and k != "_id"}
            out.append(dumps(extra) if extra else None)
        return out

    return encode


# Bulk vendor writes (`_Vendors.insert_many`): budgets for one import, all constant, so memory
# does not grow with the file.
# 8 MiB and 4 MB: at 100k vendors, 64 MiB and 32 MB were no faster beyond the noise of a
# shared machine (11-14 s either way) but peaked at 157 MiB RSS instead of 65.
_IMPORT_CACHE_KIB = 8 * 1024  # page cache of the importing connection (PRAGMA cache_size)
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


class _BulkVendorWrite:
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


def _decoder(cols: dict[str, str]):
    names = list(cols)
    json_idx = [i for i, k in enumerate(cols.values()) if k == "j"]
    bool_idx = [i for i, k in enumerate(cols.values()) if k == "b"]

    def decode(row: tuple) -> Doc:
        vals = list(row[: len(names)])
        for i in json_idx:
            vals[i] = json.loads(vals[i])
        for i in bool_idx:
            vals[i] = bool(vals[i])
        doc = dict(zip(names, vals, strict=True))
        extra = row[len(names)]
        if extra:
            doc.update(json.loads(extra))
        return doc

    return decode


# The CTE hint arrived in SQLite 3.35 (trigram FTS needs 3.34); without it SQLite still
# materializes a CTE that is used more than once.
_MATERIALIZED = "MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else ""


def _prefix_bounds(prefix: str) -> tuple[str, str]:
    return prefix, prefix + "\U0010ffff"


def _fts_phrase(text: str) -> str:
    # A double-quoted FTS5 string is literal: only '"' needs escaping (by doubling).
    return '"' + text.replace('"', '""') + '"'


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Repo:
    table = ""
    cols: ClassVar[dict[str, str]] = {}

    def __init__(self, store: SqliteStore) -> None:
        self._s = store
        self._decode = _decoder(self.cols)
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
            vals = _encode(self.cols, current)
            sets = ", ".join(f"{c} = ?" for c in self.cols if c != "id")
            self._s.conn.execute(
                f"UPDATE {self.table} SET {sets}, extra = ? WHERE id = ?",
                [*vals[1:], doc_id],
            )
            return current


class _Users(_Repo):
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
        row = _encode(self.cols, doc)
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


class _Vendors(_Repo):
    table, cols = "vendors", VENDOR_FIELDS

    def insert(self, doc: Doc) -> None:
        try:
            with self._s.write():
                self._s.conn.execute(self._insert_sql, _encode(self.cols, doc))
        except sqlite3.IntegrityError as e:
            if "user_id" in str(e):
                raise Conflict("Vendor profile already exists") from None
            raise Conflict(f"Vendor {doc.get('id')} already exists") from None

    def insert_many(self, docs: Iterable[Doc], *, upsert: bool = False) -> tuple[int, int]:
        """Insert (or with `upsert`, insert or replace by id) many vendors: all of them or, on
        any error, none.

        Built for big imports that must not stall other writers. Two phases:
        1. stage: the documents are encoded into a TEMP table of this connection, a batch at
           a time as `docs` yields them (parsing and validating the file happen here). Temp
           tables live in their own file, which SQLite deletes itself, so this phase takes
           no lock on the database: other processes read and write as usual, a failure or a
           crash leaves nothing behind;
        2. publish: one short write transaction copies the staged rows into `vendors` in
           one INSERT ... SELECT (upsert: the last row of an id wins), with the bulk schema
           steps of `_BulkVendorWrite`: the per-row FTS trigger dropped and the new rows
           indexed by one statement with bulk FTS5 settings; for big imports the listing
           indexes built afresh (one sort instead of a B-tree insert per row); everything
           put back from the schema's own SQL before the commit. Readers see the rows all
           at once, when it commits.
        Memory stays bounded by the batch and the budgets, whatever the number of rows.
        Inside a caller's transaction the rows go straight into `vendors` (the schema is
        left alone: the caller might catch an error and commit what it has).
        """
        if getattr(self._s._local, "depth", 0) > 0:
            return self._insert_rows(docs, upsert=upsert)
        conn = self._s.conn
        stage = f"vendor_import_{next(_STAGE_IDS)}"
        cols = f"{', '.join(self.cols)}, extra"
        conn.execute(f"CREATE TEMP TABLE {stage} (seq INTEGER PRIMARY KEY, {cols})")
        try:
            staged = self._stage(docs, f"temp.{stage}")
            if not staged:
                return 0, 0
            if upsert:  # one row per id: the last one (as upserting them in order would)
                conn.execute(
                    f"DELETE FROM temp.{stage} WHERE seq NOT IN "
                    f"(SELECT max(seq) FROM temp.{stage} GROUP BY id)"
                )
            return self._publish(f"temp.{stage}", staged, upsert=upsert)
        finally:
            conn.execute(f"DROP TABLE IF EXISTS temp.{stage}")

    def _batch_size(self) -> int:
        width = len(self.cols) + 1
        limit = self._s.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return max(1, min(_STAGE_BATCH, limit // width))

    def _stage(self, docs: Iterable[Doc], table: str) -> int:
        """Encode `docs` into the staging table; the number of rows."""
        conn = self._s.conn
        size = self._batch_size()
        one = f"({', '.join('?' * (len(self.cols) + 1))})"
        head = f"INSERT INTO {table} ({', '.join(self.cols)}, extra) VALUES "
        full = head + ", ".join([one] * size)
        encode = _vendor_encoder(self.cols)
        batch: list[Any] = []
        rows = staged = 0
        for d in docs:
            batch += encode(d)
            rows += 1
            if rows == size:
                conn.execute(full, batch)
                staged += rows
                batch.clear()
                rows = 0
        if rows:
            conn.execute(head + ", ".join([one] * rows), batch)
            staged += rows
        return staged

    def _publish(self, table: str, staged: int, *, upsert: bool) -> tuple[int, int]:
        conn = self._s.conn
        cols = f"{', '.join(self.cols)}, extra"
        tail = ""
        if upsert:
            sets = ", ".join(f"{c} = excluded.{c}" for c in self.cols if c != "id")
            tail = f" ON CONFLICT(id) DO UPDATE SET {sets}, extra = excluded.extra"
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        try:
            with self._s.write():
                conn.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
                there = conn.execute("SELECT count(*) FROM vendors").fetchone()[0]
                bulk = _BulkVendorWrite(conn, staged, there)
                try:
                    conn.execute(
                        f"INSERT INTO vendors ({cols}) SELECT {cols} FROM {table} "
                        f"WHERE true ORDER BY seq{tail}"
                    )
                except sqlite3.IntegrityError as e:
                    raise _import_conflict(e) from None
                bulk.finish()
                if not upsert:
                    return staged, 0
                inserted = conn.execute("SELECT count(*) FROM vendors").fetchone()[0] - there
                return inserted, staged - inserted
        finally:
            conn.execute(f"PRAGMA cache_size = {int(cache)}")

    def _insert_rows(self, docs: Iterable[Doc], *, upsert: bool) -> tuple[int, int]:
        """Multi-row INSERTs straight into `vendors` (inside a caller's transaction)."""
        conn = self._s.conn
        inserted = updated = 0
        size = self._batch_size()
        head, _, one = self._insert_sql.partition(" VALUES ")
        tail = ""
        if upsert:
            sets = ", ".join(f"{c} = excluded.{c}" for c in self.cols if c != "id")
            tail = f" ON CONFLICT(id) DO UPDATE SET {sets}, extra = excluded.extra"

        def statement(rows: int) -> str:
            return f"{head} VALUES {', '.join([one] * rows)}{tail}"

        full = statement(size)
        encode = _vendor_encoder(self.cols)
        batch: list[Any] = []
        ids: list[str] = []
        in_batch: set[str] = set()  # upsert: an id twice in one statement goes next

        def flush() -> None:
            nonlocal inserted, updated
            if not ids:
                return
            existing = 0
            if upsert:
                marks = ", ".join("?" * len(ids))
                existing = conn.execute(
                    f"SELECT count(*) FROM vendors WHERE id IN ({marks})", ids
                ).fetchone()[0]
            try:
                conn.execute(full if len(ids) == size else statement(len(ids)), batch)
            except sqlite3.IntegrityError as e:
                raise _import_conflict(e) from None
            updated += existing
            inserted += len(ids) - existing
            batch.clear()
            ids.clear()
            in_batch.clear()

        with self._s.write():
            for d in docs:
                if upsert:
                    if d["id"] in in_batch:
                        flush()
                    in_batch.add(d["id"])
                batch += encode(d)
                ids.append(d["id"])
                if len(ids) >= size:
                    flush()
            flush()
        return inserted, updated

    def get_by_user(self, user_id: str) -> Doc | None:
        return self._one("user_id = ? ORDER BY created_at LIMIT 1", user_id)

    def find_by_name(self, name: str) -> list[Doc]:
        return self._all("WHERE business_name = ? COLLATE NOCASE ORDER BY id", name.strip())

    def update(self, vendor_id: str, fields: Doc) -> Doc | None:
        try:
            return self._update(vendor_id, fields)
        except sqlite3.IntegrityError:  # user_id changed to an owner who has a profile
            raise Conflict("Vendor profile already exists") from None

    # One statement each, inside a write transaction. New urls are spliced onto the end of
    # the stored JSON text, so the elements already there stay exactly as they were.
    _ADD_IMAGES = (
        "UPDATE vendors SET portfolio_images = (SELECT CASE "
        "WHEN count(*) = 0 THEN vendors.portfolio_images "
        "WHEN json_array_length(vendors.portfolio_images) = 0 THEN json_group_array(n.value) "
        "ELSE substr(json(vendors.portfolio_images), 1, "
        "length(json(vendors.portfolio_images)) - 1) || ',' || "
        "substr(json_group_array(n.value), 2) END "
        "FROM json_each(?) AS n WHERE n.value NOT IN "
        "(SELECT value FROM json_each(vendors.portfolio_images) WHERE type = 'text')) "
        "WHERE id = ?"
    )
    _REMOVE_IMAGE = (
        "UPDATE vendors SET portfolio_images = (SELECT coalesce(json_group_array(value), '[]') "
        "FROM json_each(vendors.portfolio_images) WHERE NOT (type = 'text' AND value = ?)) "
        "WHERE id = ?"
    )

    def add_images(self, vendor_id: str, urls: Iterable[str]) -> Doc | None:
        wanted = json.dumps(list(dict.fromkeys(urls)), ensure_ascii=False)
        with self._s.write():
            if self._s.conn.execute(self._ADD_IMAGES, (wanted, vendor_id)).rowcount == 0:
                return None
            return self.get(vendor_id)

    def remove_image(self, vendor_id: str, url: str) -> Doc | None:
        with self._s.write():
            if self._s.conn.execute(self._REMOVE_IMAGE, (url, vendor_id)).rowcount == 0:
                return None
            return self.get(vendor_id)

    def _where(self, q: VendorQuery) -> tuple[str, list[Any]]:
        clauses, args, match = self._filters(q)
        if match is not None:
            clauses.append(f"rid IN ({self._FTS_ROWIDS})")
            args.append(match)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", args

    _FTS_ROWIDS = "SELECT rowid FROM vendors_fts WHERE vendors_fts MATCH ?"

    def _filters(self, q: VendorQuery) -> tuple[list[str], list[Any], str | None]:
        """The WHERE clauses and their arguments, and the FTS match expression (or None)."""
        clauses: list[str] = []
        args: list[Any] = []
        if q.active_only:
            clauses.append("is_active = 1")
        if q.category:
            clauses.append("category = ?")
            args.append(q.category)
        # With a category too, the category index stays the one walked (`+` keeps the
        # planner off the price index, which is the worse pick there: it has no statistics).
        price = "+price_range" if q.category else "price_range"
        if q.price_range:
            clauses.append(f"{price} = ?")
            args.append(q.price_range)
        if q.max_price_range:
            allowed = prices_up_to(q.max_price_range)
            clauses.append(f"{price} IN ({', '.join('?' * len(allowed))})")
            args.extend(allowed)
        fts: list[str] = []
        for cols, text in (("{business_name description}", q.search), ("location", q.location)):
            if not text:
                continue
            # trigram index: substrings of three characters or more
            if len(text) >= 3 and "\x00" not in text:
                fts.append(f"{cols} : {_fts_phrase(text)}")
            elif "\x00" in text:  # neither FTS5 nor LIKE can take a NUL; instr() can
                names = cols.strip("{}").split()
                clauses.append("(" + " OR ".join(f"instr(lower({c}), ?)" for c in names) + ")")
                args.extend([text.lower()] * len(names))
            else:
                names = cols.strip("{}").split()
                like = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in names)
                clauses.append(f"({like})")
                args.extend([f"%{_like_escape(text)}%"] * len(names))
        return clauses, args, (" AND ".join(fts) if fts else None)

    _ORDER = "ORDER BY rating DESC, business_name COLLATE NOCASE, id"

    def search(self, q: VendorQuery, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        where, args = self._where(q)
        return self._all(f"{where} {self._ORDER} LIMIT ? OFFSET ?", *args, limit, offset)

    def iter_search(self, q: VendorQuery, *, batch: int = 1000) -> Iterator[Doc]:
        where, args = self._where(q)
        cur = self._s.conn.execute(f"{self._select} {where} {self._ORDER}", args)
        while rows := cur.fetchmany(batch):
            for r in rows:
                yield self._decode(r)

    # Rows that `is_active = 1` leaves out (is_active is NOT NULL), as two index ranges.
    _INACTIVE = "(is_active < 1 OR is_active > 1)"

    def count(self, q: VendorQuery) -> int:
        clauses, args, match = self._filters(q)
        conn = self._s.conn
        if match is not None:
            sql, args = self._count_matches(clauses, args)
            return conn.execute(
                f"WITH m(r) AS ({self._FTS_ROWIDS}) {sql}", [match, *args]
            ).fetchone()[0]
        if clauses in ([], ["is_active = 1"]):
            # Count every row and take away the inactive few, instead of visiting each active
            # entry of an index.
            sql, args = "SELECT count(*) FROM vendors", []
            if clauses:
                sql = f"SELECT ({sql}) - (SELECT count(*) FROM vendors WHERE {self._INACTIVE})"
            return conn.execute(sql, args).fetchone()[0]
        where, args = self._where(q)
        return conn.execute(f"SELECT count(*) FROM vendors {where}", args).fetchone()[0]

    def _count_matches(self, clauses: list[str], args: list[Any]) -> tuple[str, list[Any]]:
        """SQL counting the vendors that pass `clauses` among the text matches `m(r)`."""
        if clauses in ([], ["is_active = 1"]):
            # The FTS index holds exactly one entry per vendor row (external content kept in
            # step by the triggers), so the match count is the number of matching vendors;
            # take away the inactive ones (+rid: walk those few rows, probe the matches).
            sql = "SELECT count(*) FROM m"
            if clauses:
                sql = (
                    f"SELECT ({sql}) - (SELECT count(*) FROM vendors "
                    f"WHERE {self._INACTIVE} AND +rid IN m)"
                )
            return sql, []
        return f"SELECT count(*) FROM vendors WHERE {' AND '.join(clauses)} AND rid IN m", args

    def search_page(
        self, q: VendorQuery, *, offset: int = 0, limit: int = 100
    ) -> tuple[list[Doc], int]:
        clauses, args, match = self._filters(q)
        if match is None or limit <= 0:
            return search_then_count(self, q, offset, limit)
        # One statement: finding the text matches is most of the work of both the page and
        # the count, so the matches are found once (m) and serve both.
        count_sql, count_args = self._count_matches(clauses, args)
        where = " AND ".join([*clauses, "rid IN m"])
        cols = ", ".join(self.cols)
        sql = (
            f"WITH m(r) AS {_MATERIALIZED}({self._FTS_ROWIDS}) "
            f"SELECT {cols}, extra, ({count_sql}) FROM vendors WHERE {where} "
            f"{self._ORDER} LIMIT ? OFFSET ?"
        )
        rows = self._s.conn.execute(sql, [match, *count_args, *args, limit, offset]).fetchall()
        if not rows:
            return [], (self.count(q) if offset else 0)
        return [self._decode(r[:-1]) for r in rows], rows[0][-1]

    def count_all(self) -> int:
        return self._s.conn.execute("SELECT count(*) FROM vendors").fetchone()[0]


_STAGE_IDS = itertools.count(1)  # staging tables of one connection never share a name
# Rows per multi-row INSERT (bound by SQLite's variable limit). Staging 100k vendors took
# 0.23-0.26 s of CPU with 100 or 500 rows a statement, 0.34 s with executemany.
_STAGE_BATCH = 500


def _import_conflict(e: sqlite3.IntegrityError) -> Conflict:
    if "user_id" in str(e):
        return Conflict("Vendor profile already exists for one owner")
    return Conflict("a vendor id in the file already exists (use --upsert to update)")


class _Events(_Repo):
    table, cols = "events", EVENT_FIELDS

    def insert(self, doc: Doc) -> None:
        try:
            with self._s.write():
                self._s.conn.execute(self._insert_sql, _encode(self.cols, doc))
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


class _Bookings(_Repo):
    table, cols = "bookings", BOOKING_FIELDS

    def insert(self, doc: Doc) -> None:
        try:
            with self._s.write():
                self._s.conn.execute(self._insert_sql, _encode(self.cols, doc))
        except sqlite3.IntegrityError:
            raise Conflict(f"Booking {doc.get('id')} already exists") from None

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


class _Reviews(_Repo):
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
        vals = _encode(self.cols, {k: v for k, v in review.items() if k != "reply"})
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
        from arangetram_cli.core.lifecycle import combine_rating, seed_figures

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


#: How long a statement waits for another connection's write lock before the store gives up
#: with Unavailable ("another arangetram is writing"). A bulk import holds the lock only while
#: it publishes its staged rows (about 2 s for 100k vendors), so a few seconds cover that.
BUSY_TIMEOUT_ENV = "ARANGETRAM_SQLITE_TIMEOUT_MS"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def busy_timeout(env: dict[str, str] | None = None) -> int:
    """The busy timeout in milliseconds: ARANGETRAM_SQLITE_TIMEOUT_MS, or 5000."""
    raw = (os.environ if env is None else env).get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT_MS
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 3_600_000:
        raise Invalid(
            f"{BUSY_TIMEOUT_ENV} must be a whole number of milliseconds, got '{raw}'",
            hint=f"unset it for {DEFAULT_BUSY_TIMEOUT_MS} ms",
        )
    return value


# SQLITE_BUSY (another connection holds the lock past the busy timeout) and SQLITE_LOCKED
# (a lock inside this process), with their extended codes (BUSY_SNAPSHOT, ...).
_BUSY_CODES = (5, 6)
_BUSY_TEXT = ("database is locked", "database is busy", "database table is locked")


def _busy_error(e: sqlite3.OperationalError, path: str) -> Exception:
    """Unavailable for a busy/locked database, else `e` itself."""
    code = getattr(e, "sqlite_errorcode", None)
    busy = (code & 0xFF in _BUSY_CODES) if code is not None else False
    if busy or any(t in str(e) for t in _BUSY_TEXT):
        return Unavailable(
            f"the database {path} is busy", hint="another arangetram is writing; try again"
        )
    return e


class _Cursor(sqlite3.Cursor):
    """A cursor whose every step reports a busy database as Unavailable (see _Connection)."""

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def executemany(self, sql: str, seq: Any, /) -> _Cursor:
        try:
            return super().executemany(sql, seq)
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None


class _Connection(sqlite3.Connection):
    """The store's connection: "database is locked" (SQLITE_BUSY / SQLITE_LOCKED) from any
    statement, fetch or commit becomes Unavailable (exit 6, HTTP 503) with a hint, at the
    one place every operation passes, instead of an unexpected OperationalError."""

    store_path = ""

    def cursor(self, factory: Any = _Cursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any, /) -> Any:
        return self.cursor().executemany(sql, seq)

    def executescript(self, script: str, /) -> Any:
        try:
            return super().executescript(script)
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.store_path) from None


class SqliteStore:
    """A SQLite database file. One connection per store object (and per thread)."""

    kind = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_ms: int | None = None) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout() if busy_timeout_ms is None else busy_timeout_ms
        self.location = str(self.path)
        self._local = threading.local()
        self._lock = threading.RLock()
        fresh = not self.path.exists()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self.conn
        except (OSError, sqlite3.Error) as e:
            raise Unavailable(f"cannot open the database at {self.path}: {e}") from None
        if fresh:
            os.chmod(self.path, 0o600)
        try:
            self._migrate(conn)
        except sqlite3.DatabaseError as e:  # not a database, or a broken one
            raise Unavailable(f"cannot open the database at {self.path}: {e}") from None
        self.users = _Users(self)
        self.vendors = _Vendors(self)
        self.events = _Events(self)
        self.bookings = _Bookings(self)
        self.reviews = _Reviews(self)
        sqlite_workspace.attach(self)  # tasks, budget_items
        sqlite_together.attach(self)  # event_members, guests, rsvp_tokens

    @property
    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
                factory=_Connection,
            )
            c.store_path = str(self.path)
            c.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
            c.execute("PRAGMA journal_mode = WAL")
            c.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = c
            self._local.depth = 0
        return c

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        conn.create_function(_EMAIL_KEY_FUNCTION, 1, email_key, deterministic=True)
        # One transaction: a failure leaves the file as it was.
        steps = " ".join(_MIGRATIONS[v] for v in range(version + 1, SCHEMA_VERSION + 1))
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE; {steps} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Another process migrated the file while this one waited for the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return
            raise

    @contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction (BEGIN IMMEDIATE takes the write lock up front, so a
        read-modify-write inside it cannot interleave with another writer). Nests."""
        conn = self.conn
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # never leave the connection inside a transaction
                    conn.execute("ROLLBACK")
                raise
        finally:
            self._local.depth = 0

    def ping(self) -> None:
        try:
            self.conn.execute("SELECT 1").fetchone()
        except sqlite3.Error as e:
            raise Unavailable(f"database {self.path} is not usable: {e}") from None

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None
