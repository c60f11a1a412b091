"""Prompts keep what was typed: each answer is checked as it is given and asked again when
bad; a repeated password that does not match asks for both again. In a real terminal (pty +
pyte) and with a scripted prompter in-process."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.fakes import prompted
from tests.cli.terminal import Pty
from tests.conftest import one_error_line


def test_register_asks_again_for_a_short_or_mismatched_password(env) -> None:
    answers = ["asha@example.com", "Asha", "short", "long enough", "typo!", "long enough"]
    answers += ["long enough"]
    r, p = prompted(answers, "auth", "register")
    assert r.code == 0, r.err
    again = ["Password:", "Repeat password:"]
    assert p.asked == ["Email:", "Name:", "Password:", *again, *again]
    assert p.rejected == ["at least 8 characters, please"]
    assert "do not match" in r.err
    r, _ = prompted(["long enough"], "auth", "login", "--email", "asha@example.com")
    assert r.code == 0, r.err


def test_three_mismatches_stop_with_exit_2(env) -> None:
    answers = ["a@example.com", "A"] + ["long enough", "other one"] * 3
    r, p = prompted(answers, "auth", "register")
    one_error_line(r, 2, "the passwords did not match after 3 tries")
    assert p.answers == []


def test_ctrl_c_at_a_prompt_is_130_and_writes_nothing(env) -> None:
    r, _ = prompted(["a@example.com", None], "auth", "register")
    assert r.code == 130 and "aborted" in r.err


def _login(env) -> None:
    for args, stdin in (
        (["seed"], None),
        (["auth", "register", "--email", "f@example.com", "--name", "F", "--password-stdin"],
         "a long password\n"),
    ):  # fmt: skip
        p = subprocess.run(
            [sys.executable, "-m", "arangetram_cli", *args],
            env=env, input=stdin, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert p.returncode == 0, p.stderr


def test_events_create_form_asks_for_every_missing_field(env) -> None:
    _login(env)
    answers = ["Debut", "2027-02-30", "2027-02-28", "0", "300", "$$$", "San Jose"]
    r, p = prompted(answers, "-o", "json", "events", "create")
    assert r.code == 0, r.err
    assert p.asked == ["Event name:", "Date (YYYY-MM-DD):", "Date (YYYY-MM-DD):", "Guests:",
                       "Guests:", "Budget:", "Area:"]  # fmt: skip
    assert p.rejected == [
        "2027-02-30 is not a day (February has 28 days in 2027)",
        "a whole number, 1 or more",
    ]
    event = r.json()
    assert (event["guest_count"], event["budget"], event["location_preference"]) == (
        300,
        "$$$",
        "San Jose",
    )


def test_register_in_a_terminal_keeps_what_was_typed(env) -> None:
    t = Pty(["auth", "register"], env, columns=80, rows=24)
    t.expect("Email:")
    t.send("asha@example.com\r")
    t.expect("Name:")
    t.send("Asha\r")
    t.expect("Password:")
    t.send("short\r")  # refused where it stands, the five characters kept
    t.expect("at least 8 characters")
    t.send("er-pass\r")  # "shorter-pass"
    t.expect("Repeat password:")
    t.send("shorter-pas\r")
    t.expect("do not match")
    t.expect(r"Password:(?![\s\S]*Repeat)")
    t.send("shorter-pass\r")
    t.expect("Repeat password:[\\s\\S]*Repeat password:")
    t.send("shorter-pass\r")
    screen = t.finish()
    assert screen.code == 0, screen.text
    assert "Registered and logged in as Asha" in screen.text
    login = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "auth", "login", "--email",
         "asha@example.com", "--password-stdin"],
        env=env, input="shorter-pass\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr


def test_events_create_in_a_terminal_fixes_a_bad_date_in_place(env) -> None:
    _login(env)
    t = Pty(["events", "create", "--name", "Debut"], env, columns=100, rows=30)
    t.expect(r"Date \(YYYY-MM-DD\):")
    t.send("2027-02-30\r")
    t.expect("February has 28 days in 2027")
    t.send("\x7f\x7f28\r")  # two characters rubbed out: the rest was kept
    t.expect("Guests:")
    t.send("\x7f\x7f\x7f250\r")
    t.expect("Budget:")
    t.send("\r")
    t.expect("Area:")
    t.send("\r")
    screen = t.finish()
    assert screen.code == 0, screen.text
    listed = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "events", "list", "--json"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert '"event_date": "2027-02-28"' in listed.stdout
    assert '"guest_count": 250' in listed.stdout
