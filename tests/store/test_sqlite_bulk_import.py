"""SQLite's bulk vendor write (`insert_many`): the FTS index built in one statement, listing
indexes built afresh for big imports, and the schema as it was afterwards, whatever happened.
"""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from arangetram_cli.core.errors import Conflict, Invalid
from arangetram_cli.store.base import VENDOR_FIELDS, VendorQuery
from arangetram_cli.store.sqlite import SqliteStore
from arangetram_cli.store.sqlite import bulk as sqlite_store
from arangetram_cli.store.sqlite.codec import encode as _encode
from arangetram_cli.store.sqlite.codec import vendor_encoder as _vendor_encoder
from tests.store.test_store_contract import vendor_doc

LISTING_INDEXES = {"vendors_order", "vendors_category", "vendors_name", "vendors_price"}


@pytest.fixture
def db(tmp_path: Path):
    s = SqliteStore(tmp_path / "bulk.db")
    yield s
    s.close()


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the listing indexes afresh from 40 rows on (the real threshold is 20,000)."""
    monkeypatch.setattr(sqlite_store, "_BULK_INDEX_ROWS", 40)


def schema(s: SqliteStore) -> dict[str, str]:
    rows = s.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'vendors' AND sql IS NOT NULL"
    )
    return dict(rows.fetchall())


def fts_hashsize(s: SqliteStore) -> list:
    return s.conn.execute("SELECT v FROM vendors_fts_config WHERE k = 'hashsize'").fetchall()


def assert_sound(s: SqliteStore, before: dict[str, str]) -> None:
    """The same triggers and indexes as before (same SQL), a consistent FTS index, and the
    connection's settings put back."""
    assert schema(s) == before
    assert s.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    s.conn.execute("INSERT INTO vendors_fts(vendors_fts) VALUES ('integrity-check')")
    assert s.conn.execute("PRAGMA cache_size").fetchone()[0] == -2000


def found(s: SqliteStore, text: str) -> list[str]:
    hits = s.vendors.search(VendorQuery(search=text), limit=100_000)
    return sorted(v["business_name"] for v in hits)


def names(prefix: str, n: int) -> list[dict]:
    return [
        vendor_doc(business_name=f"{prefix} {i:03d}", description=f"row {i} of {prefix}")
        for i in range(n)
    ]


@pytest.mark.parametrize("rows", [3, 120, 1300])
def test_search_finds_every_imported_vendor(db, small_threshold, rows) -> None:
    db.vendors.insert(vendor_doc(business_name="Kalakshetra Hall"))  # there before
    before = schema(db)
    docs = names("Nrityalaya", rows)
    assert db.vendors.insert_many(iter(docs)) == (rows, 0)
    assert_sound(db, before)
    assert len(found(db, "nrityalaya")) == rows
    assert found(db, "row 7 of") == (["Nrityalaya 007"] if rows > 7 else [])
    assert found(db, "kalakshetra") == ["Kalakshetra Hall"]
    assert db.vendors.count(VendorQuery(search="ityala")) == rows
    # the listing indexes are back and used, the FTS trigger works for later single inserts
    plan = db.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM vendors WHERE category = 'venue' "
        "ORDER BY is_active, rating DESC"
    ).fetchall()
    assert any("vendors_category" in str(r) for r in plan)
    db.vendors.insert(vendor_doc(business_name="Later Vendor"))
    assert found(db, "later vendor") == ["Later Vendor"]


def test_upsert_renames_are_searchable(db, small_threshold) -> None:
    old = names("Oldname", 60)
    assert db.vendors.insert_many(old) == (60, 0)
    before = schema(db)
    renamed = [
        {k: v.replace("Oldname", "Newname") if isinstance(v, str) else v for k, v in d.items()}
        for d in old
    ]
    fresh = names("Freshname", 70)
    mixed = renamed[:30] + fresh + renamed[30:]
    assert db.vendors.insert_many(mixed, upsert=True) == (70, 60)
    assert_sound(db, before)
    assert found(db, "oldname") == []
    assert len(found(db, "newname")) == 60
    assert len(found(db, "freshname")) == 70
    assert db.vendors.count_all() == 130


