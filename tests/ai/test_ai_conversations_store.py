"""The conversations collection on every store adapter."""

from __future__ import annotations

import pytest

from arangetram_cli.ai.history import Conversations, anonymous_owner, provider_messages
from arangetram_cli.core.errors import Conflict, NotFound
from arangetram_cli.store.conversations import conversations


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("mongomock", id="mongomock", marks=pytest.mark.mongo),
    ]
)
def store(request, tmp_path):
    if request.param == "sqlite":
        from arangetram_cli.store.sqlite import SqliteStore

        s = SqliteStore(tmp_path / "c.db")
    else:
        import mongomock_ng

        from arangetram_cli.store.mongo import MongoStore

        s = MongoStore("mongodb://localhost/", client=mongomock_ng.MongoClient())
    yield s
    s.close()


def conv(cid: str, owner: str, updated: str, **kw) -> dict:
    return {
        "id": cid,
        "owner_id": owner,
        "title": kw.pop("title", cid),
        "event_id": None,
        "created_at": "2026-01-01T00:00:00.000000+00:00",
        "updated_at": updated,
        **kw,
    }


def test_repository_contract(store):
    repo = conversations(store)
    assert conversations(store) is repo  # created once, kept on the store
    repo.create(conv("c1-aaaa", "u1", "2026-01-01T00:00:01", model_hint="x"))
    repo.create(conv("c2-bbbb", "u1", "2026-01-01T00:00:02"))
    repo.create(conv("c3-cccc", "u2", "2026-01-01T00:00:03"))
    with pytest.raises(Conflict):
        repo.create(conv("c1-aaaa", "u1", "2026-01-01T00:00:04"))
    assert repo.add_message(
        "c1-aaaa",
        {"role": "user", "content": "q", "created_at": "t1"},
        updated_at="2026-01-01T00:00:09",
    )
    assert repo.add_message("c1-aaaa", {"role": "assistant", "content": "a", "created_at": "t2",
                                        "incomplete": True, "error": "cut"},
                            updated_at="2026-01-01T00:00:10")  # fmt: skip
    assert not repo.add_message("nope", {"role": "user", "content": "q", "created_at": "t"},
                                updated_at="x")  # fmt: skip
    doc = repo.get("c1-aaaa")
    assert doc["model_hint"] == "x" and doc["updated_at"] == "2026-01-01T00:00:10"
    assert [(m["role"], m["content"]) for m in doc["messages"]] == [
        ("user", "q"),
        ("assistant", "a"),
    ]
    assert doc["messages"][1]["incomplete"] is True and doc["messages"][1]["error"] == "cut"
    rows = repo.list_by_owner("u1")
    assert [(r["id"], r["message_count"]) for r in rows] == [("c1-aaaa", 2), ("c2-bbbb", 0)]
    assert all("messages" not in r for r in rows)
    assert repo.count_by_owner("u1") == 2 and repo.count_by_owner("u3") == 0
    assert repo.ids_with_prefix("u1", "c", 5) == ["c1-aaaa", "c2-bbbb"]
    assert repo.ids_with_prefix("u2", "c1", 5) == []  # prefixes never cross owners
    assert repo.update("c2-bbbb", {"event_id": "e1", "title": "T"})
    assert repo.get("c2-bbbb")["event_id"] == "e1"
    assert repo.delete("c1-aaaa") and repo.get("c1-aaaa") is None
    assert not repo.delete("c1-aaaa")


def test_tables_are_created_idempotently(tmp_path):
    from arangetram_cli.store.sqlite import SqliteStore

    for _ in range(2):
        s = SqliteStore(tmp_path / "twice.db")
        conversations(s).create(conv(f"id-{_}", "u", "t"))
        s.close()
    s = SqliteStore(tmp_path / "twice.db")
    assert conversations(s).count_by_owner("u") == 2
    s.close()


def test_owners_never_see_each_other(store):
    repo = conversations(store)
    a, b = Conversations(repo, "user-a"), Conversations(repo, "user-b")
    mine = a.start("A question about halls")
    a.add(mine, {"role": "user", "content": "q"})
    assert b.list() == [] and b.latest() is None
    for ref in (mine["id"], mine["id"][:8]):
        with pytest.raises(NotFound):
            b.get(ref)
    assert a.get(mine["id"][:8])["id"] == mine["id"]


def test_anonymous_owner_is_stable_and_private(tmp_path):
    path = tmp_path / "data" / "anonymous_id"
    first = anonymous_owner(path)
    assert first.startswith("anon:") and anonymous_owner(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_history_sent_to_the_provider_is_bounded_and_starts_with_a_question():
    msgs = [{"role": "assistant", "content": "orphan"}]
    for i in range(30):
        msgs.append({"role": "user", "content": f"q{i}"})
        msgs.append({"role": "assistant", "content": "" if i == 5 else f"a{i}"})
    out = provider_messages(msgs)
    assert len(out) <= 20 and out[0]["role"] == "user" and out[-1]["content"] == "a29"
    assert all(m["content"] for m in out)
    big = [{"role": "user", "content": "x" * 30_000}]
    assert provider_messages(big) == big  # the last question always goes
