"""Secrets stay secret: no password, token, signing secret or bcrypt hash in any output, log
or `--debug` trace (a whole journey, locally and against `arangetram serve` with its log at
debug level); credential files are owner-only (0600); `config show` masks every secret.

Only `arangetram auth token` may print a token (that is its job); its output is left out.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import isolated_env
from tests.server.support import Served, serve_env, start_serve

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PASSWORD = "Zq-7 secret horse!"
WRONG = "Zq-7 wrong horse!"
SHORT = "Zq7!sh"  # too short: refused, and must not be echoed
LONG = "Zq7" + "Ω" * 40  # 83 bytes: past bcrypt's limit, refused, not echoed
PASSWORDS = (PASSWORD, WRONG, SHORT, LONG)
BCRYPT = re.compile(r"\$2[aby]\$\d\d\$")


@dataclass
class Transcript:
    """Everything a journey printed, command by command."""

    env: dict[str, str]
    cwd: Path
    base: list[str] = field(default_factory=list)  # e.g. ["--api-url", URL]
    runs: list[tuple[list[str], int, str, str]] = field(default_factory=list)

    def __call__(self, *args: str, stdin: str | None = None, want: int | None = 0) -> str:
        argv = [*self.base, "--debug", *args]
        p = subprocess.run(
            [sys.executable, "-m", "arangetram_cli", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=self.env,
            cwd=self.cwd,
        )
        self.runs.append((argv, p.returncode, p.stdout, p.stderr))
        if want is not None:
            assert p.returncode == want, (argv, p.returncode, p.stderr[-1500:])
        return p.stdout

    def token(self, profile: str) -> str:
        """`auth token` (the one command that prints it), kept out of the transcript."""
        p = subprocess.run(
            [sys.executable, "-m", "arangetram_cli", *self.base, "-p", profile, "auth", "token"],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.env,
            cwd=self.cwd,
        )
        assert p.returncode == 0, p.stderr
        return p.stdout.strip()

    def leaks(self, secrets: dict[str, str], extra: dict[str, str] | None = None) -> list[str]:
        found = []
        sources = [
            (f"arangetram {' '.join(a)} [{code}]", out + err) for a, code, out, err in self.runs
        ]
        sources += list((extra or {}).items())
        for where, text in sources:
            for name, value in secrets.items():
                if value and value in text:
                    found.append(f"{name} in the output of {where}")
            if BCRYPT.search(text):
                found.append(f"a bcrypt hash in the output of {where}")
        return found


def journey(run: Transcript, *, local: bool) -> None:
    """A family and a vendor, from registration to an answered booking, plus the bad paths
    that handle passwords (wrong, too short, too long)."""
    tag = uuid.uuid4().hex[:8]
    fam, ven = f"fam-{tag}@example.com", f"ven-{tag}@example.com"

    def register(profile: str, email: str, password: str, *flags: str, want: int = 0) -> None:
        args = ["-p", profile, "auth", "register", *flags, "--email", email, "--name", "N"]
        run(*args, "--password-stdin", stdin=password + "\n", want=want)

    def login(password: str, want: int = 0) -> None:
        args = ["-p", "fam", "auth", "login", "--email", fam, "--password-stdin"]
        run(*args, stdin=password + "\n", want=want)

    run("seed")
    register("fam", fam, PASSWORD)
    login(PASSWORD)
    login(WRONG, want=3)
    register("x", f"s-{fam}", SHORT, want=2)
    register("x", f"l-{fam}", LONG, want=2)
    run("-p", "fam", "auth", "whoami")
    register("ven", ven, PASSWORD, "--vendor")
    hall = ["--name", f"Hall {tag}", "--category", "venue", "--price-range", "$$"]
    hall += ["--location", "Fremont, CA"]
    vendor = json.loads(run("-p", "ven", "vendors", "create", *hall))["id"]
    new_event = ["events", "create", "--name", "Debut", "--date", "2027-06-12"]
    event = run("-p", "fam", "-q", *new_event).strip()
    run("-p", "fam", "events", "add-vendor", event, vendor)
    request = ["bookings", "create", "--event", event, "--vendor", vendor]
    booking = run("-p", "fam", "-q", *request).strip()
    run("-p", "ven", "bookings", "list", "--as-vendor")
    run("-p", "ven", "bookings", "respond", booking, "accept", "-m", "See you there")
    run("-p", "fam", "events", "show", event)
    run("-p", "ven", "events", "show", event, want=4)  # not the vendor's: not found
    run("-p", "fam", "config", "show")
    if local:
        run("-p", "spare", "config", "set", "db", str(run.cwd / "spare.db"))
        run("config", "path")


def credential_files(env: dict[str, str]) -> list[Path]:
    config, data = Path(env["ARANGETRAM_CONFIG_DIR"]), Path(env["ARANGETRAM_DATA_DIR"])
    return [
        config / "credentials.json",
        config / "config.toml",
        data / "jwt_secret",
        data / "arangetram.db",
    ]


def assert_private(paths: list[Path]) -> None:
    wrong = {}
    for p in paths:
        assert p.exists(), f"{p} was not written"
        mode = stat.S_IMODE(p.stat().st_mode)
        if mode != 0o600:
            wrong[str(p)] = oct(mode)
    assert not wrong, f"not owner-only (0600): {wrong}"


# ---- local --------------------------------------------------------------------------------
def test_local_journey_with_debug_leaks_nothing(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)  # no JWT_SECRET: the generated one must stay hidden too
    run = Transcript(env, tmp_path)
    journey(run, local=True)
    tokens = {"family token": run.token("fam"), "vendor token": run.token("ven")}
    assert all(t.count(".") == 2 for t in tokens.values())
    secret = (Path(env["ARANGETRAM_DATA_DIR"]) / "jwt_secret").read_text().strip()
    secrets = {**{f"password {p!r}": p for p in PASSWORDS}, **tokens, "jwt_secret": secret}
    leaks = run.leaks(secrets)
    assert not leaks, "\n".join(leaks)
    # the database and its side files hold the hashes: owner-only as well
    files = credential_files(env)
    files += [p for p in Path(env["ARANGETRAM_DATA_DIR"]).glob("arangetram.db-*")]
    assert_private(files)


def test_files_are_private_even_with_a_permissive_umask(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)

    def cli(*args: str, stdin: str | None = None) -> None:
        p = subprocess.run(
            [sys.executable, "-m", "arangetram_cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=tmp_path,
            preexec_fn=lambda: os.umask(0),  # a permissive umask in the child
        )
        assert p.returncode == 0, p.stderr

    cli(
        "auth",
        "register",
        "--email",
        "u@example.com",
        "--name",
        "U",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    cli("-p", "other", "config", "set", "db", str(tmp_path / "other.db"))
    cli("-p", "other", "seed")
    assert_private([*credential_files(env), tmp_path / "other.db"])


def test_secrets_in_unreachable_urls_stay_masked(tmp_path: Path) -> None:
    """Error lines about an unreachable MongoDB or API server name the address, never the
    password in it (with and without --debug)."""
    from tests.server.support import closed_port

    env = isolated_env(tmp_path)
    env.update(ARANGETRAM_MONGO_TIMEOUT_MS="300", ARANGETRAM_HTTP_RETRIES="0")
    port = closed_port().rsplit(":", 1)[1]
    outputs = []
    for debug in ([], ["--debug"]):
        for extra, args in (
            ({"MONGO_URL": f"mongodb://admin:Hunter2pw@127.0.0.1:{port}/"}, ["vendors", "list"]),
            ({}, ["--api-url", f"http://alice:Hunter2pw@127.0.0.1:{port}", "vendors", "list"]),
            (
                {"ARANGETRAM_API_URL": f"http://alice:Hunter2pw@127.0.0.1:{port}"},
                ["auth", "whoami"],
            ),
            (
                {"ARANGETRAM_API_URL": f"http://alice:Hunter2pw@127.0.0.1:{port}"},
                ["config", "show"],
            ),
        ):
            p = subprocess.run(
                [sys.executable, "-m", "arangetram_cli", *debug, *args],
                capture_output=True,
                text=True,
                timeout=60,
                env={**env, **extra, "ARANGETRAM_TOKEN": "a.b.c"},
                cwd=tmp_path,
            )
            outputs.append((args, p.returncode, p.stdout + p.stderr))
    leaked = [(a, code, text[-400:]) for a, code, text in outputs if "Hunter2pw" in text]
    assert not leaked, leaked
    assert all(code in (0, 3, 6) for _, code, _ in outputs), outputs


# ---- config show ---------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "table"])
@pytest.mark.parametrize("source", ["environment", "trusted .env", "untrusted .env"])
def test_config_show_masks_every_secret(tmp_path: Path, fmt: str, source: str) -> None:
    from arangetram_cli.core.security import create_token

    jwt_secret = "Sx" + uuid.uuid4().hex + uuid.uuid4().hex
    token = create_token(str(uuid.uuid4()), "user", jwt_secret)
    values = {
        "JWT_SECRET": jwt_secret,
        "MONGO_URL": "mongodb://admin:Hunter2pw@db.example:27017/?authSource=admin",
        "ARANGETRAM_TOKEN": token,
    }
    env = isolated_env(tmp_path)
    if source == "environment":
        env.update(values)
    else:
        (tmp_path / ".env").write_text("".join(f"{k}='{v}'\n" for k, v in values.items()))

    def show(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "arangetram_cli", "--debug", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
        )

    trust = show("config", "trust-env") if source == "trusted .env" else None
    p = show("config", "show", "-o", fmt)
    assert p.returncode == 0, p.stderr
    text = p.stdout + p.stderr + (trust.stdout + trust.stderr if trust else "")
    assert "Hunter2pw" not in text
    if source == "untrusted .env":  # not read at all: named, with the command to trust it
        assert "db.example" not in text and "config trust-env" in p.stderr
    else:
        assert "db.example" in text  # the address is shown, only the password is not
    _, payload, signature = token.split(".")
    assert payload not in text and signature not in text
    for i in range(0, len(jwt_secret) - 8):  # not even a part of the signing secret
        assert jwt_secret[i : i + 8] not in text, "config show prints part of JWT_SECRET"


# ---- against `arangetram serve` -------------------------------------------------------------
@pytest.fixture(scope="module")
def loud_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server of its own, logging at debug level (uvicorn's access log included)."""
    tmp = tmp_path_factory.mktemp("loud")
    s = start_serve(tmp, "--log-level", "debug", env=serve_env(tmp))
    try:
        yield s
    finally:
        s.stop()


