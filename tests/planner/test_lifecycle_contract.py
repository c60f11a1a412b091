"""The booking lifecycle and reviews through the Planner port, on every backend (local SQLite,
local over the Mongo adapter, remote through a real `arangetram serve`): every allowed move,
every refused one from every kind of user, the history kept on the booking, double bookings,
listing filters, and who may write, edit and answer reviews."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from arangetram_cli.core.errors import (
    AuthRequired,
    Conflict,
    DoubleBooking,
    Forbidden,
    Invalid,
    NotFound,
)
from tests.planner.test_planner_contract import account, uniq, vendor_account

TODAY = dt.datetime.now(dt.UTC).date()
FUTURE = (TODAY + dt.timedelta(days=400)).isoformat()
ACTORS = ("family", "other family", "vendor", "other vendor", "guest", "anonymous")
STATES = ("pending", "accepted", "declined", "cancelled", "completed")
ACTIONS: dict[str, Callable[[Any, str], Any]] = {
    "accept": lambda p, ref: p.respond_booking(ref, "accepted", "See you there"),
    "decline": lambda p, ref: p.respond_booking(ref, "declined", "Fully booked"),
    "cancel": lambda p, ref: p.cancel_booking(ref, "Plans changed"),
    "complete": lambda p, ref: p.complete_booking(ref),
}
RESULT = {
    "accept": "accepted",
    "decline": "declined",
    "cancel": "cancelled",
    "complete": "completed",
}
# (state, action) -> the actors who may make that move; every other combination is refused.
ALLOWED = {
    ("pending", "accept"): {"vendor"},
    ("pending", "decline"): {"vendor"},
    ("pending", "cancel"): {"family"},
    ("accepted", "cancel"): {"family"},
    ("accepted", "complete"): {"family", "vendor"},
}


def past_dates() -> Iterator[str]:
    """Distinct past dates (no accidental double booking), from a random start so that tests
    sharing the remote server's database never meet."""
    start = TODAY - dt.timedelta(days=random.randint(400, 4000))
    return ((start - dt.timedelta(days=i)).isoformat() for i in itertools.count())


@dataclass
class Cast:
    backend: Any
    actors: dict[str, Any]
    profile: dict
    dates: Iterator[str] = field(default_factory=past_dates)

    def __getitem__(self, who: str) -> Any:
        return self.actors[who]

    def booking(self, state: str = "pending", date: str | None = None) -> dict:
        """A new booking of the family's with the vendor, brought to `state`."""
        family, vendor = self["family"], self["vendor"]
        event = family.create_event(
            {"event_name": f"Recital {uniq()}", "event_date": date or next(self.dates)}
        )
        b = family.create_booking(event["id"], self.profile["id"], "Are you free?")
        if state in ("accepted", "completed"):
            vendor.respond_booking(b["id"], "accepted", "Yes")
        elif state == "declined":
            vendor.respond_booking(b["id"], "declined", "No")
        elif state == "cancelled":
            family.cancel_booking(b["id"], "Changed our minds")
        if state == "completed":
            family.complete_booking(b["id"])
        return family.get_booking(b["id"])


def make_cast(backend) -> Cast:
    family, _ = account(backend, name="Asha Rao")
    other_family, _ = account(backend, name="Other Family")
    vendor, profile = vendor_account(backend, business_name=f"Natya Hall {uniq()}")
    other_vendor, _ = vendor_account(backend)
    guest = backend.new()
    guest.guest("Visitor")
    actors = {
        "family": family,
        "other family": other_family,
        "vendor": vendor,
        "other vendor": other_vendor,
        "guest": guest,
        "anonymous": backend.new(),
    }
    return Cast(backend, actors, profile)


def refusal(actor: str, action: str, state: str) -> tuple[type, str]:
    """The error (type, exact message) for a move that is not allowed. Someone who is not
    a party to the booking is told it does not exist (no 403/404 oracle); a party that may
    not make this move is refused."""
    if actor == "anonymous":
        return AuthRequired, "Not authenticated"
    if actor not in ("family", "vendor"):
        return NotFound, "Booking not found"
    if action in ("accept", "decline"):
        if actor != "vendor":
            return Forbidden, "Not authorized"
        return Conflict, (
            f"Booking is already {state}; only pending requests can be accepted or declined"
        )
    if action == "cancel":
        if actor != "family":
            return Forbidden, "Only the family that sent the request can cancel it"
        return (
            Conflict,
            f"Booking is already {state}; only pending or accepted bookings can be cancelled",
        )
    return Conflict, f"Booking is {state}; only accepted bookings can be completed"


