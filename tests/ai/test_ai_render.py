"""Streaming render: finished blocks printed once, only the open block live, plain text
flushed chunk by chunk when not a terminal."""

from __future__ import annotations

import io
import re

import pytest

from arangetram_cli.ai.render import MarkdownStream, PlainStream, _Tail, renderer_for


def console(file, width=60, height=12):
    from rich.console import Console

    return Console(
        file=file, force_terminal=True, width=width, height=height, color_system=None,
        highlight=False,
    )  # fmt: skip


def paragraphs(n: int) -> str:
    return "".join(f"Paragraph {i} says something about the venue.\n\n" for i in range(n))


def split_chunks(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class Spy(MarkdownStream):
    """Records what is printed permanently and what the live view is asked to render."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.printed: list[str] = []
        self.parsed: list[int] = []

    def _markdown(self, text):
        self.parsed.append(len(text))
        return super()._markdown(text)

    def _print_block(self):
        self.printed.append("\n".join(self._lines))
        super()._print_block()


def test_blocks_end_at_blank_lines_outside_code_fences():
    r = Spy(console(io.StringIO()), auto_refresh=False, min_interval=0)
    text = (
        "# Plan\n\nBook the **venue** first.\nThen the orchestra.\n\n"
        "```python\nx = 1\n\ny = 2\n```\n\n~~~\na\n\n```\nb\n~~~\n\n- one\n- two\n"
    )
    for c in split_chunks(text, 3):
        r.feed(c)
    r.finish()
    assert r.printed == [
        "# Plan",
        "Book the **venue** first.\nThen the orchestra.",
        "```python\nx = 1\n\ny = 2\n```",
        "~~~\na\n\n```\nb\n~~~",
        "- one\n- two",
    ]


def test_work_per_chunk_is_bounded_by_the_open_block_not_the_answer():
    r = Spy(console(io.StringIO()), auto_refresh=False, min_interval=0)
    text = paragraphs(150)
    for c in split_chunks(text):
        r.feed(c)
    r.finish()
    block = len("Paragraph 149 says something about the venue.")
    assert len(r.printed) == 150
    assert max(r.parsed) <= block  # never re-parses what is already printed


def test_unfinished_answer_is_printed_on_finish():
    out = io.StringIO()
    r = MarkdownStream(console(out), auto_refresh=False)
    r.feed("Half a sen")
    r.finish()
    assert "Half a sen" in out.getvalue()


def test_tail_shows_the_bottom_of_a_tall_block():
    from rich.console import Console
    from rich.text import Text

    c = Console(file=io.StringIO(), force_terminal=True, width=40, height=5, color_system=None)
    tall = Text("\n".join(f"line {i}" for i in range(20)))
    lines = c.render_lines(_Tail(tall), c.options, pad=False)
    rendered = ["".join(s.text for s in line).rstrip() for line in lines if line]
    assert rendered[-1] == "line 19" and "line 0" not in rendered
    assert len([x for x in rendered if x]) == 4


def screen_text(width: int, height: int, feed) -> list[str]:
    """Run `feed(console, display)` against a VT100 emulator (`display()` is what the screen
    shows now); returns every line that reached the screen or its scrollback, in order."""
    pyte = pytest.importorskip("pyte")
    screen = pyte.HistoryScreen(width, height, history=10_000)
    stream = pyte.Stream(screen)

    class Term(io.StringIO):
        def write(self, s):
            stream.feed(s.replace("\n", "\r\n"))
            return len(s)

        def isatty(self):
            return True

    feed(console(Term(), width, height), lambda: "\n".join(screen.display))
    top = ["".join(line[x].data for x in range(width)) for line in screen.history.top]
    return [ln.rstrip() for ln in [*top, *screen.display]]


def test_long_answer_shows_its_tail_and_leaves_every_line_once_in_the_scrollback():
    paras = [f"Paragraph {i} says something about the venue.\n\n" for i in range(40)]
    code = "```\n" + "".join(f"code {i}\n" for i in range(30))

    def run(c, display):
        r = MarkdownStream(c, auto_refresh=False, min_interval=0)
        for i, p in enumerate(paras):
            for part in split_chunks(p, 12):
                r.feed(part)
            assert f"Paragraph {i} " in display()  # the newest text is on screen
        for i, part in enumerate(code.splitlines(keepends=True)):
            r.feed(part)
            if i:  # a code block taller than the screen: its bottom stays in view
                assert f"code {i - 1}" in display()
        r.feed("```\n")
        r.finish()

    lines = screen_text(60, 10, run)
    for i in range(40):
        hits = [ln for ln in lines if re.search(rf"\bParagraph {i} ", ln)]
        assert len(hits) == 1, (i, hits)
    for i in range(30):
        assert len([ln for ln in lines if re.search(rf"\bcode {i}\b", ln)]) == 1, i
    said = [int(m.group(1)) for ln in lines if (m := re.search(r"Paragraph (\d+) ", ln))]
    assert said == list(range(40))  # in order, nothing hidden


class Flushes(io.StringIO):
    def __init__(self):
        super().__init__()
        self.flushes = 0

    def flush(self):
        self.flushes += 1


def test_plain_stream_writes_and_flushes_every_chunk():
    out = Flushes()
    r = PlainStream(out)
    for c in ["# Ti", "tle\n\nsome ", "text"]:
        r.feed(c)
    assert out.getvalue() == "# Title\n\nsome text" and out.flushes == 3
    r.finish()
    assert out.getvalue().endswith("text\n")


def test_renderer_for_picks_plain_text_when_not_a_terminal():
    assert isinstance(renderer_for(io.StringIO()), PlainStream)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(renderer_for(Tty()), MarkdownStream)
