"""`arangetram bookings` through a booking's whole life, as a family and a vendor type it:
show with history, cancel, complete, the double-booking confirmation, list filters, inbox."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.cli.fakes import prompted
from tests.cli.test_journey import register, use_profile
from tests.conftest import no_traceback, one_error_line
from tests.server.support import served  # noqa: F401  (session fixture)

TODAY = dt.datetime.now(dt.UTC).date()
PAST = (TODAY - dt.timedelta(days=40)).isoformat()
LATER = (TODAY + dt.timedelta(days=200)).isoformat()


@pytest.fixture
def people(cli):
    """A family, a vendor with a profile, another family and another vendor."""
    family, vendor = use_profile(cli, "family"), use_profile(cli, "vendor")
    other, rival = use_profile(cli, "other"), use_profile(cli, "rival")
    register(family, "asha@example.com", name="Asha Rao")
    register(other, "other@example.com", name="Other Family")
    register(vendor, "hall@example.com", vendor=True, name="Natya Hall")
    register(rival, "rival@example.com", vendor=True, name="Rival")
    for who, name in ((vendor, "Natya Hall"), (rival, "Rival Hall")):
        r = who("vendors", "create", "--name", name, "--category", "venue", "--location",
                "Fremont, CA", "--price-range", "$$")  # fmt: skip
        assert r.code == 0, r.err
    return {"family": family, "vendor": vendor, "other": other, "rival": rival}


def request(family, date: str, name: str = "Recital") -> str:
    eid = family("-q", "events", "create", "--name", name, "--date", date).out.strip()
    r = family("-q", "bookings", "create", "--event", eid, "--vendor", "Natya Hall")
    assert r.code == 0, r.err
    return r.out.strip()


def test_show_cancel_and_history(people):
    family, vendor = people["family"], people["vendor"]
    bid = request(family, LATER)
    shown = family("bookings", "show", bid[:8]).json()
    assert shown["status"] == "pending" and shown["vendor"]["business_name"] == "Natya Hall"
    assert [(h["from"], h["to"], h["by_role"]) for h in shown["history"]] == [
        (None, "pending", "user")
    ]
    assert vendor("bookings", "respond", bid[:8], "accept", "-m", "Booked").code == 0
    r = family("bookings", "cancel", bid[:8], "--reason", "We moved the date")
    assert r.code == 0 and r.json()["status"] == "cancelled"
    assert "cancelled" in r.err
    history = vendor("bookings", "show", bid).json()["history"]
    assert [(h["from"], h["to"], h["by_role"], h["message"]) for h in history] == [
        (None, "pending", "user", ""),
        ("pending", "accepted", "vendor", "Booked"),
        ("accepted", "cancelled", "user", "We moved the date"),
    ]
    table = family("bookings", "show", bid, "-o", "table")
    assert table.code == 0 and "History" in table.out and "We moved the date" in table.out
    assert "Asha Rao (family)" in table.out and "Natya Hall (vendor)" in table.out
    assert family("-q", "bookings", "show", bid).out.strip() == bid
    one_error_line(
        family("bookings", "cancel", bid),
        5,
        "Booking is already cancelled; only pending or accepted bookings can be cancelled",
    )


def test_refusals_are_one_line_with_the_documented_exit_codes(people, cli):
    family, vendor, other, rival = (people[k] for k in ("family", "vendor", "other", "rival"))
    bid = request(family, LATER)
    one_error_line(vendor("bookings", "cancel", bid), 3, "Only the family that sent the request")
    assert "decline it instead" in vendor("bookings", "cancel", bid).err
    # not a party to the booking: it does not exist for them (as an unknown id, exit 4)
    one_error_line(other("bookings", "cancel", bid), 4, "Booking not found")
    one_error_line(other("bookings", "show", bid), 4, "Booking not found")
    one_error_line(other("bookings", "show", bid[:8]), 4, "Booking not found")
    one_error_line(rival("bookings", "respond", bid, "accept"), 4, "Booking not found")
    one_error_line(family("bookings", "respond", bid, "accept"), 3, "Not authorized")
    one_error_line(rival("bookings", "complete", bid), 4, "Booking not found")
    one_error_line(family("bookings", "complete", bid), 5, "only accepted bookings")
    one_error_line(cli("bookings", "show", bid), 3, "not logged in")
    one_error_line(family("bookings", "show", "ffffffff"), 4, "Booking not found")
    one_error_line(family("bookings", "respond", bid, "maybe"), 2, "accept or decline")
    assert vendor("bookings", "respond", bid, "accept").code == 0
    one_error_line(family("bookings", "complete", bid), 5, "has not happened yet")
    one_error_line(vendor("bookings", "respond", bid, "decline"), 5, "Booking is already accepted")


def test_complete_after_the_event(people):
    family, vendor = people["family"], people["vendor"]
    mine, theirs = request(family, PAST, "Done"), request(family, PAST, "Also done")
    assert vendor("bookings", "respond", mine, "accept").code == 0
    r = family("bookings", "complete", mine[:8], "-m", "Thank you all")
    assert r.code == 0 and r.json()["status"] == "completed" and "completed" in r.err
    # the vendor may complete too (second booking on that date: confirmed with --yes)
    assert vendor("bookings", "respond", theirs, "accept", "--yes").code == 0
    done = vendor("bookings", "complete", theirs).json()
    assert done["history"][-1]["by_role"] == "vendor" and done["status"] == "completed"
    one_error_line(vendor("bookings", "complete", theirs), 5, "Booking is completed")


def test_double_booking_needs_yes_when_not_a_terminal(people):
    family, vendor = people["family"], people["vendor"]
    first, second = request(family, LATER, "One"), request(family, LATER, "Two")
    assert vendor("bookings", "respond", first, "accept").code == 0
    r = vendor("bookings", "respond", second, "accept")
    one_error_line(r, 5, "pass --yes")
    assert f"You already accepted another booking for {LATER}" in r.err
    assert family("bookings", "show", second).json()["status"] == "pending"
    r = vendor("bookings", "respond", second, "accept", "--yes", "-m", "Two shows")
    assert r.code == 0 and r.json()["status"] == "accepted"
    assert "warning: You already accepted another booking" in r.err
    no_traceback(r)


@pytest.mark.parametrize(("answer", "code"), [(True, 0), (False, 5), (None, 130)])
def test_double_booking_asks_on_a_terminal(people, answer, code):
    family, vendor = people["family"], people["vendor"]
    first, second = request(family, LATER, "One"), request(family, LATER, "Two")
    assert vendor("bookings", "respond", first, "accept").code == 0
    r, prompter = prompted(
        [answer], "-p", "vendor", "-o", "json", "bookings", "respond", second, "accept"
    )
    assert r.code == code, r.err
    assert prompter.asked == [
        f"You already accepted another booking for {LATER}. Accept this one as well?"
    ]
    status = family("bookings", "show", second).json()["status"]
    assert status == ("accepted" if answer else "pending")
    if answer is False:
        one_error_line(r, 5, "Not accepted; the request is still pending")


def test_list_filters_and_inbox(people):
    family, vendor, other = people["family"], people["vendor"], people["other"]
    old = request(family, PAST, "Old")
    soon = request(family, (TODAY + dt.timedelta(days=10)).isoformat(), "Soon")
    late = request(family, LATER, "Late")
    theirs = request(other, LATER, "Theirs")
    assert vendor("bookings", "respond", soon, "accept").code == 0
    assert vendor("bookings", "respond", late, "decline").code == 0

    def ids(*args):
        r = family("bookings", "list", *args)
        assert r.code == 0, r.err
        return [b["id"] for b in r.json()]

    assert set(ids()) == {old, soon, late}
    assert ids("--status", "accepted") == [soon]
    assert ids("--upcoming") == [soon, late]
    assert ids("--upcoming", "--status", "pending") == []
    event_of_old = family("bookings", "show", old).json()["event_id"]
    assert ids("--event", event_of_old[:8]) == [old]
    r = family("bookings", "list", "--status", "maybe")
    one_error_line(r, 2, "unknown booking status 'maybe'")
    assert "no booking requests match" in family("bookings", "list", "-s", "completed",
                                                 "-o", "table").err  # fmt: skip

    as_vendor = vendor("bookings", "list", "--as-vendor", "--status", "pending").json()
    assert {b["id"] for b in as_vendor} == {old, theirs}
    inbox = vendor("bookings", "inbox")
    assert inbox.code == 0 and "2 waiting for an answer" in inbox.err
    # pending first, oldest first; then the answered ones, most recently changed first
    assert [b["id"] for b in inbox.json()] == [old, theirs, late, soon]
    assert [b["id"] for b in vendor("bookings", "inbox", "--pending").json()] == [old, theirs]
    assert vendor("-q", "bookings", "inbox").out.split() == [old, theirs, late, soon]
    table = vendor("bookings", "inbox", "-o", "table")
    assert "Inbox" in table.out and "Other Family" in table.out
    one_error_line(family("bookings", "inbox"), 4, "Vendor profile not found")


@pytest.mark.service
def test_the_same_commands_through_arangetram_serve(cli, served):  # noqa: F811
    """Remote mode: the lifecycle and reviews through a real server, same outputs."""
    tag = uuid.uuid4().hex[:8]

    def remote(profile):
        return lambda *a, **k: cli("--api-url", served.url, "--profile", profile, *a, **k)

    family, vendor = remote("rfamily"), remote("rvendor")
    register(family, f"fam-{tag}@example.com", name="Remote Family")
    register(vendor, f"ven-{tag}@example.com", vendor=True, name="Remote Vendor")
    name = f"Remote Hall {tag}"
    r = vendor("vendors", "create", "--name", name, "--category", "venue", "--location",
               "Fremont, CA", "--price-range", "$$")  # fmt: skip
    assert r.code == 0, r.err
    ids = []
    for title in ("One", "Two"):
        eid = family("-q", "events", "create", "--name", title, "--date", PAST).out.strip()
        ids.append(family("-q", "bookings", "create", "--event", eid, "--vendor", name).out.strip())
    assert [b["id"] for b in vendor("bookings", "inbox").json()] == ids
    assert vendor("bookings", "respond", ids[0][:8], "accept").code == 0
    one_error_line(vendor("bookings", "respond", ids[1][:8], "accept"), 5, "pass --yes")
    r = vendor("bookings", "respond", ids[1][:8], "accept", "--yes")
    assert r.code == 0 and "warning: You already accepted" in r.err
    assert family("bookings", "cancel", ids[1][:8], "-r", "Only one").json()["status"] == (
        "cancelled"
    )
    assert family("bookings", "complete", ids[0][:8]).json()["status"] == "completed"
    history = family("bookings", "show", ids[0][:8]).json()["history"]
    assert [h["to"] for h in history] == ["pending", "accepted", "completed"]
    assert [b["id"] for b in family("bookings", "list", "--status", "cancelled").json()] == [ids[1]]
    review = family("vendors", "review", name, "--rating", "5", "--text", "Superb").json()
    assert review["vendor"]["rating"] == 5.0
    r = vendor("vendors", "reviews", "reply", review["id"][:8], "--text", "Thanks")
    assert r.code == 0, r.err
    listed = family("vendors", "reviews", name).json()
    assert listed[0]["reply"]["text"] == "Thanks"
