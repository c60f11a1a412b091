"""Remote mode when things go wrong, over real sockets: nothing listening, a server that never
answers, 5xx, garbage, redirects, TLS, an expired token. One `error:` line, a documented exit
code, bounded GET retries, and a POST sent exactly once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from arangetram_cli.core.errors import AuthRequired, Conflict, Invalid, NotFound, Unavailable
from arangetram_cli.planner.remote import RemotePlanner, format_validation
from tests.conftest import one_error_line
from tests.server.support import PASSWORD, FakeServer, SilentServer, closed_port, wait_until

RETRIES = 2  # the default: a GET is tried 1 + 2 times


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    s = FakeServer()
    yield s
    s.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    s = SilentServer()
    yield s
    s.close()


@pytest.fixture
def remote_env(env, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("ARANGETRAM_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return env


def login(cli, url: str):
    return cli(
        "--api-url",
        url,
        "auth",
        "login",
        "--email",
        "a@example.com",
        "--password-stdin",
        input=PASSWORD + "\n",
    )


def requests_sent(err: str, method: str) -> int:
    return sum(1 for ln in err.splitlines() if ln.startswith(f"debug: > {method} "))


def test_nothing_listening(cli, remote_env):
    url = closed_port()
    r = cli("--api-url", url, "--debug", "vendors", "list")
    one_error_line(r, 6, f"cannot reach {url}: connection refused")
    assert requests_sent(r.err, "GET") == 1 + RETRIES
    r = login(cli, url)
    one_error_line(r, 6, "connection refused")
    r = cli(
        "--api-url",
        url,
        "--debug",
        "auth",
        "login",
        "--email",
        "a@example.com",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert requests_sent(r.err, "POST") == 1


def test_a_server_that_never_answers(cli, remote_env, silent):
    started = time.monotonic()
    r = cli("--api-url", silent.url, "vendors", "list")
    one_error_line(r, 6, f"{silent.url} did not answer within 0.5 s")
    assert time.monotonic() - started < 10
    assert wait_until(lambda: len(silent.requests) == 1 + RETRIES)
    assert silent.connections == 1 + RETRIES
    assert all(req.startswith(b"GET /api/v1/vendors") for req in silent.requests)


def test_a_post_is_never_sent_twice(cli, remote_env, silent):
    r = login(cli, silent.url)
    one_error_line(r, 6, "did not answer within 0.5 s")
    time.sleep(0.3)
    assert silent.connections == 1
    assert silent.requests[0].startswith(b"POST /api/auth/login ")


def test_server_errors_retry_gets_only(cli, remote_env, fake):
    fake.routes[("GET", "/api/vendors")] = lambda h: (500, {"detail": "Internal Server Error"}, {})
    fake.routes[("POST", "/api/auth/login")] = lambda h: (
        502,
        "<html>Bad gateway</html>",
        {"Content-Type": "text/html"},
    )
    r = cli("--api-url", fake.url, "vendors", "list")
    one_error_line(r, 6, f"{fake.url} failed with HTTP 500: Internal Server Error")
    assert fake.hits[("GET", "/api/v1/vendors")] == 1  # 404: no additions, remembered
    assert fake.hits[("GET", "/api/vendors")] == 1 + RETRIES
    r = login(cli, fake.url)
    one_error_line(r, 6, "failed with HTTP 502")
    assert fake.hits[("POST", "/api/auth/login")] == 1


def test_a_retry_that_succeeds_and_retry_after(remote_env, fake):
    calls = []

    def flaky(h):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return 503, {"detail": "warming up"}, {"Retry-After": "0"}
        return 200, [], {}

    fake.routes[("GET", "/api/vendors")] = flaky
    from arangetram_cli.store.base import VendorQuery

    p = RemotePlanner(fake.url)
    try:
        assert p.list_vendors(VendorQuery()).items == []
    finally:
        p.close()
    assert len(calls) == 2


def test_garbage_and_malformed_answers(cli, remote_env, fake):
    fake.routes[("GET", "/api/vendors")] = lambda h: (
        200,
        "<html>It works!</html>",
        {"Content-Type": "text/html"},
    )
    r = cli("--api-url", fake.url, "vendors", "list")
    one_error_line(r, 6, "with something that is not JSON")
    assert "Arangetram API server" in r.err
    fake.routes[("GET", "/api/vendors")] = lambda h: (200, b'[{"id": "x", "busin', {})
    one_error_line(cli("--api-url", fake.url, "vendors", "list"), 6, "is not JSON")
    fake.routes[("GET", "/api/vendors")] = lambda h: (200, {"vendors": []}, {})
    one_error_line(
        cli("--api-url", fake.url, "vendors", "list"),
        6,
        "answered /api/vendors with an unexpected document",
    )
    fake.routes[("GET", "/api/categories")] = lambda h: (200, {"categories": "all"}, {})
    one_error_line(cli("--api-url", fake.url, "vendors", "categories"), 6, "unexpected document")
    # a URL that is not an Arangetram server at all
    fake.routes.clear()
    one_error_line(cli("--api-url", fake.url, "vendors", "show", "x" * 8), 6, "has no endpoint")


def test_expired_token_mid_session(cli, remote_env, fake, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_TOKEN", "expired.jwt.token")
    fake.routes[("GET", "/api/v1/events")] = lambda h: (401, {"detail": "Token expired"}, {})
    r = cli("--api-url", fake.url, "events", "list")
    one_error_line(r, 3, "Token expired (log in again: arangetram auth login)")
    assert fake.hits[("GET", "/api/v1/events")] == 1  # a 401 is not retried
    assert fake.auth == ["Bearer expired.jwt.token"]


def test_rate_limited_and_redirected(cli, remote_env, fake):
    fake.routes[("POST", "/api/auth/login")] = lambda h: (
        429,
        {"detail": "Too many requests; try again in 7 s"},
        {"Retry-After": "7"},
    )
    r = login(cli, fake.url)
    one_error_line(r, 1, "Too many requests; try again in 7 s")
    assert fake.hits[("POST", "/api/auth/login")] == 1
    fake.routes[("GET", "/api/vendors")] = lambda h: (
        301,
        b"",
        {"Location": "https://example.org/api/vendors"},
    )
    r = cli("--api-url", fake.url, "vendors", "list")
    one_error_line(r, 6, "redirected GET /api/vendors to https://example.org/api/vendors")


def test_tls_error(cli, remote_env, fake):
    url = fake.url.replace("http://", "https://")
    r = cli("--api-url", url, "vendors", "list")
    one_error_line(r, 6, f"TLS error talking to {url}")


def test_bad_api_urls(cli, remote_env):
    one_error_line(cli("--api-url", "ftp://example.org", "vendors", "list"), 2, "bad API URL")
    one_error_line(cli("--api-url", "localhost:8000", "vendors", "list"), 2, "bad API URL")


def test_debug_shows_requests_and_masks_the_token(cli, remote_env, fake, monkeypatch):
    token = "eyJ-very-secret-token-value"
    monkeypatch.setenv("ARANGETRAM_TOKEN", token)
    fake.routes[("GET", "/api/events")] = lambda h: (200, [], {})
    r = cli("--api-url", fake.url + "/api/", "--debug", "events", "list")
    assert r.code == 0, r.err
    assert (
        f"debug: > GET {fake.url}/api/v1/events?offset=0&limit=100 HTTP/1.1 "
        "(Authorization: Bearer ***)" in r.err
    )
    assert "debug: < 404 Not Found" in r.err and "debug: < 200 OK" in r.err
    assert token not in r.err and token not in r.out
    assert fake.auth == [f"Bearer {token}"] * 2
    assert all(a and a.startswith("arangetram-cli/") for a in fake.agents)


# ---- classification without a network ----------------------------------------------------
def mock_planner(handler) -> RemotePlanner:
    return RemotePlanner(
        "http://api.example.org", transport=httpx.MockTransport(handler), backoff=0.01
    )


def test_dns_failure_is_not_retried():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ConnectError("[Errno -2] Name or service not known")

    p = mock_planner(handler)
    with pytest.raises(Unavailable) as e:
        p.categories()
    assert e.value.message == "cannot resolve host 'api.example.org' of http://api.example.org"
    assert e.value.exit_code == 6 and len(calls) == 1


def test_http_errors_map_to_the_typed_errors():
    answers = {
        "/api/auth/register": (400, {"detail": "Email already registered"}),
        "/api/vendors": (400, {"detail": "Vendor profile already exists"}),
        "/api/events": (
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "event_date"],
                        "msg": "Value error, bad date 'x' (use YYYY-MM-DD)",
                        "type": "value_error",
                    },
                    {"loc": ["body", "event_name"], "msg": "Field required", "type": "missing"},
                ]
            },
        ),
        "/api/auth/me": (404, {"detail": "User not found"}),
        "/api/vendors/my/profile": (404, {"detail": "No vendor profile found"}),
        "/api/bookings": (409, {"detail": "a pending request exists"}),
        "/api/v1/info": (404, {"detail": "Not Found"}),  # the plain back end
        "/api/bookings/user": (200, []),  # asked first: no pending request to this vendor
    }

    def handler(request):
        status, body = answers[request.url.path]
        return httpx.Response(status, json=body)

    p = mock_planner(handler)
    p.token = "t"
    with pytest.raises(Conflict, match=r"^Email already registered$"):
        p.register("a@example.com", "A", PASSWORD)
    with pytest.raises(Conflict, match=r"^Vendor profile already exists$"):
        p.create_vendor({"business_name": "V", "category": "venue"})
    with pytest.raises(Invalid) as e:  # valid here; the server's 422 is what is mapped
        p.create_event({"event_name": "E", "event_date": "2027-01-01"})
    assert e.value.message == "event_date: bad date 'x' (use YYYY-MM-DD) (and 1 more)"
    with pytest.raises(AuthRequired, match=r"^User not found$"):
        p.me()
    with pytest.raises(NotFound) as e:
        p.my_vendor()
    assert e.value.hint == "create one: arangetram vendors create"
    with pytest.raises(Conflict):
        p.create_booking(vid(1), vid(2))
    assert format_validation([{"loc": ["query", "limit"], "msg": "too big"}]) == "limit: too big"
    assert format_validation([]) == "invalid request"


def test_server_text_is_one_safe_line():
    def handler(request):
        return httpx.Response(403, json={"detail": "no\x1b[31m red\nlines\x07"})

    with pytest.raises(Exception) as e:
        mock_planner(handler).categories()
    assert e.value.message == "no [31m red lines"


# ---- the plain web back end (no /api/v1): fall back, and say so ---------------------------
def legacy_handler(db: dict, seen: list):
    def handler(request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        seen.append((method, path, request.url.params.get("search")))
        if path.startswith("/api/v1/"):
            return httpx.Response(404, json={"detail": "Not Found"})
        if method == "GET" and path == "/api/vendors":
            s = (request.url.params.get("search") or "").lower()
            return httpx.Response(
                200, json=[v for v in db["vendors"] if s in v["business_name"].lower()][:100]
            )
        if method == "GET" and path.startswith("/api/vendors/"):
            vid = path.rsplit("/", 1)[1]
            found = [v for v in db["vendors"] if v["id"] == vid]
            return (
                httpx.Response(200, json=found[0])
                if found
                else httpx.Response(404, json={"detail": "Vendor not found"})
            )
        if method == "GET" and path == "/api/events":
            return httpx.Response(200, json=db["events"])
        if method == "GET" and path.startswith("/api/events/"):
            eid = path.rsplit("/", 1)[1]
            found = [e for e in db["events"] if e["id"] == eid]
            return (
                httpx.Response(200, json=found[0])
                if found
                else httpx.Response(404, json={"detail": "Event not found"})
            )
        if method == "POST" and path.startswith("/api/events/"):
            return httpx.Response(200, json={"message": "Vendor added to event"})
        if method == "GET" and path == "/api/bookings/vendor":
            return httpx.Response(200, json=db["bookings"])
        if method == "PUT" and path.startswith("/api/bookings/"):
            body = json.loads(request.content)
            b = next(b for b in db["bookings"] if path.endswith(b["id"]))
            return httpx.Response(200, json={**b, "status": body["status"]})  # drops the reply
        if method == "POST" and path == "/api/seed":
            return httpx.Response(
                200, json={"message": "Database already seeded", "vendor_count": len(db["vendors"])}
            )
        return httpx.Response(404, json={"detail": "Not Found"})

    return handler


def vid(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-000000000000"


@pytest.fixture
def legacy():
    from arangetram_cli.store.base import VendorQuery  # noqa: F401

    db = {
        "vendors": [
            {
                "id": vid(i),
                "business_name": f"Hall {i:03d}",
                "rating": i % 5,
                "price_range": "$" * (1 + i % 4),
                "category": "venue",
            }
            for i in range(130)
        ],
        "events": [
            {
                "id": "abcd1111-0000-4000-8000-000000000000",
                "event_name": "A",
                "created_at": "2026-01-01",
                "selected_vendors": [],
            },
            {
                "id": "abcd2222-0000-4000-8000-000000000000",
                "event_name": "B",
                "created_at": "2026-02-01",
                "selected_vendors": [],
            },
        ],
        "bookings": [
            {"id": "bbbb1111-0000-4000-8000-000000000000", "status": "pending"},
            {"id": "cccc1111-0000-4000-8000-000000000000", "status": "accepted"},
        ],
    }
    seen: list = []
    p = mock_planner(legacy_handler(db, seen))
    p.token = "t"
    return p, seen


def test_legacy_listing_is_capped_visibly(legacy, capsys):
    from arangetram_cli.store.base import VendorQuery

    p, seen = legacy
    page = p.list_vendors(VendorQuery(), offset=90, limit=20)
    assert len(page.items) == 10 and page.total is None
    assert any("at most 100" in n for n in page.notes)
    assert [v["rating"] for v in p.list_vendors(VendorQuery(), limit=100).items][:2] == [4, 4]
    assert p._ours is False
    assert sum(1 for s in seen if s[1] == "/api/v1/vendors") == 1  # detected once
    cheap = p.list_vendors(VendorQuery(max_price_range="$$", active_only=False), limit=100)
    assert {v["price_range"] for v in cheap.items} == {"$", "$$"}
    assert any("active vendors only" in n for n in cheap.notes)
    assert len(list(p.iter_vendors(VendorQuery()))) == 100
    assert "at most 100" in capsys.readouterr().err
    events = p.list_events()
    assert [e["event_name"] for e in events.items] == ["B", "A"] and events.total == 2


def test_legacy_references_resolve_among_the_callers_items(legacy, capsys):
    p, _ = legacy
    assert p.get_event("abcd2222")["event_name"] == "B"
    with pytest.raises(Invalid, match=r"ambiguous"):
        p.get_event("abcd")
    with pytest.raises(NotFound, match=r"^Event not found$"):
        p.get_event("ffff0000")
    assert p.get_vendor("hall 007")["id"] == vid(7)
    assert p.get_vendor(vid(8))["business_name"] == "Hall 008"
    assert p.get_vendor(vid(8)[:8])["id"] == vid(8)  # a prefix, compared here
    with pytest.raises(NotFound) as e:
        p.get_vendor(vid(120)[:8])  # past the listing's cap of 100
    assert "at most 100" in (e.value.hint or "") and "full id" in (e.value.hint or "")
    event = p.add_event_vendor("abcd1111", "Hall 009")
    assert event["event_name"] == "A"
    done = p.respond_booking("bbbb", "accepted", "yes")
    assert done["status"] == "accepted"
    assert "did not keep the reply message" in capsys.readouterr().err
    with pytest.raises(Conflict, match=r"^Booking is already accepted; only pending"):
        p.respond_booking("cccc1111", "declined")
    with pytest.raises(Invalid, match=r"^status: "):
        p.respond_booking("bbbb", "pending")
    seeded = p.seed_demo()
    assert seeded["added"] == 0 and "seeds only an empty catalog" in capsys.readouterr().err
    with pytest.raises(Invalid, match=r"no import endpoint"):
        p.import_vendors([])


def test_an_older_serve_and_a_bad_document_on_the_v1_additions(fake):
    """The workspace and planning together answer the same way when `arangetram serve` is
    older than this client (no such endpoint: NotSupported, exit 7, "upgrade it") and when
    an answer is not the document it should be (Unavailable, exit 6)."""
    from arangetram_cli.core.errors import NotSupported

    ours = {"X-Arangetram-API": "1"}
    event = "/api/v1/events/abcd1234"
    fake.default = (404, {"detail": "Not Found"}, ours)
    p = RemotePlanner(fake.url, token="t")
    p._ours = True  # the header said so
    try:
        for call, offer in (
            (lambda: p.list_tasks("abcd1234"), "the planning workspace"),
            (lambda: p.list_members("abcd1234"), "planning together"),
            (lambda: p.list_guests("abcd1234"), "planning together"),
        ):
            with pytest.raises(NotSupported) as e:
                call()
            assert offer in e.value.message and e.value.exit_code == 7
            assert e.value.hint == "the server is older than this client; upgrade it"
        fake.routes[("GET", f"{event}/tasks")] = lambda h: (200, [], ours)
        fake.routes[("GET", f"{event}/members")] = lambda h: (200, [], ours)
        for call, path in (
            (lambda: p.list_tasks("abcd1234"), f"{event}/tasks"),
            (lambda: p.list_members("abcd1234"), f"{event}/members"),
        ):
            with pytest.raises(Unavailable) as e:
                call()
            assert e.value.message == f"{p.base} answered {path} with an unexpected document"
            assert e.value.hint == "is --api-url an Arangetram API server?"
    finally:
        p.close()


def test_the_plain_back_end_portfolio_is_changed_by_its_owner_only(fake):
    """The web back end does not check who changes a portfolio's image list: the client
    refuses another account (policy.require_owner, the local rule), before any PUT."""
    from arangetram_cli.core.errors import Forbidden

    vendor = {"id": "abcd1234-0000-4000-8000-000000000000", "user_id": "owner-id",
              "portfolio_images": ["https://cdn.example/1.jpg"]}  # fmt: skip
    fake.routes[("GET", f"/api/vendors/{vendor['id']}")] = lambda h: (200, vendor, {})
    fake.routes[("GET", "/api/auth/me")] = lambda h: (200, {"id": "somebody-else"}, {})
    p = RemotePlanner(fake.url, token="t")
    p._ours = False  # the plain web back end
    try:
        with pytest.raises(Forbidden, match=r"^Not authorized$"):
            p.add_vendor_images(vendor["id"], ["https://evil.example/x.jpg"])
        with pytest.raises(Forbidden, match=r"^Not authorized$"):
            p.remove_vendor_image(vendor["id"], "https://cdn.example/1.jpg")
        with pytest.raises(Invalid, match=r"^status: Input should be 'accepted' or 'declined'$"):
            p.respond_booking("abcd1234", "maybe")
        assert not [k for k in fake.hits if k[0] == "PUT"]
    finally:
        p.close()