# ---- lifecycle ----------------------------------------------------------------------------
def test_every_refused_move_from_every_kind_of_user(backend):
    cast = make_cast(backend)
    refused = 0
    for state in STATES:
        booking = cast.booking(state)
        assert booking["status"] == state
        for action, do in ACTIONS.items():
            for actor in ACTORS:
                if actor in ALLOWED.get((state, action), ()):
                    continue
                kind, message = refusal(actor, action, state)
                with pytest.raises(kind) as e:
                    do(cast[actor], booking["id"])
                assert type(e.value) is kind, (state, action, actor, e.value)
                assert e.value.message == message, (state, action, actor)
                refused += 1
        after = cast["family"].get_booking(booking["id"])
        assert after["status"] == state and after["history"] == booking["history"]
        assert after["updated_at"] == booking["updated_at"]
    assert refused == 5 * 4 * 6 - 6  # six allowed (state, action, actor) triples


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [(s, a, who) for (s, a), actors in sorted(ALLOWED.items()) for who in sorted(actors)],
)
def test_every_allowed_move_is_recorded(backend, state, action, actor):
    cast = make_cast(backend)
    booking = cast.booking(state)
    who = cast[actor].me()
    done = ACTIONS[action](cast[actor], booking["id"][:8])
    assert done["status"] == RESULT[action] and done["id"] == booking["id"]
    assert done["updated_at"] > booking["updated_at"]
    history = done["history"]
    assert history[: len(booking["history"])] == booking["history"]
    last = history[-1]
    assert len(history) == len(booking["history"]) + 1
    assert set(last) == {"at", "by", "by_role", "from", "to", "message"}
    assert last["by"] == who["id"] and last["from"] == state and last["to"] == RESULT[action]
    assert last["by_role"] == ("vendor" if actor == "vendor" else "user")
    assert last["at"] == done["updated_at"]
    expected = {"accept": "See you there", "decline": "Fully booked", "cancel": "Plans changed"}
    assert last["message"] == expected.get(action, "")
    if action == "cancel":
        assert done["cancel_reason"] == "Plans changed"
    if action in ("accept", "decline"):
        assert done["response_message"] == expected[action]
    # both parties see the same booking and history
    assert cast["vendor"].get_booking(booking["id"])["history"] == history
    assert cast["family"].get_booking(booking["id"])["status"] == RESULT[action]


def test_history_from_request_to_completion(backend):
    cast = make_cast(backend)
    family, vendor = cast["family"], cast["vendor"]
    fam_id, ven_id = family.me()["id"], vendor.me()["id"]
    booking = cast.booking("pending")
    assert booking["history"] == [
        {
            "at": booking["created_at"],
            "by": fam_id,
            "by_role": "user",
            "from": None,
            "to": "pending",
            "message": "Are you free?",
        }
    ]
    vendor.respond_booking(booking["id"], "accepted", "Booked!")
    vendor.complete_booking(booking["id"])
    shown = family.get_booking(booking["id"][:10])
    assert [
        (h["from"], h["to"], h["by"], h["by_role"], h["message"]) for h in shown["history"]
    ] == [
        (None, "pending", fam_id, "user", "Are you free?"),
        ("pending", "accepted", ven_id, "vendor", "Booked!"),
        ("accepted", "completed", ven_id, "vendor", ""),
    ]
    ats = [h["at"] for h in shown["history"]]
    assert ats == sorted(ats)
    assert shown["vendor"]["id"] == cast.profile["id"] and shown["event"]["id"] == shown["event_id"]
    assert shown["user"]["id"] == fam_id and "password" not in shown["user"]


def test_show_is_for_the_two_parties_only(backend):
    cast = make_cast(backend)
    booking = cast.booking("accepted")
    for actor in ("family", "vendor"):
        assert cast[actor].get_booking(booking["id"])["id"] == booking["id"]
    for actor in ("other family", "other vendor", "guest"):
        # not a party: the booking does not exist for them, by full id or by prefix
        for ref in (booking["id"], booking["id"][:8]):
            with pytest.raises(NotFound, match=r"^Booking not found$"):
                cast[actor].get_booking(ref)
    with pytest.raises(AuthRequired, match=r"^Not authenticated$"):
        cast["anonymous"].get_booking(booking["id"])
    with pytest.raises(NotFound, match=r"^Booking not found$"):
        cast["family"].get_booking(str(uuid.uuid4()))
    for move in (
        lambda p: p.cancel_booking(str(uuid.uuid4())),
        lambda p: p.complete_booking(str(uuid.uuid4())),
    ):
        with pytest.raises(NotFound, match=r"^Booking not found$"):
            move(cast["family"])


