"""Start-up stays fast because commands import only what they use.

Timing belongs in benchmarks/startup.py; these tests pin the causes instead: which heavy
modules a command loads, checked in a real subprocess.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from arangetram_cli.credentials import MEMO_FILE
from tests.server.support import Served, served  # noqa: F401 (the session's server)

# Runs the CLI as `arangetram ARGS...` and, at exit, lists every module that was loaded and
# whether pydantic scanned the installed distributions for plugins.
_PROBE = """
import atexit, os, runpy, sys
def report():
    loader = sys.modules.get("pydantic.plugin._loader")
    scanned = getattr(loader, "_plugins", None) is not None
    plugins = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    sys.stderr.write(f"PLUGINS={plugins} scanned={scanned}\\n")
    sys.stderr.write("MODULES " + " ".join(sorted(sys.modules)) + "\\n")
atexit.register(report)
sys.argv = ["arangetram", *sys.argv[1:]]
runpy.run_module("arangetram_cli", run_name="__main__")
"""


def probe(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
    )


def modules(r: Any) -> set[str]:
    line = next(x for x in r.stderr.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def loaded(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, set[str]]:
    r = probe(env, *args, input=input)
    return r.returncode, modules(r)


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
    # sub-commands in modules of their own and the planning workspace load when used
    elsewhere = {f"arangetram_cli.cli.{m}" for m in ("images", "recommend", "reviews")}
    workspace = {
        f"arangetram_cli.planner.local.{m}"
        for m in ("checklist", "budget", "plans", "rsvp", "guests", "members", "workspace")
    }
    assert not mods & (elsewhere | workspace | {"logging"})


def test_event_listing_loads_neither_the_workspace_nor_sharing(logged_in: dict[str, str]) -> None:
    code, mods = loaded(logged_in, "events", "list", "--json")
    assert code == 0
    assert "arangetram_cli.cli.events" in mods  # it did build the events group
    assert not {m for m in mods if m.startswith("arangetram_cli.core.workspace")}
    assert not mods & {"arangetram_cli.cli.plan", "arangetram_cli.cli.together"}
    # the commands named elsewhere load when one is run
    code, mods = loaded(logged_in, "events", "plan", "--json")
    assert code == 0 and "arangetram_cli.cli.plan" in mods


def test_config_show_and_path_load_no_ai_client(env: dict[str, str]) -> None:
    for args in (("config", "show", "--json"), ("config", "path", "--json")):
        code, mods = loaded(env, *args)
        assert code == 0, args
        assert not mods & {
            "arangetram_cli.cli.llm_config",
            "arangetram_cli.ai.client",
            "arangetram_cli.ai.keys",
        }, args
    code, mods = loaded(env, "config", "llm", "--json")
    assert code == 0 and "arangetram_cli.ai.client" in mods


def default_settings(env: dict[str, str], **extra: str) -> dict[str, str]:
    """The environment a user has: no ARANGETRAM_CREDENTIALS, no PYTHON_KEYRING_BACKEND, no
    keyringrc.cfg (HOME and XDG dirs are the test's own), here a headless box: no bus."""
    out = {k: v for k, v in env.items() if k not in DEFAULT_DROP}
    out.update(extra)
    return out


DEFAULT_DROP = ("ARANGETRAM_CREDENTIALS", "PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS")
# keyring's discovery imports these (and runs ctypes.util.find_library, which spawns gcc and
# ldconfig on Linux): a command that picks its backend directly loads none it does not use
OTHER_BACKENDS = {
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
    "keyring.backends.chainer",
    "keyrings.alt",
}


def test_logged_in_command_on_a_headless_box_loads_no_keyring(logged_in: dict[str, str]) -> None:
    env = default_settings(logged_in)
    code, mods = loaded(env, "events", "list", "--json")
    assert code == 0
    assert "arangetram_cli.core.security" in mods and "jwt" in mods  # PyJWT checked the token
    # no session bus: no OS keyring can answer, so keyring itself is never imported
    assert not tops(mods) & {"keyring", "keyrings", "secretstorage", "jeepney", "ctypes"}
    # HS256 needs no cryptography (core.security.pyjwt keeps PyJWT from importing it) and no
    # bcrypt (cryptography's ssh module loads it)
    assert not tops(mods) & {"cryptography", "bcrypt"}
    assert not tops(mods) & {"boto3", "botocore", "httpx", "rich", "questionary", "pymongo"}
    assert "arangetram_cli.core.models" not in mods and "arangetram_cli.cli.vendors" not in mods


def test_a_keyring_that_failed_is_not_asked_again(logged_in: dict[str, str]) -> None:
    """A session bus without a Secret Service behind it: the first run asks the Secret Service
    (and only it), the next goes straight to the file until the environment changes."""
    config = Path(logged_in["ARANGETRAM_CONFIG_DIR"])
    env = default_settings(logged_in, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus")
    code, mods = loaded(env, "bookings", "list", "--json")
    assert code == 0
    assert "keyring.backends.SecretService" in mods
    assert not {m for m in mods if m.startswith(tuple(OTHER_BACKENDS))}
    memo = json.loads((config / MEMO_FILE).read_text())
    assert memo["key"]["DBUS_SESSION_BUS_ADDRESS"] == "unix:path=/nonexistent/bus"
    assert "SecretService" in memo["reason"]
    assert stat.S_IMODE((config / MEMO_FILE).stat().st_mode) == 0o600

    code, mods = loaded(env, "bookings", "list", "--json")
    assert code == 0
    assert not tops(mods) & {"keyring", "secretstorage", "jeepney"}

    # another bus is another environment: asked again
    other = {**env, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/other"}
    code, mods = loaded(other, "bookings", "list", "--json")
    assert code == 0 and "keyring.backends.SecretService" in mods


def test_a_chosen_backend_is_the_only_one_loaded(logged_in: dict[str, str]) -> None:
    env = default_settings(logged_in, PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    code, mods = loaded(env, "events", "list", "--json")
    assert code == 0
    assert "keyring.backends.null" in mods
    assert "keyring.backends.SecretService" not in mods and "secretstorage" not in tops(mods)
    assert not {m for m in mods if m.startswith(tuple(OTHER_BACKENDS))}


def test_pydantic_never_scans_for_plugins_unless_the_user_asks(logged_in: dict[str, str]) -> None:
    """`events create` builds a pydantic model; the entry-point scan for plugins that comes
    with the first one is skipped (PYDANTIC_DISABLE_PLUGINS=__all__), unless the user set
    the variable themselves."""
    args = ("events", "create", "--name", "Second", "--date", "2027-06-01")
    r = probe(logged_in, *args)
    assert r.returncode == 0, r.stderr
    assert "PLUGINS=__all__ scanned=False" in r.stderr
    assert "arangetram_cli.core.models" in modules(r)  # a model was built: the scan was due
    r = probe({**logged_in, "PYDANTIC_DISABLE_PLUGINS": "some_plugin"}, *args)
    assert r.returncode == 0, r.stderr
    assert "PLUGINS=some_plugin scanned=True" in r.stderr


def test_a_run_builds_only_its_subcommand(env: dict[str, str]) -> None:
    from typer.main import get_command

    from arangetram_cli.cli.app import app

    root = get_command(app)
    for args in (["--json", "vendors", "-p", "show", "list"], ["vendors", "list", "-n", "5"]):
        root.commands.pop("vendors", None)  # type: ignore[attr-defined]
        with pytest.raises(SystemExit):
            root.main(args=args, prog_name="arangetram")
        vendors = root.commands["vendors"]  # type: ignore[attr-defined]
        assert list(vendors.commands) == ["list"], args  # the profile "show" is no command
    assert len(vendors.list_commands(None)) > 5  # the others are there when named
    assert vendors.get_command(None, "images").get_command(None, "list") is not None
    assert vendors.get_command(None, "nosuch") is None


def test_a_root_run_again_can_invoke_any_subcommand(env: dict[str, str]) -> None:
    """A group built for one command line must not stick to it: the next run on the same
    root (a long-lived process, a test runner) may name another subcommand."""
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


def test_remote_vendor_listing_loads_no_workspace(
    env: dict[str, str],
    served: Served,  # noqa: F811
) -> None:
    """A remote command needs no planning-workspace rules: `vendors list --api-url` against a
    real `arangetram serve` loads no arangetram_cli.core.workspace (nor the local planner)."""
    r = probe(env, "--api-url", served.url, "vendors", "list", "--json")
    assert r.returncode == 0, r.stderr
    mods = modules(r)
    assert "arangetram_cli.planner.remote.planner" in mods  # it did go remote
    assert not {m for m in mods if m.startswith("arangetram_cli.core.workspace")}
