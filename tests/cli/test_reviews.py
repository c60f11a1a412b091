"""`arangetram vendors review` and `vendors reviews`: who may rate a vendor, editing, the
vendor's one reply, listings in every format, and a server without review endpoints."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.cli.test_journey import register, use_profile
from tests.conftest import no_traceback, one_error_line
from tests.server.support import FakeServer

PAST = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=10)).isoformat()


@pytest.fixture
def booked(cli):
    """A family whose past event the vendor accepted, plus a stranger, a guest and the
    vendor itself."""
    family, vendor = use_profile(cli, "family"), use_profile(cli, "vendor")
    stranger, guest = use_profile(cli, "stranger"), use_profile(cli, "guest")
    register(family, "asha@example.com", name="Asha Rao")
    register(stranger, "s@example.com", name="Stranger")
    register(vendor, "hall@example.com", vendor=True, name="Hall Owner")
    assert guest("auth", "guest", "--name", "Visitor").code == 0
    vid = vendor("-q", "vendors", "create", "--name", "Natya Hall", "--category", "venue",
                 "--location", "Fremont, CA", "--price-range", "$$").out.strip()  # fmt: skip
    eid = family("-q", "events", "create", "--name", "Debut", "--date", PAST).out.strip()
    bid = family("-q", "bookings", "create", "--event", eid, "--vendor", vid).out.strip()
    assert vendor("bookings", "respond", bid, "accept").code == 0
    return {"family": family, "vendor": vendor, "stranger": stranger, "guest": guest, "vid": vid}


def test_review_edit_list_and_reply(booked, cli):
    family, vendor = booked["family"], booked["vendor"]
    r = family("vendors", "review", "Natya Hall", "--rating", "4", "--text", "Lovely stage")
    assert r.code == 0, r.err
    review = r.json()
    assert (review["rating"], review["text"], review["user_name"]) == (
        4,
        "Lovely stage",
        "Asha Rao",
    )
    assert "Review saved for Natya Hall; rating now 4.00 (1 review)" in r.err
    r = family("vendors", "review", booked["vid"][:8], "-r", "5", "-t", "Even better")
    assert r.code == 0 and r.json()["id"] == review["id"] and "Review updated" in r.err
    shown = cli("vendors", "show", "Natya Hall").json()
    assert (shown["rating"], shown["review_count"]) == (5.0, 1)

    listed = cli("vendors", "reviews", "Natya Hall").json()  # `list` is the default
    assert [x["id"] for x in listed] == [review["id"]] and listed[0]["text"] == "Even better"
    assert cli("vendors", "reviews", "list", booked["vid"]).json() == listed
    assert cli("-q", "vendors", "reviews", "Natya Hall").out.split() == [review["id"]]
    assert cli("vendors", "reviews", "Natya Hall", "-o", "csv").out.startswith("id,vendor_id,")

    r = vendor("vendors", "reviews", "reply", review["id"][:8], "--text", "Thank you!")
    assert r.code == 0 and r.json()["reply"]["text"] == "Thank you!"
    table = cli("vendors", "reviews", "Natya Hall", "-o", "table")
    assert "★★★★★" in table.out and "Thank you!" in table.out and "Asha Rao" in table.out
    one_error_line(
        vendor("vendors", "reviews", "reply", review["id"], "--text", "Again"),
        5,
        "a vendor may answer a review once",
    )
    one_error_line(
        family("vendors", "reviews", "reply", review["id"], "--text", "Me too"),
        3,
        "Only the reviewed vendor can reply",
    )
    one_error_line(
        vendor("vendors", "reviews", "reply", "ffffffff", "--text", "x"), 4, "Review not found"
    )


def test_who_may_not_review(booked, cli):
    one_error_line(
        booked["stranger"]("vendors", "review", "Natya Hall", "--rating", "5"),
        3,
        "Only families with an accepted booking with Natya Hall",
    )
    one_error_line(
        booked["guest"]("vendors", "review", "Natya Hall", "--rating", "5"),
        3,
        "Guest accounts cannot write reviews",
    )
    one_error_line(
        booked["vendor"]("vendors", "review", "Natya Hall", "--rating", "5"),
        3,
        "You cannot review your own vendor profile",
    )
    one_error_line(cli("vendors", "review", "Natya Hall", "--rating", "5"), 3, "not logged in")
    one_error_line(booked["family"]("vendors", "review", "No Such Hall", "-r", "3"), 4, "not found")
    assert cli("vendors", "reviews", "Natya Hall").json() == []
    assert "no reviews yet" in cli("vendors", "reviews", "Natya Hall", "-o", "table").err


def test_bad_input_is_a_usage_error(booked):
    family = booked["family"]
    for bad in ("0", "6", "five"):
        r = family("vendors", "review", "Natya Hall", "--rating", bad)
        assert r.code == 2, (bad, r.err)
        no_traceback(r)
    one_error_line(family("vendors", "review", "Natya Hall"), 2, "missing --rating")
    one_error_line(booked["vendor"]("vendors", "reviews", "reply", "abcd1234"), 2, "missing --text")
    one_error_line(
        family("vendors", "review", "Natya Hall", "-r", "3", "-t", "x" * 5001),
        2,
        "text: String should have at most 5000 characters",
    )


def test_reviews_through_a_server_without_them(cli):
    web = FakeServer()  # answers 404 "Not Found" everywhere: no /api/v1 at all
    try:
        r = cli("--api-url", web.url, "vendors", "reviews", str(uuid.uuid4()))
        one_error_line(r, 6, "this server has no review endpoints")
        assert "arangetram serve" in r.err
    finally:
        web.close()