def test_completing_waits_for_the_event_date(backend):
    cast = make_cast(backend)
    today = TODAY.isoformat()
    for date in (FUTURE, today):
        booking = cast.booking("accepted", date=date)
        for actor in ("family", "vendor"):
            with pytest.raises(Conflict) as e:
                cast[actor].complete_booking(booking["id"])
            assert e.value.message == (
                f"The event on {date} has not happened yet; "
                "a booking can be completed from the day after its event date"
            )
        # an upcoming accepted booking can still be cancelled by the family
        assert cast["family"].cancel_booking(booking["id"])["status"] == "cancelled"


def test_a_second_booking_on_one_date_needs_confirming(backend):
    cast = make_cast(backend)
    vendor = cast["vendor"]
    date = next(cast.dates)
    first = cast.booking("pending", date=date)
    second = cast.booking("pending", date=date)
    other_family, _ = account(backend)
    event = other_family.create_event({"event_name": "Theirs", "event_date": date})
    third = other_family.create_booking(event["id"], cast.profile["id"])

    accepted = vendor.respond_booking(first["id"], "accepted")
    assert accepted["status"] == "accepted" and "warnings" not in accepted
    with pytest.raises(DoubleBooking) as e:
        vendor.respond_booking(second["id"], "accepted", "Sure")
    assert e.value.message == f"You already accepted another booking for {date}"
    assert isinstance(e.value, Conflict) and e.value.exit_code == 5
    assert cast["family"].get_booking(second["id"])["status"] == "pending"  # nothing changed
    assert vendor.respond_booking(third["id"], "declined")["status"] == "declined"  # no warning
    done = vendor.respond_booking(second["id"], "accepted", "Sure", confirm=True)
    assert done["status"] == "accepted"
    assert done["warnings"] == [
        f"You already accepted another booking for {date}; this one is accepted as well"
    ]
    assert done["history"][-1]["to"] == "accepted"
    # a different date is no double booking
    elsewhere = cast.booking("pending")
    assert "warnings" not in vendor.respond_booking(elsewhere["id"], "accepted")


def test_listing_filters(backend):
    cast = make_cast(backend)
    family, vendor = cast["family"], cast["vendor"]
    past_pending = cast.booking("pending")
    past_accepted = cast.booking("accepted")
    soon = cast.booking("accepted", date=(TODAY + dt.timedelta(days=30)).isoformat())
    later = cast.booking("pending", date=FUTURE)
    today = cast.booking("declined", date=TODAY.isoformat())
    everything = family.list_bookings()
    assert {b["id"] for b in everything} == {
        b["id"] for b in (past_pending, past_accepted, soon, later, today)
    }

    def ids(items):
        return [b["id"] for b in items]

    assert set(ids(family.list_bookings(status="accepted"))) == {past_accepted["id"], soon["id"]}
    assert ids(family.list_bookings(status="PENDING", upcoming=True)) == [later["id"]]
    assert ids(family.list_bookings(upcoming=True)) == [today["id"], soon["id"], later["id"]]
    assert ids(family.list_bookings(event=soon["event_id"][:8])) == [soon["id"]]
    assert family.list_bookings(event=soon["event_id"], status="declined") == []
    listed = family.list_bookings(status="accepted", upcoming=True)
    assert ids(listed) == [soon["id"]] and listed[0]["vendor"]["id"] == cast.profile["id"]
    with pytest.raises(Invalid, match=r"^unknown booking status 'maybe'"):
        family.list_bookings(status="maybe")
    with pytest.raises(NotFound, match=r"^Event not found$"):
        cast["other family"].list_bookings(event=soon["event_id"])

    assert ids(vendor.list_vendor_bookings(upcoming=True)) == [today["id"], soon["id"], later["id"]]
    pending = vendor.list_vendor_bookings(status="pending")
    assert set(ids(pending)) == {past_pending["id"], later["id"]}
    assert pending[0]["user"]["name"] == "Asha Rao"
    assert ids(vendor.list_vendor_bookings(event=later["event_id"])) == [later["id"]]
    with pytest.raises(NotFound, match=r"^Vendor profile not found$"):
        family.list_vendor_bookings(status="pending")
    assert cast["other vendor"].list_vendor_bookings(status="pending") == []


