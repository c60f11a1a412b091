"""Tables that fit the terminal (issue 13): at 80, 100 and 140 columns every table stays within
the width, ids, dates and statuses are never wrapped or cut, the four everyday lists (`vendors
list`, `events list`, `bookings list`, `bookings inbox`) take one line per row, low-priority
columns drop first with a note that `-o wide` shows them, and `-o wide` shows everything.

Most checks use the real commands with Rich writing to a non-terminal at COLUMNS=width (Rich
lays out for that width); the everyday lists are also checked on a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from rich.cells import cell_len

from tests.cli.terminal import run
from tests.conftest import isolated_env

PASSWORD = "correct horse battery\n"
WIDTHS = (80, 100, 140)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
STATUSES = ("planning", "confirmed", "completed", "pending", "accepted", "declined", "cancelled")


@dataclass
class World:
    env: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)

    def cli(self, *args: str, input: str | None = None, columns: int = 200, want: int = 0) -> Any:
        from typer.testing import CliRunner

        from arangetram_cli.cli.app import app

        r = CliRunner().invoke(
            app, list(args), input=input, env={"COLUMNS": str(columns)}, catch_exceptions=False
        )
        assert r.exit_code == want, (args, r.exit_code, r.stderr[-2000:])
        return r

    def json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "-o", "json").stdout)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("tables")
    env = isolated_env(tmp)
    with pytest.MonkeyPatch.context() as mp:
        for k in list(os.environ):
            if k not in env:
                mp.delenv(k)
        for k, v in env.items():
            mp.setenv(k, v)
        mp.chdir(tmp)
        w = World(env)
        _build(w)
        yield w


def _build(w: World) -> None:
    cli = w.cli
    cli("seed")
    cli("auth", "register", "--email", "asha@example.com", "--name", "Asha Raghunathan-Venkatesan",
        "--password-stdin", input=PASSWORD)  # fmt: skip
    cli("-p", "hall", "auth", "register", "--vendor", "--email", "hall@example.com", "--name",
        "Natya Hall", "--password-stdin", input=PASSWORD)  # fmt: skip
    estimate = "$3,000 - $4,500 for the evening, lights included"
    hall = w.json("-p", "hall", "vendors", "create", "--name", "Natya Kala Mandir Auditorium "
                  "and Community Hall", "--category", "venue", "--location",
                  "Fremont, CA (Warm Springs district)", "--price-range", "$$",
                  "--price-estimate", estimate)  # fmt: skip
    vendors = [v["id"] for v in w.json("vendors", "list", "--limit", "6")]
    names = [
        "Meera's Arangetram at the Grand Community Hall of Fremont",
        "Sruthi",
        "Ananya Ramaswamy Bharatanatyam Arangetram (with the full Carnatic orchestra)",
        "Recital",
    ]
    events = []
    for i, n in enumerate(names):
        ev = w.json("events", "create", "--name", n, "--date", f"2027-0{i + 3}-1{i}",
                    "--guests", str(150 + 100 * i), "--location",
                    "San Jose, Santa Clara County, California")  # fmt: skip
        events.append(ev["id"])
    cli("events", "update", events[0], "--status", "confirmed")
    for i, ev in enumerate(events):
        cli("bookings", "create", "--event", ev, "--vendor", vendors[i], "--message",
            "Namaste! Is the date free? We expect about three hundred guests and need the "
            "whole day, including the morning rehearsal.")  # fmt: skip
        ask = f"Request {i}: the main hall with green room and parking for 120 cars"
        b = w.json("bookings", "create", "--event", ev, "--vendor", hall["id"], "--message", ask)
        if i % 2:
            cli("-p", "hall", "bookings", "respond", b["id"], "accept", "--message",
                "Confirmed! Please send the deposit within two weeks of this message.")  # fmt: skip
    past = w.json("events", "create", "--name", "Varnam evening", "--date", "2024-05-04")
    done = w.json("bookings", "create", "--event", past["id"], "--vendor", hall["id"])
    cli("-p", "hall", "bookings", "respond", done["id"], "accept")
    cli("bookings", "complete", done["id"])
    text = "A lovely hall with excellent acoustics; parking was tight on the day."
    review = w.json("vendors", "review", hall["id"], "--rating", "4", "--text", text)
    cli("-p", "hall", "vendors", "reviews", "reply", review["id"], "--text",
        "Thank you! We have added a second lot since then.")  # fmt: skip
    cli("ask", "--offline", "What does an orchestra cost for a 300-guest Arangetram?")
    cli("ask", "--offline", "Which halls in Fremont seat 400?")
    w.ids.update(hall=hall["id"], events=events, done=done["id"])


def _tables(w: World) -> list[tuple[str, list[str], bool]]:
    """(name, command, one line per row) for every command that draws a table."""
    return [
        ("vendors list", ["vendors", "list"], True),
        ("events list", ["events", "list"], True),
        ("bookings list", ["bookings", "list"], True),
        ("bookings inbox", ["-p", "hall", "bookings", "inbox"], True),
        ("bookings list --as-vendor", ["-p", "hall", "bookings", "list", "--as-vendor"], True),
        ("vendors categories", ["vendors", "categories"], False),
        ("vendors recommend", ["vendors", "recommend", "--budget", "$$$$"], False),
        ("vendors reviews", ["vendors", "reviews", w.ids["hall"]], False),
        ("events show (selected vendors)", ["events", "show", w.ids["events"][0]], False),
        ("bookings show (history)", ["bookings", "show", w.ids["done"]], False),
        ("ask --history", ["ask", "--history"], False),
        ("config show", ["config", "show"], False),
        ("config profiles", ["config", "profiles"], False),
    ]


def _ids(w: World, args: list[str]) -> list[str]:
    """The short ids of the rows, from the same command's JSON."""
    doc = w.json(*args)
    rows = doc if isinstance(doc, list) else []
    return [str(r.get("id", ""))[:8] for r in rows if r.get("id")]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_table_fits_and_never_cuts_an_id_date_or_status(world, width):
    for name, args, one_line in _tables(world):
        r = world.cli("-o", "table", *args, columns=width)
        lines = r.stdout.splitlines()
        assert lines, name
        too_wide = [ln for ln in lines if cell_len(ln) > width]
        assert not too_wide, f"{name} at {width}: {too_wide[:2]}"
        ids = _ids(world, args) if one_line else []
        for short in ids:
            rows = [ln for ln in lines if ln.startswith(short)]
            assert len(rows) == 1, f"{name} at {width}: id {short} not whole on one row"
            row = rows[0]
            i = lines.index(row)
            if one_line:  # the next line is the next row (or the end): nothing wrapped
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                assert nxt == "" or re.match(r"[0-9a-f]{8} ", nxt), f"{name}: {row!r} / {nxt!r}"
        if one_line and name != "vendors list":
            for short in ids:
                row = next(ln for ln in lines if ln.startswith(short))
                assert DATE.search(row), f"{name} at {width}: no whole date in {row!r}"
                assert any(re.search(rf"\b{s}\b", row) for s in STATUSES), row
        if one_line:
            assert len(lines) == 3 + len(ids), f"{name} at {width}:\n{r.stdout}"


