"""How many store queries a LocalPlanner operation runs: counted by wrapping the real
repository methods of a real SQLite store (nothing is mocked: the queries still run)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.store.sqlite import SqliteStore
from tests.server.support import PASSWORD, SECRET


def count_calls(monkeypatch: pytest.MonkeyPatch, repo: Any, name: str, counts: Counter) -> None:
    real: Callable[..., Any] = getattr(repo, name)

    def counted(*a: Any, **kw: Any) -> Any:
        counts[name] += 1
        return real(*a, **kw)

    monkeypatch.setattr(repo, name, counted)


@pytest.fixture
def family(env: dict[str, str], tmp_path) -> Any:
    store = SqliteStore(tmp_path / "counts.db")
    p = LocalPlanner(store, SECRET)
    p.register(f"fam-{uuid.uuid4().hex[:8]}@example.com", "Asha", PASSWORD)
    event = p.create_event(
        {"event_name": "Recital", "event_date": "2027-06-12", "guest_count": 300}
    )
    p.add_guest(event["id"], {"name": "Meena", "rsvp": "yes", "party": 2})
    yield p, event
    store.close()


def test_budget_lines_read_the_guest_list_once_per_operation(family, monkeypatch) -> None:
    """The headcount per-guest lines use comes from the guest list: one query per operation
    (per event for the calendar), not one per budget line nor one per check."""
    p, event = family
    for n in range(6):
        p.add_budget_item(event["id"], {"name": f"Line {n}", "estimate": 1000 * (n + 1)})
    counts: Counter = Counter()
    count_calls(monkeypatch, p.store.guests, "list_by_event", counts)

    line = p.add_budget_item(event["id"], {"name": "Dinner", "estimate": "$25", "paid": 100})
    assert line["paid_cents"] == 100 and counts["list_by_event"] == 1
    counts.clear()
    paid = p.pay_budget_item(event["id"], "Dinner", 200)
    assert paid["paid_cents"] == 300 and counts["list_by_event"] == 1
    counts.clear()
    p.update_budget_item(event["id"], "Dinner", {"per_guest": True})
    assert counts["list_by_event"] == 1
    counts.clear()
    ics = p.calendar(event["id"])
    assert "BEGIN:VCALENDAR" in ics and counts["list_by_event"] == 1
    counts.clear()
    plan = p.get_plan(event["id"])
    assert plan["guests"]["confirmed"] == 2 and counts["list_by_event"] == 1


def test_guests_of_the_next_event_resolve_it_once(family, monkeypatch) -> None:
    """No event named: the next upcoming one is resolved (and its access checked) once."""
    p, event = family
    counts: Counter = Counter()
    count_calls(monkeypatch, p.store.events, "get", counts)
    added = p.add_guest(None, {"name": "Ravi"})
    assert added["event_id"] == event["id"] and counts["get"] == 1
    counts.clear()
    listed = p.list_guests(None)
    assert listed["event"]["id"] == event["id"] and counts["get"] == 1


def test_the_plan_resolves_its_event_once(family, monkeypatch) -> None:
    """get_plan's role comes from the access check that found the event, and its headcount
    from the budget's: no second look-up of either."""
    p, event = family
    counts: Counter = Counter()
    count_calls(monkeypatch, p.store.events, "get", counts)
    count_calls(monkeypatch, p.store.guests, "list_by_event", counts)
    plan = p.get_plan(event["id"])
    assert plan["role"] == "owner" and plan["guests"]["confirmed"] == 2
    assert counts == Counter({"get": 1, "list_by_event": 1})
