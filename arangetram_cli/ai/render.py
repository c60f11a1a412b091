"""Streaming an answer to the screen.

Re-parsing the whole answer as Markdown on every chunk costs more as the answer grows, and a
Rich `Live` showing a long answer either hides its tail (cropped to the screen) or leaves
copies of it in the scrollback. So `MarkdownStream` prints each finished block permanently
(a block ends at a blank line outside a code fence) and keeps only the last, still-changing
block in a transient `Live`, showing the bottom of it when it is taller than the screen. The
work per chunk is bounded by the size of the current block, never by the whole answer.

`PlainStream` writes the text as it comes and flushes each chunk: for pipes and files.

An answer is other people's text (a model's, steered by whatever it read): both renderers pass
it through arangetram_cli/sanitize.py, so a terminal escape, a bidi override or an invisible
character in it is shown escaped and never acts; Markdown links show their address (Rich's
clickable links would hide it behind any text).
"""

from __future__ import annotations

import contextlib
import copy
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

from arangetram_cli.sanitize import ZWJ, ZWNJ, visible

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class Renderer(Protocol):
    def feed(self, text: str) -> None: ...
    def finish(self) -> None: ...


# A chunk that ends in one of these waits for the next: whether a joiner is text or an
# invisible trick depends on what follows it, and CR LF is one line break.
_HOLD = (ZWJ, ZWNJ, "\r")


class PlainStream:
    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self._last = ""  # the last character written (a line break is added after the end)
        self._prev = ""  # the last character of the raw text written, its context
        self._held = ""

    def feed(self, text: str) -> None:
        if not text:
            return
        data = self._held + text
        end = len(data)
        while end and data[end - 1] in _HOLD:
            end -= 1
        self._held = data[end:]
        self._write(data[:end])

    def _write(self, raw: str) -> None:
        if not raw:
            return
        if self._prev:  # sanitized with the character before it, then that one taken off
            out = visible(self._prev + raw, multiline=True)
            out = out[len(visible(self._prev, multiline=True)) :]
        else:
            out = visible(raw, multiline=True)
        self._prev = raw[-1]
        if out:
            self.stream.write(out)
            self.stream.flush()
            self._last = out[-1]

    def finish(self) -> None:
        held, self._held = self._held, ""
        self._write(held)
        if self._last and self._last != "\n":
            self.stream.write("\n")
            self.stream.flush()
        self._last = self._prev = ""


class _Tail:
    """A renderable showing only the last lines of another that fit on the screen."""

    def __init__(self, renderable: Any, reserve: int = 1) -> None:
        self.renderable = renderable
        self.reserve = reserve

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import Segment  # noqa: PLC0415 (rich loads only when an answer is drawn)

        lines = console.render_lines(self.renderable, options, pad=False)
        room = max(1, console.size.height - self.reserve)
        if len(lines) > room:
            lines = lines[-room:]
        for line in lines:
            yield from line
            yield Segment.line()


class _Keyboard:
    """The terminal while an answer is drawn, so that Ctrl-C leaves exactly what was on screen,
    once.

    - The terminal's echo is off: the `^C` it would echo (and any key typed ahead) lands after
      the live view's last line, wraps a full-width line, and the live view, which erases the
      lines it drew, then erases one too few: the partial answer showed twice. Typed-ahead
      keys stay buffered for the next prompt.
    - Ctrl-C raises only between draws: a KeyboardInterrupt in the middle of one leaves Rich's
      buffer or the live view out of step with the screen (a block printed twice, or lost).
    """

    def __init__(self, file: Any) -> None:
        self.file = file
        self._tty: tuple[int, list[Any]] | None = None
        self._handler: Any = None
        self._drawing = False
        self._pending = False

    def take(self) -> None:
        if self._handler is not None or self._tty is not None:
            return
        with contextlib.suppress(Exception):  # not a terminal, or no termios (Windows)
            import termios  # noqa: PLC0415 (POSIX only)

            fd = self.file.fileno()
            old = termios.tcgetattr(fd)
            quiet = copy.deepcopy(old)
            quiet[3] &= ~termios.ECHO
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
            self._tty = (fd, old)
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if previous is signal.default_int_handler:  # only Python's own: leave others be
                signal.signal(signal.SIGINT, self._on_sigint)
                self._handler = previous

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self._drawing:
            self._pending = True
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def drawing(self) -> Iterator[None]:
        self._drawing = True
        try:
            yield
        finally:
            self._drawing = False
        if self._pending:
            self._pending = False
            raise KeyboardInterrupt

    def give_back(self) -> None:
        if self._handler is not None:
            signal.signal(signal.SIGINT, self._handler)
            self._handler = None
        if self._tty is not None:
            import termios  # noqa: PLC0415 (POSIX only)

            fd, old = self._tty
            self._tty = None
            with contextlib.suppress(Exception):
                termios.tcsetattr(fd, termios.TCSANOW, old)


