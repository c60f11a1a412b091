"""AI in remote mode against a real `arangetram serve` whose provider (from the SERVER's
environment) is the fake streaming model of tests/ai: the CLI streams the server's answer,
failures are real statuses (never a 200 apology), and a server without a provider answers with
the offline planner and says so."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.ai.fake_llm import DONE, FakeLLM, Raw, Status, chunk, stream
from tests.conftest import no_traceback, one_error_line
from tests.server.support import PASSWORD, Served, serve_env, start_serve

pytestmark = pytest.mark.service
SERVER_KEY = "sk-server-side-0123456789-SECRET"


@dataclass
class AiServer:
    served: Served
    llm: FakeLLM

    @property
    def url(self) -> str:
        return self.served.url


@pytest.fixture(scope="module")
def ai_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AiServer]:
    llm = FakeLLM().start()
    tmp = tmp_path_factory.mktemp("ai-served")
    env = serve_env(
        tmp,
        ARANGETRAM_LLM_BASE_URL=llm.url,
        ARANGETRAM_LLM_API_KEY=SERVER_KEY,
        ARANGETRAM_LLM_MODEL="test-model",
        ARANGETRAM_LLM_TIMEOUT="5",
    )
    served = start_serve(tmp, env=env)
    try:
        httpx.post(f"{served.url}/api/seed", timeout=10)
        yield AiServer(served, llm)
    finally:
        served.stop()
        llm.close()


@pytest.fixture
def remote(cli, ai_server):
    def run(*args, **kw):
        return cli("--api-url", ai_server.url, *args, **kw)

    return run


@pytest.fixture
def asker(remote):
    """`remote` logged in on the default profile: the server's assistant needs an account."""
    register(remote, "default")
    return remote


def bearer(url: str) -> dict[str, str]:
    email = f"h-{uuid.uuid4().hex[:8]}@example.com"
    reg = httpx.post(
        f"{url}/api/auth/register",
        json={"email": email, "name": "H", "password": PASSWORD},
        timeout=10,
    )
    return {"Authorization": f"Bearer {reg.json()['token']}"}


def register(run, profile: str, *, vendor: bool = False) -> dict:
    email = f"{profile}-{uuid.uuid4().hex[:8]}@example.com"
    args = ["-p", profile, "auth", "register", "--email", email, "--name", profile.title()]
    r = run(*args, "--password-stdin", *(["--vendor"] if vendor else []), input=PASSWORD + "\n")
    assert r.code == 0, r.err
    return r.json()


def test_ask_streams_the_servers_provider(asker, ai_server):
    remote = asker
    ai_server.llm.script = stream("Hello", " from", " the server's model.")
    r = remote("ask", "Which hall seats 400?")
    assert r.code == 0, r.err
    assert r.out == "Hello from the server's model.\n"
    req = ai_server.llm.requests[-1]
    assert req["headers"]["Authorization"] == f"Bearer {SERVER_KEY}"  # the server's key
    messages = req["body"]["messages"]
    assert messages[0]["role"] == "system" and messages[-1]["content"] == "Which hall seats 400?"
    saved = remote("ask", "--history").json()[0]
    conv = remote("ask", "--show", saved["id"], "-o", "json").json()
    assert conv["messages"][-1]["source"] == "custom/test-model"


def test_ask_with_an_event_plans_around_it(remote, ai_server):
    register(remote, "fam")
    ev = remote(
        "-p", "fam", "events", "create", "--name", "Remote Recital", "--date", "2027-05-05"
    ).json()
    ai_server.llm.script = stream("Planned.")
    r = remote("-p", "fam", "ask", "--event", ev["id"][:8], "Which hall?")
    assert r.code == 0 and r.out == "Planned.\n", r.err
    system = ai_server.llm.requests[-1]["body"]["messages"][0]["content"]
    assert "Remote Recital on 2027-05-05" in system
    other = remote("ask", "--event", ev["id"], "hi")  # no login: the event is not theirs
    assert other.code in (3, 4), other.err
    no_traceback(other)


def test_mid_stream_error_keeps_the_partial_answer(asker, ai_server):
    remote = asker
    ai_server.llm.script = [
        Raw(chunk("Partial answer")),
        Raw('data: {"error": {"message": "model overloaded", "code": 500}}\n\n'),
    ]
    r = remote("ask", "Which hall?")
    one_error_line(r, 6, "model overloaded")
    assert "Partial answer" in r.out
    conv = remote("ask", "--history").json()[0]
    last = remote("ask", "--show", conv["id"], "-o", "json").json()["messages"][-1]
    assert last["incomplete"] and last["content"] == "Partial answer"


