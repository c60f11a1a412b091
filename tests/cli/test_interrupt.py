"""Ctrl-C during a streamed answer (issue 13): what was on the screen stays, once, followed
by the one-line note; the terminal is given back as it was. A real pseudo-terminal played
into pyte, and the fake streaming provider of tests/ai on 127.0.0.1."""

from __future__ import annotations

import json
import os
import sys
import termios
import time
from collections.abc import Iterator

import pytest

from tests.ai.fake_llm import DONE, FakeLLM, Pause, Raw, chunk
from tests.cli.terminal import Pty, foreign_escapes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

# A paragraph as wide as the screen, then one that wraps over several lines: the two shapes
# that left a copy behind (the echoed ^C wrapped the full-width line).
FULL_WIDTH = "Book the hall first, then the orchestra and the photographer, in that order."
WRAPPING = " ".join(f"step{i}" for i in range(40)) + " LAST-WORD"


@pytest.fixture
def llm(env: dict[str, str]) -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    env.update(
        ARANGETRAM_LLM_BASE_URL=server.url,
        ARANGETRAM_LLM_API_KEY="sk-test",
        ARANGETRAM_LLM_MODEL="test-model",
        ARANGETRAM_LLM_TIMEOUT="20",
    )
    for k in ("GEMINI_API_KEY", "OPENAI_API_KEY", "EMERGENT_LLM_KEY", "OLLAMA_HOST"):
        env.pop(k, None)
    yield server
    server.close()


def _script(partial: str) -> list:
    return [
        Raw(chunk("# Plan\n\nA finished paragraph.\n\n")),
        Raw(chunk(partial)),
        Pause(30),
        Raw(chunk(" never shown")),
        Raw(DONE),
    ]


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("partial", [FULL_WIDTH, WRAPPING], ids=["full-width", "wrapping"])
def test_ctrl_c_in_a_one_shot_answer_leaves_it_once(env, llm, cli, columns, partial):
    llm.script = _script(partial)
    width = columns if partial is WRAPPING else len(FULL_WIDTH) + 4
    t = Pty(["ask", "What first?"], env, columns=width, rows=24)
    t.expect(partial.split()[-1])
    time.sleep(0.4)  # a refresh or two of the live view
    t.send("x y\x03")  # a key typed ahead, then Ctrl-C
    screen = t.finish()
    assert screen.code == 130
    assert foreign_escapes(screen.raw) == []
    text = " ".join(" ".join(screen.lines).split())
    assert text.count("A finished paragraph.") == 1
    assert text.count(" ".join(partial.split())) == 1, screen.text
    assert "never shown" not in text and "^C" not in text and "x y" not in text
    # the answer, then straight away the note, then nothing
    notes = [i for i, ln in enumerate(screen.lines) if ln.startswith("stopped; ")]
    assert len(notes) == 1 and notes[0] == len(screen.lines) - 1, screen.text
    assert screen.lines[notes[0] - 1].endswith(partial.split()[-1]), screen.text
    assert t.lflag is not None and t.lflag & termios.ECHO  # echo is back on
    saved = json.loads(cli("ask", "--continue", "-o", "json").out)
    last = saved["messages"][-1]
    assert last["incomplete"] is True and last["content"].endswith(partial)


def test_ctrl_c_in_the_chat_leaves_the_answer_once_and_the_chat_goes_on(env, llm):
    llm.script = _script(FULL_WIDTH)
    t = Pty(["ask"], env, columns=len(FULL_WIDTH) + 4, rows=30)
    t.expect(r"you> ")
    time.sleep(0.2)
    t.send("What first?\n")
    t.expect("in that order")
    time.sleep(0.4)
    t.send("\x03")
    t.expect("stopped; the answer so far is kept")
    t.expect(r"you> $")
    time.sleep(0.3)
    t.send("/exit\n")
    screen = t.finish()
    assert screen.code == 0
    assert foreign_escapes(screen.raw) == []
    lines = screen.lines
    assert " ".join(lines).count(FULL_WIDTH) == 1, screen.text
    at = next(i for i, ln in enumerate(lines) if FULL_WIDTH in ln)
    assert lines[at + 1] == "stopped; the answer so far is kept", screen.text
    assert lines[at + 2 :][:2] == ["", "you> /exit"], screen.text
    assert t.lflag is not None and t.lflag & termios.ECHO


def test_the_renderer_gives_the_terminal_and_ctrl_c_back(monkeypatch):
    """Without a terminal nothing is touched; SIGINT is Python's own again after finish."""
    import signal

    from rich.console import Console

    from arangetram_cli.ai.render import MarkdownStream

    r, w = os.pipe()
    try:
        with os.fdopen(w, "w") as f:
            md = MarkdownStream(Console(file=f, force_terminal=True, width=40), auto_refresh=False)
            md.feed("Hello")
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
            md.finish()
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        os.close(r)
