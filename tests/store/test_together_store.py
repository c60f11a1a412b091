"""Planning together's storage contract (store/together_base.py): `event_members`, `guests`
and `rsvp_tokens` on every adapter (SQLite, MongoStore over mongomock_ng, a real MongoDB
when ARANGETRAM_TEST_MONGO_URL is set)."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.sqlite import SqliteStore


def new_id() -> str:
    return str(uuid.uuid4())


def member(event_id: str = "e1", user_id: str = "u2", role: str = "planner", **kw):
    return {
        "id": new_id(),
        "event_id": event_id,
        "user_id": user_id,
        "role": role,
        "added_by": "u1",
        "created_at": kw.pop("created_at", "2026-02-07T10:00:00+00:00"),
        **kw,
    }


def guest(event_id: str = "e1", **kw):
    return {
        "id": kw.pop("id", None) or new_id(),
        "event_id": event_id,
        "user_id": "u1",
        "name": kw.pop("name", "The Raos"),
        "created_at": kw.pop("created_at", "2026-02-07T10:00:00+00:00"),
        **kw,
    }


def test_members_one_per_event_and_user(store):
    store.event_members.insert(member())
    with pytest.raises(Conflict):
        store.event_members.insert(member())  # the same person again
    store.event_members.insert(member(user_id="u3", role="viewer", created_at="2026-03-01"))
    store.event_members.insert(member(event_id="e2"))
    assert [m["user_id"] for m in store.event_members.list_by_event("e1")] == ["u2", "u3"]
    assert sorted(m["event_id"] for m in store.event_members.list_by_user("u2")) == ["e1", "e2"]
    assert store.event_members.get_member("e1", "u3")["role"] == "viewer"
    assert store.event_members.get_member("e1", "nobody") is None
    assert store.event_members.set_role("e1", "u3", "planner")["role"] == "planner"
    assert store.event_members.get_member("e1", "u3")["role"] == "planner"
    assert store.event_members.set_role("e1", "nobody", "planner") is None
    assert store.event_members.remove("e1", "u2") is True
    assert store.event_members.remove("e1", "u2") is False
    assert store.event_members.get_member("e1", "u2") is None
    assert [m["event_id"] for m in store.event_members.list_by_user("u2")] == ["e2"]


def test_guests_round_trip_with_defaults_and_per_event(store):
    g = guest(email="rao@example.com", party=4)
    store.guests.insert(g)
    got = store.guests.get(g["id"])
    assert {k: got[k] for k in g} == g
    assert got["rsvp"] == "pending" and got["history"] == [] and got["children"] == 0
    later = guest(name="Meena", created_at="2026-03-01T00:00:00+00:00")
    other = guest(event_id="e2")
    assert store.guests.insert_many([later, other]) == 2
    assert [x["id"] for x in store.guests.list_by_event("e1")] == [g["id"], later["id"]]
    assert store.guests.count_by_event("e1") == 2
    with pytest.raises(Conflict):
        store.guests.insert_many([guest(name="new"), guest(id=g["id"])])
    assert store.guests.count_by_event("e1") == 2  # all or nothing


def test_guest_update_is_compare_and_set(store):
    g = guest(updated_at="1")
    store.guests.insert(g)
    entry = {"at": "2", "rsvp": "yes", "party": 2, "message": "<b>", "by": "guest"}
    done = store.guests.update(
        g["id"], {"rsvp": "yes", "history": [entry], "updated_at": "2"}, expect={"updated_at": "1"}
    )
    assert done["rsvp"] == "yes" and done["history"] == [entry]
    stale = store.guests.update(g["id"], {"rsvp": "no"}, expect={"updated_at": "1"})
    assert stale is None and store.guests.get(g["id"])["rsvp"] == "yes"
    assert store.guests.delete(g["id"]) is True and store.guests.get(g["id"]) is None


def test_rsvp_tokens_by_hash_one_per_guest(store):
    store.rsvp_tokens.put({"token_hash": "h1", "guest_id": "g1", "event_id": "e1"})
    store.rsvp_tokens.put({"token_hash": "h2", "guest_id": "g2", "event_id": "e1"})
    assert store.rsvp_tokens.get("h1")["guest_id"] == "g1"
    store.rsvp_tokens.put({"token_hash": "h3", "guest_id": "g1", "event_id": "e1"})  # rotate
    assert store.rsvp_tokens.get("h1") is None and store.rsvp_tokens.get("h3")["guest_id"] == "g1"
    assert store.rsvp_tokens.guests_with_links("e1") == {"g1", "g2"}
    assert store.rsvp_tokens.remove_guest("g1") is True
    assert store.rsvp_tokens.get("h3") is None
    assert store.rsvp_tokens.guests_with_links("e1") == {"g2"}


def test_sqlite_tables_are_indexed_for_their_lookups(tmp_path):
    s = SqliteStore(tmp_path / "t.db")
    s.guests.count_by_event("e1")  # tables appear on first use
    conn = sqlite3.connect(tmp_path / "t.db")
    plans = {
        "SELECT doc FROM event_members WHERE user_id = 'u'": "event_members_user",
        "SELECT doc FROM event_members WHERE event_id = 'e' AND user_id = 'u'": (
            "event_members_event_user"
        ),
        "SELECT doc FROM guests WHERE event_id = 'e' ORDER BY created_at, id": "guests_event",
        "SELECT guest_id FROM rsvp_tokens WHERE token_hash = 'h'": "rsvp_tokens",
    }
    for sql, index in plans.items():
        plan = " ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert index in plan and "SCAN" not in plan.replace("USING COVERING", ""), (sql, plan)
    conn.close()
    s.close()


@pytest.mark.mongo
def test_mongo_indexes(mongomock_store):
    mongomock_store.guests.count_by_event("e1")
    names = set(mongomock_store.db["rsvp_tokens"].index_information())
    assert {"rsvp_tokens_hash", "rsvp_tokens_guest"} <= names
    names = set(mongomock_store.db["event_members"].index_information())
    assert {"event_members_event_user", "event_members_user"} <= names
