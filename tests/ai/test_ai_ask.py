"""`arangetram ask` end to end against a real loopback provider: what is shown, what is
saved (incomplete answers marked), exit codes, the key sent as Bearer and never printed, and
conversations kept per owner."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.ai.conftest import API_KEY, login
from tests.ai.fake_llm import DONE, Cut, Hang, Pause, Raw, Status, chunk, stream
from tests.conftest import no_traceback, one_error_line


def last_conversation(cli) -> dict:
    r = cli("ask", "--continue", "-o", "json")
    assert r.code == 0, r.err
    return r.json()


def assert_no_key(*runs) -> None:
    for r in runs:
        assert API_KEY not in r.out and API_KEY not in r.err


def test_streams_the_answer_as_plain_text_and_saves_the_conversation(cli, llm):
    llm.script = stream("The ", "**venue** ", "comes first.")
    r = cli("ask", "What", "comes", "first?")
    assert r.code == 0, r.err
    assert r.out == "The **venue** comes first.\n"  # plain text when piped, nothing added
    no_traceback(r)
    req = llm.requests[-1]
    assert req["headers"]["Authorization"] == f"Bearer {API_KEY}"
    msgs = req["body"]["messages"]
    assert msgs[0]["role"] == "system" and "Arangetram" in msgs[0]["content"]
    assert msgs[-1] == {"role": "user", "content": "What comes first?"}
    conv = last_conversation(cli)
    assert conv["title"] == "What comes first?"
    assert [(m["role"], m["content"]) for m in conv["messages"]] == [
        ("user", "What comes first?"),
        ("assistant", "The **venue** comes first."),
    ]
    answer = conv["messages"][1]
    assert answer["source"] == "custom/test-model" and "incomplete" not in answer
    assert_no_key(r)


def test_continue_sends_the_history_and_history_lists_it(cli, llm):
    llm.script = stream("Book the hall.")
    assert cli("ask", "First question").code == 0
    llm.script = stream("Then the orchestra.")
    r = cli("ask", "--continue", "And then?")
    assert r.code == 0 and r.out == "Then the orchestra.\n"
    sent = [(m["role"], m["content"]) for m in llm.requests[-1]["body"]["messages"][1:]]
    assert sent == [
        ("user", "First question"),
        ("assistant", "Book the hall."),
        ("user", "And then?"),
    ]
    llm.script = stream("Unrelated.")
    assert cli("ask", "A new topic").code == 0
    rows = cli("ask", "--history").json()
    assert [(c["title"], c["message_count"]) for c in rows] == [
        ("A new topic", 2),
        ("First question", 4),
    ]
    shown = cli("ask", "--show", rows[1]["id"][:8], "-o", "json").json()
    assert len(shown["messages"]) == 4 and shown["id"] == rows[1]["id"]
    text = cli("ask", "--show", rows[1]["id"], "-o", "table")
    assert "Then the orchestra." in text.out and "## you" in text.out


def test_json_output_prints_the_conversation_instead_of_streaming(cli, llm):
    llm.script = stream("Short answer.")
    r = cli("-o", "json", "ask", "Question?")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["messages"][-1]["content"] == "Short answer."


def test_piped_question_on_stdin(cli, llm):
    llm.script = stream("From stdin.")
    r = cli("ask", input="What about stdin?\n")
    assert r.code == 0 and r.out == "From stdin.\n"
    assert llm.requests[-1]["body"]["messages"][-1]["content"] == "What about stdin?"


def test_no_question_and_no_terminal_is_a_usage_error(cli, llm):
    one_error_line(cli("ask", input=""), 2, "missing QUESTION")


def test_bad_key_is_one_line_exit_3_and_the_key_never_shows(cli, llm):
    llm.script = [Status(401, {"error": {"message": f"Invalid API key: {API_KEY}"}})]
    r = cli("ask", "hi")
    one_error_line(r, 3, "refused the API key")
    assert "HTTP 401" in r.err and "set-key" in r.err
    assert_no_key(r)
    llm.script = [Status(403, {"error": {"message": "permission denied"}})]
    one_error_line(cli("ask", "hi"), 3, "HTTP 403")
    debug = cli("--debug", "ask", "hi")
    assert_no_key(debug)
    conv = last_conversation(cli)
    assert conv["messages"][-1]["incomplete"] is True
    assert conv["messages"][-1]["content"] == ""


def test_quota_is_one_line_exit_6(cli, llm):
    llm.script = [Status(429, {"error": {"message": "You exceeded your current quota"}})]
    r = cli("ask", "hi")
    one_error_line(r, 6, "quota")
    assert "exceeded your current quota" in r.err


def test_a_server_that_never_answers_times_out_quickly(cli, llm, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_LLM_TIMEOUT", "0.5")
    llm.script = [Hang()]
    t0 = time.perf_counter()
    r = cli("ask", "hi")
    assert time.perf_counter() - t0 < 10
    one_error_line(r, 6, "did not answer within 0.5s")


def test_cut_stream_keeps_the_partial_answer_on_screen_and_saved(cli, llm):
    llm.script = [Raw(chunk("Book the venue ")), Pause(0.1), Raw(chunk("twelve months")), Cut()]
    r = cli("ask", "When?")
    one_error_line(r, 6, "cut off")
    assert r.out == "Book the venue twelve months\n"
    answer = last_conversation(cli)["messages"][-1]
    assert answer["content"] == "Book the venue twelve months"
    assert answer["incomplete"] is True and "cut off" in answer["error"]


def test_error_event_mid_stream_is_saved_incomplete_with_the_cause(cli, llm):
    llm.script = [
        Raw(chunk("Partial")),
        Raw('data: {"error": {"message": "upstream overloaded", "code": 503}}\n\n'),
    ]
    r = cli("-o", "json", "ask", "Q")
    one_error_line(r, 6, "upstream overloaded")
    answer = r.json()["messages"][-1]
    assert answer["content"] == "Partial" and answer["incomplete"] is True


def test_malformed_lines_do_not_break_the_answer(cli, llm):
    llm.script = [Raw(chunk("Fine ")), Raw("data: {oops\n\n"), Raw(chunk("answer.")), Raw(DONE)]
    r = cli("ask", "Q")
    assert r.code == 0 and r.out == "Fine answer.\n"


def test_event_context_goes_into_the_system_prompt(cli, llm):
    assert cli("seed").code == 0
    login(cli, "asha@example.com")
    ev = cli(
        "events", "create", "--name", "Meera's Arangetram", "--date", "2027-06-12",
        "--guests", "300", "--budget", "$$$", "--location", "San Jose",
    ).json()  # fmt: skip
    assert cli("events", "add-vendor", ev["id"], "Sruthi Laya Ensemble").code == 0
    assert (
        cli("bookings", "create", "--event", ev["id"], "--vendor", "Veenavani Center for the Arts")
        .code == 0
    )  # fmt: skip
    llm.script = stream("Use the catalog.")
    r = cli("ask", "--event", ev["id"][:8], "Which photographer should we book?")
    assert r.code == 0, r.err
    system = llm.requests[-1]["body"]["messages"][0]["content"]
    assert "Meera's Arangetram on 2027-06-12" in system
    assert "Guests: 300; budget: $$$" in system and "area: San Jose" in system
    assert "Sruthi Laya Ensemble [musicians]" in system  # chosen vendor
    assert "Veenavani Center for the Arts [venue]: pending" in system  # open booking
    catalog = system.split("## Catalog")[1]
    lines = [ln for ln in catalog.splitlines() if ln.startswith("- ")]
    assert lines and all("[photographer]" in ln for ln in lines)  # the question's category
    assert "San Jose" in lines[0]  # the event's area ranks first
    conv = last_conversation(cli)
    assert conv["event_id"] == ev["id"]
    # --continue keeps the event
    llm.script = stream("Still the same event.")
    assert cli("ask", "--continue", "and a videographer?").code == 0
    assert "Meera's Arangetram" in llm.requests[-1]["body"]["messages"][0]["content"]


def test_event_needs_a_login_and_must_exist(cli, llm):
    one_error_line(cli("ask", "--event", "abcd1234", "hi"), 3, "not logged in")
    login(cli, "b@example.com")
    one_error_line(cli("ask", "--event", "abcd1234", "hi"), 4, "Event not found")


def test_conversations_are_private_to_their_owner(cli, llm):
    llm.script = stream("Anonymous answer.")
    assert cli("ask", "anonymous question").code == 0
    anon_id = last_conversation(cli)["id"]

    login(cli, "a@example.com", profile="a")
    login(cli, "b@example.com", profile="b")
    llm.script = stream("For A.")
    assert cli("--profile", "a", "ask", "question of A").code == 0
    a_rows = cli("--profile", "a", "ask", "--history").json()
    assert [c["title"] for c in a_rows] == ["question of A"]  # not the anonymous one
    a_id = a_rows[0]["id"]

    assert cli("--profile", "b", "ask", "--history").json() == []
    for ref in (a_id, a_id[:8], anon_id):
        one_error_line(cli("--profile", "b", "ask", "--show", ref), 4, "Conversation not found")
        one_error_line(cli("--profile", "b", "ask", "--conversation", ref, "more?"), 4, "not found")
    one_error_line(cli("--profile", "b", "ask", "--continue", "x"), 4, "no conversation")
    # the anonymous owner still sees only its own
    assert [c["id"] for c in cli("ask", "--history").json()] == [anon_id]


def test_guests_have_their_own_conversations(cli, llm):
    r = cli("auth", "guest")
    assert r.code == 0, r.err
    llm.script = stream("Hello guest.")
    assert cli("ask", "guest question").code == 0
    me = cli("auth", "whoami").json()
    assert last_conversation(cli)["owner_id"] == me["id"]


def test_offline_flag_and_no_provider_use_the_offline_planner(cli, env, llm, monkeypatch):
    assert cli("seed").code == 0
    r = cli("ask", "--offline", "How much will it cost?")
    assert r.code == 0, r.err
    assert r.out.startswith("**Offline planner**") and "--offline was given" in r.out
    assert "Budget estimate" in r.out and "| **Total** |" in r.out
    assert llm.requests == []  # the provider was not asked
    for k in ("ARANGETRAM_LLM_BASE_URL", "ARANGETRAM_LLM_API_KEY", "ARANGETRAM_LLM_MODEL"):
        monkeypatch.delenv(k)
    r = cli("ask", "Which venue?")
    assert r.code == 0 and "no AI provider is configured" in r.out
    assert "Recommended vendors" in r.out and "Lotus Bloom" not in r.out  # $$$ > $$ default
    assert last_conversation(cli)["messages"][-1]["source"] == "offline"


def test_provider_flag_and_missing_key(cli, llm, monkeypatch):
    monkeypatch.delenv("ARANGETRAM_LLM_API_KEY")
    one_error_line(cli("ask", "--provider", "gemini", "hi"), 3, "no API key for the gemini")
    one_error_line(cli("ask", "--provider", "nope", "hi"), 2, "unknown AI provider")


def test_gemini_key_from_the_environment_is_sent_as_bearer(cli, llm, monkeypatch):
    monkeypatch.delenv("ARANGETRAM_LLM_API_KEY")
    monkeypatch.delenv("ARANGETRAM_LLM_MODEL")
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-gemini-test-key")
    llm.script = stream("ok")
    r = cli("ask", "--provider", "gemini", "hi")  # base URL overridden to the fake server
    assert r.code == 0, r.err
    req = llm.requests[-1]
    assert req["headers"]["Authorization"] == "Bearer AIza-gemini-test-key"
    assert req["body"]["model"] == "gemini-3-flash-preview"


def test_emergent_key_in_a_trusted_dotenv_is_read_like_the_web_app(
    cli, env, llm, monkeypatch, tmp_path
):
    monkeypatch.delenv("ARANGETRAM_LLM_API_KEY")
    (tmp_path / ".env").write_text('EMERGENT_LLM_KEY="sk-emergent-abc"\n')
    llm.script = stream("ok")
    untrusted = cli("ask", "--provider", "emergent", "hi")  # not trusted yet: not read
    assert untrusted.code == 3 and "config trust-env" in untrusted.err, untrusted.err
    assert not llm.requests
    assert cli("config", "trust-env").code == 0
    r = cli("ask", "--provider", "emergent", "hi")
    assert r.code == 0, r.err
    assert llm.requests[-1]["headers"]["Authorization"] == "Bearer sk-emergent-abc"


def test_first_chunk_reaches_a_pipe_before_the_stream_ends(sh, llm, env):
    """A real process: each chunk is flushed to stdout as it arrives."""
    llm.script = [Raw(chunk("first line\n")), Pause(2.0), Raw(chunk("second line\n")), Raw(DONE)]
    t0 = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-m", "arangetram_cli", "ask", "hi"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        first = p.stdout.readline()
        first_at = time.perf_counter() - t0
        rest, err = p.communicate(timeout=30)
    finally:
        p.kill()
    total = time.perf_counter() - t0
    assert first == "first line\n" and rest == "second line\n", err
    assert p.returncode == 0
    assert first_at < total - 1.5  # it came during the pause, not at the end


def test_conversation_json_is_valid_and_complete(cli, llm):
    llm.script = stream("A", "B")
    cli("ask", "Q1")
    doc = last_conversation(cli)
    assert set(doc) >= {"id", "owner_id", "title", "event_id", "created_at", "updated_at"}
    assert all({"role", "content", "created_at"} <= set(m) for m in doc["messages"])
    json.dumps(doc)


def test_quiet_prints_the_conversation_id(cli, llm):
    llm.script = stream("Answer.")
    r = cli("-q", "ask", "Q")
    assert r.code == 0
    conv_id = r.out.strip()
    assert len(conv_id) == 36 and last_conversation(cli)["id"] == conv_id


def test_a_failed_ask_is_kept_as_failed_and_left_out_of_the_history(cli, llm):
    llm.script = [Status(403, {"error": {"message": "permission denied"}})]
    r = cli("ask", "Will it fail?")
    one_error_line(r, 3, "permission denied")
    llm.script = stream("Book the hall.")
    assert cli("ask", "What first?").code == 0

    rows = cli("ask", "--history").json()
    assert [c["title"] for c in rows] == ["What first?"]
    r = cli("ask", "--history", "-o", "table")
    assert "1 failed ask(s) without an answer not shown (--all shows them)" in r.err
    every = cli("ask", "--history", "--all").json()
    assert [(c["title"], c["status"]) for c in every] == [
        ("What first?", "answered"),
        ("Will it fail?", "failed"),
    ]
    failed = cli("ask", "--show", every[1]["id"][:8], "-o", "json").json()
    assert failed["messages"][-1]["failed"] is True and failed["messages"][-1]["content"] == ""

    # answered on a second try: it is back in the history
    llm.script = stream("It works now.")
    assert cli("ask", "--conversation", every[1]["id"][:8], "Again?").code == 0
    assert [c["title"] for c in cli("ask", "--history").json()] == ["Will it fail?", "What first?"]
