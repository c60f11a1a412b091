"""Start-up stays fast because commands import only what they use.

Timing belongs in benchmarks/startup.py; these tests pin the causes instead: which heavy
modules a command loads, checked in a real subprocess.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# Runs the CLI as `arangetram ARGS...` and, at exit, lists every module that was loaded.
_PROBE = """
import atexit, runpy, sys
atexit.register(lambda: sys.stderr.write("MODULES " + " ".join(sorted(sys.modules)) + "\\n"))
sys.argv = ["arangetram", *sys.argv[1:]]
runpy.run_module("arangetram_cli", run_name="__main__")
"""


def loaded(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, set[str]]:
    r = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next(x for x in r.stderr.splitlines() if x.startswith("MODULES "))
    return r.returncode, set(line.split()[1:])


def tops(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.fixture
def logged_in(env: dict[str, str]) -> dict[str, str]:
    for args, stdin in (
        (["seed"], None),
        (
            ["auth", "register", "--email", "s@example.com", "--name", "S", "--password-stdin"],
            "a long password\n",
        ),
        (["events", "create", "--name", "Debut", "--date", "2027-05-01"], None),
    ):
        r = subprocess.run(
            [sys.executable, "-m", "arangetram_cli", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
    return env


def test_help_loads_neither_rich_nor_pydantic(env: dict[str, str]) -> None:
    code, mods = loaded(env, "--help")
    assert code == 0
    assert not tops(mods) & {"rich", "pydantic", "sqlite3", "httpx", "jwt"}


def test_vendor_listing_loads_no_crypto_http_or_rich(logged_in: dict[str, str]) -> None:
    code, mods = loaded(logged_in, "vendors", "list", "--json")
    assert code == 0
    assert "sqlite3" in mods  # it did run the query
    assert not tops(mods) & {"cryptography", "httpx", "rich", "boto3", "jwt", "bcrypt"}


def test_logged_in_command_verifies_its_token_without_pyjwt(logged_in: dict[str, str]) -> None:
    code, mods = loaded(logged_in, "events", "list", "--json")
    assert code == 0
    assert "arangetram_cli.core.security" in mods  # the token was verified...
    # ...by our HS256 reader, without PyJWT's JWKS client (ssl, urllib) or cryptography
    assert not tops(mods) & {"jwt", "cryptography", "ssl", "httpx", "rich"}
    assert "urllib.request" not in mods


def test_a_run_builds_only_its_subcommand(env: dict[str, str]) -> None:
    from arangetram_cli.cli import vendors
    from arangetram_cli.cli.app import _only, _word_after

    args = ("--json", "vendors", "-n", "5", "list")
    assert _word_after(args, "vendors") == "5"  # an option's value: not a command
    assert _only(vendors.app, "5") is vendors.app
    # a global option's value is skipped, whatever it is called; help wants the whole group
    assert _word_after(("auth", "-p", "guest", "whoami"), "auth") == "whoami"
    assert _word_after(("vendors", "--api-url", "list", "show", "x"), "vendors") == "show"
    assert _word_after(("vendors", "--help", "list"), "vendors") is None
    assert _only(vendors.app, None) is vendors.app
    slim = _only(vendors.app, "list")
    assert [c.name for c in slim.registered_commands] == ["list"]
    assert not slim.registered_groups
    assert len(vendors.app.registered_commands) > 1  # the module's app is left whole
    images = _only(vendors.app, "images")
    assert [g.name for g in images.registered_groups] == ["images"]


def test_a_root_run_again_can_invoke_any_subcommand(env: dict[str, str]) -> None:
    """A group slimmed for one command line must not stick to the root: the next run on the
    same root (a long-lived process, a test runner) may name another subcommand."""
    from typer.main import get_command

    from arangetram_cli.cli.app import app

    root = get_command(app)
    for args in (["vendors", "list", "-n", "1"], ["vendors", "categories"], ["vendors", "list"]):
        with pytest.raises(SystemExit) as e:
            root.main(args=args, prog_name="arangetram")
        assert e.value.code == 0, args


def test_a_profile_named_like_a_command_does_not_pick_the_command(cli) -> None:
    r = cli("auth", "-p", "guest", "whoami")  # the profile "guest", the command whoami
    assert r.code == 3 and "not logged in (profile guest)" in r.err
    r = cli("vendors", "-p", "show", "list", "-n", "1")
    assert r.code == 0 and len(r.json()) == 0  # an empty store: the listing ran
    r = cli("vendors", "--help", "list")
    assert r.code == 0 and "categories" in r.out and "images" in r.out