def test_narrow_tables_drop_low_priority_columns_and_say_so(world):
    narrow = world.cli("-o", "table", "vendors", "list", columns=80)
    assert "Estimate" not in narrow.stdout and "Rating" in narrow.stdout
    assert "Estimate hidden at 80 columns; -o wide shows every column" in narrow.stderr
    assert "…" in narrow.stdout  # long names cut with an ellipsis
    roomy = world.cli("-o", "table", "vendors", "list", columns=140)
    assert "Estimate" in roomy.stdout and "hidden" not in roomy.stderr
    events = world.cli("-o", "table", "events", "list", columns=80)
    assert "Where" not in events.stdout
    assert re.search(r"\bWhere\b[\w, ]* hidden at 80 columns", events.stderr), events.stderr


@pytest.mark.parametrize("flag", [["-o", "wide"], ["--wide"], ["-o", "table", "--wide"]])
def test_wide_shows_every_column_and_all_text(world, flag):
    r = world.cli(*flag, "events", "list", columns=80)
    assert "Where" in r.stdout and "hidden" not in r.stderr
    assert "…" not in r.stdout
    flat = " ".join(r.stdout.split())
    assert "Santa Clara" in flat and "Carnatic" in flat
    for line in r.stdout.splitlines():  # ids still whole
        assert not re.match(r"^[0-9a-f]{1,7}$", line.strip())


