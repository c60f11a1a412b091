"""The CLI in a real pseudo-terminal of a given size, its output played into a pyte screen:
what a person would see, lines that scrolled away included, and the raw bytes the terminal
received (to check which escape sequences reached it)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time
from dataclasses import dataclass

import pyte

# What Rich itself writes to a terminal: colours and styles (SGR), and for the live view of a
# streamed answer, hiding the cursor, moving it up and erasing lines. Anything else that
# starts with ESC (OSC 52, OSC 8, ESC[2J, DCS, ...) or a C1 control came from the data.
ALLOWED_ESCAPES = re.compile(
    r"\x1b\[[0-9;]*m"  # SGR
    r"|\x1b\[\?25[lh]"  # cursor off/on
    r"|\x1b\[[0-9]*[ABCDG]"  # cursor moves (Live redraws)
    r"|\x1b\[[0-2]?K"  # erase in line
    r"|\x1b\[\?2004[hl]"  # bracketed paste (readline, prompt_toolkit)
    r"|\x1b\[\?1[hl]|\x1b[=>]"  # keypad modes (readline)
)
BIDI_AND_INVISIBLE = re.compile("[\u061c\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
C1 = re.compile("[\x80-\x9f]")


def foreign_escapes(raw: str) -> list[str]:
    """The escape sequences and C1 controls in `raw` that Rich would not have written."""
    rest = ALLOWED_ESCAPES.sub("", raw)
    found = [rest[i : i + 12] for i in range(len(rest)) if rest[i] == "\x1b"]
    return found + C1.findall(rest) + [c for c in rest if c in "\x07\x08\x0b\x0c"]


@dataclass
class Screen:
    code: int
    raw: str
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class Pty:
    """A child `python -m arangetram_cli ARGS` on a pseudo-terminal of columns x rows."""

    def __init__(self, args: list[str], env: dict[str, str], *, columns: int, rows: int = 50):
        import pty

        env = {**env, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
        pid, fd = pty.fork()
        if pid == 0:  # the child: stdin, stdout and stderr are the terminal
            os.execve(sys.executable, [sys.executable, "-m", "arangetram_cli", *args], env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.pid, self.fd = pid, fd
        self.screen = pyte.HistoryScreen(columns, rows, history=100_000)
        self.screen.set_mode(pyte.modes.LNM)  # a pty turns \n into \r\n; pyte's default does not
        self.stream = pyte.Stream(self.screen)
        self.raw = ""
        self._decoder = __import__("codecs").getincrementaldecoder("utf-8")("replace")
        self.code: int | None = None
        self.lflag: int | None = None

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            return False
        text = self._decoder.decode(data)
        self.raw += text
        # pyte stops drawing a chunk at a zero-width character that is not a combining mark
        # (ZWJ, ZWNJ), where a terminal joins the letters around it: it gets them without.
        self.stream.feed(text.replace("\u200c", "").replace("\u200d", ""))
        return True

    def expect(self, pattern: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while not rx.search(self.raw):
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.2)):
                raise AssertionError(f"{pattern!r} not seen; so far:\n{self.raw[-2000:]}")

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def finish(self, timeout: float = 60.0) -> Screen:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            alive = self._read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.05) and select.select([self.fd], [], [], 0)[0]:
                    pass
                try:  # the terminal's modes as the child left them (Linux: master = slave's)
                    self.lflag = termios.tcgetattr(self.fd)[3]
                except termios.error:
                    self.lflag = None
                os.close(self.fd)
                self.code = os.waitstatus_to_exitcode(status)
                return Screen(self.code, self.raw, self.lines())
            if not alive:
                time.sleep(0.02)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError(f"did not exit in {timeout}s; so far:\n{self.raw[-2000:]}")

    def lines(self) -> list[str]:
        cols = self.screen.columns
        history = [
            "".join(line[x].data for x in range(cols)).rstrip() for line in self.screen.history.top
        ]
        lines = history + [ln.rstrip() for ln in self.screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines


def run(args: list[str], env: dict[str, str], *, columns: int, rows: int = 50) -> Screen:
    """Run one command to its end in a terminal of that size."""
    return Pty(args, env, columns=columns, rows=rows).finish()
