"""Shared fixtures: every test runs with its own data and config dirs, a cheap bcrypt cost,
and a keyring pinned away from the user's real one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCRUB = (
    "MONGO_URL",
    "DB_NAME",
    "JWT_SECRET",
    "ARANGETRAM_TOKEN",
    "ARANGETRAM_API_URL",
    "ARANGETRAM_PROFILE",
    "ARANGETRAM_DB",
    "NO_COLOR",
)


def isolated_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env.update(
        HOME=str(tmp / "home"),
        XDG_DATA_HOME=str(tmp / "home" / ".local" / "share"),
        XDG_CONFIG_HOME=str(tmp / "home" / ".config"),
        ARANGETRAM_DATA_DIR=str(tmp / "data"),
        ARANGETRAM_CONFIG_DIR=str(tmp / "config"),
        ARANGETRAM_BCRYPT_ROUNDS="4",
        ARANGETRAM_CREDENTIALS="file",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        COLUMNS="200",
    )
    return env


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Isolate this process (for CliRunner and in-process planners)."""
    values = isolated_env(tmp_path)
    for k in SCRUB:
        monkeypatch.delenv(k, raising=False)
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    return values


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli(env: dict[str, str]) -> Callable[..., Run]:
    """Run the CLI in-process through Typer's runner (stdout is not a terminal: JSON)."""
    from typer.testing import CliRunner

    from arangetram_cli.cli.app import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Run:
        r = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Run(r.exit_code, r.stdout, r.stderr)

    return run


@pytest.fixture
def sh(env: dict[str, str]) -> Callable[..., Run]:
    """Run the CLI as a real subprocess with an isolated HOME."""

    def run(*args: str, input: str | None = None, extra: dict[str, str] | None = None) -> Run:
        p = subprocess.run(
            [sys.executable, "-m", "arangetram_cli", *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
            env={**env, **(extra or {})},
        )
        return Run(p.returncode, p.stdout, p.stderr)

    return run


def no_traceback(r: Run) -> None:
    assert "Traceback" not in r.err and "Traceback" not in r.out, r.err


def one_error_line(r: Run, code: int, needle: str) -> None:
    """The bad-path contract: the exit code, one `error:` line naming the problem."""
    no_traceback(r)
    assert r.code == code, (r.code, r.out, r.err)
    lines = [ln for ln in r.err.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1, r.err
    assert needle.lower() in errors[0].lower(), errors[0]


def pytest_configure(config: pytest.Config) -> None:
    """A shell without job control starts background commands (`pytest ... &`) with SIGINT
    ignored, and children inherit that: the Ctrl-C tests would then test nothing real.
    Python's own handler, as a terminal run has it (xdist workers run this too)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _sigint_untouched() -> Any:
    """A test that leaves SIGINT changed fails here, by name: a worker that ignores SIGINT
    passes that on to every child it starts, and the Ctrl-C tests after it fail instead."""
    before = signal.getsignal(signal.SIGINT)
    yield
    after = signal.getsignal(signal.SIGINT)
    if after is not before:
        signal.signal(signal.SIGINT, before)
        pytest.fail(f"the test left SIGINT set to {after!r} (was {before!r})")
