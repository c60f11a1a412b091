"""The provider client against a real loopback server, and provider selection."""

from __future__ import annotations

import time

import pytest

from arangetram_cli.ai.client import (
    ChatClient,
    ProviderConfig,
    iter_lines,
    iter_sse,
    resolve_provider,
    sse_chunk,
)
from arangetram_cli.core.errors import AuthRequired, Invalid, Unavailable
from tests.ai.conftest import API_KEY
from tests.ai.fake_llm import (
    DONE,
    ChunkedAbort,
    Cut,
    FakeLLM,
    Hang,
    JsonReply,
    Pause,
    Raw,
    Status,
    chunk,
    stream,
)

MSGS = [{"role": "user", "content": "hi"}]


@pytest.fixture
def server():
    s = FakeLLM().start()
    yield s
    s.close()


def client(server: FakeLLM, timeout: float = 5.0, key: str | None = API_KEY) -> ChatClient:
    cfg = ProviderConfig("custom", server.url, "test-model", key, "ARANGETRAM_LLM_API_KEY", timeout)
    return ChatClient(cfg)


def collect(c: ChatClient) -> tuple[str, Exception | None]:
    parts: list[str] = []
    try:
        for t in c.stream(MSGS):
            parts.append(t)
    except (AuthRequired, Invalid, Unavailable) as e:
        return "".join(parts), e
    return "".join(parts), None


# ---- parsing ------------------------------------------------------------------------------
def test_lines_split_across_chunks_and_multibyte_characters():
    chunks = [b"data: a\r", b"\ndata: caf\xc3", b"\xa9\n\r", b"\n: keep-alive\rdata: [DONE]"]
    assert list(iter_lines(chunks)) == ["data: a", "data: café", "", ": keep-alive", "data: [DONE]"]


def test_sse_events_join_data_lines_and_skip_comments():
    events = list(iter_sse(["data: one", "data: two", "", ": ping", "event: error", "data: x", ""]))
    assert [(e.event, e.data) for e in events] == [("message", "one\ntwo"), ("error", "x")]


def test_sse_chunk_round_trips_through_the_parser():
    lines = list(iter_lines([sse_chunk("héllo\nworld").encode()]))
    (ev,) = list(iter_sse(lines))
    assert '"héllo\\nworld"' in ev.data


# ---- streaming ----------------------------------------------------------------------------
def test_streams_text_as_it_arrives_and_sends_the_key_as_bearer(server):
    server.script = stream("The ", "venue ", "first.", pause=0.3)
    c = client(server)
    t0 = time.perf_counter()
    it = c.stream(MSGS)
    first = next(it)
    first_at = time.perf_counter() - t0
    rest = "".join(it)
    total = time.perf_counter() - t0
    assert first + rest == "The venue first."
    assert first_at < total - 0.5  # the first chunk came before the stream ended
    req = server.requests[-1]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert req["body"]["stream"] is True and req["body"]["model"] == "test-model"
    assert c.first_byte_at is not None


def test_malformed_lines_are_skipped(server):
    server.script = [
        Raw(chunk("Good ")),
        Raw("data: {not json\n\n"),
        Raw("garbage without a field name\n\n"),
        Raw('data: {"choices": "oops"}\n\n'),
        Raw(chunk("answer.")),
        Raw(DONE),
    ]
    c = client(server)
    text, err = collect(c)
    assert (text, err) == ("Good answer.", None)
    assert c.malformed == 1


def test_finish_reason_without_done_is_complete(server):
    server.script = [Raw(chunk("All ")), Raw(chunk("done.", finish="stop"))]
    assert collect(client(server)) == ("All done.", None)


def test_error_event_mid_stream_keeps_the_text_so_far(server):
    server.script = [
        Raw(chunk("Partial ")),
        Raw('data: {"error": {"message": "model overloaded", "code": 503}}\n\n'),
        Raw(chunk("never")),
    ]
    text, err = collect(client(server))
    assert text == "Partial "
    assert isinstance(err, Unavailable) and "model overloaded" in err.message


def test_connection_closed_before_done_is_a_cut(server):
    server.script = [Raw(chunk("Half an ")), Raw(chunk("answer")), Cut()]
    text, err = collect(client(server))
    assert text == "Half an answer"
    assert isinstance(err, Unavailable) and "cut off" in err.message


def test_broken_chunked_stream_is_a_cut(server):
    server.script = [Raw(chunk("Half ")), ChunkedAbort()]
    text, err = collect(client(server))
    assert text == "Half "
    assert isinstance(err, Unavailable) and "broke" in err.message


@pytest.mark.parametrize("status", [401, 403])
def test_bad_key_is_auth_required_and_the_key_is_scrubbed(server, status):
    server.script = [Status(status, {"error": {"message": f"Incorrect API key {API_KEY}"}})]
    text, err = collect(client(server))
    assert text == ""
    assert isinstance(err, AuthRequired) and f"HTTP {status}" in err.message
    assert API_KEY not in err.message and "***" in err.message
    assert "set-key custom" in (err.hint or "")


