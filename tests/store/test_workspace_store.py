"""The workspace's storage contract (store/workspace_base.py): `tasks` and `budget_items`, run
against every adapter (SQLite, MongoStore over mongomock_ng, and a real MongoDB when
ARANGETRAM_TEST_MONGO_URL is set)."""

from __future__ import annotations

import sqlite3
import threading
import uuid

import pytest

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.sqlite import SqliteStore


def new_id() -> str:
    return str(uuid.uuid4())


def task(event_id: str = "e1", **kw):
    return {
        "id": kw.pop("id", None) or new_id(),
        "event_id": event_id,
        "user_id": "u1",
        "title": "Book the hall",
        "due_date": "2027-01-10",
        "status": "open",
        "created_at": "2026-02-07T10:00:00.000000+00:00",
        **kw,
    }


def item(event_id: str = "e1", **kw):
    return {
        "id": kw.pop("id", None) or new_id(),
        "event_id": event_id,
        "user_id": "u1",
        "name": "Lotus Hall",
        "category": "venue",
        "estimate_cents": 275000,
        "created_at": "2026-02-07T10:00:00.000000+00:00",
        **kw,
    }


def test_tasks_round_trip_with_defaults(store):
    t = task(notes="Stage 30 ft wide; ask about a green room")
    store.tasks.insert(t)
    got = store.tasks.get(t["id"])
    assert {k: got[k] for k in t} == t
    # fields the writer left out come back with the contract's defaults, on every adapter
    assert got["template_key"] is None and got["ticked_by"] == [] and got["vendor_category"] == ""
    assert store.tasks.get("missing") is None


def test_tasks_listed_per_event_by_due_date(store):
    late = task(due_date="2027-05-01", title="late")
    early = task(due_date="2027-01-01", title="early")
    other = task(event_id="e2", title="other event")
    store.tasks.insert_many([late, early, other])
    assert [t["title"] for t in store.tasks.list_by_event("e1")] == ["early", "late"]
    assert [t["title"] for t in store.tasks.list_by_event("e2")] == ["other event"]
    assert store.tasks.count_by_event("e1") == 2
    assert store.tasks.list_by_event("nobody") == []


def test_template_key_once_per_event_and_insert_many_all_or_nothing(store):
    store.tasks.insert(task(template_key="book-hall"))
    batch = [task(template_key="fix-date"), task(template_key="book-hall")]
    with pytest.raises(Conflict):
        store.tasks.insert_many(batch)
    keys = sorted(t["template_key"] for t in store.tasks.list_by_event("e1"))
    assert keys == ["book-hall"]  # fix-date was not left behind
    store.tasks.insert(task(event_id="e2", template_key="book-hall"))  # another event: fine
    store.tasks.insert_many([task(), task()])  # tasks without a key do not collide
    assert store.tasks.count_by_event("e1") == 3


def test_duplicate_id_is_a_conflict(store):
    t = task()
    store.tasks.insert(t)
    with pytest.raises(Conflict):
        store.tasks.insert(dict(t))
    i = item()
    store.budget_items.insert(i)
    with pytest.raises(Conflict):
        store.budget_items.insert(dict(i))


def test_task_update_and_compare_and_set(store):
    t = task()
    store.tasks.insert(t)
    done = store.tasks.update(
        t["id"], {"status": "done", "done_at": "x"}, expect={"status": "open"}
    )
    assert done is not None and done["status"] == "done" and done["title"] == t["title"]
    assert store.tasks.get(t["id"])["status"] == "done"
    # the expected value no longer holds: nothing changes
    assert store.tasks.update(t["id"], {"title": "y"}, expect={"status": "open"}) is None
    assert store.tasks.get(t["id"])["title"] == t["title"]
    assert store.tasks.update("missing", {"title": "y"}) is None
    # the id cannot be changed through an update
    store.tasks.update(t["id"], {"id": "other"})
    assert store.tasks.get(t["id"]) is not None and store.tasks.get("other") is None


