"""The real thing: register, whoami, token and logout against gnome-keyring's Secret Service,
in a private D-Bus session (tests/scripts/secret_service_session.sh) with an isolated HOME,
so the user's own keyring is never touched.

Needs gnome-keyring, dbus and libsecret-tools (scripts/install-system-deps.sh). Without them
the test skips, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parent / "scripts" / "secret_service_session.sh"
NEEDED = ("dbus-run-session", "gnome-keyring-daemon", "secret-tool")
# Nothing from the caller's session may leak in: not their bus, keyring or settings.
DROP = (
    "PYTHON_KEYRING_BACKEND",
    "DBUS_SESSION_BUS_ADDRESS",
    "GNOME_KEYRING_CONTROL",
    "SSH_AUTH_SOCK",
    "MONGO_URL",
    "DB_NAME",
    "JWT_SECRET",
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def cli_command() -> str:
    """The installed `arangetram` script beside this Python, else `python -m arangetram_cli`."""
    script = Path(sys.executable).with_name("arangetram")
    if script.is_file() and " " not in str(script):
        return str(script)
    return f"{sys.executable} -m arangetram_cli"


@pytest.mark.service
def test_login_keeps_the_token_in_the_secret_service(tmp_path: Path) -> None:
    missing = [cmd for cmd in NEEDED if shutil.which(cmd) is None]
    if missing:
        reason = (
            f"{', '.join(missing)} not installed: run scripts/install-system-deps.sh "
            "(gnome-keyring, dbus, libsecret-tools)"
        )
        if in_ci():
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)

    home = tmp_path / "home"
    home.mkdir()
    with tempfile.TemporaryDirectory(prefix="ark-") as runtime:  # short: sockets live here
        os.chmod(runtime, 0o700)
        env = {
            k: v for k, v in os.environ.items() if k not in DROP and not k.startswith("ARANGETRAM_")
        }
        env.update(
            HOME=str(home),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_RUNTIME_DIR=runtime,
            ARANGETRAM_CONFIG_DIR=str(tmp_path / "config"),
            ARANGETRAM_DATA_DIR=str(tmp_path / "data"),
            ARANGETRAM_BCRYPT_ROUNDS="4",
            ARANGETRAM_KEYRING_TIMEOUT="10",
            ARANGETRAM=cli_command(),
            PYTHON=sys.executable,
            NO_COLOR="1",
        )
        started = time.monotonic()
        p = subprocess.run(
            ["sh", str(SCRIPT)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        elapsed = time.monotonic() - started

    shown = f"exit {p.returncode} after {elapsed:.1f}s\n{p.stdout}\n--stderr--\n{p.stderr}"
    out: dict[str, str] = {}
    for line in p.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    assert p.returncode == 0, shown
    assert out.get("STEP") == "done", shown

    whoami = json.loads(out["WHOAMI"])
    assert whoami["token_source"] == "keyring (SecretService)", shown
    assert whoami["email"] == "keyring.test@example.com"
    assert whoami["profile"] == "default"

    token = out["TOKEN"]
    assert token.count(".") == 2, shown
    # what secret-tool and python-keyring find under service=arangetram username=PROFILE@BACKEND
    entry = json.loads(out["LOOKUP"])
    assert entry["token"] == token and entry["server"] == whoami["backend"], shown
    assert entry["user"]["email"] == "keyring.test@example.com", shown
    assert out["PYLOOKUP"] == out["LOOKUP"]

    # only the keyring holds it: no file in HOME, the XDG dirs, config or data dir
    assert out["FILES_WITH_TOKEN"].strip() == "", shown
    assert not (tmp_path / "config" / "credentials.json").exists()
    # and the CLI never printed it unasked (only `auth token`, whose stdout the script kept)
    assert token not in p.stderr
    assert "token kept in keyring (SecretService)" in p.stderr, shown

    # logout removed the entry from the Secret Service
    assert "Logged out of profile default" in p.stderr, shown
    assert out["AFTER_LOGOUT"] == "", shown
    assert out["TOKEN_AFTER_LOGOUT"] == "no", shown