@pytest.mark.service
def test_remote_journey_with_debug_leaks_nothing(loud_server: Served, tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    run = Transcript(env, tmp_path, base=["--api-url", loud_server.url])
    journey(run, local=False)
    tokens = {"family token": run.token("fam"), "vendor token": run.token("ven")}

    # the bad passwords straight to the API: a 422 must not echo them either
    bodies = {}
    with httpx.Client(base_url=loud_server.url, timeout=30) as http:
        for i, pw in enumerate((SHORT, LONG)):
            body = {
                "email": f"z{i}-{uuid.uuid4().hex[:6]}@example.com",
                "name": "Z",
                "password": pw,
            }
            r = http.post("/api/auth/register", json=body)
            assert r.status_code in (400, 422), r.text
            bodies[f"HTTP {r.status_code} to a bad password"] = r.text
        me = http.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['family token']}"})
        assert me.status_code == 200 and "password" not in me.json()

    loud_server.stop()  # flush and close the log before reading it
    log = loud_server.log.read_text(errors="replace")
    assert "GET /api/" in log or "POST /api/" in log, "the access log was not on"
    secrets = {
        **{f"password {p!r}": p for p in PASSWORDS},
        **tokens,
        "JWT_SECRET": loud_server.env["JWT_SECRET"],
    }
    leaks = run.leaks(secrets, {"the server log": log, **bodies})
    assert not leaks, "\n".join(leaks)
    creds = Path(env["ARANGETRAM_CONFIG_DIR"]) / "credentials.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