def test_task_delete(store):
    t = task()
    store.tasks.insert(t)
    assert store.tasks.delete(t["id"]) is True
    assert store.tasks.delete(t["id"]) is False
    assert store.tasks.get(t["id"]) is None


def test_budget_items_one_line_per_booking(store):
    store.budget_items.insert(item(booking_id="b1"))
    with pytest.raises(Conflict):
        store.budget_items.insert(item(booking_id="b1"))
    store.budget_items.insert(item())  # lines without a booking do not collide
    store.budget_items.insert(item())
    assert store.budget_items.count_by_event("e1") == 3
    # linking a line to a booking that has one already is refused too
    free = next(i for i in store.budget_items.list_by_event("e1") if i["booking_id"] is None)
    with pytest.raises(Conflict):
        store.budget_items.update(free["id"], {"booking_id": "b1"})
    linked = store.budget_items.update(
        free["id"], {"booking_id": "b2"}, expect={"booking_id": None}
    )
    assert linked is not None and linked["booking_id"] == "b2"
    assert (
        store.budget_items.update(free["id"], {"booking_id": "b3"}, expect={"booking_id": None})
        is None
    )


def test_payments_appended_atomically(store):
    i = item()
    store.budget_items.insert(i)
    pays = [
        {"id": str(n), "amount_cents": 100 * (n + 1), "on": "2027-01-01", "at": "t"}
        for n in range(20)
    ]

    def pay(p):
        store.budget_items.add_payment(i["id"], p)

    threads = [threading.Thread(target=pay, args=(p,)) for p in pays]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    got = store.budget_items.get(i["id"])
    assert sorted(p["id"] for p in got["payments"]) == sorted(p["id"] for p in pays)
    assert sum(p["amount_cents"] for p in got["payments"]) == sum(100 * (n + 1) for n in range(20))
    assert store.budget_items.add_payment("missing", pays[0]) is None


def test_budget_listing_and_money_stays_integer(store):
    a = item(name="a", created_at="2026-02-07T10:00:01.000000+00:00", quoted_cents=10**12 + 1)
    b = item(name="b", created_at="2026-02-07T10:00:00.000000+00:00")
    store.budget_items.insert_many([a, b])
    got = store.budget_items.list_by_event("e1")
    assert [g["name"] for g in got] == ["b", "a"]
    assert got[1]["quoted_cents"] == 10**12 + 1 and isinstance(got[1]["quoted_cents"], int)
    assert got[0]["quoted_cents"] is None and got[0]["payments"] == []


def test_sqlite_tables_are_additive_and_indexed(tmp_path):
    path = tmp_path / "w.db"
    s = SqliteStore(path)
    s.tasks.insert(task())
    s.close()
    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {
        "tasks_event",
        "tasks_event_template",
        "budget_items_event",
        "budget_items_booking",
    } <= names
    plan = " ".join(
        str(r)
        for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT doc FROM tasks WHERE event_id = ? "
            "ORDER BY due_date, created_at, id",
            ("e1",),
        )
    )
    assert "tasks_event" in plan and "TEMP B-TREE" not in plan
    conn.close()
    again = SqliteStore(path)  # reopening keeps the rows and needs no migration
    assert again.tasks.count_by_event("e1") == 1
    again.close()


@pytest.mark.mongo
def test_mongo_workspace_indexes(mongomock_store):
    mongomock_store.tasks.insert(task())
    mongomock_store.budget_items.insert(item())
    idx = mongomock_store.db["tasks"].index_information()
    assert "tasks_event" in idx and idx["tasks_event_template"].get("unique")
    bidx = mongomock_store.db["budget_items"].index_information()
    assert bidx["budget_items_booking"].get("unique")
    # no `_id` ever comes back, and optional keys are not stored as null
    raw = mongomock_store.db["tasks"].find_one({})
    assert "template_key" not in raw
    assert "_id" not in mongomock_store.tasks.list_by_event("e1")[0]
