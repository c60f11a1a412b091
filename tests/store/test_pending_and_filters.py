"""One pending request per event and vendor is a unique (partial) index in both adapters,
with a migration that keeps older duplicates; booking filters run in the store's query."""

from __future__ import annotations

import sqlite3

import pytest

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.sqlite import SqliteStore
from tests.store.test_store_contract import booking_doc, ts


def test_a_second_pending_request_is_refused_by_the_index(store):
    store.bookings.insert(booking_doc(id="p1", event_id="e1", vendor_id="v1"))
    with pytest.raises(Conflict):
        store.bookings.insert(booking_doc(id="p2", event_id="e1", vendor_id="v1"))
    # answered requests do not count; other vendors and events do not collide
    store.bookings.insert(booking_doc(id="d1", event_id="e1", vendor_id="v1", status="declined"))
    store.bookings.insert(booking_doc(id="p3", event_id="e1", vendor_id="v2"))
    store.bookings.insert(booking_doc(id="p4", event_id="e2", vendor_id="v1"))
    assert store.bookings.update("p1", {"status": "accepted"}, expect_status="pending")
    store.bookings.insert(booking_doc(id="p5", event_id="e1", vendor_id="v1"))  # free again
    assert {b["id"] for b in store.bookings.list_by_event("e1")} == {"p1", "d1", "p3", "p5"}


def test_booking_filters_run_in_the_query(store):
    rows = [
        booking_doc(id="a", user_id="u", vendor_id="v1", event_date="2027-01-05", created_at=ts(1)),
        booking_doc(id="b", user_id="u", vendor_id="v2", event_date="2026-01-05", created_at=ts(2)),
        booking_doc(
            id="c",
            user_id="u",
            vendor_id="v3",
            event_date="2027-03-01",
            created_at=ts(3),
            status="accepted",
            event_id="ev",
        ),
        booking_doc(id="d", user_id="x", vendor_id="v1", event_date="2027-02-01", created_at=ts(4)),
    ]
    for r in rows:
        store.bookings.insert(r)
    ids = lambda docs: [d["id"] for d in docs]  # noqa: E731
    assert ids(store.bookings.list_for(user_id="u")) == ["c", "b", "a"]  # newest first
    assert ids(store.bookings.list_for(user_id="u", status="pending")) == ["b", "a"]
    assert ids(store.bookings.list_for(user_id="u", event_id="ev")) == ["c"]
    assert ids(store.bookings.list_for(user_id="u", from_date="2026-06-01")) == ["a", "c"]
    assert ids(store.bookings.list_for(vendor_id="v1", from_date="2026-06-01")) == ["a", "d"]
    assert ids(store.bookings.list_for(user_id="u", limit=1)) == ["c"]


_V6_BOOKING = (
    "INSERT INTO bookings (id, event_id, vendor_id, user_id, message, event_date, status, "
    "created_at, updated_at) VALUES (?, 'e1', 'v1', 'u1', '', '2027-01-01', ?, ?, ?)"
)


def test_migration_keeps_older_duplicate_pending_rows(tmp_path):
    path = tmp_path / "old.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)  # back to a version-7 file with duplicates in it
    conn.executescript(
        "DROP INDEX bookings_one_pending; ALTER TABLE bookings DROP COLUMN pending_dup;"
        "PRAGMA user_version = 7;"
    )
    for bid, status, at in (
        ("new", "pending", ts(3)),
        ("old", "pending", ts(1)),
        ("mid", "pending", ts(2)),
        ("gone", "declined", ts(0)),
    ):
        conn.execute(_V6_BOOKING, (bid, status, at, at))
    conn.commit()
    conn.close()
    store = SqliteStore(path)
    try:
        assert {b["id"] for b in store.bookings.list_by_event("e1")} == {
            "old",
            "mid",
            "new",
            "gone",
        }
        with pytest.raises(Conflict):  # the oldest pending one is under the rule
            store.bookings.insert(booking_doc(id="again", event_id="e1", vendor_id="v1"))
        store.bookings.update("old", {"status": "cancelled"}, expect_status="pending")
        store.bookings.insert(booking_doc(id="again", event_id="e1", vendor_id="v1"))
    finally:
        store.close()


@pytest.mark.mongo
def test_mongo_sets_older_duplicates_apart_before_the_index(mongomock_store):
    coll = mongomock_store.db["bookings"]
    coll.drop_index("bookings_one_pending")
    for bid, at in (("new", ts(3)), ("old", ts(1)), ("mid", ts(2))):
        coll.insert_one(booking_doc(id=bid, event_id="e1", vendor_id="v1", created_at=at))
    assert mongomock_store.bookings.mark_pending_duplicates() == 2
    mongomock_store._ensure_indexes()
    assert "bookings_one_pending" in coll.index_information()
    assert not mongomock_store.index_warnings
    with pytest.raises(Conflict):
        mongomock_store.bookings.insert(booking_doc(id="again", event_id="e1", vendor_id="v1"))
    # the mark is the store's own: no booking read shows it (as on SQLite)
    reads = [
        mongomock_store.bookings.get("new"),
        *mongomock_store.bookings.list_by_event("e1"),
        *mongomock_store.bookings.list_for(event_id="e1"),
    ]
    assert len(reads) == 7 and not any("pending_dup" in b for b in reads)


@pytest.mark.mongo
def test_mongo_opening_sets_older_duplicates_apart_when_the_index_finds_them(mongomock_store):
    """No look at the indexes on every start: creating the unique index is the check, and
    its duplicate-key refusal (once in a database's life) sets the older requests apart."""
    coll = mongomock_store.db["bookings"]
    coll.drop_index("bookings_one_pending")
    for bid, at in (("new", ts(3)), ("old", ts(1)), ("mid", ts(2))):
        coll.insert_one(booking_doc(id=bid, event_id="e1", vendor_id="v1", created_at=at))
    mongomock_store._ensure_indexes()
    assert "bookings_one_pending" in coll.index_information()
    assert not mongomock_store.index_warnings
    assert sorted(d["id"] for d in coll.find({"pending_dup": {"$exists": True}})) == ["mid", "new"]
    mongomock_store._ensure_indexes()  # again: nothing to do, nothing refused
    assert not mongomock_store.index_warnings