def test_errors_before_any_text_are_real_statuses(asker, ai_server):
    remote = asker
    ai_server.llm.script = [Status(401, {"error": {"message": "bad key"}})]
    r = remote("ask", "Which hall?")
    one_error_line(r, 6, "502")
    assert SERVER_KEY not in r.err
    with httpx.Client(base_url=ai_server.url, timeout=10, headers=bearer(ai_server.url)) as http:
        chat = http.post("/api/ai/chat", json={"message": "Which hall?"})
        assert chat.status_code == 502 and "refused the API key" in chat.json()["detail"]
        ai_server.llm.script = [Status(503, {"error": {"message": "try later"}})]
        chat = http.post("/api/ai/chat", json={"message": "Which hall?"})
        assert chat.status_code == 503 and "try later" in chat.json()["detail"]
        ai_server.llm.script = stream("All ", "good.")
        ok = http.post(
            "/api/ai/chat",
            json={"message": "Which hall?", "event_context": {"guest_count": 250}},
        )
        assert ok.status_code == 200 and ok.json()["response"] == "All good."
        system = ai_server.llm.requests[-1]["body"]["messages"][0]["content"]
        assert "Guests: 250" in system
        # the streaming endpoint speaks the same protocol as the providers
        ai_server.llm.script = stream("Streamed.")
        with http.stream(
            "POST",
            "/api/v1/ai/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}], "stream": True},
        ) as resp:
            assert resp.headers["content-type"].startswith("text/event-stream")
            body = resp.read().decode()
        assert '"content": "Streamed."' in body and body.rstrip().endswith(DONE.strip())
        bad = http.post("/api/v1/ai/chat/completions", json={"messages": []})
        assert bad.status_code == 422


def test_offline_answers_from_the_server(asker, ai_server, served):
    remote = asker
    before = len(ai_server.llm.requests)
    r = remote("ask", "--offline", "What does it cost?")
    assert r.code == 0 and "Offline planner" in r.out, r.err
    assert len(ai_server.llm.requests) == before  # the provider was not asked
    # a server with no provider configured: the offline planner answers and says so
    plain = httpx.post(
        f"{served.url}/api/v1/ai/chat/completions",
        json={"messages": [{"role": "user", "content": "budget?"}], "stream": False},
        headers=bearer(served.url),
        timeout=10,
    )
    assert plain.status_code == 200
    text = plain.json()["choices"][0]["message"]["content"]
    assert "no AI provider is configured" in text


def test_recommendations_in_remote_mode(asker, ai_server):
    remote = asker
    r = remote("vendors", "recommend", "--location", "Fremont", "-c", "venue", "-c", "catering")
    assert r.code == 0, r.err
    doc = r.json()
    assert set(doc["recommendations"]) == {"venue", "catering"}
    assert all(isinstance(v, list) for v in doc["recommendations"].values())
    assert "could not be checked" not in r.err
    contract = httpx.post(
        f"{ai_server.url}/api/ai/recommendations",
        json={"event_date": "2027-06-12", "categories_needed": ["venue"]},
        headers=bearer(ai_server.url),
        timeout=10,
    ).json()
    venues = contract["recommendations"]["venue"]
    assert 1 <= len(venues) <= 3 and all(v["category"] == "venue" for v in venues)
    register(remote, "rec")
    ev = remote("-p", "rec", "events", "create", "--name", "R", "--date", "2027-07-07").json()
    by_event = remote("-p", "rec", "vendors", "recommend", "--event", ev["id"], "-n", "2")
    assert by_event.code == 0, by_event.err
    got = by_event.json()
    assert got["criteria"]["event_id"] == ev["id"]
    assert all(len(v) <= 2 for v in got["recommendations"].values())


def test_presign_without_a_bucket_is_503(served, tmp_path: Path):
    with httpx.Client(base_url=served.url, timeout=10) as http:
        email = f"v-{uuid.uuid4().hex[:8]}@example.com"
        reg = http.post(
            "/api/auth/register",
            json={"email": email, "name": "V", "password": PASSWORD, "user_type": "vendor"},
        ).json()
        h = {"Authorization": f"Bearer {reg['token']}"}
        v = http.post(
            "/api/vendors",
            json={
                "business_name": f"S {uuid.uuid4().hex[:6]}",
                "category": "photographer",
                "description": "d",
                "location": "Fremont, CA",
                "price_range": "$$",
                "price_estimate": "$1,000",
            },
            headers=h,
        ).json()
        body = {"sha256": "a" * 64, "size": 10, "content_type": "image/jpeg", "ext": "jpg"}
        r = http.post(f"/api/v1/vendors/{v['id']}/images/presign", json=body, headers=h)
        assert r.status_code == 503 and "ARANGETRAM_S3_BUCKET" in r.json()["detail"]
