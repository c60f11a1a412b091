"""The booking lifecycle and reviews over HTTP: what `arangetram serve` answers (the contract's
PUT /api/bookings/{id} unchanged for the web front end, the additive /api/v1 endpoints and
their status codes), and how RemotePlanner degrades against the plain web back end."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import httpx
import pytest

from arangetram_cli.core.errors import Conflict, DoubleBooking, Invalid, NotFound, Unavailable
from arangetram_cli.planner.remote import RemotePlanner
from tests.server.test_server_http import detail, event, register, vendor

PAST = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=30)).isoformat()


def booked(http, family, vendor_profile, date=PAST) -> dict:
    e = event(http, family, event_date=date)
    r = http.post(
        "/api/bookings",
        json={"event_id": e["id"], "vendor_id": vendor_profile["id"]},
        headers=family,
    )
    assert r.status_code == 200, r.text
    return r.json()


# ---- arangetram serve ---------------------------------------------------------------------
@pytest.mark.service
def test_contract_put_still_answers_the_web_front_end(http):
    family, _ = register(http)
    vh, v = vendor(http)
    first, second = booked(http, family, v), booked(http, family, v)
    r = http.put(f"/api/bookings/{first['id']}", json={"status": "accepted"}, headers=vh)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert [h["to"] for h in r.json()["history"]] == ["pending", "accepted"]
    # the web front end cannot confirm: the double booking is accepted and named
    r = http.put(
        f"/api/bookings/{second['id']}",
        json={"status": "accepted", "response_message": "ok"},
        headers=vh,
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert r.json()["response_message"] == "ok"
    assert r.json()["warnings"] == [
        f"You already accepted another booking for {PAST}; this one is accepted as well"
    ]


@pytest.mark.service
def test_v1_lifecycle_endpoints_and_status_codes(http):
    family, fam_user = register(http)
    other, _ = register(http)
    vh, v = vendor(http)
    b1, b2 = booked(http, family, v), booked(http, family, v)
    assert "reviews" in http.get("/api/v1/info").json()["features"]

    assert http.put(f"/api/bookings/{b1['id']}", json={"status": "accepted"}, headers=vh).is_success
    r = http.put(
        f"/api/bookings/{b2['id']}",
        json={"status": "accepted", "confirm_double_booking": False},
        headers=vh,
    )
    assert r.status_code == 409 and r.json()["code"] == "double_booking"
    assert r.json()["detail"] == f"You already accepted another booking for {PAST}"

    path = f"/api/v1/bookings/{b1['id'][:8]}"
    assert http.get(path, headers=family).json()["id"] == b1["id"]
    # not a party: exactly the answer for a booking that does not exist (no oracle)
    assert detail(http.get(path, headers=other), 404) == "Booking not found"
    assert detail(http.get(f"/api/v1/bookings/{b1['id']}", headers=other), 404) == (
        "Booking not found"
    )
    assert detail(http.get(path), 401) == "Not authenticated"
    assert detail(http.get(f"/api/v1/bookings/{uuid.uuid4()}", headers=family), 404) == (
        "Booking not found"
    )
    assert detail(http.post(f"{path}/cancel", headers=vh), 403) == (
        "Only the family that sent the request can cancel it"
    )
    done = http.post(f"{path}/complete", json={"message": "Wonderful"}, headers=vh)
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["history"][-1]["message"] == "Wonderful"
    assert detail(http.post(f"{path}/cancel", headers=family), 409) == (
        "Booking is already completed; only pending or accepted bookings can be cancelled"
    )
    cancelled = http.post(
        f"/api/v1/bookings/{b2['id']}/cancel", json={"reason": "Too far"}, headers=family
    )
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Too far"

    listed = http.get("/api/v1/bookings", params={"status": "completed"}, headers=family).json()
    assert [b["id"] for b in listed] == [b1["id"]] and listed[0]["vendor"]["id"] == v["id"]
    inbox = http.get("/api/v1/bookings", params={"as_vendor": "true"}, headers=vh).json()
    assert {b["id"] for b in inbox} == {b1["id"], b2["id"]}
    assert detail(http.get("/api/v1/bookings", params={"status": "x"}, headers=family), 400)

    # reviews
    rpath = f"/api/v1/vendors/{v['id']}/review"
    assert detail(http.put(rpath, json={"rating": 5}), 401) == "Not authenticated"
    assert detail(http.put(rpath, json={"rating": 9}, headers=family), 422)[0]["loc"] == [
        "body",
        "rating",
    ]
    assert detail(http.put(rpath, json={"rating": 5}, headers=other), 403).startswith(
        "Only families with an accepted booking"
    )
    review = http.put(rpath, json={"rating": 4, "text": "Good"}, headers=family).json()
    assert review["user_id"] == fam_user["id"] and review["vendor"]["review_count"] == 1
    page = http.get(f"/api/v1/vendors/{v['id']}/reviews").json()
    assert page["total"] == 1 and page["items"][0]["id"] == review["id"]
    reply = f"/api/v1/reviews/{review['id']}/reply"
    assert detail(http.post(reply, json={"text": "Thanks"}, headers=family), 403) == (
        "Only the reviewed vendor can reply to a review"
    )
    assert http.post(reply, json={"text": "Thanks"}, headers=vh).json()["reply"]["text"] == "Thanks"
    assert detail(http.post(reply, json={"text": "Again"}, headers=vh), 409).startswith(
        "This review has a reply already"
    )
    assert http.get(f"/api/vendors/{v['id']}").json()["rating"] == 4.0


# ---- RemotePlanner against the plain web back end -----------------------------------------
FAMILY = "f0000000-0000-4000-8000-000000000000"
VENDOR = "a0000000-0000-4000-8000-000000000000"


def bid(n: int) -> str:
    return f"b{n:07d}-0000-4000-8000-000000000000"


@pytest.fixture
def plain():
    """A stand-in for the web back end: the contract's endpoints only, no /api/v1."""
    db = {
        "user": [
            {
                "id": bid(1),
                "vendor_id": VENDOR,
                "user_id": FAMILY,
                "event_id": "e1",
                "event_date": "2027-06-12",
                "status": "accepted",
                "created_at": "2026-01-01",
            },
            {
                "id": bid(2),
                "vendor_id": VENDOR,
                "user_id": FAMILY,
                "event_id": "e2",
                "event_date": "2027-09-01",
                "status": "pending",
                "created_at": "2026-01-02",
            },
            {
                "id": bid(3),
                "vendor_id": VENDOR,
                "user_id": FAMILY,
                "event_id": "e3",
                "event_date": "2025-01-01",
                "status": "declined",
                "created_at": "2026-01-03",
            },
        ],
    }
    db["vendor"] = [
        *db["user"],
        {
            "id": bid(4),
            "vendor_id": VENDOR,
            "user_id": "x",
            "event_id": "e4",
            "event_date": "2027-06-12",
            "status": "pending",
            "created_at": "2026-01-04",
        },
    ]
    sent: list[tuple[str, str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        sent.append((method, path, request.content))
        if path.startswith("/api/v1/"):
            return httpx.Response(404, json={"detail": "Not Found"})
        if method == "GET" and path == "/api/bookings/user":
            return httpx.Response(200, json=db["user"])
        if method == "GET" and path == "/api/bookings/vendor":
            return httpx.Response(200, json=db["vendor"])
        if method == "PUT" and path.startswith("/api/bookings/"):
            body = json.loads(request.content)
            b = next(b for b in db["vendor"] if path.endswith(b["id"]))
            return httpx.Response(200, json={**b, "status": body["status"]})
        return httpx.Response(404, json={"detail": "Not Found"})

    p = RemotePlanner(
        "http://web.example.org", token="t", transport=httpx.MockTransport(handler), backoff=0.01
    )
    yield p, sent
    p.close()


def test_plain_back_end_has_no_reviews_or_lifecycle_endpoints(plain):
    p, sent = plain
    for call in (
        lambda: p.review_vendor(VENDOR, 5),
        lambda: p.list_reviews(VENDOR),
        lambda: p.reply_review("abcd1234", "Thanks"),
    ):
        with pytest.raises(Unavailable) as e:
            call()
        assert e.value.message == "this server has no review endpoints"
        assert "arangetram serve" in (e.value.hint or "") and e.value.exit_code == 6
    with pytest.raises(Unavailable, match=r"no booking lifecycle endpoints: it cannot cancel"):
        p.cancel_booking(bid(2))
    with pytest.raises(Unavailable, match=r"no booking lifecycle endpoints: it cannot complete"):
        p.complete_booking(bid(1))
    assert not [s for s in sent if s[0] != "GET"]  # nothing was sent that could change data


def test_plain_back_end_filters_and_shows_here(plain, capsys):
    p, _ = plain
    assert [b["id"] for b in p.list_bookings(status="accepted")] == [bid(1)]
    assert [b["id"] for b in p.list_bookings(upcoming=True)] == [bid(1), bid(2)]
    assert [b["id"] for b in p.list_vendor_bookings(status="pending")] == [bid(4), bid(2)]
    assert [b["id"] for b in p.list_vendor_bookings(event="e3")] == [bid(3)]
    with pytest.raises(Invalid, match=r"^unknown booking status"):
        p.list_bookings(status="later")
    shown = p.get_booking(bid(2)[:8])
    assert shown["id"] == bid(2) and shown["history"] == []
    assert "keeps no booking history" in capsys.readouterr().err
    with pytest.raises(NotFound, match=r"^Booking not found$"):
        p.get_booking(str(uuid.uuid4()))


def test_plain_back_end_double_booking_is_checked_here(plain):
    p, sent = plain
    with pytest.raises(
        DoubleBooking, match=r"^You already accepted another booking for 2027-06-12"
    ):
        p.respond_booking(bid(4)[:8], "accepted")
    assert not [s for s in sent if s[0] == "PUT"]
    done = p.respond_booking(bid(4), "accepted", confirm=True)
    assert done["status"] == "accepted" and done["warnings"][0].startswith("You already")
    put = [s for s in sent if s[0] == "PUT"]
    assert len(put) == 1 and "confirm_double_booking" not in json.loads(put[0][2])
    assert p.respond_booking(bid(2), "accepted")["status"] == "accepted"  # another date
    with pytest.raises(Conflict, match=r"^Booking is already declined; only pending requests"):
        p.respond_booking(bid(3), "accepted")
