"""A SQLite database held by another writer: every store write gives up after the busy
timeout with Unavailable (exit 6 / HTTP 503) and the hint, leaves nothing behind, and the
store works again once the lock is free."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arangetram_cli.core.errors import Invalid, Unavailable
from arangetram_cli.store.sqlite import SqliteStore, busy_timeout
from tests.store.test_store_contract import vendor_doc


@pytest.fixture
def held(tmp_path: Path):
    """A store with a 50 ms busy timeout, and a raw connection holding the write lock."""
    store = SqliteStore(tmp_path / "busy.db", busy_timeout_ms=50)
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield store, other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()
    store.close()


def test_every_kind_of_write_is_unavailable_with_the_hint(held) -> None:
    store, other = held
    writes = [
        lambda: store.vendors.insert(vendor_doc()),
        lambda: store.vendors.insert_many([vendor_doc() for _ in range(30)]),
        lambda: store.vendors.insert_many([vendor_doc()], upsert=True),
        lambda: store.users.delete("nobody"),
        lambda: store.events.add_vendor("e", "v"),
    ]
    for write in writes:
        with pytest.raises(Unavailable) as caught:
            write()
        assert caught.value.message == f"the database {store.path} is busy"
        assert caught.value.hint == "another arangetram is writing; try again"
        assert caught.value.exit_code == 6
    # reads go on; nothing was written; the connection is not left inside a transaction
    assert store.vendors.count_all() == 0
    assert not store.conn.in_transaction
    assert store.conn.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0] == 0
    other.execute("ROLLBACK")
    store.vendors.insert_many([vendor_doc() for _ in range(3)])
    assert store.vendors.count_all() == 3


def test_other_sqlite_errors_are_not_reported_as_busy(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "x.db")
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            store.conn.execute("SELECT * FROM nowhere")
    finally:
        store.close()


@pytest.mark.parametrize(
    ("value", "want"), [("", 5000), ("0", 0), (" 250 ", 250), ("3600000", 3_600_000)]
)
def test_the_busy_timeout_setting(value: str, want: int) -> None:
    assert busy_timeout({"ARANGETRAM_SQLITE_TIMEOUT_MS": value}) == want
    assert busy_timeout({}) == 5000


@pytest.mark.parametrize("value", ["x", "-5", "2.5", "3600001"])
def test_a_bad_busy_timeout_is_invalid(value: str) -> None:
    with pytest.raises(Invalid, match="ARANGETRAM_SQLITE_TIMEOUT_MS"):
        busy_timeout({"ARANGETRAM_SQLITE_TIMEOUT_MS": value})