# ---- reviews ------------------------------------------------------------------------------
def test_who_may_review(backend):
    cast = make_cast(backend)
    name = cast.profile["business_name"]
    vid = cast.profile["id"]
    family = cast["family"]

    with pytest.raises(AuthRequired, match=r"^Not authenticated$"):
        cast["anonymous"].review_vendor(vid, 5)
    for actor in ("other family", "other vendor"):
        with pytest.raises(Forbidden) as e:
            cast[actor].review_vendor(vid, 5, "great")
        assert e.value.message == (
            f"Only families with an accepted booking with {name} can review it, "
            "after the event date"
        )
    with pytest.raises(Forbidden, match=r"^You cannot review your own vendor profile$"):
        cast["vendor"].review_vendor(vid, 5)
    with pytest.raises(Forbidden, match=r"^Guest accounts cannot write reviews$"):
        cast["guest"].review_vendor(vid, 5)

    # bookings that do not count: pending, declined, cancelled (past), accepted (future)
    for state in ("pending", "declined", "cancelled"):
        cast.booking(state)
        with pytest.raises(Forbidden, match=r"^Only families with an accepted booking"):
            family.review_vendor(vid, 4)
    cast.booking("accepted", date=FUTURE)
    with pytest.raises(Forbidden, match=rf"^You can review {name} after your event on {FUTURE}$"):
        family.review_vendor(vid, 4)

    cast.booking("accepted")  # the event is over: now the family may
    review = family.review_vendor(vid[:8], 4, "  Lovely stage  ")
    assert review["rating"] == 4 and review["text"] == "Lovely stage"
    assert review["vendor_id"] == vid and review["user_id"] == family.me()["id"]
    assert review["user_name"] == "Asha Rao" and review["reply"] is None
    assert review["created_at"] == review["updated_at"]
    assert review["vendor"] == {
        "id": vid,
        "business_name": name,
        "rating": 4.0,
        "review_count": 1,
    }
    # a guest who booked is still a guest; a completed booking counts too
    guest = cast["guest"]
    event = guest.create_event({"event_name": "Trial", "event_date": next(cast.dates)})
    b = guest.create_booking(event["id"], vid)
    cast["vendor"].respond_booking(b["id"], "accepted")
    with pytest.raises(Forbidden, match=r"^Guest accounts cannot write reviews$"):
        guest.review_vendor(vid, 5)
    other = Cast(backend, {**cast.actors, "family": cast["other family"]}, cast.profile)
    other.booking("completed")
    assert cast["other family"].review_vendor(vid, 2)["vendor"]["review_count"] == 2

    with pytest.raises(NotFound, match=r"^Vendor not found$"):
        family.review_vendor(str(uuid.uuid4()), 4)
    for bad in (0, 6):
        with pytest.raises(Invalid, match=r"^rating: Input should be"):
            family.review_vendor(vid, bad)
    with pytest.raises(Invalid, match=r"^text: String should have at most 5000 characters"):
        family.review_vendor(vid, 3, "x" * 5001)


def test_one_review_per_family_and_editing_replaces_it(backend):
    cast = make_cast(backend)
    vid = cast.profile["id"]
    cast.booking("accepted")
    first = cast["family"].review_vendor(vid, 2, "Late start")
    edited = cast["family"].review_vendor(cast.profile["business_name"], 5, "They made up for it")
    assert edited["id"] == first["id"] and edited["created_at"] == first["created_at"]
    assert edited["updated_at"] > first["updated_at"]
    assert (edited["rating"], edited["text"]) == (5, "They made up for it")
    assert edited["vendor"]["rating"] == 5.0 and edited["vendor"]["review_count"] == 1
    page = backend.new().list_reviews(vid)
    assert [r["id"] for r in page.items] == [first["id"]] and page.total == 1
    assert page.items[0]["rating"] == 5
    vendor = backend.new().get_vendor(vid)
    assert (vendor["rating"], vendor["review_count"]) == (5.0, 1)


def test_ratings_combine_with_seeded_figures(backend):
    """A vendor that came with figures (demo catalog, import) keeps them as that many earlier
    reviews: the first real review is averaged in, weighted."""
    cast = make_cast(backend)
    vid = cast.profile["id"]
    backend.store.vendors.update(vid, {"rating": 4.8, "review_count": 10})
    cast.booking("accepted")
    review = cast["family"].review_vendor(vid, 1)
    assert review["vendor"]["rating"] == round((4.8 * 10 + 1) / 11, 2) == 4.45
    assert review["vendor"]["review_count"] == 11
    second = Cast(backend, {**cast.actors, "family": cast["other family"]}, cast.profile)
    second.booking("accepted")
    after = cast["other family"].review_vendor(vid, 5)["vendor"]
    assert (after["rating"], after["review_count"]) == (round((48 + 1 + 5) / 12, 2), 12)
    # editing replaces the review's weight, it does not add one
    again = cast["family"].review_vendor(vid, 5)["vendor"]
    assert (again["rating"], again["review_count"]) == (round((48 + 5 + 5) / 12, 2), 12)
    shown = backend.new().get_vendor(vid)
    assert shown["rating"] == again["rating"] and shown["review_count"] == 12
    assert (shown["seed_rating"], shown["seed_review_count"]) == (4.8, 10)


