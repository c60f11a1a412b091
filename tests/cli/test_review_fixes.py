"""Review findings on the command modules, each pinned by a test that failed before the fix."""

from __future__ import annotations

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
