"""The seam for remote mode: a planner with only the Planner port's older methods (no store,
no `recommend`, no `ask_stream`, like today's RemotePlanner) still gets answers,
recommendations and saved conversations, computed on the client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ai.conftest import login
from tests.ai.fake_llm import stream

HIDDEN = {"store", "recommend", "ask_stream"}


class PortOnly:
    def __init__(self, inner: Any) -> None:
        object.__setattr__(self, "_inner", inner)

    def __getattr__(self, name: str) -> Any:
        if name in HIDDEN:
            raise AttributeError(name)
        return getattr(self._inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._inner, name, value)


@pytest.fixture
def port_only(monkeypatch):
    from arangetram_cli.cli import context

    real = context.open_planner
    monkeypatch.setattr(context, "open_planner", lambda *a, **k: PortOnly(real(*a, **k)))


def test_answers_and_recommendations_through_the_port_alone(cli, llm, port_only):
    assert cli("seed").code == 0
    login(cli, "seam@example.com")
    ev = cli("events", "create", "--name", "Seam", "--date", "2027-04-04").json()
    llm.script = stream("From the client side.")
    r = cli("ask", "--event", ev["id"], "Which hall?")
    assert r.code == 0 and r.out == "From the client side.\n", r.err
    system = llm.requests[-1]["body"]["messages"][0]["content"]
    assert "Seam on 2027-04-04" in system and "[venue]" in system
    assert cli("ask", "--history").json()[0]["event_id"] == ev["id"]
    offline = cli("ask", "--offline", "--event", ev["id"], "budget?")
    assert offline.code == 0 and "| **Total** |" in offline.out
    rec = cli("vendors", "recommend", "--event", ev["id"])
    assert rec.code == 0 and rec.json()["recommendations"]["venue"]
    assert "could not be checked" in rec.err


def test_contract_chat_with_an_unsaved_event(env, llm, tmp_path):
    """What a server's POST /api/ai/chat needs: {message, event_context} -> one answer."""
    from arangetram_cli.ai.client import llm_env, resolve_provider
    from arangetram_cli.planner.local import LocalPlanner
    from arangetram_cli.store.sqlite import SqliteStore

    planner = LocalPlanner(SqliteStore(tmp_path / "s.db"), "z" * 40)
    planner.seed_demo()
    event = {
        "event_name": "Your Arangetram",
        "event_date": "2027-01-01",
        "guest_count": 250,
        "budget": "$$",
        "location_preference": "Fremont",
        "selected_vendors": [],
    }
    llm.script = stream("Lotus Bloom.")
    answer = planner.ask_stream(
        [{"role": "user", "content": "Which hall?"}],
        event=event,
        provider=resolve_provider(llm_env()),
    )
    assert "".join(answer) == "Lotus Bloom." and answer.source == "custom/test-model"
    system = llm.requests[-1]["body"]["messages"][0]["content"]
    assert "Guests: 250; budget: $$" in system and "area: Fremont" in system
    offline = planner.ask_stream([{"role": "user", "content": "budget?"}], event=event)
    assert offline.offline and "250 guests" in "".join(offline)
    planner.close()
