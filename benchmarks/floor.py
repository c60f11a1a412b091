"""The floor of a vendor import: a bare sqlite3 load (standard library only, no validation,
no CLI) into the store's schema with the store's bulk method: rows staged into a TEMP table,
then published in one transaction with the FTS insert trigger and (for big loads) the listing
indexes dropped and built again, the new rows indexed for FTS by one INSERT ... SELECT under
the same FTS5 settings. Keep it in step with SqliteStore's `_Vendors.insert_many` and
`_BulkVendorWrite`.

`python benchmarks/floor.py SCHEMA.sql DB FORMAT FILE FTS_SETTINGS_JSON` loads a seed file
(json.loads per JSONL line, csv.reader for CSV), as benchmarks/import_speed.py runs it;
benchmarks/search.py calls `load` in-process on the synthetic documents.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from typing import Any

COLS = (
    "id",
    "user_id",
    "business_name",
    "category",
    "description",
    "location",
    "price_range",
    "price_estimate",
    "services",
    "portfolio_images",
    "contact_phone",
    "contact_email",
    "rating",
    "review_count",
    "is_active",
    "created_at",
)
_LISTING = ("vendors_order", "vendors_category", "vendors_name", "vendors_price")
_NOW = "2026-01-01T00:00:00.000000+00:00"


def encode(d: dict[str, Any]) -> tuple:
    """A seed row or a full document as the vendors table's values (then `extra`)."""
    return (
        d["id"],
        d.get("user_id", "system"),
        d["business_name"],
        d["category"],
        d.get("description", ""),
        d.get("location", ""),
        d.get("price_range", "$$"),
        d.get("price_estimate", ""),
        json.dumps(d.get("services", []), ensure_ascii=False),
        json.dumps(d.get("portfolio_images", []), ensure_ascii=False),
        d.get("contact_phone", ""),
        d.get("contact_email", ""),
        float(d.get("rating", 0)),
        int(d.get("review_count", 0)),
        1 if d.get("is_active", True) else 0,
        d.get("created_at", _NOW),
        None,
    )


def read(fmt: str, path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            reader = csv.reader(fh)
            head = next(reader)
            for rec in reader:
                d: dict[str, Any] = dict(zip(head, rec, strict=True))
                for k in ("services", "portfolio_images"):
                    d[k] = [p for p in d[k].split("|") if p]
                d["is_active"] = d["is_active"] == "true"
                yield d
        else:
            for line in fh:
                yield json.loads(line)


def load(db: str, schema_sql: str, docs: Iterable[dict[str, Any]], fts: dict[str, int]) -> int:
    """Create the schema in `db` and load `docs`; the number of rows."""
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("PRAGMA journal_mode = WAL")
    c.execute("PRAGMA synchronous = NORMAL")
    # the schema's email-key migration backfills existing users; this users table is empty
    c.create_function("arangetram_email_key", 1, str.lower, deterministic=True)
    c.executescript(schema_sql)
    names = ", ".join(COLS) + ", extra"
    c.execute(f"CREATE TEMP TABLE st (seq INTEGER PRIMARY KEY, {names})")
    one = "(" + ", ".join("?" * (len(COLS) + 1)) + ")"
    size = 500
    head = f"INSERT INTO temp.st ({names}) VALUES "
    full = head + ", ".join([one] * size)
    batch: list[Any] = []
    n = staged = 0
    for d in docs:
        batch += encode(d)
        n += 1
        if n == size:
            c.execute(full, batch)
            staged += n
            batch, n = [], 0
    if n:
        c.execute(head + ", ".join([one] * n), batch)
        staged += n
    c.execute("PRAGMA cache_size = -8192")
    c.execute("BEGIN IMMEDIATE")
    there = c.execute("SELECT count(*) FROM vendors").fetchone()[0]
    top = c.execute("SELECT coalesce(max(rid), 0) FROM vendors").fetchone()[0]
    trigger = c.execute("SELECT sql FROM sqlite_master WHERE name = 'vendors_ai'").fetchone()[0]
    c.execute("DROP TRIGGER vendors_ai")
    indexes = []
    if staged >= 20_000 and staged >= there:
        marks = ", ".join("?" * len(_LISTING))
        found = c.execute(
            f"SELECT name, sql FROM sqlite_master WHERE name IN ({marks})", _LISTING
        ).fetchall()
        for name, sql in found:
            c.execute(f"DROP INDEX {name}")
            indexes.append(sql)
    c.execute(f"INSERT INTO vendors ({names}) SELECT {names} FROM temp.st WHERE true ORDER BY seq")
    for sql in indexes:
        c.execute(sql)
    for k, v in fts.items():
        c.execute("INSERT INTO vendors_fts(vendors_fts, rank) VALUES (?, ?)", (k, v))
    c.execute(
        "INSERT INTO vendors_fts(rowid, business_name, description, location) "
        "SELECT rid, business_name, description, location FROM vendors WHERE rid > ?",
        (top,),
    )
    c.execute(trigger)
    c.execute("COMMIT")
    c.execute("DROP TABLE temp.st")
    c.close()
    return staged


def main(argv: list[str] | None = None) -> None:
    schema, db, fmt, path, fts = (sys.argv[1:] if argv is None else argv)[:5]
    with open(schema, encoding="utf-8") as fh:
        schema_sql = fh.read()
    load(db, schema_sql, read(fmt, path), json.loads(fts))


if __name__ == "__main__":
    main()
