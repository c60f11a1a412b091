"""Serving options: CORS, the auth rate limit, health of the store, JWT_SECRET off loopback,
--workers, and the same app over MongoDB (mongomock)."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest

from arangetram_cli.core import security
from arangetram_cli.core.errors import Unavailable
from arangetram_cli.server.app import create_app, parse_origins
from arangetram_cli.server.ratelimit import Rate, TokenBuckets, parse_rate
from tests.server.support import PASSWORD, SECRET, Served, serve_env, start_serve

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


def client(app):
    from fastapi.testclient import TestClient

    return TestClient(app)


def sqlite_app(tmp_path, **kw):
    from arangetram_cli.store.sqlite import SqliteStore

    return create_app(lambda: SqliteStore(tmp_path / "app.db"), SECRET, **kw)


def creds() -> dict[str, str]:
    return {"email": f"u-{uuid.uuid4().hex[:8]}@example.com", "name": "U", "password": PASSWORD}


# ---- through a real server started with the environment ----------------------------------
@pytest.fixture(scope="module")
def configured(tmp_path_factory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("configured")
    env = serve_env(
        tmp,
        CORS_ORIGINS="https://app.example.org, http://localhost:3000/",
        ARANGETRAM_AUTH_RATE_LIMIT="3/6",
    )
    s = start_serve(tmp, env=env)
    try:
        yield s
    finally:
        s.stop()


@pytest.mark.service
def test_cors_from_the_environment(configured):
    with httpx.Client(base_url=configured.url) as http:
        pre = http.options(
            "/api/events",
            headers={
                "Origin": "https://app.example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "https://app.example.org"
        assert pre.headers["access-control-allow-credentials"] == "true"
        assert "authorization" in pre.headers["access-control-allow-headers"].lower()
        ok = http.get("/api/categories", headers={"Origin": "http://localhost:3000"})
        assert ok.headers["access-control-allow-origin"] == "http://localhost:3000"
        evil = http.get("/api/categories", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in evil.headers
        refused = http.options(
            "/api/events",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert refused.status_code == 400


@pytest.mark.service
def test_auth_rate_limit_from_the_environment(configured):
    with httpx.Client(base_url=configured.url) as http:
        codes = [
            http.post(
                "/api/auth/login", json={"email": "x@example.com", "password": "whatever1"}
            ).status_code
            for _ in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        limited = http.post("/api/auth/guest", json={})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["detail"].startswith("Too many requests")
        # other endpoints are not limited
        assert all(http.get("/api/categories").status_code == 200 for _ in range(5))
    # the limit is taken before the body is read: a body that never comes gets a 429 at once
    # (the body timeout is 30 s here)
    host, port = configured.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 90\r\n\r\n{")
        assert s.recv(100).startswith(b"HTTP/1.1 429")


# ---- the app factory in-process -----------------------------------------------------------
def test_cors_wildcard_never_allows_credentials(tmp_path):
    app = sqlite_app(tmp_path, cors_origins=["*"])
    r = client(app).get("/api/", headers={"Origin": "https://anywhere.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    no_cors = client(sqlite_app(tmp_path)).get("/api/", headers={"Origin": "https://x.example"})
    assert "access-control-allow-origin" not in no_cors.headers
    assert parse_origins(" https://a.example/ ,,http://b.example ") == [
        "https://a.example",
        "http://b.example",
    ]


def test_rate_limit_buckets_refill():
    now = [100.0]
    buckets = TokenBuckets(Rate(burst=2, per_minute=60), clock=lambda: now[0])
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    wait = buckets.take("a")
    assert 0.9 < wait <= 1.0 and buckets.retry_after(wait) == 1
    assert buckets.take("b") == 0  # per client
    now[0] += 1.0
    assert buckets.take("a") == 0
    assert parse_rate(None) == Rate(10, 30) and parse_rate("off") is None
    assert parse_rate("5/120") == Rate(5, 120.0) and parse_rate("7") == Rate(7, 7.0)
    with pytest.raises(Exception, match=r"ARANGETRAM_AUTH_RATE_LIMIT"):
        parse_rate("lots")


def test_rate_limit_in_the_app(tmp_path):
    c = client(sqlite_app(tmp_path, auth_rate=Rate(burst=2, per_minute=1)))
    assert c.post("/api/auth/register", json=creds()).status_code == 200
    assert c.post("/api/auth/register", json=creds()).status_code == 200
    r = c.post("/api/auth/register", json=creds())
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 30


def test_health_reports_an_unreachable_store():
    def broken():
        raise Unavailable("cannot reach MongoDB at mongodb://db:27017: timed out")

    c = client(create_app(broken, SECRET))
    r = c.get("/api/health")
    assert r.status_code == 503
    assert r.json()["status"] == "unavailable" and r.json()["store"]["reachable"] is False
    assert "timed out" in r.json()["store"]["error"]
    down = c.get("/api/vendors")
    assert down.status_code == 503 and down.json()["detail"].startswith("cannot reach MongoDB")


def test_unexpected_errors_are_json_500(tmp_path):
    class Boom:
        kind = "sqlite"

        def __getattr__(self, name):
            raise RuntimeError("disk on fire")

        def ping(self):
            pass

    from fastapi.testclient import TestClient

    c = TestClient(create_app(lambda: Boom(), SECRET), raise_server_exceptions=False)
    r = c.get("/api/vendors")
    assert r.status_code == 500 and r.json() == {"detail": "Internal server error"}
    assert "disk on fire" not in r.text
    token = security.create_token("someone", "user", SECRET)
    recs = c.post(
        "/api/ai/recommendations",
        json={"event_date": "2027-01-01"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert recs.status_code == 500 and recs.json()["detail"] == "Failed to get recommendations"


@pytest.mark.mongo
def test_the_same_app_over_mongodb():
    import mongomock_ng

    from arangetram_cli.store.mongo import MongoStore

    store = MongoStore("mongodb://localhost/", client=mongomock_ng.MongoClient())
    c = client(create_app(lambda: store, SECRET))
    assert c.get("/api/health").json()["store"] == {"kind": "mongo", "reachable": True}
    assert c.post("/api/seed").json()["message"] == "Database seeded successfully"
    assert c.post("/api/seed").json()["message"] == "Database already seeded"
    token = c.post("/api/auth/register", json={**creds(), "user_type": "vendor"}).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    v = c.post(
        "/api/vendors", headers=h, json={"business_name": "Mongo Hall", "category": "venue"}
    ).json()
    again = c.post("/api/vendors", headers=h, json={"business_name": "B", "category": "venue"})
    assert again.status_code == 400 and again.json()["detail"] == "Vendor profile already exists"
    assert c.get(f"/api/vendors/{v['id']}").json()["business_name"] == "Mongo Hall"
    for text in ("[", "(a+)+$"):
        r = c.get("/api/vendors", params={"search": text})
        assert r.status_code == 200 and r.json() == []
    assert len(c.get("/api/vendors", params={"category": "venue"}).json()) >= 2


# ---- the command ---------------------------------------------------------------------------
def test_serve_refuses_a_public_address_without_jwt_secret(tmp_path):
    env = serve_env(tmp_path)
    del env["JWT_SECRET"]
    p = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "serve", "--host", "0.0.0.0", "--port", "9"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert p.returncode == 2
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(
        "error: JWT_SECRET must be set to serve on 0.0.0.0"
    ), p.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "serve", "--port", "9"],
        env={**env, "ARANGETRAM_AUTH_RATE_LIMIT": "many"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "ARANGETRAM_AUTH_RATE_LIMIT" in bad.stderr


@pytest.mark.service
def test_serve_with_workers_shares_one_store_and_secret(tmp_path):
    env = serve_env(tmp_path)
    del env["JWT_SECRET"]  # loopback: the generated secret beside the database, shared
    s = start_serve(tmp_path, "--workers", "2", env=env)
    try:
        with httpx.Client(base_url=s.url) as http:
            token = http.post("/api/auth/register", json=creds()).json()["token"]
            # new connections spread over both workers: every one accepts the token
            for _ in range(6):
                with httpx.Client(base_url=s.url) as fresh:
                    assert (
                        fresh.get(
                            "/api/auth/me", headers={"Authorization": f"Bearer {token}"}
                        ).status_code
                        == 200
                    )
    finally:
        s.stop()
    assert (tmp_path / "data" / "jwt_secret").exists()