def test_quota_is_unavailable_with_retry_after(server):
    server.script = [
        Status(429, [{"error": {"message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}],
               {"Retry-After": "17"})
    ]  # fmt: skip
    _, err = collect(client(server))
    assert isinstance(err, Unavailable) and "quota" in err.message
    assert "Resource exhausted" in err.message and "17s" in (err.hint or "")


def test_unknown_model_is_invalid(server):
    server.script = [Status(404, {"error": {"message": "model 'x' not found"}})]
    _, err = collect(client(server))
    assert isinstance(err, Invalid) and "not found" in err.message


def test_server_that_never_answers_times_out(server):
    server.script = [Hang()]
    t0 = time.perf_counter()
    _, err = collect(client(server, timeout=0.5))
    assert time.perf_counter() - t0 < 5
    assert isinstance(err, Unavailable) and "did not answer within 0.5s" in err.message


def test_a_pause_longer_than_the_timeout_times_out_after_text(server):
    server.script = [Raw(chunk("Slow ")), Pause(3), Raw(chunk("never")), Raw(DONE)]
    text, err = collect(client(server, timeout=0.5))
    assert text == "Slow "
    assert isinstance(err, Unavailable) and "stopped sending" in err.message


def test_nothing_listening_is_unavailable():
    cfg = ProviderConfig("ollama", "http://127.0.0.1:9/v1", "m", None, "", 2)
    _, err = collect(ChatClient(cfg))
    assert isinstance(err, Unavailable) and "cannot reach" in err.message


def test_a_server_that_ignores_stream_gets_read_whole(server):
    server.script = [JsonReply("One piece.")]
    assert collect(client(server)) == ("One piece.", None)


def test_extra_body_fields_are_sent(server):
    c = client(server)
    assert "".join(c.stream(MSGS, extra={"event_id": "e1", "stream": False})) != ""
    body = server.requests[-1]["body"]
    assert body["event_id"] == "e1" and body["stream"] is True  # extras cannot unset it


def test_no_key_sends_no_authorization_header(server):
    collect(client(server, key=None))
    assert "Authorization" not in server.requests[-1]["headers"]


# ---- provider selection -------------------------------------------------------------------
def test_gemini_preset():
    cfg = resolve_provider({"GEMINI_API_KEY": "g-key"})
    assert cfg is not None and cfg.name == "gemini"
    assert cfg.base_url == "https://generativelanguage.googleapis.com/v1beta/openai/"
    assert cfg.model == "gemini-3-flash-preview" and cfg.api_key == "g-key"
    assert "g-key" not in repr(cfg)


def test_presets_in_order_and_overrides():
    both = {"GEMINI_API_KEY": "g", "OPENAI_API_KEY": "o"}
    assert resolve_provider(both).name == "gemini"
    assert resolve_provider(both, provider="openai").api_key == "o"
    openai = resolve_provider({"OPENAI_API_KEY": "o", "ARANGETRAM_LLM_MODEL": "gpt-x"})
    assert (openai.name, openai.base_url, openai.model) == (
        "openai",
        "https://api.openai.com/v1",
        "gpt-x",
    )
    emergent = resolve_provider({"EMERGENT_LLM_KEY": "e"})
    assert emergent.name == "emergent" and emergent.api_key == "e"
    ollama = resolve_provider({"OLLAMA_HOST": "gpu-box:11434"})
    assert ollama.base_url == "http://gpu-box:11434/v1" and ollama.api_key is None
    custom = resolve_provider(
        {"ARANGETRAM_LLM_BASE_URL": "http://x/v1", "ARANGETRAM_LLM_TIMEOUT": "7"}
    )
    assert (custom.name, custom.base_url, custom.api_key, custom.timeout) == (
        "custom",
        "http://x/v1",
        None,
        7.0,
    )


def test_nothing_configured_or_offline_means_the_offline_planner():
    assert resolve_provider({}) is None
    assert resolve_provider({"GEMINI_API_KEY": "g"}, provider="offline") is None
    assert resolve_provider({"GEMINI_API_KEY": "g", "ARANGETRAM_LLM_PROVIDER": "offline"}) is None


def test_stored_keys_are_found_when_the_environment_has_none():
    asked: list[str] = []

    def stored(name: str):
        asked.append(name)
        return ("o-stored", "keyring") if name == "openai" else None

    cfg = resolve_provider({}, stored_key=stored)
    assert (cfg.name, cfg.api_key, cfg.key_source) == ("openai", "o-stored", "keyring")
    assert asked == ["gemini", "openai"]
    assert resolve_provider({"GEMINI_API_KEY": "g"}, stored_key=stored).api_key == "g"


def test_explicit_provider_without_key_is_an_auth_error():
    with pytest.raises(AuthRequired, match="no API key for the gemini provider"):
        resolve_provider({}, provider="gemini")
    with pytest.raises(Invalid, match="unknown AI provider"):
        resolve_provider({}, provider="claude")
    with pytest.raises(Invalid, match="ARANGETRAM_LLM_TIMEOUT"):
        resolve_provider({"OPENAI_API_KEY": "o", "ARANGETRAM_LLM_TIMEOUT": "soon"})
