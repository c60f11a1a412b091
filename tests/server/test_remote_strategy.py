"""Which server remote mode talks to is learned once, by the first request that can tell: a
listing's own /api/v1 request (no extra GET /api/v1/info), or GET /api/v1/info before
anything else. Requests are recorded on their way to real sockets, in order."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import arangetram_cli.planner.remote as remote
from arangetram_cli.core.errors import NotFound, Unavailable
from arangetram_cli.planner.remote import RemotePlanner
from arangetram_cli.store.base import VendorQuery
from tests.server.support import FakeServer

KIND_CHECKS = ("_ours", "server_is_ours", "_v1_get")  # what tells the servers apart
EVENT = "abcd2222-0000-4000-8000-000000000000"


class Recording(httpx.BaseTransport):
    """A real HTTP transport that notes each request's method and path."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def planner(url: str) -> tuple[RemotePlanner, list[str]]:
    rec = Recording()
    return RemotePlanner(url, token="t", transport=rec, backoff=0.01), rec.sent


@pytest.fixture
def plain() -> Iterator[FakeServer]:
    """The plain web back end: no /api/v1 (404 without our header)."""
    s = FakeServer()
    s.routes[("GET", "/api/events")] = lambda h: (
        200,
        [{"id": EVENT, "event_name": "B", "created_at": "2026-02-01"}],
        {},
    )
    s.routes[("GET", f"/api/events/{EVENT}")] = lambda h: (200, {"id": EVENT}, {})
    s.routes[("GET", "/api/vendors")] = lambda h: (200, [], {})
    yield s
    s.close()


def test_plain_a_listing_is_the_detection(plain):
    p, sent = planner(plain.url)
    assert p.list_events().total == 1
    assert sent == ["GET /api/v1/events", "GET /api/events"]
    sent.clear()
    assert p.get_event("abcd2222")["id"] == EVENT  # resolved here: the plain strategy
    assert p.list_vendors(VendorQuery()).items == []
    assert sent == ["GET /api/events", f"GET /api/events/{EVENT}", "GET /api/vendors"]


def test_plain_anything_else_asks_info_first_once(plain):
    p, sent = planner(plain.url)
    assert p.get_event("abcd2222")["id"] == EVENT
    assert p.list_events().total == 1
    assert sent == [
        "GET /api/v1/info",
        "GET /api/events",
        f"GET /api/events/{EVENT}",
        "GET /api/events",  # the listing: no /api/v1 request, the strategy is known
    ]


@pytest.mark.service
def test_serve_a_listing_is_the_detection(served):
    p, sent = planner(served.url)
    p.token = None
    p.list_vendors(VendorQuery(), limit=1)
    with pytest.raises(NotFound):
        p.get_vendor("no-such-hall-anywhere")  # resolved by the server: its strategy
    assert sent == ["GET /api/v1/vendors", "GET /api/v1/vendors/resolve/no-such-hall-anywhere"]


@pytest.mark.service
def test_serve_anything_else_asks_info_first_once(served):
    p, sent = planner(served.url)
    p.token = None
    with pytest.raises(NotFound):
        p.get_vendor("no-such-hall-anywhere")
    p.list_vendors(VendorQuery(), limit=1)
    assert sent == [
        "GET /api/v1/info",
        "GET /api/v1/vendors/resolve/no-such-hall-anywhere",
        "GET /api/v1/vendors",
    ]


def hall(n: int) -> dict:
    return {"id": f"{n:08x}-0000-4000-8000-000000000000", "business_name": f"Hall {n}"}


def test_a_server_that_stops_answering_v1_midway_is_not_mixed_with_the_contract():
    s = FakeServer()
    pages: list[int] = []

    def v1_vendors(h):
        pages.append(1)
        if len(pages) == 1:
            body = {"items": [hall(i) for i in range(500)], "total": 900}
            return 200, body, {"X-Arangetram-API": "1"}
        return 404, {"detail": "Not Found"}, {}  # no longer ours (a proxy in between)

    s.routes[("GET", "/api/v1/vendors")] = v1_vendors
    try:
        p, sent = planner(s.url)
        got = []
        with pytest.raises(Unavailable, match=r"stopped answering /api/v1/vendors$"):
            got.extend(p.iter_vendors(VendorQuery()))
        assert len(got) == 500
        assert sent == ["GET /api/v1/vendors"] * 2  # never the contract's /api/vendors
    finally:
        s.close()


def test_ours_by_info_yet_a_listing_without_v1_falls_back_to_the_contract():
    s = FakeServer()
    s.routes[("GET", "/api/v1/info")] = lambda h: (200, {}, {"X-Arangetram-API": "1"})
    s.routes[("GET", "/api/vendors")] = lambda h: (200, [hall(1)], {})
    try:
        p, sent = planner(s.url)
        assert p.server_is_ours()
        page = p.list_vendors(VendorQuery())
        assert [v["business_name"] for v in page.items] == ["Hall 1"]
        assert sent == ["GET /api/v1/info", "GET /api/v1/vendors", "GET /api/vendors"]
    finally:
        s.close()


def test_only_the_strategy_choice_tells_the_servers_apart():
    """No method tests the server kind itself: it calls the strategy (plain.PlainContract.api,
    chosen from Transport's detection)."""
    allowed = {"transport.py", "plain.py"}
    found = []
    for path in sorted(Path(remote.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in KIND_CHECKS:
                found.append(path.name)
    assert found and set(found) <= allowed, found
