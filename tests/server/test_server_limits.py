"""`arangetram serve` under abuse: body limit, header and body timeouts, the connection cap,
quiet logs, the AI endpoints' login, limits and caps, CORS defaults, and the hot reads
answering exactly as their FastAPI routes do.

Abusive clients here are bounded in count and time (tens of connections, a few seconds) and
only ever talk to a server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import logging
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from arangetram_cli.core import security
from arangetram_cli.server.app import LOCAL_FRONT_ENDS, create_app, default_origins
from arangetram_cli.server.limits import Limits, parse_size
from arangetram_cli.server.ratelimit import Rate
from arangetram_cli.server.transport import LogStormFilter
from tests.server.support import PASSWORD, SECRET, Served, serve_env, start_serve, wait_until

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


def creds(kind: str = "user") -> dict[str, str]:
    return {
        "email": f"u-{uuid.uuid4().hex[:8]}@example.com",
        "name": "U",
        "password": PASSWORD,
        "user_type": kind,
    }


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def host_port(served: Served) -> tuple[str, int]:
    host, port = served.url.removeprefix("http://").split(":")
    return host, int(port)


def read_response(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """Everything the server sends until it closes (or the timeout)."""
    sock.settimeout(timeout)
    out = b""
    with contextlib.suppress(OSError):
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    return out


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("guarded")
    env = serve_env(
        tmp,
        ARANGETRAM_HEADER_TIMEOUT="2",
        ARANGETRAM_BODY_TIMEOUT="2",
        ARANGETRAM_MAX_CONNECTIONS="40",
    )
    s = start_serve(tmp, env=env)
    try:
        yield s
    finally:
        s.stop()


# ---- request bodies ------------------------------------------------------------------------
@pytest.mark.service
def test_a_declared_2mb_body_is_413_before_it_is_read(guarded):
    host, port = host_port(guarded)
    before = rss_kb(guarded.proc.pid)
    for _ in range(20):
        with socket.create_connection((host, port)) as s:
            s.sendall(
                b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 2000000\r\n\r\n" + b"x" * 65536
            )
            answer = read_response(s)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"connection: close" in head.lower()
        assert b"at most 1 MiB" in body
    # and a client that sends it all (httpx reads the early answer)
    r = httpx.post(f"{guarded.url}/api/auth/login", content=b"{" + b" " * 2_000_000 + b"}")
    assert r.status_code == 413 and "Request body too large" in r.json()["detail"]
    assert rss_kb(guarded.proc.pid) - before < 20_000  # 20 x 2 MB sent: not kept
    ok = httpx.post(f"{guarded.url}/api/auth/register", json=creds())
    assert ok.status_code == 200  # a normal body still goes through


@pytest.mark.service
def test_a_chunked_body_over_the_limit_is_cut_off_with_413(guarded):
    host, port = host_port(guarded)
    with socket.create_connection((host, port)) as s:
        s.sendall(
            b"POST /api/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
        sent = 0
        with contextlib.suppress(OSError):  # the server may close while we still send
            for _ in range(40):  # 2.5 MiB at most
                s.sendall(chunk)
                sent += 0x10000
        answer = read_response(s)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"over 1 MiB" in answer
    assert sent < 40 * 0x10000 or b"connection: close" in answer.lower()


def test_max_body_is_configurable(tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from arangetram_cli.store.sqlite import SqliteStore

    monkeypatch.setenv("ARANGETRAM_MAX_BODY", "4k")
    limits = Limits.from_env()
    assert limits.max_body == 4096
    c = TestClient(create_app(lambda: SqliteStore(tmp_path / "a.db"), SECRET, limits=limits))
    big = {**creds(), "name": "n" * 5000}
    r = c.post("/api/auth/register", json=big)
    assert r.status_code == 413 and "4,096 bytes" in r.json()["detail"]
    assert c.post("/api/auth/register", json=creds()).status_code == 200
    assert parse_size("1MiB", "X") == 1024 * 1024 and parse_size("512k", "X") == 524288
    for bad in ("lots", "12", "-1"):
        with pytest.raises(Exception, match="X must"):
            parse_size(bad, "X")


@pytest.mark.service
def test_bad_limit_values_are_a_usage_error(tmp_path):
    env = serve_env(tmp_path, ARANGETRAM_MAX_BODY="huge")
    p = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "serve", "--port", "9"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert p.returncode == 2 and len(lines) == 1, p.stderr
    assert lines[0].startswith("error: ARANGETRAM_MAX_BODY must be a size")


# ---- slow clients --------------------------------------------------------------------------
@pytest.mark.service
def test_slow_loris_clients_do_not_stop_health(guarded):
    host, port = host_port(guarded)
    slow: list[socket.socket] = []
    try:
        for i in range(30):  # half dribble headers, half send headers and never the body
            s = socket.create_connection((host, port))
            if i % 2:
                s.sendall(
                    b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
                )
            else:
                s.sendall(b"GET /api/health HTTP/1.1\r\n")
            slow.append(s)
        answered = 0
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            for s in slow[::2]:  # keep dribbling header bytes
                with contextlib.suppress(OSError):
                    s.sendall(b"X")
            r = httpx.get(f"{guarded.url}/api/health", timeout=2)
            assert r.status_code == 200
            answered += 1
            time.sleep(0.3)
        assert answered >= 2
        # by now (2 s header timeout, 2 s body timeout) the server closed every slow one
        closed = 0
        for s in slow:
            got = read_response(s, timeout=3)
            if got == b"" or b" 408 " in got[:20]:
                closed += 1
        assert closed == len(slow)
    finally:
        for s in slow:
            s.close()
    log = guarded.log.read_bytes()
    assert len(log) < 50_000, log[-2000:]


@pytest.mark.service
def test_a_half_sent_body_gets_408(guarded):
    host, port = host_port(guarded)
    with socket.create_connection((host, port)) as s:
        s.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
        answer = read_response(s, timeout=6)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"Request body not received within 2 s" in answer


@pytest.mark.service
def test_connections_past_the_cap_are_refused_at_once(guarded):
    host, port = host_port(guarded)
    held: list[socket.socket] = []
    try:
        for _ in range(60):  # the cap is 40
            held.append(socket.create_connection((host, port)))
        refused = 0
        for s in held:
            s.settimeout(0.5)
            with contextlib.suppress(OSError):
                if s.recv(100).startswith(b"HTTP/1.1 503"):
                    refused += 1
        assert refused >= 15
    finally:
        for s in held:
            s.close()
    assert wait_until(
        lambda: httpx.get(f"{guarded.url}/api/health", timeout=2).status_code == 200, 6
    )


@pytest.mark.service
def test_few_file_descriptors_no_log_storm(tmp_path):
    def low_fds() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    env = serve_env(tmp_path, ARANGETRAM_HEADER_TIMEOUT="2")
    port = __import__("tests.server.support", fromlist=["free_port"]).free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "arangetram_cli", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=low_fds,
        )
    url = f"http://127.0.0.1:{port}"
    held: list[socket.socket] = []
    try:
        assert wait_until(lambda: _health(url) == 200, 30)
        for _ in range(200):  # more than the process may open
            with contextlib.suppress(OSError):
                held.append(socket.create_connection(("127.0.0.1", port), timeout=1))
        time.sleep(1)
        for s in held:
            s.close()
        held.clear()
        assert wait_until(lambda: _health(url) == 200, 8)
    finally:
        for s in held:
            s.close()
        proc.terminate()
        proc.wait(10)
    assert log.stat().st_size < 50_000


def _health(url: str) -> int:
    try:
        return httpx.get(f"{url}/api/health", timeout=1).status_code
    except httpx.HTTPError:
        return 0


def test_the_log_filter_drops_a_flood_and_says_so():
    now = [100.0]
    f = LogStormFilter(burst=5, window=10.0, clock=lambda: now[0])

    def rec() -> logging.LogRecord:
        return logging.LogRecord(
            "uvicorn.error", 40, "x", 1, "accept failed: %s", ("EMFILE",), None
        )

    kept = sum(f.filter(rec()) for _ in range(10_000))
    assert kept == 5
    other = logging.LogRecord("uvicorn.error", 40, "x", 1, "something else", (), None)
    assert f.filter(other)
    now[0] += 10.0
    later = rec()
    assert f.filter(later) and "9995 more like this were not logged" in later.getMessage()


# ---- the AI endpoints --------------------------------------------------------------------------
def ai_app(tmp_path, **limits):
    from fastapi.testclient import TestClient

    from arangetram_cli.store.sqlite import SqliteStore

    base = {"ai_rate": None, "ai_ip_rate": None, **limits}
    app = create_app(lambda: SqliteStore(tmp_path / "ai.db"), SECRET, limits=Limits(**base))
    return TestClient(app)


def ai(c, i: int, headers: dict[str, str] | None = None):
    path, body = AI_CALLS[i]
    return c.post(path, json=body, headers=headers)


def login(c, kind: str = "user") -> dict[str, str]:
    if kind == "guest":
        token = c.post("/api/auth/guest", json={}).json()["token"]
    else:
        token = c.post("/api/auth/register", json=creds(kind)).json()["token"]
    return {"Authorization": f"Bearer {token}"}


AI_CALLS = [
    ("/api/ai/chat", {"message": "Which hall?"}),
    ("/api/ai/recommendations", {"location": "Fremont"}),
    (
        "/api/v1/ai/chat/completions",
        {"messages": [{"role": "user", "content": "hi"}], "stream": False},
    ),
    ("/api/v1/ai/recommendations", {"location": "Fremont"}),
]


def test_ai_endpoints_refuse_anonymous_and_forged_callers(tmp_path):
    c = ai_app(tmp_path)
    h = login(c)
    forged = security.create_token("x" * 36, "user", "another-secret-" + "z" * 40)
    expired_payload = security.decode_token(h["Authorization"][7:], SECRET)
    deleted = login(c)
    store = c.app.state.arangetram.store()
    store.users.delete(security.decode_token(deleted["Authorization"][7:], SECRET)["user_id"])
    for path, body in AI_CALLS:
        assert c.post(path, json=body, headers=h).status_code == 200, path
        anon = c.post(path, json=body)
        assert anon.status_code == 401 and anon.json()["detail"] == "Not authenticated", path
        assert anon.headers["www-authenticate"] == "Bearer"
        bad = c.post(path, json=body, headers={"Authorization": f"Bearer {forged}"})
        assert bad.status_code == 401 and bad.json()["detail"] == "Invalid token", path
        junk = c.post(path, json=body, headers={"Authorization": "Bearer not.a.token"})
        assert junk.status_code == 401, path
        gone = c.post(path, json=body, headers=deleted)
        assert gone.status_code == 401 and gone.json()["detail"] == "User not found", path
    assert expired_payload["user_id"]


def test_the_guard_checks_the_token_the_route_uses(tmp_path):
    """Two Authorization headers: the route reads the first (Starlette), so the AI guard
    must too (it read the last, and refused a caller the route would accept)."""
    c = ai_app(tmp_path)
    good = login(c)["Authorization"]
    for path, body in AI_CALLS:
        two = [("Authorization", good), ("Authorization", "Bearer not.a.token")]
        r = c.post(path, json=body, headers=two)
        assert r.status_code == 200, (path, r.text)
        r = c.post(path, json=body, headers=list(reversed(two)))
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer", path
        assert r.json()["detail"] == "Invalid token", path


@pytest.mark.service
def test_anonymous_ai_calls_are_refused_before_the_body_is_read(guarded):
    host, port = host_port(guarded)
    with socket.create_connection((host, port)) as s:
        s.sendall(
            b"POST /api/ai/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 500000\r\n\r\n{"
        )
        answer = read_response(s, timeout=5)
    # had the body been waited for, the answer would be the body timeout's 408
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_ai_messages_are_capped(tmp_path):
    c = ai_app(tmp_path, ai_max_messages=5, ai_max_chars=2000)
    h = login(c)
    many = [{"role": "user", "content": "hi"}] * 6
    r = c.post("/api/v1/ai/chat/completions", json={"messages": many, "stream": False}, headers=h)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "messages"]
    assert "at most 5 messages" in r.json()["detail"][0]["msg"]
    long = [{"role": "user", "content": "a" * 1500}, {"role": "user", "content": "b" * 600}]
    r = c.post("/api/v1/ai/chat/completions", json={"messages": long, "stream": False}, headers=h)
    assert r.status_code == 413 and "2,100 characters" in r.json()["detail"]
    r = c.post("/api/ai/chat", json={"message": "c" * 2500}, headers=h)
    assert r.status_code == 413 and "at most 2,000" in r.json()["detail"]
    five = [{"role": "user", "content": "x" * 300}] * 5
    ok = c.post("/api/v1/ai/chat/completions", json={"messages": five, "stream": False}, headers=h)
    assert ok.status_code == 200


def test_ai_rate_limits_per_user_per_address_and_the_guest_quota(tmp_path):
    c = ai_app(tmp_path, ai_rate=Rate(burst=3, per_minute=1))
    alice, bob = login(c), login(c)
    codes = [ai(c, 3, alice).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = ai(c, 0, alice)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 30
    assert limited.json()["detail"].startswith("Too many AI requests")
    assert ai(c, 0, bob).status_code == 200  # per user
    assert c.get("/api/vendors").status_code == 200  # nothing else is limited

    c = ai_app(tmp_path, ai_ip_rate=Rate(burst=2, per_minute=1))
    carol = login(c)
    codes = [ai(c, 1, carol).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert "from this address" in ai(c, 1).json()["detail"]  # before the login

    c = ai_app(tmp_path, ai_guest_quota=2)
    guest = login(c, "guest")
    codes = [ai(c, 0, guest).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = ai(c, 2, guest)
    assert (
        r.status_code == 429 and "Guest AI quota used up (2 requests a day)" in r.json()["detail"]
    )
    assert "auth register" in r.json()["hint"]
    assert ai(c, 0, login(c)).status_code == 200  # registered users

    c = ai_app(tmp_path, ai_guest_quota=0)
    refused = ai(c, 0, login(c, "guest"))
    assert (
        refused.status_code == 403 and "Guests cannot use the assistant" in refused.json()["detail"]
    )


# ---- CORS ----------------------------------------------------------------------------------
def cors_app(tmp_path, origins):
    from fastapi.testclient import TestClient

    from arangetram_cli.store.sqlite import SqliteStore

    return TestClient(
        create_app(lambda: SqliteStore(tmp_path / "c.db"), SECRET, cors_origins=origins)
    )


def preflight(c, origin: str):
    return c.options(
        "/api/events",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_cors_defaults_loopback_and_public(tmp_path):
    assert default_origins(None, loopback=True) == list(LOCAL_FRONT_ENDS)
    assert default_origins(None, loopback=False) == []
    assert default_origins("none", loopback=True) == []
    assert default_origins("https://a.example/", loopback=False) == ["https://a.example"]
    local = cors_app(tmp_path, default_origins(None, loopback=True))
    for origin in LOCAL_FRONT_ENDS:
        r = preflight(local, origin)
        assert r.status_code == 200, origin
        assert r.headers["access-control-allow-origin"] == origin
        assert r.headers["access-control-allow-credentials"] == "true"
        assert "authorization" in r.headers["access-control-allow-headers"].lower()
        got = local.get("/api/vendors", headers={"Origin": origin})
        assert got.headers["access-control-allow-origin"] == origin
    evil = preflight(local, "https://evil.example")
    assert evil.status_code == 400 and "access-control-allow-origin" not in evil.headers
    public = cors_app(tmp_path, default_origins(None, loopback=False))
    none = preflight(public, "http://localhost:3000")
    assert none.status_code == 400 and "access-control-allow-origin" not in none.headers
    assert (
        "access-control-allow-origin"
        not in public.get("/api/vendors", headers={"Origin": "http://localhost:3000"}).headers
    )


@pytest.mark.service
def test_serve_on_loopback_allows_the_local_front_ends_by_default(served):
    r = httpx.options(
        f"{served.url}/api/auth/login",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert r.headers["access-control-allow-credentials"] == "true"
    r = httpx.options(
        f"{served.url}/api/auth/login",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers


# ---- the hot reads answer as their routes do -------------------------------------------------
def test_hot_reads_answer_exactly_as_the_full_stack(tmp_path):
    c = cors_app(tmp_path, ["https://app.example"])
    c.post("/api/seed")
    h = login(c)
    c.post("/api/events", json={"event_name": "R", "event_date": "2027-06-12"}, headers=h)
    vid = c.get("/api/vendors").json()[0]["id"]
    deleted = login(c)
    store = c.app.state.arangetram.store()
    store.users.delete(security.decode_token(deleted["Authorization"][7:], SECRET)["user_id"])
    cases = [
        ("/api/vendors", {}),
        ("/api/vendors?category=venue&search=hall", {}),
        (f"/api/vendors/{vid}", {}),
        ("/api/vendors/nope-nope", {}),
        ("/api/vendors/my/profile", h),
        ("/api/events", h),
        ("/api/events", {}),
        ("/api/events", {"Authorization": "Bearer forged"}),
        ("/api/events", deleted),
        ("/api/events/nope-nope", h),
    ]
    for path, headers in cases:
        fast = c.get(path, headers=headers)  # no Origin: answered in front of the stack
        full = c.get(path, headers={**headers, "Origin": "https://app.example"})
        assert fast.status_code == full.status_code, path
        assert fast.content == full.content, path
        assert fast.headers["content-type"] == full.headers["content-type"]
        assert fast.headers["x-arangetram-api"] == full.headers["x-arangetram-api"]
        assert fast.headers.get("www-authenticate") == full.headers.get("www-authenticate")


@pytest.mark.service
def test_a_get_with_an_endless_body_is_answered_then_closed(guarded):
    host, port = host_port(guarded)
    with socket.create_connection((host, port)) as s:
        s.sendall(b"GET /api/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nabc")
        s.settimeout(3)  # less than the 5 s keep-alive timeout, which would close it too
        answer = b""
        while chunk := s.recv(65536):  # ends when the server closes (a timeout fails)
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert answer.endswith(b'{"message":"Arangetram Planning API","version":"1.0"}')


@pytest.mark.service
def test_oversized_headers_are_refused(guarded):
    host, port = host_port(guarded)
    with socket.create_connection((host, port)) as s:
        s.sendall(b"GET /api/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        answer = read_response(s, timeout=5)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    with socket.create_connection((host, port)) as s:  # the same head in small pieces
        s.sendall(b"GET /api/ HTTP/1.1\r\nHost: x\r\nX-Big: ")
        with contextlib.suppress(OSError):
            for _ in range(20):
                s.sendall(b"a" * 1000)
                time.sleep(0.01)
        answer = read_response(s, timeout=5)
    assert answer.startswith((b"HTTP/1.1 431", b"HTTP/1.1 400")), answer[:200]
    ok = httpx.get(f"{guarded.url}/api/", headers={"X-Fine": "a" * 8000})
    assert ok.status_code == 200
