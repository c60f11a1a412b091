"""A hostile `.env` (a cloned repository, a downloaded folder) cannot send the user's secrets
anywhere: every command, run as a real process in a folder whose `.env` points every
address the tool knows (API server, AI provider, Ollama, MongoDB, S3) at a listener on
127.0.0.1, sends that listener nothing, not one byte, while the user's password, login
token, Gemini key (environment), OpenAI key (the key store) and AWS keys are all there.

After `config trust-env` the same kind of file is used (its API URL is talked to), except
ARANGETRAM_TOKEN, which only the real environment sets; a trusted file that changes is
ignored again.

The user's own Gemini/OpenAI calls leave through HTTPS_PROXY, pointed at a second
listener that refuses every tunnel: nothing leaves the machine, and the CONNECT lines show
where each key was going (only to its own provider's host).
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import isolated_env

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PASSWORD = "Zq-7 secret horse!"
GEMINI_KEY = "AIza-users-own-gemini-" + uuid.uuid4().hex
OPENAI_KEY = "sk-users-own-openai-" + uuid.uuid4().hex
AWS_KEY_ID = "AKIAUSERSOWN" + uuid.uuid4().hex[:8].upper()
AWS_SECRET = "aws-secret-" + uuid.uuid4().hex
ATTACKER_JWT_SECRET = "attacker-known-secret-" + "x" * 40


class Recorder:
    """A TCP listener on 127.0.0.1 that records every byte any client sends. It answers
    whatever came in with `reply` and closes, so clients fail fast instead of waiting."""

    def __init__(self, reply: bytes = b"HTTP/1.1 503 No\r\nContent-Length: 0\r\n\r\n") -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.chunks: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data(self) -> bytes:
        with self._lock:
            return b"".join(self.chunks)

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(0.5)
            try:
                while chunk := conn.recv(65536):
                    with self._lock:
                        self.chunks.append(chunk)
                    if b"\r\n\r\n" in chunk or len(chunk) < 65536:
                        conn.sendall(self.reply)
                        conn.settimeout(0.2)
            except OSError:
                pass

    def close(self) -> None:
        self._stop = True
        self.sock.close()


@dataclass
class Run:
    argv: list[str]
    code: int
    out: str
    err: str


@dataclass
class Machine:
    """The user's machine: their environment, data and keys; `run` works in any folder."""

    env: dict[str, str]
    home: Path
    fam_email: str
    vendor: str
    event: str
    booking: str

    def run(self, cwd: Path, *argv: str, stdin: str | None = None) -> Run:
        p = subprocess.run(
            [sys.executable, "-m", "arangetram_cli", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            env=self.env,
            cwd=cwd,
        )
        return Run(list(argv), p.returncode, p.stdout, p.stderr)


@pytest.fixture(scope="module")
def egress() -> Iterator[Recorder]:
    """The HTTPS proxy of the user's machine: refuses every tunnel (nothing leaves)."""
    r = Recorder(reply=b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    yield r
    r.close()


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory, egress: Recorder) -> Machine:
    tmp = tmp_path_factory.mktemp("machine")
    env = isolated_env(tmp)
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy") or k.startswith(
            ("ARANGETRAM_LLM_", "ARANGETRAM_S3_", "OPENAI", "GEMINI", "EMERGENT", "OLLAMA", "AWS_")
        ):
            del env[k]
    env.update(
        GEMINI_API_KEY=GEMINI_KEY,
        AWS_ACCESS_KEY_ID=AWS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=AWS_SECRET,
        HTTPS_PROXY=egress.url,
        ARANGETRAM_HTTP_RETRIES="0",
        ARANGETRAM_MONGO_TIMEOUT_MS="500",
        ARANGETRAM_LLM_TIMEOUT="5",
    )
    home = tmp / "work"
    home.mkdir()
    tag = uuid.uuid4().hex[:8]
    m = Machine(env, home, f"fam-{tag}@example.com", "", "", "")

    def ok(*argv: str, stdin: str | None = None) -> str:
        r = m.run(home, *argv, stdin=stdin)
        assert r.code == 0, (argv, r.err)
        return r.out

    ok("seed")
    reg = ["auth", "register", "--name", "Fam", "--password-stdin"]
    ok(*reg, "--email", m.fam_email, stdin=PASSWORD + "\n")
    ok("-p", "ven", *reg, "--vendor", "--email", f"ven-{tag}@example.com", stdin=PASSWORD + "\n")
    hall = ["--name", f"Hall {tag}", "--category", "venue", "--location", "Fremont, CA"]
    hall += ["--price-range", "$$"]
    m.vendor = json.loads(ok("-p", "ven", "vendors", "create", *hall))["id"]
    m.event = ok("-q", "events", "create", "--name", "Debut", "--date", "2027-06-12").strip()
    ok("events", "add-vendor", m.event, m.vendor)
    m.booking = ok("-q", "bookings", "create", "--event", m.event, "--vendor", m.vendor).strip()
    ok("config", "set-key", "openai", "--stdin", stdin=OPENAI_KEY + "\n")
    return m