class MarkdownStream:
    """Markdown on a terminal: finished blocks printed once, the open block live."""

    def __init__(
        self,
        console: Any,
        *,
        min_interval: float = 0.05,
        auto_refresh: bool = True,
        code_theme: str = "monokai",
    ) -> None:
        self.console = console
        self.min_interval = min_interval
        self.auto_refresh = auto_refresh
        self.code_theme = code_theme
        self._lines: list[str] = []  # complete lines of the open block
        self._partial = ""  # the line still being written
        self._fence: str | None = None  # the marker of an open code fence
        self._blocks = 0
        self._live: Any = None
        self._shown: str | None = None  # the text the live view shows
        self._renderable: Any = None
        self._last_refresh = 0.0
        self._template: Any = None
        self._parser: Any = None
        self._keyboard = _Keyboard(getattr(console, "file", None))

    # ---- blocks ----------------------------------------------------------------------------
    def feed(self, text: str) -> None:
        if not text:
            return
        self._keyboard.take()
        with self._keyboard.drawing():
            self._feed(text)

    def _feed(self, text: str) -> None:
        data = self._partial + text
        if "\n" in data:
            *complete, self._partial = data.split("\n")
            for line in complete:
                self._line(line[:-1] if line.endswith("\r") else line)  # CR LF is a line end
        else:
            self._partial = data
        self._update()

    def _line(self, line: str) -> None:
        if self._fence is None:
            m = _FENCE.match(line)
            if m:
                self._fence = m.group(1)
            elif not line.strip():
                if self._lines:
                    self._print_block()
                return
        else:
            s = line.strip()
            mark = self._fence
            if s and set(s) == {mark[0]} and len(s) >= len(mark):
                self._fence = None
        self._lines.append(line)

    def _markdown(self, text: str) -> Any:
        """A rich Markdown of text. Rich builds a new markdown-it parser for every Markdown
        (about 1 ms, more than parsing a paragraph), so one parser is kept and copies of one
        template Markdown get the parsed tokens."""
        if self._template is None:
            from markdown_it import MarkdownIt  # noqa: PLC0415 (rich loads only when an answer is drawn)
            from rich.markdown import Markdown  # noqa: PLC0415 (rich loads only when an answer is drawn)

            self._template = Markdown("", code_theme=self.code_theme, hyperlinks=False)
            self._parser = MarkdownIt().enable("strikethrough").enable("table")
        text = visible(text, multiline=True)
        md = copy.copy(self._template)
        md.markup = text
        md.parsed = _visible_tokens(self._parser.parse(text))
        return md

    def _print_block(self) -> None:
        block = "\n".join(self._lines)
        self._lines = []
        if block == self._shown and isinstance(self._renderable, _Tail):
            md = self._renderable.renderable  # the live view parsed it already
        else:
            md = self._markdown(block)
        self._print(md)

    def _print(self, renderable: Any) -> None:
        if self._blocks:
            self.console.print()
        self.console.print(renderable)
        self._blocks += 1

    # ---- the live block --------------------------------------------------------------------
    def _open_text(self) -> str:
        if self._partial:  # a CR at its end is likely half of a CR LF still on its way
            return "\n".join([*self._lines, self._partial.removesuffix("\r")])
        return "\n".join(self._lines)

    def _get_renderable(self) -> Any:
        text = self._open_text()
        if text != self._shown:
            self._shown = text
            self._renderable = _Tail(self._markdown(text)) if text.strip() else ""
        return self._renderable

    def _update(self) -> None:
        now = time.perf_counter()
        if self._live is None:
            from rich.live import Live  # noqa: PLC0415 (rich loads only when an answer is drawn)

            self._live = Live(
                console=self.console,
                transient=True,
                auto_refresh=self.auto_refresh,
                refresh_per_second=4,  # only catches up during pauses; chunks refresh below
                redirect_stdout=False,
                redirect_stderr=False,
                vertical_overflow="crop",
                get_renderable=self._get_renderable,
            )
            self._live.start(refresh=True)
            self._last_refresh = now
            return
        if now - self._last_refresh >= self.min_interval:
            self._live.refresh()
            self._last_refresh = now

    def finish(self) -> None:
        """Print the open block permanently and end the live view (also after an error or
        Ctrl-C: nothing that was shown is lost, nothing shows twice)."""
        try:
            with self._keyboard.drawing():
                self._finish()
        finally:
            self._keyboard.give_back()

    def _finish(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self._partial:
            self._lines.append(self._partial)
            self._partial = ""
        if any(ln.strip() for ln in self._lines):
            self._print_block()
        self._lines = []
        self._fence = None


def _visible_tokens(tokens: list[Any]) -> list[Any]:
    """Tokens with their text sanitized again: the parser decodes character references, and
    `&#x202e;` is a bidi override by the time Rich draws it."""
    for tok in tokens:
        if tok.content:
            tok.content = visible(tok.content, multiline=True)
        if tok.attrs:
            tok.attrs = {k: visible(v) if isinstance(v, str) else v for k, v in tok.attrs.items()}
        if tok.children:
            _visible_tokens(tok.children)
    return tokens


def renderer_for(stream: Any = None, *, color: bool = True) -> Renderer:
    """Markdown on a terminal, plain text otherwise."""
    stream = stream if stream is not None else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if not tty:
        return PlainStream(stream)
    from rich.console import Console  # noqa: PLC0415 (rich loads only when an answer is drawn)

    console = Console(file=stream, no_color=not color, highlight=False)
    return MarkdownStream(console)
