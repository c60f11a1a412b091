"""The planning workspace from the command line: the journey a family runs (checklist,
budget, a booking accepted, the plan, the calendar, export/import), the bad paths (one line,
documented exit code, nothing half-written), and the plan screen in a real terminal (pyte)
at 80 and 140 columns, with and without colour."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import sqlite3
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import no_traceback, one_error_line

PASSWORD = "correct horse battery\n"


def register(run, email: str, *, vendor: bool = False, name: str = "Someone") -> dict:
    args = ["auth", "register", "--email", email, "--name", name, "--password-stdin"]
    if vendor:
        args.append("--vendor")
    r = run(*args, input=PASSWORD)
    assert r.code == 0, r.err
    return r.json()


def profile(cli, name: str):
    return lambda *a, **k: cli("--profile", name, *a, **k)


def new_event(fam, name: str = "Meera's Arangetram", *extra: str) -> str:
    r = fam(
        "-q", "events", "create", "--name", name, "--date", "2027-06-12", "--guests", "300", *extra
    )
    assert r.code == 0, r.err
    return r.out.strip()


def counts(env) -> tuple[int, int]:
    db = Path(env["ARANGETRAM_DATA_DIR"]) / "arangetram.db"
    conn = sqlite3.connect(db)
    try:
        return (
            conn.execute("SELECT count(*) FROM tasks").fetchone()[0],
            conn.execute("SELECT count(*) FROM budget_items").fetchone()[0],
        )
    finally:
        conn.close()


def test_family_journey(cli, env, tmp_path):
    assert cli("seed").code == 0
    fam, ven = profile(cli, "family"), profile(cli, "vendor")
    register(fam, "asha@example.com", name="Asha Rao")
    r = fam("events", "create", "--name", "Meera's Arangetram", "--date", "2027-06-12",
            "--guests", "300")  # fmt: skip
    assert r.code == 0, r.err
    event_id = r.json()["id"]
    assert "checklist: 25 tasks" in r.err

    # the checklist appears; without --event the next upcoming event is used, said on stderr
    r = fam("tasks", "list")
    assert r.code == 0 and "event: Meera's Arangetram on 2027-06-12" in r.err
    tasks = r.json()
    assert len(tasks) == 25 and {"pushpanjali", "tillana", "mangalam"} <= set(
        " ".join(t["notes"] for t in tasks).replace(",", " ").replace(";", " ").split()
    )
    r = fam("tasks", "done", "Fix the date with the guru", "--event", "Meera's Arangetram")
    assert r.code == 0 and r.json()["status"] == "done"
    r = fam("tasks", "add", "Order the salangai", "--before", "8w", "--category", "jewellery")
    assert r.code == 0 and r.json()["due_date"] == "2027-04-17"
    assert len(fam("tasks", "list", "--open", "--event", event_id[:8]).json()) == 25

    # budget lines and payments, amounts as people type them
    r = fam("budget", "add", "Costume silk", "--category", "costume", "--estimate", "$1,800",
            "--quoted", "2,000.50")  # fmt: skip
    assert r.code == 0 and r.json()["quoted_cents"] == 200050
    r = fam("budget", "pay", "Costume silk", "500", "--on", "2026-12-01", "--note", "deposit")
    assert r.code == 0 and r.json()["paid_cents"] == 50000
    assert fam("budget", "set", "25000").code == 0

    # a hall accepts the family's request: the task is ticked and a budget line made
    register(ven, "hall@example.com", vendor=True, name="Natya Hall")
    r = ven("vendors", "create", "--name", "Natya Hall", "--category", "venue", "--location",
            "Fremont, CA", "--price-range", "$$", "--description", "A 250-seat hall",
            "--price-estimate", "$2,000 - $3,000")  # fmt: skip
    assert r.code == 0, r.err
    booking = fam("-q", "bookings", "create", "--event", event_id, "--vendor", "Natya Hall")
    assert booking.code == 0, booking.err
    assert ven("bookings", "respond", booking.out.strip(), "accept").code == 0
    hall = [t for t in fam("tasks", "list", "--category", "venue").json()]
    assert hall[0]["title"] == "Book the hall" and hall[0]["status"] == "done"
    budget = fam("budget").json()  # `budget` alone is `budget show`
    line = next(ln for ln in budget["lines"] if ln["name"] == "Natya Hall")
    assert line["estimate_cents"] == 250000 and line["booking_id"] == booking.out.strip()
    assert budget["budget_amount_cents"] == 2500000
    assert any("seats 250" in w for w in budget["warnings"])
    what_if = fam("budget", "show", "--guests", "200").json()
    assert what_if["what_if"] and not what_if["warnings"]
    assert fam("budget").json()["guests"] == 300  # nothing changed

    # the plan as one document
    plan = fam("events", "plan", "--json").json()
    assert plan["checklist"]["done"] == 2 and plan["checklist"]["total"] == 26
    assert next(v for v in plan["vendors"] if v["category"] == "venue")["status"] == "booked"

    # the calendar, written to a file and read back by icalendar; UIDs stable across exports
    ics = tmp_path / "plan.ics"
    r = fam("events", "calendar", event_id, "-o", str(ics))
    assert r.code == 0, r.err
    cal = Calendar.from_ical(ics.read_bytes())
    assert len(cal.walk("VEVENT")) == 1 and "Natya Hall" in str(cal.walk("VEVENT")[0]["LOCATION"])
    todos = cal.walk("VTODO")
    assert len(todos) >= 24 and all("DUE" in t for t in todos)
    again = Calendar.from_ical(fam("events", "calendar", event_id).out.encode())
    assert sorted(str(c["UID"]) for c in again.walk() if "UID" in c) == sorted(
        str(c["UID"]) for c in cal.walk() if "UID" in c
    )
    assert fam("events", "calendar", "--all").code == 0

    # export, then import under another account
    exported = tmp_path / "plan.json"
    r = fam("events", "export", event_id)
    assert r.code == 0
    exported.write_text(r.out)
    other = profile(cli, "other")
    register(other, "ravi@example.com", name="Ravi")
    r = other("events", "import", str(exported))
    assert r.code == 0, r.err
    assert "not resolved: 1 booking(s)" in r.err
    new_id = r.json()["id"]
    assert len(other("tasks", "list", "--event", new_id).json()) == 26
    assert other("budget", "--event", new_id).json()["totals"]["paid_cents"] == 50000


def test_no_checklist_then_apply_template(cli, env):
    fam = profile(cli, "f")
    register(fam, "a@example.com")
    event_id = new_event(fam, "Quiet", "--no-checklist")
    assert fam("tasks", "list", "--event", event_id).json() == []
    r = fam("tasks", "apply-template", "--event", "Quiet")
    assert r.code == 0 and "25 task(s) added" in r.err
    r = fam("tasks", "apply-template", "--event", "Quiet")
    assert r.code == 0 and "0 task(s) added" in r.err and "25 already there" in r.err


def test_bad_input_one_line_and_nothing_written(cli, env, tmp_path):
    fam = profile(cli, "f")
    register(fam, "a@example.com")
    event_id = new_event(fam)
    assert fam("budget", "add", "Hall", "--quoted", "1000").code == 0
    before = counts(env)

    cases = [
        (("tasks", "add", "Late", "--due", "2027-07-01"), 2, "after the event"),
        (("tasks", "add", "Bad", "--before", "soon"), 2, "bad interval"),
        (("tasks", "add", "Bad", "--due", "12/06/2027"), 2, "bad date"),
        (("tasks", "done", "no such task"), 4, "task not found"),
        (("tasks", "list", "--due-before", "tomorrow"), 2, "bad date"),
        (("budget", "add", "Neg", "--estimate", "-5"), 2, "cannot be negative"),
        (("budget", "add", "NaN", "--estimate", "twelve"), 2, "not an amount"),
        (("budget", "add", "Dec", "--estimate", "10.999"), 2, "not an amount"),
        (("budget", "pay", "Hall", "abc"), 2, "not an amount"),
        (("budget", "pay", "Hall", "1500"), 5, "more than its quote"),
        (("budget", "pay", "Nothing", "10"), 4, "budget item not found"),
        (("budget", "show", "--guests", "0"), 2, "--guests"),
        (("budget", "set", "--currency", "dollars"), 2, "currency"),
        (("tasks", "list", "--event", "no such event"), 4, "event not found"),
        (("events", "import", str(tmp_path / "missing.json")), 2, "cannot read"),
    ]
    for args, code, needle in cases:
        r = fam(*args)
        one_error_line(r, code, needle)
        assert counts(env) == before, args

    broken = tmp_path / "template.json"
    broken.write_text(json.dumps({"tasks": [{"key": "x", "title": "No offset"}]}))
    one_error_line(fam("tasks", "apply-template", "--file", str(broken)), 2, "before")
    broken.write_text("{not json")
    one_error_line(fam("tasks", "apply-template", "--file", str(broken)), 2, "not json")
    bad_export = tmp_path / "plan.json"
    bad_export.write_text(json.dumps({"format": "arangetram-plan", "version": 99}))
    one_error_line(fam("events", "import", str(bad_export)), 2, "version 99")
    # an import that fails half-way through validation writes nothing at all
    doc = json.loads(fam("events", "export", event_id).out)
    doc["budget_items"].append({"name": "bad", "estimate_cents": -1})
    bad_export.write_text(json.dumps(doc))
    events_before = len(fam("events", "list").json())
    one_error_line(fam("events", "import", str(bad_export)), 2, "negative")
    assert len(fam("events", "list").json()) == events_before
    assert counts(env) == before

    # --yes records the payment past the quote
    r = fam("budget", "pay", "Hall", "1500", "--yes")
    assert r.code == 0 and r.json()["balance_cents"] == -50000


def test_another_users_event_is_not_found(cli, env):
    fam, other = profile(cli, "f"), profile(cli, "o")
    register(fam, "a@example.com")
    register(other, "b@example.com")
    event_id = new_event(fam)
    before = counts(env)
    for args in (
        ("tasks", "list", "--event", event_id),
        ("tasks", "add", "x", "--event", event_id),
        ("tasks", "done", "Book the hall", "--event", event_id),
        ("budget", "show", "--event", event_id),
        ("budget", "add", "x", "--event", event_id),
        ("events", "plan", event_id),
        ("events", "calendar", event_id),
        ("events", "export", event_id),
    ):
        r = other(*args)
        one_error_line(r, 4, "not found")
        assert event_id not in r.out + r.err
    assert counts(env) == before
    one_error_line(other("tasks", "list"), 4, "no events")


def test_plain_web_back_end_exit_7(cli, env):
    from tests.server.support import FakeServer

    fake = FakeServer()
    fake.routes[("GET", "/api/events")] = lambda h: (200, [], {})
    try:
        env_token = {"ARANGETRAM_TOKEN": "eyJ.fake.token"}
        os.environ.update(env_token)
        for args in (("tasks", "list", "--event", "abcd1234"), ("budget",), ("events", "plan")):
            r = cli("--api-url", fake.url, *args)
            one_error_line(r, 7, "does not offer the planning workspace")
        # creating an event still works there: it just has no checklist, and says so
        event = {"id": "0f0e0d0c-0000-4000-8000-000000000001", "event_name": "Debut",
                 "event_date": "2027-06-12", "selected_vendors": []}  # fmt: skip
        fake.routes[("POST", "/api/events")] = lambda h: (200, event, {})
        r = cli("--api-url", fake.url, "events", "create", "--name", "Debut", "--date",
                "2027-06-12")  # fmt: skip
        no_traceback(r)
        assert r.code == 0 and "this server keeps no checklist" in r.err, r.err
    finally:
        os.environ.pop("ARANGETRAM_TOKEN", None)
        fake.close()


# ---- the plan screen in a real terminal ---------------------------------------------------
def screen(env: dict, args: list[str], width: int, *, no_color: bool = False) -> list[str]:
    """Run the CLI on a pseudo-terminal `width` columns wide; the screen pyte draws."""
    pyte = pytest.importorskip("pyte")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, width, 0, 0))
    run_env = {**env, "COLUMNS": str(width), "LINES": "60", "TERM": "xterm-256color"}
    run_env.pop("NO_COLOR", None)
    if no_color:
        run_env["NO_COLOR"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "arangetram_cli", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=run_env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(60)
    os.close(master)
    raw = b"".join(chunks).decode("utf-8", "replace")
    if no_color:
        assert "\x1b[3" not in raw and "\x1b[9" not in raw, "colour despite NO_COLOR"
    scr = pyte.Screen(width, 60)
    pyte.Stream(scr).feed(raw.replace("\n", "\r\n"))
    assert proc.returncode == 0, raw
    return [ln.rstrip() for ln in scr.display]


@pytest.mark.parametrize("width", [80, 140])
@pytest.mark.parametrize("no_color", [False, True])
def test_plan_screen_fits_the_terminal(sh, env, width, no_color):
    assert sh("seed").code == 0
    assert sh("auth", "register", "--email", "a@example.com", "--name", "A", "--password-stdin",
              input=PASSWORD).code == 0  # fmt: skip
    hostile = "Meera \x1b[31mRED\x1b[0m [bold]x[/bold] " + "very long name " * 10
    r = sh("-q", "events", "create", "--name", hostile, "--date", "2027-06-12")
    assert r.code == 0, r.err
    event_id = r.out.strip()
    assert sh("tasks", "add", "[red]markup[/red] title\nsecond line", "--event", event_id,
              "--due", "2027-01-01").code == 0  # fmt: skip
    assert sh("budget", "add", "Costume silk", "--category", "costume", "--estimate", "1800",
              "--quoted", "2000", "--paid", "500", "--event", event_id).code == 0  # fmt: skip
    assert sh("budget", "add", "Dinner", "--category", "catering", "--estimate", "25",
              "--per-guest", "--event", event_id).code == 0  # fmt: skip
    assert sh("budget", "set", "4000", "--event", event_id).code == 0
    lines = screen(env, ["events", "plan", event_id], width, no_color=no_color)
    text = "\n".join(lines)
    assert all(len(ln) <= width for ln in lines)
    assert "days to go" in text and "Checklist: 0/26 done" in text
    for cat in ("venue", "catering", "photographer", "musicians"):
        assert any(ln.startswith(cat) for ln in lines), cat
    assert "[bold]x[/bold]" in text  # shown as typed, not as markup
    assert "RED" in text and "\x1b" not in text
    costume = next(ln for ln in lines if ln.startswith("costume"))
    assert "█" in costume and "▒" in costume and "$1,800" in costume and "$500" in costume
    assert "OVER BUDGET by $500" in text  # $2,000 quoted + 100 guests x $25 against $4,000
    tasks_lines = screen(env, ["tasks", "list", "--event", event_id], width, no_color=no_color)
    assert all(len(ln) <= width for ln in tasks_lines)
    assert sum(1 for ln in tasks_lines if "Book the hall" in ln) == 1
    hostile_rows = [ln for ln in tasks_lines if "[red]markup" in ln]  # one row, as typed
    assert len(hostile_rows) == 1 and not any(ln.startswith("second line") for ln in tasks_lines)
    if width == 140:
        assert "title\\nsecond line" in hostile_rows[0]
    no_traceback(r)
