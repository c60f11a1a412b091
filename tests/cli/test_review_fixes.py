"""Review findings on the command modules, each pinned by a test that failed before the fix."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

from tests.conftest import one_error_line


def login(cli) -> None:
    r = cli("auth", "register", "--email", "r@example.com", "--name", "R", "--password-stdin",
            input="a long password\n")  # fmt: skip
    assert r.code == 0, r.err


def two_events(cli) -> tuple[str, str]:
    login(cli)
    first = cli("events", "create", "--name", "First", "--date", "2099-01-01").json()["id"]
    second = cli("events", "create", "--name", "Second", "--date", "2099-06-01").json()["id"]
    return first, second


def lines(cli, event: str) -> list[str]:
    return [ln["name"] for ln in cli("budget", "show", "--event", event).json()["lines"]]


def test_the_budget_groups_event_applies_to_the_subcommand(cli) -> None:
    first, second = two_events(cli)
    r = cli("budget", "--event", second, "add", "Hall", "--estimate", "100", "-q")
    assert r.code == 0, r.err
    assert lines(cli, second) == ["Hall"] and lines(cli, first) == []
    assert cli("budget", "-e", second, "pay", "Hall", "40").code == 0
    assert cli("budget", "-e", second, "show").json()["lines"][0]["paid_cents"] == 4000
    r = cli("budget", "-e", second, "--guests", "7", "show")
    assert r.json()["guests"] == 7 and r.json()["event_id"] == second
    # the same event twice is fine; two different ones is a usage error, nothing written
    assert cli("budget", "-e", second, "update", "Hall", "-e", second, "--notes", "x").code == 0
    r = cli("budget", "-e", second, "add", "Gifts", "-e", first, "--estimate", "5")
    one_error_line(r, 2, "--event given twice")
    assert lines(cli, first) == [] and lines(cli, second) == ["Hall"]


def test_budget_what_if_options_before_another_subcommand_are_refused(cli) -> None:
    _, second = two_events(cli)
    r = cli("budget", "--guests", "5", "add", "Hall", "-e", second, "--estimate", "1")
    one_error_line(r, 2, "what-if options of `budget show`")
    assert lines(cli, second) == []


def test_a_wrongly_shaped_config_file_is_one_line_naming_the_file_and_key(cli, env) -> None:
    config = Path(env["ARANGETRAM_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    for text, key in (
        ('[profiles]\ndefault = "x"\n', "[profiles.default] must be a table"),
        ('profiles = "x"\n', "profiles must be a table"),
        ("[profiles.default]\ndb = [5]\n", "profiles.default.db must be a string"),
    ):
        (config / "config.toml").write_text(text, encoding="utf-8")
        for args in (("events", "list"), ("config", "set", "db", "/tmp/x.db"), ("config", "show")):
            r = cli(*args)
            one_error_line(r, 2, f"{config / 'config.toml'}: {key}")
        assert (config / "config.toml").read_text(encoding="utf-8") == text  # not rewritten


def test_a_wrongly_shaped_credentials_file_is_no_login(cli, env) -> None:
    config = Path(env["ARANGETRAM_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    creds = config / "credentials.json"
    for i, doc in enumerate(
        (
            {"logins": []},
            {"logins": {"default": []}},
            {"profiles": []},
            {"profiles": {"default": {"token": 5}}},
            {"logins": {"default": {"x": {"token": ["t"]}}}},
            [1],
        )
    ):
        creds.write_text(json.dumps(doc), encoding="utf-8")
        creds.chmod(0o600)
        one_error_line(cli("auth", "whoami"), 3, "not logged in")
        one_error_line(cli("events", "list"), 3, "not logged in")
        r = cli("auth", "register", "--email", f"u{i}@example.com",
                "--name", "R", "--password-stdin", input="a long password\n")  # fmt: skip
        assert r.code == 0, (doc, r.err)
        assert cli("events", "list").code == 0  # the next save wrote a sound file
        assert cli("auth", "logout").code == 0


HOSTILE = "Ravi\x1b[31m \u202eevil"


def test_guest_text_is_escaped_once_and_marked(cli) -> None:
    """The guest table and panel leave escaping to the Output layer: escaped twice, a control
    character lost the reverse-video mark that tells it from text someone typed."""
    from rich.console import Console

    from arangetram_cli.cli.guests import GUEST_COLUMNS, GUEST_FIELDS
    from arangetram_cli.cli.output import Output

    guest = {"id": "g" * 36, "name": HOSTILE, "group": HOSTILE, "message": HOSTILE, "party": 1,
             "children": 0, "rsvp": "pending", "email": "", "phone": ""}  # fmt: skip
    console = Console(force_terminal=True, color_system="standard", width=200, file=io.StringIO())
    table, _ = Output(fmt="table").table([guest], GUEST_COLUMNS, width=200)
    console.print(table)
    out = Output(fmt="table")
    out.console = lambda **_: console  # type: ignore[method-assign]
    out.item(guest, GUEST_FIELDS)
    screen = console.file.getvalue()
    assert "\x1b[31m" not in screen and "\u202e" not in screen
    assert "\\\\x1b" not in screen  # escaped once
    # every escape marked, three in the table and three in the panel
    assert screen.count("\x1b[7m\\x1b") == 6 and screen.count("\x1b[7m\\u202e") == 6

    login(cli)  # what the store lets in (no control characters) reaches a table as typed
    cli("events", "create", "--name", "First", "--date", "2099-01-01")
    r = cli("-o", "table", "guests", "add", "Ravi \u202eevil", "--group", "[red]x[/red]")
    assert r.code == 0, r.err
    r = cli("-o", "table", "guests", "list")
    assert r.code == 0, r.err
    assert "\u202e" not in r.out + r.err
    assert "Ravi \\u202eevil" in r.out and "[red]x[/red]" in r.out


def test_every_private_file_is_written_owner_only_in_an_owner_only_dir(cli, env) -> None:
    """config.toml (it may hold a Mongo URL password), credentials.json and the trust list
    have one writer: files 0600, and the directory it creates 0700."""
    config = Path(env["ARANGETRAM_CONFIG_DIR"])
    assert not config.exists()
    assert cli("config", "set", "mongo_url", "mongodb://u:pw@127.0.0.1:1").code == 0
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    assert cli("config", "unset", "mongo_url").code == 0
    login(cli)
    Path(".env").write_text("DB_NAME=x\n", encoding="utf-8")
    assert cli("config", "trust-env").code == 0
    for name in ("config.toml", "credentials.json", "trusted_env.json"):
        assert stat.S_IMODE((config / name).stat().st_mode) == 0o600, name
    assert sorted(p.name for p in config.iterdir()) == [
        "config.toml", "credentials.json", "trusted_env.json"
    ]  # fmt: skip


def test_every_update_without_an_option_says_nothing_to_change(cli) -> None:
    for group in ("vendors", "events", "tasks", "budget", "guests"):
        r = cli(group, "update", "abc12345")
        one_error_line(r, 2, "nothing to change: give at least one option (see --help)")
    one_error_line(cli("tasks", "update", "abc12345", "--after-event"), 2, "nothing to change")
