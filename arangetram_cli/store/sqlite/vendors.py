"""The vendors repository: listing, FTS5 trigram search (user input quoted as a phrase, never
syntax), staged bulk import, portfolio images."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.base import (
    VENDOR_FIELDS,
    Doc,
    VendorQuery,
    prices_up_to,
    search_then_count,
)
from arangetram_cli.store.sqlite.bulk import BulkVendorWrite
from arangetram_cli.store.sqlite.codec import encode, vendor_encoder
from arangetram_cli.store.sqlite.repos import Repo

# Bulk vendor writes (`Vendors.insert_many`): budgets for one import, all constant, so memory
# does not grow with the file.
# 8 MiB and 4 MB: at 100k vendors, 64 MiB and 32 MB were no faster beyond the noise of a
# shared machine (11-14 s either way) but peaked at 157 MiB RSS instead of 65.
_IMPORT_CACHE_KIB = 8 * 1024  # page cache of the importing connection (PRAGMA cache_size)


# The CTE hint arrived in SQLite 3.35 (trigram FTS needs 3.34); without it SQLite still
# materializes a CTE that is used more than once.
_MATERIALIZED = "MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else ""


def _fts_phrase(text: str) -> str:
    # A double-quoted FTS5 string is literal: only '"' needs escaping (by doubling).
    return '"' + text.replace('"', '""') + '"'


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Vendors(Repo):
    table, cols = "vendors", VENDOR_FIELDS

    def insert(self, doc: Doc) -> None:
        try:
            with self._s.write():
                self._s.conn.execute(self._insert_sql, encode(self.cols, doc))
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
           steps of `BulkVendorWrite`: the per-row FTS trigger dropped and the new rows
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
        encode = vendor_encoder(self.cols)
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
                bulk = BulkVendorWrite(conn, staged, there)
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
        encode = vendor_encoder(self.cols)
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
