"""The chat at a real terminal (a pseudo-terminal): history kept, /new, /event, /exit, and
Ctrl-C stopping an answer without losing the chat."""

from __future__ import annotations

import os
import re
import select
import socket
import sys
import time

import pytest

from tests.ai.conftest import login
from tests.ai.fake_llm import DONE, Pause, Raw, chunk, stream

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")


class Terminal:
    """A child process on a pseudo-terminal, read and written like a person would."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        import pty

        pid, fd = pty.fork()
        if pid == 0:  # the child: stdin, stdout and stderr are the terminal
            os.execve(sys.executable, [sys.executable, *args], env)
        self.pid, self.fd = pid, fd
        self.seen = ""
        self.pos = 0

    def expect(self, pattern: str, timeout: float = 20.0) -> str:
        """Wait until pattern shows up after the last match; return the text up to it."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.seen, self.pos)
            if m:
                before = self.seen[self.pos : m.end()]
                self.pos = m.end()
                return before
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} not seen; screen so far:\n{self.seen[-2000:]}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                if not data:
                    raise AssertionError(f"{pattern!r} not seen before exit:\n{self.seen[-2000:]}")
                self.seen += ANSI.sub("", data.decode("utf-8", "replace"))

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def kill(self) -> None:
        """Stop the child if it is still there (a test that failed half-way)."""
        try:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except OSError:
            pass

    def wait(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:  # keep draining so the child never blocks on a full terminal
                while select.select([self.fd], [], [], 0.05)[0]:
                    if not os.read(self.fd, 65536):
                        break
            except OSError:
                pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        raise AssertionError("the chat did not exit")


@pytest.fixture
def term_env(env, llm):
    return {**env, "TERM": "xterm", "COLUMNS": "100", "LINES": "40"}


def test_chat_keeps_history_and_survives_ctrl_c(cli, llm, term_env):
    t = Terminal(["-m", "arangetram_cli", "ask"], term_env)
    try:
        t.expect(r"Arangetram planning assistant \(custom \(test-model\)\)")
        t.expect(r"you> ")
        llm.script = [Raw(chunk("Book the hall ")), Pause(30), Raw(chunk("never")), Raw(DONE)]
        t.send("What first?\n")
        t.expect(r"Book the hall")
        time.sleep(0.3)
        t.send("\x03")  # Ctrl-C, through the terminal
        t.expect(r"stopped; the answer so far is kept")
        t.expect(r"you> ")
        llm.script = stream("Then the orchestra.")
        t.send("And then?\n")
        t.expect(r"Then the orchestra\.")
        sent = [(m["role"], m["content"]) for m in llm.requests[-1]["body"]["messages"][1:]]
        assert sent == [
            ("user", "What first?"),
            ("assistant", "Book the hall "),
            ("user", "And then?"),
        ]
        t.expect(r"you> ")
        # Wait for each prompt before typing: typed-ahead input is echoed out of order and
        # would let a later `you> ` match an earlier prompt.
        t.send("/new\n")
        t.expect(r"new conversation")
        t.expect(r"you> ")
        t.send("/event nope\n")
        t.expect(r"error: not logged in")
        t.expect(r"you> ")
        llm.script = stream("Fresh start.")
        t.send("Another topic\n")
        t.expect(r"Fresh start\.")
        assert len(llm.requests[-1]["body"]["messages"]) == 2  # system + the new question
        t.expect(r"you> ")
        time.sleep(0.3)  # let readline take the terminal before the interrupt
        t.send("\x03")  # Ctrl-C at the prompt does not leave
        t.expect(r"/exit or Ctrl-D leaves the chat")
        t.send("/exit\n")
        assert t.wait() == 0
    finally:
        t.kill()
    rows = cli("ask", "--history").json()
    assert [(c["title"], c["message_count"]) for c in rows] == [
        ("Another topic", 2),
        ("What first?", 4),
    ]
    first = cli("ask", "--show", rows[1]["id"], "-o", "json").json()
    stopped = first["messages"][1]
    assert stopped["content"] == "Book the hall " and stopped["incomplete"] is True
    assert stopped["error"] == "stopped with Ctrl-C"
    assert "incomplete" not in first["messages"][3]


def test_chat_event_command_and_ctrl_d(cli, llm, term_env):
    assert cli("seed").code == 0
    login(cli, "chat@example.com")
    ev = cli("events", "create", "--name", "Chat Event", "--date", "2027-03-01").json()
    t = Terminal(["-m", "arangetram_cli", "ask", "--offline"], term_env)
    try:
        t.expect(r"the offline planner")
        t.expect(r"you> ")
        t.send(f"/event {ev['id'][:8]}\n")
        t.expect(rf"event: {ev['id'][:8]}")
        t.send("How much will it cost?\n")
        t.expect(r"Offline planner")
        t.expect(r"Chat Event")
        t.expect(r"Total")
        t.expect(r"you> ")
        t.send("\x04")  # Ctrl-D leaves
        assert t.wait() == 0
    finally:
        t.kill()
    conv = cli("ask", "--continue", "-o", "json").json()
    assert conv["event_id"] == ev["id"] and conv["messages"][1]["source"] == "offline"
    assert llm.requests == []


def test_chat_errors_mask_a_password_in_the_provider_url(llm, term_env):
    """An error inside the chat is the one `error:` line every command prints: a password in
    the provider's URL (OLLAMA_HOST, ARANGETRAM_LLM_BASE_URL) is not shown."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing answers there
    url = f"http://planner:hunter2-secret@127.0.0.1:{port}/v1"
    t = Terminal(["-m", "arangetram_cli", "ask"], {**term_env, "ARANGETRAM_LLM_BASE_URL": url})
    try:
        t.expect(r"you> ")
        t.send("What first?\n")
        line = t.expect(r"error: cannot reach[^\n]*\n")
        t.expect(r"you> ")
        t.send("/exit\n")
        assert t.wait() == 0
    finally:
        t.kill()
    assert "planner:***@127.0.0.1" in line, line
    assert "hunter2" not in t.seen
