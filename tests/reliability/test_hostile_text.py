"""Other people's text never acts on the reader's terminal.

The hostile strings of hostile.py (ESC/CSI/OSC 8/OSC 52, C1, BEL, bidi, zero-width, Rich
markup, formula prefixes, 10k characters) are stored through every field a person can set:
vendor name, description, services, location and estimate (a profile and an import), event
name, location, time and notes, booking message, reply and cancel reason, review text and
reply, a user's name, a question and an AI answer. Then every human-facing command that shows
them runs in a real pseudo-terminal at 80 and 140 columns, played into pyte:

* the exit code is the one the command has with ordinary text;
* no escape sequence reaches the terminal but the ones Rich writes itself (colours, and the
  cursor moves of a streamed answer), no C1 control, BEL or backspace, no bidi control or
  zero-width character reaches the screen, and nothing crashes (no traceback);
* the text is there, escaped and visible (`\\x1b[2J`), and Indic names stay readable.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.cli.terminal import BIDI_AND_INVISIBLE, Screen, foreign_escapes, run
from tests.conftest import isolated_env
from tests.reliability.hostile import HOSTILE, READABLE

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty"),
]

PASSWORD = "correct horse battery\n"
LONG = HOSTILE[-1]
SHORT = [s for s in HOSTILE if s is not LONG]


def name(s: str) -> str:
    """A name field's share of a hostile string (names take 200 characters)."""
    return s[:200]


@dataclass
class World:
    env: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)

    def cli(self, *args: str, input: str | None = None, want: int | None = 0) -> Any:
        """In-process (fast) for building the world; JSON out."""
        from typer.testing import CliRunner

        from arangetram_cli.cli.app import app

        r = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
        if want is not None:
            assert r.exit_code == want, (args, r.exit_code, r.stderr[-2000:])
        return json.loads(r.stdout) if r.stdout.strip().startswith(("{", "[")) else r.stdout


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from tests.ai.fake_llm import FakeLLM, stream

    tmp = tmp_path_factory.mktemp("hostile")
    env = isolated_env(tmp)
    llm = FakeLLM().start()
    env.update(
        ARANGETRAM_LLM_BASE_URL=llm.url,
        ARANGETRAM_LLM_API_KEY="sk-test",
        ARANGETRAM_LLM_MODEL="test-model",
        ARANGETRAM_LLM_TIMEOUT="10",
    )
    for k in ("GEMINI_API_KEY", "OPENAI_API_KEY", "EMERGENT_LLM_KEY", "OLLAMA_HOST"):
        env.pop(k, None)
    with pytest.MonkeyPatch.context() as mp:
        for k in list(os.environ):
            if k not in env:
                mp.delenv(k)
        for k, v in env.items():
            mp.setenv(k, v)
        mp.chdir(tmp)
        w = World(env)
        _build(w, tmp, llm, stream)
        yield w
    llm.close()