def failing(docs: list[dict], at: int, exc: Exception):
    for i, d in enumerate(docs):
        if i == at:
            raise exc
        yield d


@pytest.mark.parametrize("at", [0, 10, 700])
@pytest.mark.parametrize("error", ["invalid", "conflict"])
def test_a_failed_import_leaves_everything_as_it_was(db, small_threshold, at, error) -> None:
    kept = vendor_doc(business_name="Kept Vendor")
    db.vendors.insert(kept)
    before = schema(db)
    docs = names("Doomed", 800)
    if error == "invalid":
        rows = failing(docs, at, Invalid("v.jsonl:line 3: category: unknown category 'dj'"))
        with pytest.raises(Invalid):
            db.vendors.insert_many(rows)
    else:
        docs.insert(at, {**docs[0], "id": kept["id"]})
        with pytest.raises(Conflict):
            db.vendors.insert_many(docs)
    assert_sound(db, before)
    assert db.vendors.count_all() == 1
    assert found(db, "doomed") == []
    assert fts_hashsize(db) == []
    db.vendors.insert(vendor_doc(business_name="After The Failure"))
    assert found(db, "after the") == ["After The Failure"]


def test_the_fts_budget_is_put_back(db) -> None:
    db.vendors.insert_many(names("Budget", 5))
    assert fts_hashsize(db) in ([], [(1 << 20,)])
    db.conn.execute("INSERT INTO vendors_fts(vendors_fts, rank) VALUES ('hashsize', 2000000)")
    db.vendors.insert_many(names("Again", 5))
    assert fts_hashsize(db) == [(2000000,)]


def test_inside_a_callers_transaction_the_schema_is_left_alone(db, small_threshold) -> None:
    before = schema(db)
    seen: list[dict[str, str]] = []

    def watching():
        for d in names("Nested", 100):
            seen.append(schema(db))
            yield d

    with db.write():
        assert db.vendors.insert_many(watching()) == (100, 0)
    assert all(s == before for s in seen)
    assert_sound(db, before)
    assert len(found(db, "nested")) == 100


def test_while_the_file_is_read_the_database_is_free(db) -> None:
    """The rows are staged outside the database's write lock: while the import reads its
    input, another connection writes (its write lock is free), sees the schema as it was
    and none of the import's rows; the import then commits all of them at once."""
    other = sqlite3.connect(db.path, isolation_level=None, timeout=0)
    before = schema(db)
    during: list[tuple] = []

    def watching():
        for i, d in enumerate(names("Watched", 1200)):
            if i in (20, 1100):
                other.execute("BEGIN IMMEDIATE")  # timeout 0: fails at once if held
                other.execute("UPDATE vendors SET rating = rating WHERE id = 'none'")  # a write
                visible = other.execute(
                    "SELECT count(*) FROM vendors WHERE business_name LIKE 'Watched%'"
                ).fetchone()[0]
                trigger = other.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name = 'vendors_ai'"
                ).fetchone()[0]
                other.execute("COMMIT")
                during.append((visible, trigger, schema(db) == before))
            yield d

    assert db.vendors.insert_many(watching()) == (1200, 0)
    assert during == [(0, 1, True), (0, 1, True)]
    assert other.execute("SELECT count(*) FROM vendors").fetchone()[0] == 1200
    other.close()
    assert_sound(db, before)
    assert len(found(db, "watched")) == 1200


