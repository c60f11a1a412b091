"""The assistants answer from the family's stored checklist (what is done, overdue, next)
instead of inventing one; without a stored checklist the offline planner counts back."""

from __future__ import annotations

import datetime as dt

import pytest

from arangetram_cli.ai import offline
from arangetram_cli.ai.prompt import event_context, system_prompt
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.store.sqlite import SqliteStore

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def planner(tmp_path, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_BCRYPT_ROUNDS", "4")
    p = LocalPlanner(SqliteStore(tmp_path / "w.db"), "y" * 40, today=lambda: TODAY)
    p.seed_demo()
    p.register("fam@example.com", "Fam", "correct horse battery")
    yield p
    p.close()


def test_offline_checklist_is_the_stored_one(planner):
    event = planner.create_event({"event_name": "Debut", "event_date": "2027-06-12"})
    planner.apply_template(event["id"])
    planner.update_task(event["id"], "Fix the date with the guru", {"status": "done"})
    planner.add_task(
        event["id"], {"title": "Ask Lakshmi aunty about the veena", "due": "2026-11-01"}
    )
    text = offline.compose(
        planner, "what should I do next?", event_context(planner, event), reason="test",
        today=TODAY,
    )  # fmt: skip
    assert "From your checklist: 1 of 26 tasks done, 1 overdue." in text
    assert "- [ ] Ask Lakshmi aunty about the veena (was due 2026-11-01)" in text
    assert "- [x] Fix the date with the guru" in text


def test_offline_without_a_stored_checklist_counts_back(planner):
    event = planner.create_event({"event_name": "Debut", "event_date": "2027-06-12"})
    text = offline.compose(
        planner, "what should I do next?", event_context(planner, event), reason="test",
        today=TODAY,
    )  # fmt: skip
    assert "From your checklist" not in text and "### Checklist" in text


def test_provider_prompt_carries_the_stored_checklist(planner):
    event = planner.create_event({"event_name": "Debut", "event_date": "2027-06-12"})
    planner.add_task(event["id"], {"title": "Order the salangai", "due": "2027-01-05"})
    prompt = system_prompt(planner, "what next?", event_context(planner, event), today=TODAY)
    assert "The family's checklist (stored" in prompt
    assert "Order the salangai (due 2027-01-05)" in prompt
