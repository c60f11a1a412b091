"""The one boundary for human-facing text (arangetram_cli/sanitize.py) and the places that
use it: what is escaped, what is kept, and that data never becomes Rich markup."""

from __future__ import annotations

import io
import json

import pytest

from arangetram_cli.sanitize import rich_text, visible
from tests.reliability.hostile import HOSTILE, READABLE

PW = "correct horse battery\n"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Evil \x1b[2J", "Evil \\x1b[2J"),
        ("\x1b]52;c;cm0=\x07", "\\x1b]52;c;cm0=\\x07"),
        ("\x9b31m", "\\x9b31m"),
        ("a\x7fb\x00c", "a\\x7fb\\x00c"),
        ("\u202eGNP.exe", "\\u202eGNP.exe"),
        ("\u2066x\u2069 \u200e\u200f\u061c", "\\u2066x\\u2069 \\u200e\\u200f\\u061c"),
        ("vic\u200btim", "vic\\u200btim"),
        ("vic\u200dtim", "vic\\u200dtim"),  # a joiner between Latin letters: a trick
        ("\u200dlead", "\\u200dlead"),
        ("\u0936\u094d\u200d\u200d\u0930", "\u0936\u094d\\u200d\\u200d\u0930"),  # two in a row
        ("bom\ufeff \u2060 \u00ad", "bom\\ufeff \\u2060 \\xad"),
        ("tag\U000e0041", "tag\\U000e0041"),  # invisible "tag" letters (prompt smuggling)
        ("\u3164", "\\u3164"),
        ("\ud800", "\\ud800"),  # a lone surrogate would crash the encoder
        ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
        ("\u2028", "\\u2028"),
        ("[/] [link=x]y[/link] :smile:", "[/] [link=x]y[/link] :smile:"),
    ],
)
def test_visible_escapes_what_acts_on_a_terminal(raw, shown):
    assert visible(raw) == shown


@pytest.mark.parametrize("text", READABLE)
def test_visible_keeps_indic_persian_and_emoji_text(text):
    assert visible(text) == text
    assert visible(text, multiline=True) == text
    assert rich_text(text).plain == text


def test_multiline_keeps_line_breaks_and_tabs_but_not_a_lone_cr():
    assert visible("one\r\ntwo\n\tthree\rX", multiline=True) == "one\ntwo\n\tthree\\rX"


def test_rich_text_marks_escapes_and_is_never_markup():
    from rich.console import Console

    t = rich_text("[bold]x[/] \x1b[2J")
    assert t.plain == "[bold]x[/] \\x1b[2J"
    assert any(span.style == "reverse" for span in t.spans)
    buf = io.StringIO()
    Console(file=buf, width=80, force_terminal=True).print(t)
    assert "\x1b[2J" not in buf.getvalue() and "[bold]x[/]" in buf.getvalue()


def test_clean_text_takes_the_fast_path():
    s = "Natya Hall, Fremont"
    assert visible(s) is s


@pytest.mark.parametrize("text", HOSTILE)
def test_no_hostile_string_keeps_a_control(text):
    import unicodedata

    for multiline, allowed in ((False, set()), (True, {"\n", "\t"})):
        out = visible(text, multiline=multiline)
        bad = {c for c in out if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")}
        assert bad <= allowed, (text[:40], bad)


# ---- the places that show text -----------------------------------------------------------
def test_markup_in_an_event_name_is_created_once_and_shown(cli):
    assert cli("auth", "register", "--email", "a@example.com", "--name", "[/] Priya",
               "--password-stdin", input=PW).code == 0  # fmt: skip
    r = cli("-o", "table", "events", "create", "--name", "Recital [/]", "--date", "2027-06-12")
    assert r.code == 0, r.err
    assert "Recital [/]" in r.out and "Recital [/]" in r.err  # the panel and the ✓ line
    assert len(cli("events", "list").json()) == 1
    who = cli("-o", "table", "auth", "whoami")
    assert who.code == 0 and "[/] Priya" in who.out


def test_a_link_in_a_vendor_name_is_text_not_a_link(cli):
    cli("auth", "register", "--vendor", "--email", "v@example.com", "--name", "V",
        "--password-stdin", input=PW)  # fmt: skip
    name = "[link=https://evil.example]Trusted Hall[/link] :smile:"
    r = cli("-o", "table", "vendors", "create", "--name", name, "--category", "venue",
            "--location", "Fremont, CA", "--price-range", "$$")  # fmt: skip
    assert r.code == 0, r.err
    assert name in r.out  # the panel's title and its Name row, as typed
    assert "\x1b]8" not in r.out and "😄" not in r.out


def test_messages_and_errors_escape_what_they_quote(cli, capsys):
    from arangetram_cli.cli.output import Output
    from arangetram_cli.cli.output import report_error as _report

    Output().note("vendor \x1b[2J\u202eX")
    Output().success("saved \x1b]52;c;eA==\x07")
    _report("no vendor '\x1b[2J\u202e'", "try \u200b again")
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err and "\u200b" not in err
    assert "vendor \\x1b[2J\\u202eX" in err and "saved \\x1b]52;c;eA==\\x07" in err
    assert "error: no vendor '\\x1b[2J\\u202e' (try \\u200b again)" in err


def test_json_stays_byte_exact_data(cli):
    cli("auth", "register", "--email", "j@example.com", "--name", "\u202eRao \x1b[2J",
        "--password-stdin", input=PW)  # fmt: skip
    me = cli("auth", "whoami", "-o", "json")
    assert json.loads(me.out)["name"] == "\u202eRao \x1b[2J"
    assert "\\u001b[2J" in me.out  # JSON's own escape, not ours


def test_plain_stream_escapes_across_chunks_and_keeps_joiners():
    from arangetram_cli.ai.render import PlainStream

    out = io.StringIO()
    s = PlainStream(out)
    # an escape, CR LF, a Devanagari half form and a trick joiner, each split between chunks
    for piece in ["Evil \x1b", "[2J ok\r", "\nश्", "\u200d", "री vic", "\u200d", "tim \u200d"]:
        s.feed(piece)
    s.finish()
    assert out.getvalue() == "Evil \\x1b[2J ok\nश्\u200dरी vic\\u200dtim \\u200d\n"


def test_markdown_answers_show_link_targets_and_no_decoded_controls():
    from rich.console import Console

    from arangetram_cli.ai.render import MarkdownStream

    buf = io.StringIO()
    md = MarkdownStream(Console(file=buf, width=100, force_terminal=True), auto_refresh=False)
    md.feed("See [the hall](https://evil.example/x) &#x202e;now &#27; \x1b]52;c;eA==\x07\n\n")
    md.finish()
    shown = buf.getvalue()
    assert "https://evil.example/x" in shown  # the address, not a hidden OSC 8 link
    assert "\x1b]8" not in shown and "\x1b]52" not in shown and "\u202e" not in shown
    assert "\\u202enow" in shown and "\\x1b]52;c;eA==\\x07" in shown


def test_markdown_answers_with_crlf_line_ends_show_no_stray_cr():
    from rich.console import Console

    from arangetram_cli.ai.render import MarkdownStream

    buf = io.StringIO()
    md = MarkdownStream(Console(file=buf, width=60, force_terminal=True), auto_refresh=False)
    for piece in ["First line\r", "\nsecond\r\n\r\nNext ", "block\r\n"]:
        md.feed(piece)
    md.finish()
    shown = buf.getvalue()
    assert "\\r" not in shown  # no escaped CR (the live view's own \r moves the cursor)
    assert "First line" in shown and "Next block" in shown