def stored_token(m: Machine) -> str:
    r = m.run(m.home, "auth", "token")
    assert r.code == 0, r.err
    return r.out.strip()


def hostile_folder(root: Path, listener: Recorder) -> Path:
    """A 'cloned repository' whose .env points everything at the listener, tries to move
    the config dir to a trust list of its own that blesses it, and brings a token signed
    with a secret it also sets."""
    from arangetram_cli.core.security import create_token

    folder = root / "cloned-repo"
    folder.mkdir()
    url = listener.url
    attacker = create_token(str(uuid.uuid4()), "user", ATTACKER_JWT_SECRET)
    lines = {
        "ARANGETRAM_API_URL": url,
        "ARANGETRAM_TOKEN": attacker,
        "JWT_SECRET": ATTACKER_JWT_SECRET,
        "ARANGETRAM_LLM_PROVIDER": "gemini",
        "ARANGETRAM_LLM_BASE_URL": f"{url}/v1",
        "ARANGETRAM_LLM_API_KEY": "attacker-wants-your-key",
        "OLLAMA_HOST": f"127.0.0.1:{listener.port}",
        "MONGO_URL": f"mongodb://127.0.0.1:{listener.port}/?serverSelectionTimeoutMS=500",
        "ARANGETRAM_S3_BUCKET": "loot",
        "ARANGETRAM_S3_ENDPOINT_URL": url,
        "ARANGETRAM_S3_PUBLIC_URL": f"{url}/pub",
        "ARANGETRAM_CONFIG_DIR": str(folder / "evil-config"),
        "ARANGETRAM_CREDENTIALS": "file",
    }
    text = "".join(f"{k}={v}\n" for k, v in lines.items())
    (folder / ".env").write_text(text)
    # the trust list it would like us to read: trusting its own .env, hash and all
    import hashlib

    evil = folder / "evil-config"
    evil.mkdir()
    digest = hashlib.sha256(text.encode()).hexdigest()
    trust = {"version": 1, "files": {str((folder / ".env").resolve()): {"sha256": digest}}}
    (evil / "trusted_env.json").write_text(json.dumps(trust))
    (evil / "trusted_env.json").chmod(0o600)
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 2000)
    (folder / "benign.env").write_text("NO_COLOR=1\n")
    return folder


