"""Global options (-o, --json, -q, -p, ...) are options of every command, as gh's persistent
flags: they stand before or after the subcommand, bundle with a command's own short flags, and
show in every command's help."""

from __future__ import annotations

import json
from typing import Any

import pytest


def leaves() -> list[tuple[str, ...]]:
    from typer.main import get_command

    from arangetram_cli.cli.app import LAZY, app

    root = get_command(app)
    out: list[tuple[str, ...]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(None):
                walk(cmd.get_command(None, name), (*path, name))
        else:
            out.append(path)

    for name in LAZY:
        walk(root.get_command(None, name), (name,))
    return out


def test_every_leaf_lists_the_global_options_in_its_help(cli) -> None:
    paths = leaves()
    assert len(paths) > 50 and ("vendors", "images", "add") in paths
    for path in paths:
        r = cli(*path, "--help")
        assert r.code == 0, (path, r.err)
        for flag in ("--json", "-q, --quiet", "-p, --profile", "--api-url", "--no-color"):
            assert flag in r.out, (path, flag)
        assert "--output" in r.out or path == ("events", "calendar"), path
        assert "--install-completion" not in r.out, path  # at the root only
    assert "--install-completion" in cli("--help").out


def test_bundled_short_flags(cli) -> None:
    assert cli("seed").code == 0
    r = cli("vendors", "list", "-qn", "2")
    assert r.code == 0, r.err
    ids = r.out.split()
    assert len(ids) == 2 and all(len(i) >= 8 for i in ids)
    assert cli("vendors", "list", "-nq", "2").code == 2  # -n takes "q": not a number


@pytest.mark.parametrize(
    "args",
    [
        ["--json", "vendors", "list", "-n", "3"],
        ["vendors", "--json", "list", "-n", "3"],
        ["vendors", "list", "-n", "3", "--json"],
        ["vendors", "list", "-n", "3", "-o", "json"],
        ["vendors", "list", "-ojson", "-n", "3"],
        ["vendors", "list", "--output=json", "-n", "3"],
        ["-o", "csv", "vendors", "list", "--json", "-n", "3"],  # --json wins, wherever it is
    ],
)
def test_global_options_anywhere(cli, args: list[str]) -> None:
    assert cli("seed").code == 0
    r = cli(*args)
    assert r.code == 0, r.err
    assert [v["business_name"] for v in json.loads(r.out)][:3] and len(json.loads(r.out)) == 3


def test_a_later_output_option_wins_and_a_bad_one_is_a_usage_error(cli) -> None:
    assert cli("seed").code == 0
    r = cli("-o", "json", "vendors", "list", "-n", "2", "-o", "csv")
    assert r.code == 0 and r.out.splitlines()[0].startswith("id,")
    r = cli("vendors", "list", "-o", "xml")
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("error: ") and "'xml' is not one of" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_profile_after_the_subcommand(cli) -> None:
    r = cli("auth", "whoami", "-p", "guest")
    assert r.code == 3 and "not logged in (profile guest)" in r.err
    r = cli("auth", "whoami", "--profile=other")
    assert r.code == 3 and "(profile other)" in r.err


def test_a_command_keeps_its_own_option_of_a_global_name(cli, tmp_path) -> None:
    r = cli("events", "calendar", "--help")
    assert r.code == 0 and "FILE" in r.out and "--json" in r.out