def test_wide_after_the_command_and_piped(world):
    r = world.cli("vendors", "list", "-o", "wide", "--limit", "3", columns=80)
    assert "Estimate" in r.stdout  # wider than 80 when piped: nothing folded or dropped
    assert any(cell_len(ln) > 80 for ln in r.stdout.splitlines())


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")
@pytest.mark.parametrize(
    "args",
    [
        ["vendors", "list"],
        ["events", "list"],
        ["bookings", "list"],
        ["-p", "hall", "bookings", "inbox"],
    ],
    ids=["vendors list", "events list", "bookings list", "bookings inbox"],
)
def test_one_line_per_row_on_an_80_column_terminal(world, args):
    ids = _ids(world, args)
    assert ids
    screen = run(args, world.env, columns=80, rows=80)
    assert screen.code == 0, screen.text
    rows = [ln for ln in screen.lines if re.match(r"[0-9a-f]{8} ", ln)]
    assert [r[:8] for r in rows] == ids, screen.text
    body = screen.lines[screen.lines.index(rows[0]) : screen.lines.index(rows[-1]) + 1]
    assert body == rows, screen.text  # no continuation lines between rows
    for row in rows:
        assert len(row) <= 80
        if args[-1] != "list" or args[0] != "vendors":
            assert DATE.search(row), row


# ---- CSV: formulas neutralized, read back unchanged --------------------------------------
FORMULAS = [
    '=HYPERLINK("https://evil.example","click")',
    "+1-555 =cmd|'/c calc'!A1",
    "-2+3",
    "@SUM(1+1)",
    "'=already quoted",
    "''+twice",
    "Plain Name",
    "it's fine",
]


def _service(f: str) -> str:
    return f.replace("|", "/")  # `|` separates the services of a CSV cell