def test_the_row_encoder_matches_encode() -> None:
    encode = _vendor_encoder(VENDOR_FIELDS)
    rnd = random.Random(7)
    chars = ["a", "é", '"', "\\", "\n", "\x00", "\x7f", "\u2028", "😀", "\ud800", " "]
    for _ in range(5000):
        d = vendor_doc()
        for key in ("services", "portfolio_images"):
            pick = rnd.random()
            if pick < 0.2:
                del d[key]
            elif pick < 0.3:
                d[key] = None
            elif pick < 0.4:
                d[key] = ("a", "b")
            elif pick < 0.5:
                d[key] = ["a", 1, None, {"k": "v"}]
            else:
                d[key] = [
                    "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 5)))
                    for _ in range(rnd.randint(0, 4))
                ]
        for key in ("rating", "review_count", "is_active", "description"):
            if rnd.random() < 0.3:
                d[key] = rnd.choice([None, 0, 1, 2.5, True, False, "", "x"])
            elif rnd.random() < 0.1:
                del d[key]
        if rnd.random() < 0.2:
            d[f"extra_{rnd.randint(0, 3)}"] = rnd.choice([1, "é", [1, 2], None])
        if rnd.random() < 0.1:
            d["_id"] = "oid"
        got, want = encode(d), _encode(VENDOR_FIELDS, d)
        assert got == want and list(map(type, got)) == list(map(type, want)), d
        for i in (8, 9):  # the list columns stay readable JSON
            assert isinstance(json.loads(got[i]), list)


def test_a_version_3_file_gets_the_smaller_text_index_with_the_same_matches(tmp_path) -> None:
    """Migration 5 rebuilds the FTS index without column sizes: every phrase matches the
    same vendors as in the old index, the store's searches still agree with the oracle, and
    the triggers keep the new index in step."""
    from arangetram_cli.store.sqlite.schema import MIGRATIONS as _MIGRATIONS
    from arangetram_cli.store.sqlite.schema import SCHEMA_VERSION
    from tests.store.test_store_contract import CATALOG, SEARCHES, ids, oracle

    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path, isolation_level=None)
    steps = " ".join(_MIGRATIONS[v] for v in (1, 2, 3))
    conn.executescript(f"BEGIN; {steps} PRAGMA user_version = 3; COMMIT;")
    docs = [
        *CATALOG,
        vendor_doc(business_name="ÉCOLE de Danse Ça Va", description="Ünïcode ΣΊΣΥΦΟΣ"),
        vendor_doc(business_name="Nrityalaya", description="multi\nline\ttext"),
    ]
    cols = list(VENDOR_FIELDS)
    for d in docs:
        conn.execute(
            f"INSERT INTO vendors ({', '.join(cols)}, extra) VALUES "
            f"({', '.join('?' * (len(cols) + 1))})",
            _encode(VENDOR_FIELDS, d),
        )
    phrases = [*SEARCHES, "école", "ÇA VA", "σίσυφος", "e\nli", "TEXT"]

    def matches(c: sqlite3.Connection) -> dict[str, list[int]]:
        out = {}
        for p in phrases:
            if len(p) < 3:
                continue
            q = '"' + p.replace('"', '""') + '"'
            for col in ("{business_name description}", "location", ""):
                rows = c.execute(
                    "SELECT rowid FROM vendors_fts WHERE vendors_fts MATCH ? ORDER BY rowid",
                    (f"{col} : {q}" if col else q,),
                ).fetchall()
                out[f"{col}:{p}"] = [r[0] for r in rows]
        return out

    before = matches(conn)
    assert any(before.values())
    conn.close()

    s = SqliteStore(path)
    try:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        sql = s.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'vendors_fts'").fetchone()
        assert "columnsize=0" in sql[0]
        tables = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master")}
        assert "vendors_fts_docsize" not in tables
        s.conn.execute("INSERT INTO vendors_fts(vendors_fts) VALUES ('integrity-check')")
        assert matches(s.conn) == before
        catalog_ids = {v["id"] for v in CATALOG}
        for text in SEARCHES:
            q = VendorQuery(search=text, active_only=False)
            got = [i for i in ids(s.vendors.search(q)) if i in catalog_ids]
            assert got == oracle(q), text
        # the triggers write into the new index
        s.vendors.insert(vendor_doc(business_name="Later Natya Hall"))
        assert found(s, "natya hall") == ["Later Natya Hall"]
        s.vendors.update(docs[-1]["id"], {"business_name": "Renamed Nrtya"})
        assert found(s, "nrityalaya") == [] and found(s, "renamed nr") == ["Renamed Nrtya"]
        s.conn.execute("INSERT INTO vendors_fts(vendors_fts) VALUES ('integrity-check')")
    finally:
        s.close()