def _build(w: World, tmp: Path, llm: Any, stream: Any) -> None:
    cli = w.cli
    cli("seed")
    # an import: one vendor per hostile string, half of them venues in San Jose (recommend)
    rows = [
        {
            "business_name": name(s) or "x",
            "category": "venue" if i % 2 else "photographer",
            "description": s[:5000],
            "location": "San Jose, CA" if i % 2 else name(s),
            "price_range": "$",
            "price_estimate": name(s),
            "services": [name(s), "Stage"],
            "rating": 4.9,
            "review_count": 3,
        }
        for i, s in enumerate(HOSTILE + READABLE)
    ]
    path = tmp / "hostile.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cli("seed", "--file", str(path))
    w.ids["imported"] = [
        v["id"] for v in cli("vendors", "list", "--price-range", "$", "--all", "--limit", "200")
    ]

    # a vendor account with a hostile profile, and a family with a hostile name
    family = "[/] Priya \x1b]52;c;cm0gLXJmIH4K\x07 \u202eRao"
    cli("auth", "register", "--email", "f@example.com", "--name", family, "--password-stdin",
        input=PASSWORD)  # fmt: skip
    cli("-p", "v", "auth", "register", "--vendor", "--email", "v@example.com", "--name",
        HOSTILE[1], "--password-stdin", input=PASSWORD)  # fmt: skip
    services = [a for s in SHORT for a in ("--service", name(s))][:40]
    vendor = cli(
        "-p", "v", "vendors", "create", "--name", name(HOSTILE[0]), "--category", "venue",
        "--location", name(HOSTILE[7]), "--price-range", "$$", "--price-estimate",
        name(HOSTILE[17]), "--description", "\n".join(SHORT)[:5000], *services,
    )  # fmt: skip
    w.ids["vendor"] = vendor["id"]
    cli("-p", "v", "vendors", "update", "--description", "\n".join(SHORT + READABLE)[:5000])

    # events, bookings, replies: one per hostile string, each on its own day
    events, bookings = [], []
    for i, s in enumerate(SHORT):
        ev = cli(
            "events", "create", "--name", name(s), "--date", f"2027-{1 + i % 12:02d}-{1 + i:02d}",
            "--location", name(s), "--time", name(s)[:50], "--notes", s,
        )  # fmt: skip
        events.append(ev["id"])
        b = cli("bookings", "create", "--event", ev["id"], "--vendor", w.ids["vendor"],
                "--message", s)  # fmt: skip
        bookings.append(b["id"])
    for i, b in enumerate(bookings[:12]):
        answer = "accept" if i % 2 else "decline"
        cli("-p", "v", "bookings", "respond", b, answer, "--message", SHORT[i], "--yes")
    cli("bookings", "cancel", bookings[1], "--reason", HOSTILE[0])
    # a past event, completed and reviewed, and the vendor's reply
    past = cli("events", "create", "--name", name(HOSTILE[12]), "--date", "2024-05-04")
    done = cli("bookings", "create", "--event", past["id"], "--vendor", w.ids["vendor"])
    cli("-p", "v", "bookings", "respond", done["id"], "accept", "--message", HOSTILE[13])
    cli("bookings", "complete", done["id"], "--message", HOSTILE[2])
    review = cli("vendors", "review", w.ids["vendor"], "--rating", "5", "--text", "\n".join(SHORT))
    cli("-p", "v", "vendors", "reviews", "reply", review["id"], "--text", HOSTILE[5])
    w.ids.update(events=events, bookings=bookings, done=done["id"])

    # a conversation: a hostile question, a hostile (Markdown) answer
    llm.script = stream(*[s + "\n\n" for s in HOSTILE], "**end of answer**")
    conv = cli("ask", HOSTILE[0] + " " + HOSTILE[7] + "?", "-o", "json")
    w.ids["conv"] = conv["id"]
    w.ids["llm"] = llm


def assert_safe(screen: Screen, code: int = 0) -> None:
    assert "Traceback" not in screen.raw, screen.raw[-3000:]
    assert screen.code == code, (screen.code, screen.text[-3000:])
    assert foreign_escapes(screen.raw) == []
    assert not BIDI_AND_INVISIBLE.search(screen.raw)
    assert not BIDI_AND_INVISIBLE.search(screen.text)


COMMANDS: list[tuple[str, list[str]]] = [
    ("family", ["vendors", "list", "--price-range", "$", "--limit", "100"]),
    ("family", ["vendors", "show", "{vendor}"]),
    ("family", ["vendors", "show", "{imported0}"]),
    ("family", ["vendors", "show", "{imported1}"]),
    ("family", ["vendors", "reviews", "{vendor}"]),
    ("family", ["vendors", "recommend", "--location", "San Jose", "--budget", "$"]),
    ("family", ["events", "list"]),
    ("family", ["events", "show", "{event0}"]),
    ("family", ["events", "show", "{event11}"]),
    ("family", ["bookings", "list"]),
    ("family", ["bookings", "show", "{booking1}"]),
    ("family", ["bookings", "show", "{done}"]),
    ("family", ["auth", "whoami"]),
    ("family", ["ask", "--history"]),
    ("family", ["ask", "--show", "{conv}"]),
    ("family", ["ask", "--offline", "recommend a hall in San Jose"]),
    ("v", ["vendors", "mine"]),
    ("v", ["bookings", "inbox"]),
    ("v", ["bookings", "list", "--as-vendor"]),
    ("v", ["bookings", "show", "{booking0}"]),
]


def _args(w: World, who: str, args: list[str]) -> list[str]:
    subs = {
        "vendor": w.ids["vendor"],
        "imported0": w.ids["imported"][0],
        "imported1": w.ids["imported"][1],
        "event0": w.ids["events"][0],
        "event11": w.ids["events"][11],
        "booking0": w.ids["bookings"][0],
        "booking1": w.ids["bookings"][1],
        "done": w.ids["done"],
        "conv": w.ids["conv"],
    }
    out = [a.format(**subs) if a.startswith("{") else a for a in args]
    return (["-p", "v"] if who == "v" else []) + out


@pytest.mark.parametrize("columns", [80, 140])
@pytest.mark.parametrize(("who", "args"), COMMANDS, ids=[" ".join(a) for _, a in COMMANDS])
def test_every_screen_shows_hostile_text_inert(world, who, args, columns):
    screen = run(_args(world, who, args), world.env, columns=columns, rows=60)
    assert_safe(screen)
    assert screen.lines, "nothing on screen"


