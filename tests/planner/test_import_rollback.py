"""A plan import that fails while writing takes back what it wrote, the event included
(through the Store contract's events.delete), on both store adapters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from arangetram_cli.core.errors import Unavailable
from arangetram_cli.planner.local import LocalPlanner
from tests.server.support import PASSWORD, SECRET


@pytest.fixture(params=["sqlite", pytest.param("mongomock", marks=pytest.mark.mongo)])
def store(request: pytest.FixtureRequest, env: dict[str, str], tmp_path) -> Any:
    if request.param == "sqlite":
        from arangetram_cli.store.sqlite import SqliteStore

        s: Any = SqliteStore(tmp_path / "import.db")
    else:
        import mongomock_ng

        from arangetram_cli.store.mongo import MongoStore

        s = MongoStore("mongodb://stand-in", client=mongomock_ng.MongoClient())
    yield s
    s.close()


def test_a_failed_import_leaves_no_event_behind(store, monkeypatch) -> None:
    p = LocalPlanner(store, SECRET)
    p.register(f"fam-{uuid.uuid4().hex[:8]}@example.com", "Asha", PASSWORD)
    event = p.create_event({"event_name": "Recital", "event_date": "2027-06-12"})
    p.add_task(event["id"], {"title": "Book the hall"})
    p.add_budget_item(event["id"], {"name": "Costume", "estimate": 1000})
    doc = p.export_plan(event["id"])

    def broken(docs: Any) -> None:
        raise Unavailable("the disk is full")

    monkeypatch.setattr(store.budget_items, "insert_many", broken)
    with pytest.raises(Unavailable):
        p.import_plan(doc)
    mine = [e["id"] for e in store.events.list_by_user(event["user_id"])]
    assert mine == [event["id"]]  # the imported copy was taken back
    monkeypatch.undo()
    copy = p.import_plan(doc)["event"]
    assert {e["id"] for e in store.events.list_by_user(event["user_id"])} == {
        event["id"],
        copy["id"],
    }