def test_an_upsert_import_keeps_a_reviewed_vendors_figures(backend):
    """Re-importing a catalog (--upsert) replaces a vendor's row, but not what its reviews
    built: the seeded figures stay, and rating and count are recomputed from them and the
    reviews. The file is read in batches; the reviewed vendor sits past the first one."""
    from arangetram_cli.core.import_rows import validate_rows

    cast = make_cast(backend)
    vid = cast.profile["id"]
    backend.store.vendors.update(vid, {"rating": 4.8, "review_count": 10})
    cast.booking("accepted")
    cast["family"].review_vendor(vid, 1)
    raw = [
        {"business_name": f"Import {n}", "category": "catering", "location": "Fremont, CA",
         "price_range": "$$", "rating": 4.0, "review_count": 3}
        for n in range(1500)
    ]  # fmt: skip
    raw.insert(1200, {**raw[0], "id": vid, "business_name": "Renamed", "category": "photographer",
                      "rating": 4.9, "review_count": 30})  # fmt: skip
    docs = list(validate_rows(enumerate(raw, 1)))
    for d in docs:
        if d["id"] == vid:
            d["user_id"] = cast.profile["user_id"]
    admin = backend.new()
    if backend.kind == "remote":  # an import needs the database itself
        with pytest.raises(Invalid, match="no import endpoint"):
            admin.import_vendors(docs, upsert=True)
        return
    assert admin.import_vendors(docs, upsert=True) == (1500, 1)
    shown = backend.new().get_vendor(vid)
    assert shown["business_name"] == "Renamed"
    assert (shown["seed_rating"], shown["seed_review_count"]) == (4.8, 10)
    assert (shown["rating"], shown["review_count"]) == (4.45, 11)
    other = backend.new().get_vendor(docs[0]["id"])
    assert (other["rating"], other["review_count"]) == (4.0, 3)


def test_replies_and_listing(backend):
    cast = make_cast(backend)
    vid = cast.profile["id"]
    written = []
    for who in ("family", "other family"):
        c = Cast(backend, {**cast.actors, "family": cast[who]}, cast.profile)
        c.booking("accepted")
        written.append(cast[who].review_vendor(vid, 3 if who == "family" else 4, f"from {who}"))
    page = cast["anonymous"].list_reviews(cast.profile["business_name"])
    assert [r["id"] for r in page.items] == [written[1]["id"], written[0]["id"]]  # newest first
    assert page.total == 2 and "vendor" not in page.items[0]
    assert [r["id"] for r in backend.new().list_reviews(vid, offset=1, limit=1).items] == [
        written[0]["id"]
    ]
    assert backend.new().list_reviews(vid, offset=1, limit=1).total == 2
    with pytest.raises(NotFound, match=r"^Vendor not found$"):
        backend.new().list_reviews(str(uuid.uuid4()))

    target = written[0]["id"]
    with pytest.raises(AuthRequired, match=r"^Not authenticated$"):
        cast["anonymous"].reply_review(target, "Thanks")
    for actor in ("family", "other family", "other vendor", "guest"):
        with pytest.raises(Forbidden, match=r"^Only the reviewed vendor can reply to a review$"):
            cast[actor].reply_review(target, "Thanks")
    with pytest.raises(Invalid, match=r"^text: "):
        cast["vendor"].reply_review(target, "   ")
    with pytest.raises(NotFound, match=r"^Review not found$"):
        cast["vendor"].reply_review(str(uuid.uuid4()), "Thanks")
    replied = cast["vendor"].reply_review(target[:8], "  Thank you for coming  ")
    assert replied["id"] == target and replied["reply"]["text"] == "Thank you for coming"
    assert replied["reply"]["at"] >= written[0]["updated_at"]
    with pytest.raises(Conflict) as e:
        cast["vendor"].reply_review(target, "Again")
    assert e.value.message == "This review has a reply already; a vendor may answer a review once"
    # the family edits its review: the vendor's answer stays with it
    edited = cast["family"].review_vendor(vid, 4, "Better than I said")
    assert edited["reply"] == replied["reply"]
    listed = {r["id"]: r for r in backend.new().list_reviews(vid).items}
    assert listed[target]["reply"] == replied["reply"] and listed[target]["rating"] == 4