def every_command(m: Machine) -> list[tuple[str, list[str], str | None]]:
    """(command, argv, stdin) for every leaf command of the CLI (serve apart)."""
    pw = PASSWORD + "\n"
    v, e, b = m.vendor, m.event, m.booking
    img = "https://images.example.com/a.jpg"
    return [
        ("auth register", ["auth", "register", "--email", f"n-{e[:6]}@example.com",
                           "--name", "N", "--password-stdin", "-p", "new"], pw),
        ("auth login", ["auth", "login", "--email", m.fam_email, "--password-stdin"], pw),
        ("auth guest", ["-p", "g", "auth", "guest"], None),
        ("auth whoami", ["auth", "whoami"], None),
        ("auth token", ["auth", "token"], None),
        ("vendors list", ["vendors", "list"], None),
        ("vendors show", ["vendors", "show", v], None),
        ("vendors categories", ["vendors", "categories"], None),
        ("vendors mine", ["-p", "ven", "vendors", "mine"], None),
        ("vendors create", ["-p", "ven", "vendors", "create", "--name", "X", "--category",
                            "venue"], None),
        ("vendors update", ["-p", "ven", "vendors", "update", "--image", img], None),
        ("vendors recommend", ["vendors", "recommend", "--event", e], None),
        ("vendors review", ["vendors", "review", v, "--rating", "5"], None),
        ("vendors images add", ["-p", "ven", "vendors", "images", "add", "photo.jpg"], None),
        ("vendors images list", ["-p", "ven", "vendors", "images", "list"], None),
        ("vendors images remove", ["-p", "ven", "vendors", "images", "remove", img], None),
        ("vendors reviews list", ["vendors", "reviews", "list", v], None),
        ("vendors reviews reply", ["-p", "ven", "vendors", "reviews", "reply", "abcd",
                                   "--text", "t"], None),
        ("events create", ["events", "create", "--name", "Second", "--date", "2027-07-01"],
         None),
        ("events list", ["events", "list"], None),
        ("events show", ["events", "show", e], None),
        ("events update", ["events", "update", e, "--guests", "150"], None),
        ("events add-vendor", ["events", "add-vendor", e, v], None),
        ("events remove-vendor", ["events", "remove-vendor", e, v], None),
        ("bookings create", ["bookings", "create", "--event", e, "--vendor", v], None),
        ("bookings list", ["bookings", "list"], None),
        ("bookings inbox", ["-p", "ven", "bookings", "inbox"], None),
        ("bookings respond", ["-p", "ven", "bookings", "respond", b, "accept", "--yes"], None),
        ("bookings show", ["bookings", "show", b], None),
        ("bookings complete", ["bookings", "complete", b], None),
        ("bookings cancel", ["bookings", "cancel", b], None),
        ("tasks list", ["tasks", "list", "--event", e], None),
        ("tasks add", ["tasks", "add", "Fittings", "--event", e], None),
        ("tasks done", ["tasks", "done", "Fittings", "--event", e], None),
        ("tasks reopen", ["tasks", "reopen", "Fittings", "--event", e], None),
        ("tasks update", ["tasks", "update", "Fittings", "--event", e, "--notes", "n"], None),
        ("tasks remove", ["tasks", "remove", "Fittings", "--event", e], None),
        ("tasks apply-template", ["tasks", "apply-template", "--event", e], None),
        ("budget set", ["budget", "set", "20000", "--event", e], None),
        ("budget add", ["budget", "add", "Hall", "--event", e, "--estimate", "1800"], None),
        ("budget pay", ["budget", "pay", "Hall", "500", "--event", e], None),
        ("budget update", ["budget", "update", "Hall", "--event", e, "--quoted", "1900"], None),
        ("budget show", ["budget", "show", "--event", e], None),
        ("budget remove", ["budget", "remove", "Hall", "--event", e], None),
        ("events plan", ["events", "plan", e], None),
        ("events calendar", ["events", "calendar", e], None),
        ("events export", ["events", "export", e], None),
        ("events import", ["events", "import", "plan.json"], None),
        ("events share", ["events", "share", e, "nobody@example.com", "--role", "viewer"], None),
        ("events members", ["events", "members", e], None),
        ("events unshare", ["events", "unshare", e, "nobody@example.com"], None),
        ("events leave", ["events", "leave", e], None),
        ("events transfer", ["events", "transfer", e, "nobody@example.com"], None),
        ("events rsvp-note", ["events", "rsvp-note", e, "Lunch follows"], None),
        ("guests add", ["guests", "add", "Ammamma", "--event", e, "--party", "2"], None),
        ("guests list", ["guests", "list", "--event", e], None),
        ("guests update", ["guests", "update", "Ammamma", "--event", e, "--party", "3"], None),
        ("guests links", ["guests", "links", "--event", e], None),
        ("guests import", ["guests", "import", "contacts.csv", "--event", e], None),
        ("guests remove", ["guests", "remove", "Ammamma", "--event", e], None),
        ("seed", ["seed"], None),
        ("config show", ["config", "show"], None),
        ("config set", ["-p", "spare", "config", "set", "db_name", "spare"], None),
        ("config unset", ["-p", "spare", "config", "unset", "db_name"], None),
        ("config use", ["config", "use", "default"], None),
        ("config profiles", ["config", "profiles"], None),
        ("config path", ["config", "path"], None),
        ("config trust-env", ["config", "trust-env", "benign.env"], None),
        ("config untrust-env", ["config", "untrust-env"], None),
        ("config set-key", ["config", "set-key", "custom", "--stdin"], "sk-custom-x\n"),
        ("config delete-key", ["config", "delete-key", "custom"], None),
        ("config llm", ["config", "llm"], None),
        ("ask", ["ask", "what does a hall cost?"], None),
        ("ask", ["ask", "--provider", "openai", "what does a hall cost?"], None),
        ("auth logout", ["-p", "g", "auth", "logout"], None),
    ]  # fmt: skip