def test_csv_neutralizes_formula_cells_and_seed_reads_them_back(cli, monkeypatch, tmp_path):
    from arangetram_cli.cli.output import csv_safe

    assert [csv_safe(s)[:2] for s in ("=a", "+a", "-a", "@a", "\ta", "\ra")] == [
        "'=",
        "'+",
        "'-",
        "'@",
        "'\t",
        "'\r",
    ]
    assert csv_safe("Plain") == "Plain" and csv_safe("it's") == "it's"
    rows = [
        {
            "business_name": f,
            "category": "venue",
            "location": f,
            "description": f,
            "price_estimate": f,
            "services": [_service(f), "=second", "Stage"],
        }
        for f in FORMULAS
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert cli("seed", "--file", str(src)).code == 0
    exported = cli("vendors", "list", "--all", "-o", "csv")
    assert exported.code == 0
    import csv as csvmod
    import io

    table = list(csvmod.DictReader(io.StringIO(exported.out)))
    names = {r["business_name"] for r in table}
    assert '\'=HYPERLINK("https://evil.example","click")' in names
    assert "'+1-555 =cmd|'/c calc'!A1" in names and "'-2+3" in names and "'@SUM(1+1)" in names
    assert "''=already quoted" in names and "'''+twice" in names
    assert "Plain Name" in names and "it's fine" in names
    for r in table:  # no cell a spreadsheet would run
        for cell in r.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell

    raw = cli("--csv-raw", "vendors", "list", "--all", "-o", "csv")
    assert '=HYPERLINK(""https://evil.example"",""click"")' in raw.out
    assert "\n'=HYPERLINK" not in raw.out and ",'=HYPERLINK" not in raw.out

    # read back into an empty store: every value as it was
    out = tmp_path / "export.csv"
    out.write_text(exported.out, encoding="utf-8")
    monkeypatch.setenv("ARANGETRAM_DATA_DIR", str(tmp_path / "other"))
    assert cli("seed", "--file", str(out)).code == 0
    back = {v["business_name"]: v for v in cli("vendors", "list", "--all").json()}
    assert set(back) == set(FORMULAS)
    for f in FORMULAS:
        v = back[f]
        assert (v["location"], v["description"], v["price_estimate"]) == (f, f, f)
        assert v["services"] == [_service(f), "=second", "Stage"]


def test_csv_one_item_is_neutralized_too(cli):
    cli("auth", "register", "--email", "x@example.com", "--name", "=1+1", "--password-stdin",
        input=PASSWORD)  # fmt: skip
    r = cli("auth", "whoami", "-o", "csv")
    assert r.code == 0 and ",'=1+1," in r.out


def test_importer_takes_away_exactly_the_added_apostrophe():
    from arangetram_cli.core.importer import _unguard

    assert _unguard("'=x") == "=x"
    assert _unguard("''=x") == "'=x"
    assert _unguard("'-5") == "-5"
    assert _unguard("'\tx") == "\tx"
    assert _unguard("'hello") == "'hello"  # not a guard: kept
    assert _unguard("it's") == "it's"
    assert _unguard("'") == "'"


def test_fit_drops_by_priority_and_shares_the_room():
    from arangetram_cli.cli.output import Col, fit

    cols = [
        Col("id", "Id", priority=0, fixed=True),
        Col("name", "Name", priority=0, min_width=12),
        Col("where", "Where", priority=3, min_width=10),
        Col("note", "Note", priority=2, min_width=10),
        Col("status", "Status", priority=0, fixed=True),
    ]
    natural = [8, 40, 30, 30, 9]
    keep, widths = fit(cols, natural, 200)
    assert keep == [0, 1, 2, 3, 4] and widths == dict(enumerate(natural))
    keep, widths = fit(cols, natural, 60)  # 8+12+10+10+9 + 12 between = 61: Where goes
    assert keep == [0, 1, 3, 4]
    assert widths[0] == 8 and widths[4] == 9 and sum(widths.values()) + 9 == 60
    keep, widths = fit(cols, natural, 30)  # only what may never go is left
    assert keep == [0, 1, 4] and widths[0] == 8 and widths[4] == 9
    # one long outlier does not take the room of a column whose values are all short-ish
    keep, widths = fit(cols[:3], [8, 60, 30], 80, typical=[8, 20, 30])
    assert widths[2] == 30 and widths[1] == 80 - 6 - 8 - 30


def test_empty_columns_give_way_before_any_value_is_cut():
    """A guest list with no groups, phones or messages at 80 columns: those columns show
    nothing, so they go (without a 'hidden' note) before an email is cut; when everything
    fits they stay, so the layout does not jump between runs."""
    from arangetram_cli.cli.output import Col, Output

    cols = [
        Col("id", "Id", priority=0, fixed=True),
        Col("name", "Name", priority=0, min_width=14),
        Col("group", "Group", priority=2),
        Col("email", "Email", priority=2),
        Col("phone", "Phone", priority=3),
        Col("message", "Message", priority=3),
    ]
    rows = [
        {"id": "a" * 8, "name": "Anil Kumar", "email": "anil.kumar@example.com"},
        {"id": "b" * 8, "name": "Ravi", "email": "ravi@example.org", "group": ""},
    ]

    def headers(table):
        return [str(c.header) for c in table.columns]

    table, hidden = Output(fmt="table").table(rows, cols, width=60)
    assert headers(table) == ["Id", "Name", "Email"] and hidden == []
    assert table.columns[2].width == len("anil.kumar@example.com")  # whole
    table, hidden = Output(fmt="table").table(rows, cols, width=140)
    assert headers(table) == [c.header for c in cols] and hidden == []
    rows[1]["phone"] = "+1 408 555 0100"  # a value: the column is no longer empty
    table, hidden = Output(fmt="table").table(rows, cols, width=40)
    assert hidden == ["Phone"]  # it had something to show: said so (the empty ones: not)