def test_the_escapes_are_visible_and_indic_names_readable(world):
    screen = run(["vendors", "show", world.ids["vendor"]], world.env, columns=140, rows=60)
    assert_safe(screen)
    text = screen.text
    assert "Evil \\x1b[2J\\x1b]52;c;cm0gLXJmIH4K\\x1b\\ Hall" in text  # the title, escaped
    assert "\\u202eGNP.exe\\u202c" in text
    # the description: Rich markup shown as typed, joiners of Indic text kept
    assert "[link=https://evil.example]Trusted Hall[/link]" in text
    for s in ("நந்\u200cதினி", "श्\u200dरी", "അവന്\u200d"):
        assert s in screen.raw


def test_family_name_with_markup_reaches_the_vendor_as_text(world):
    screen = run(["-p", "v", "bookings", "show", world.ids["bookings"][0]], world.env, columns=140)
    assert_safe(screen)
    assert "Family         [/] Priya \\x1b]52;c;cm0gLXJmIH4K\\x07 \\u202eRao" in screen.text


def test_a_streamed_hostile_answer_is_shown_inert(world):
    from tests.ai.fake_llm import stream

    world.ids["llm"].script = stream(*[s + "\n\n" for s in SHORT], "**end of answer**")
    screen = run(["ask", "what now?"], world.env, columns=80, rows=30)
    assert_safe(screen)
    assert "end of answer" in screen.text
    assert "\\x1b[2J" in screen.text
    # Markdown links show where they go; no OSC 8 hides it
    assert "https://evil.example" in screen.text


def test_a_hostile_lookup_fails_with_one_inert_line(world):
    screen = run(["vendors", "show", "No " + HOSTILE[0]], world.env, columns=140)
    assert_safe(screen, code=4)
    errors = [ln for ln in screen.lines if ln.startswith("error: ")]
    assert len(errors) == 1, screen.lines
    # the profile and the imported vendor share the name: the error quotes it
    ambiguous = run(["vendors", "show", HOSTILE[0]], world.env, columns=140)
    assert_safe(ambiguous, code=2)
    assert ambiguous.raw.count("error: ") == 1 and "\\x1b[2J" in ambiguous.raw


# `events create` at a terminal asks for each field not given: these give them all
EVERY_FIELD = ["--guests", "120", "--budget", "$$", "--location", "Bay Area"]


def test_markup_in_a_new_event_name_does_not_crash_after_creating_it(world):
    before = len(world.cli("events", "list", "--limit", "1000"))
    screen = run(
        [
            "events",
            "create",
            "--name",
            "Recital [/]",
            "--date",
            "2027-09-09",
            *EVERY_FIELD,
            "-o",
            "table",
        ],
        world.env,
        columns=80,
    )
    assert_safe(screen)
    assert "Recital [/]" in screen.text
    assert len(world.cli("events", "list", "--limit", "1000")) == before + 1


def test_ten_thousand_characters_are_refused_in_one_line(world):
    args = ["events", "create", "--name", LONG, "--date", "2027-09-09", *EVERY_FIELD]
    screen = run(args, world.env, columns=80)
    assert_safe(screen, code=2)
    assert len([ln for ln in screen.lines if ln.startswith("error: ")]) == 1
    assert len(screen.text) < 2000  # the refusal does not echo the whole value


def test_commands_that_change_things_show_hostile_input_inert(world):
    v, events, bookings = world.ids["vendor"], world.ids["events"], world.ids["bookings"]
    runs = [
        (["events", "create", "--name", name(HOSTILE[0]), "--date", "2027-10-10", "--notes",
          HOSTILE[2], *EVERY_FIELD, "-o", "table"], None),
        (["events", "update", events[3], "--name", name(HOSTILE[13])], None),
        (["bookings", "create", "--event", events[2], "--vendor", v, "--message", HOSTILE[5]],
         None),
        (["-p", "v", "bookings", "respond", bookings[13], "decline", "--message", HOSTILE[9]],
         None),
        (["-p", "v", "vendors", "update", "--location", name(HOSTILE[8])], None),
        (["auth", "whoami"], None),
    ]  # fmt: skip
    for args, _ in runs:
        for columns in (80, 140):
            if columns == 140 and args[0] != "auth":
                continue  # a change happens once; the screens above cover 140 columns
            screen = run(args, world.env, columns=columns)
            assert_safe(screen)
            assert any(ln.startswith("✓ ") for ln in screen.lines) or args[0] == "auth"