def leaf_commands() -> set[str]:
    import importlib

    from typer.main import get_command

    from arangetram_cli.cli.app import LAZY

    out: set[str] = set()

    def walk(cmd: object, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        else:
            out.add(" ".join(path))

    for name, (module, _) in LAZY.items():
        walk(get_command(importlib.import_module(module).app), [name])
    return out


def test_the_command_list_covers_the_whole_cli(machine: Machine) -> None:
    covered = {name for name, _, _ in every_command(machine)} | {"serve"}  # serve: below
    assert leaf_commands() <= covered, sorted(leaf_commands() - covered)


def test_no_command_sends_anything_where_a_hostile_dotenv_points(
    machine: Machine, egress: Recorder, tmp_path: Path
) -> None:
    listener = Recorder()
    try:
        folder = hostile_folder(tmp_path, listener)
        token = stored_token(machine)
        runs = [
            machine.run(folder, *argv, stdin=stdin) for _, argv, stdin in every_command(machine)
        ]
        sent = listener.data
        assert listener.connections == 0 and sent == b"", sent[:500]
    finally:
        listener.close()

    unexpected = [
        (r.argv, r.code, r.err[-300:]) for r in runs if r.code == 1 or "Traceback" in r.err
    ]
    assert not unexpected, unexpected
    for r in runs:  # one note per run at most, naming the command that trusts the file
        assert r.err.count("note: ignoring") <= 1, (r.argv, r.err)
    for r in runs[:6]:
        assert "config trust-env" in r.err, (r.argv, r.err)
    by_cmd: dict[str, Run] = {}
    for (name, _, _), r in zip(every_command(machine), runs, strict=True):
        by_cmd.setdefault(name, r)
    # the hostile token and secret were not used: the user is still the user, locally
    whoami = by_cmd["auth whoami"]
    assert whoami.code == 0 and machine.fam_email in whoami.out, whoami.err
    attacker = (folder / ".env").read_text().split("ARANGETRAM_TOKEN=")[1].split()[0]
    issued = by_cmd["auth token"].out.strip()
    assert issued.count(".") == 2 and issued != attacker
    payload = issued.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["user_id"] == json.loads(whoami.out)["id"]
    assert by_cmd["config show"].code == 0 and '"mode": "sqlite"' in by_cmd["config show"].out
    # the user's AI keys went toward their own providers only (and the proxy refused them)
    tunnels = [ln for ln in egress.data.decode("latin-1").splitlines() if ln.startswith("CONNECT")]
    hosts = {ln.split()[1] for ln in tunnels}
    assert hosts <= {"generativelanguage.googleapis.com:443", "api.openai.com:443"}, hosts
    assert "generativelanguage.googleapis.com:443" in hosts and "api.openai.com:443" in hosts
    for secret in (GEMINI_KEY, OPENAI_KEY, PASSWORD, token, AWS_KEY_ID, AWS_SECRET):
        assert secret.encode() not in egress.data
    ask = by_cmd["ask"]
    assert ask.code == 6 and "gemini" in ask.err.lower(), ask.err
    assert by_cmd["vendors images add"].code == 2  # no bucket: the .env's is ignored


@pytest.mark.service
def test_serve_in_a_hostile_folder_keeps_its_key(
    machine: Machine, egress: Recorder, tmp_path: Path
) -> None:
    """`arangetram serve` started in that folder: its provider key is not sent to the
    .env's endpoint either (the AI route goes to Gemini, through the refusing proxy)."""
    from tests.server.support import start_serve

    listener = Recorder()
    served = None
    try:
        folder = hostile_folder(tmp_path, listener)
        env = {**machine.env, "ARANGETRAM_AUTH_RATE_LIMIT": "off", "NO_PROXY": "127.0.0.1"}
        served = start_serve(folder, env=env)
        body = {"message": "a hall?", "event_context": {"event_date": "2027-06-12"}}
        with httpx.Client(base_url=served.url, timeout=30, trust_env=False) as http:
            login = {"email": machine.fam_email, "password": PASSWORD}
            r = http.post("/api/auth/login", json=login)
            assert r.status_code == 200, r.text
            headers = {"Authorization": f"Bearer {r.json()['token']}"}
            http.post("/api/ai/chat", json=body, headers=headers)
            assert http.get("/api/vendors").status_code == 200
        assert listener.connections == 0 and listener.data == b""
        assert b"CONNECT generativelanguage.googleapis.com:443" in egress.data
        assert GEMINI_KEY.encode() not in egress.data
    finally:
        if served is not None:
            served.stop()
        listener.close()
    log = served.log.read_text(errors="replace") if served else ""
    assert "config trust-env" in log  # the operator is told why the .env was ignored


def test_a_trusted_dotenv_is_used_but_never_for_the_token(machine: Machine, tmp_path: Path):
    listener = Recorder()
    try:
        folder = tmp_path / "mine"
        folder.mkdir()
        from arangetram_cli.core.security import create_token

        attacker = create_token(str(uuid.uuid4()), "user", ATTACKER_JWT_SECRET)
        dotenv = folder / ".env"
        dotenv.write_text(f"ARANGETRAM_API_URL={listener.url}\nARANGETRAM_TOKEN={attacker}\n")

        before = machine.run(folder, "vendors", "list")
        assert listener.connections == 0 and "config trust-env" in before.err

        trust = machine.run(folder, "config", "trust-env")
        assert trust.code == 0, trust.err
        assert "ARANGETRAM_TOKEN is never read from a .env" in trust.err
        listing = machine.run(folder, "vendors", "list")
        assert listing.code == 6, listing.err  # the listener answers 503
        assert b"GET /api/" in listener.data  # the trusted file's API URL is used...
        assert "note: ignoring" not in listing.err
        shown = machine.run(folder, "config", "show", "-o", "json").out
        assert json.loads(shown)["dotenv_status"] == "trusted"
        # ...but not its token: the stored one belongs to another backend, so no login
        whoami = machine.run(folder, "auth", "whoami")
        assert whoami.code == 3, whoami.err
        assert attacker.encode() not in listener.data
        assert b"authorization" not in listener.data.lower()

        # the file changes: it is ignored again, with a note saying so
        seen = len(listener.data)
        dotenv.write_text(dotenv.read_text() + "MONGO_URL=mongodb://127.0.0.1:1/\n")
        changed = machine.run(folder, "vendors", "list")
        assert changed.code == 0, changed.err  # the local store again
        assert "changed since you trusted it" in changed.err
        assert len(listener.data) == seen
        assert (
            json.loads(machine.run(folder, "config", "show", "-o", "json").out)["dotenv_status"]
            == "changed"
        )
    finally:
        listener.close()
