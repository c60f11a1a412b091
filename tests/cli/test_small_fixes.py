"""Issue 13, item 6: the small things a new user trips on, each pinned."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.cli.test_global_options import leaves
from tests.conftest import one_error_line


def login(cli) -> None:
    assert cli("seed").code == 0
    r = cli("auth", "register", "--email", "s@example.com", "--name", "S", "--password-stdin",
            input="a long password\n")  # fmt: skip
    assert r.code == 0, r.err


def test_a_date_in_the_past_is_one_warning_line(cli) -> None:
    login(cli)
    r = cli("events", "create", "--name", "Old", "--date", "2020-01-04")
    assert r.code == 0, r.err
    warnings = [ln for ln in r.err.splitlines() if ln.startswith("warning:")]
    assert warnings == ["warning: 2020-01-04 is in the past (the event date)"]
    r = cli("events", "update", r.json()["id"][:8], "--date", "2021-03-01")
    assert r.code == 0 and "warning: 2021-03-01 is in the past" in r.err
    r = cli("events", "create", "--name", "New", "--date", "2099-01-04")
    assert r.code == 0 and "warning" not in r.err


def test_a_day_that_does_not_exist_says_why(cli) -> None:
    login(cli)
    for day, why in (
        ("2027-02-30", "February has 28 days in 2027"),
        ("2028-02-30", "February has 29 days in 2028"),
        ("2027-04-31", "April has 30 days in 2027"),
    ):
        r = cli("events", "create", "--name", "X", "--date", day)
        one_error_line(r, 2, f"--date: {day} is not a day ({why})")
    one_error_line(cli("events", "create", "--name", "X", "--date", "June 12"), 2, "YYYY-MM-DD")


def test_booking_panels_name_the_event_and_the_vendor(cli) -> None:
    login(cli)
    event = cli("events", "create", "--name", "Meera's Debut", "--date", "2027-06-12").json()
    vendor = cli("vendors", "list", "-n", "1").json()[0]
    r = cli("-o", "table", "bookings", "create", "--event", event["id"], "--vendor", vendor["id"])
    assert r.code == 0, r.err
    assert f"Meera's Debut ({event['id'][:8]})" in r.out
    assert f"{vendor['business_name']} ({vendor['id'][:8]})" in r.out
    assert event["id"] not in r.out and vendor["id"] not in r.out
    r = cli("-o", "json", "bookings", "list")
    assert r.json()[0]["event_id"] == event["id"]  # scripts keep the whole ids


def test_help_shows_plain_metavars(cli) -> None:
    for path in leaves():
        r = cli(*path, "--help")
        options = r.out.split("Options:", 1)[1]
        assert not re.search(r"<(str|int|list\[str\]|float|path)[^>]*>", options), (path, options)
    r = cli("events", "create", "--help")
    assert "--date DATE" in r.out and "--name TEXT" in r.out and "--guests INTEGER" in r.out
    assert "--event ID" in cli("bookings", "create", "--help").out


def test_help_summaries_are_not_cut_when_they_fit(env) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "vendors", "--help"],
        env={**env, "COLUMNS": "140"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "Create your vendor profile (vendor accounts; one profile per account)." in r.stdout
    assert "..." not in r.stdout.split("Commands:", 1)[1]


def test_serve_without_its_extra_is_a_usage_error_with_the_install_hint(env) -> None:
    probe = (
        "import sys, runpy; sys.modules['uvicorn'] = None; "
        "sys.argv = ['arangetram', 'serve', '--port', '18765']; "
        "runpy.run_module('arangetram_cli', run_name='__main__')"
    )
    p = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                       timeout=60)  # fmt: skip
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip() == (
        "error: serve needs FastAPI and uvicorn (pip install 'arangetram-cli[server]')"
    )


def test_the_chat_banner_wraps_between_words(env) -> None:
    from arangetram_cli.cli.ask import CHAT_HELP
    from tests.cli.terminal import Pty

    t = Pty(["ask", "--offline"], env, columns=50, rows=30)
    t.expect(r"you> ")
    t.send("/exit\n")
    screen = t.finish()
    assert screen.code == 0, screen.text
    banner = screen.lines[: screen.lines.index("")] if "" in screen.lines else screen.lines
    assert all(len(line) < 50 for line in banner), banner
    words = set(" ".join(banner).split())
    assert set(CHAT_HELP.split()) <= words, banner  # no word was cut in two


def test_recommend_fills_each_category_with_labelled_near_misses(cli) -> None:
    assert cli("seed").code == 0
    r = cli("vendors", "recommend", "--budget", "$", "--location", "San Jose",
            "-c", "venue", "-c", "photographer")  # fmt: skip
    assert r.code == 0, r.err
    recs = r.json()["recommendations"]
    fits = [v for v in recs["venue"] if "fit" not in v]
    misses = [v for v in recs["venue"] if "fit" in v]
    assert fits and all(v["price_range"] == "$" for v in fits)
    assert misses and all(v["fit"] == "over budget" for v in misses)
    assert all(v["reason"].startswith(f"over budget: {v['price_range']} for a $ budget")
               for v in misses)  # fmt: skip
    assert all("for a $$ budget" not in v["reason"] for v in misses)
    assert [v["fit"] for v in recs["photographer"]] == ["over budget"] * len(recs["photographer"])
    assert "venue: 1 more labelled over budget or outside the area" in r.err
    # every category full: nothing is added
    r = cli("vendors", "recommend", "--budget", "$$$$", "--location", "Bay Area")
    assert r.code == 0 and all(
        "fit" not in v and len(vs) == 3 for vs in r.json()["recommendations"].values() for v in vs
    )


def test_a_reader_that_goes_away_is_no_error_message(cli, env) -> None:
    """`arangetram vendors list | head -1`: the pipe closes before the table is written; no
    message, no traceback, exit 1 (Click's and Python's convention for a broken pipe)."""
    assert cli("seed").code == 0
    for args in (["vendors", "list", "--json"], ["vendors", "list", "--all", "-o", "jsonl"]):
        p = subprocess.Popen(
            [sys.executable, "-m", "arangetram_cli", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert p.stdout is not None and p.stderr is not None
        p.stdout.close()  # the reader is gone before the command writes anything
        err = p.stderr.read().decode()
        assert p.wait(timeout=60) == 1, err
        assert err == "", err
