"""The pure rules of core/lifecycle.py, and LocalPlanner's injectable clock."""

from __future__ import annotations

import datetime as dt

import pytest

from arangetram_cli.core.errors import Conflict
from arangetram_cli.core.lifecycle import (
    MOVES,
    STATUSES,
    allowed,
    combine_rating,
    event_passed,
    filter_bookings,
    inbox_order,
    may,
    seed_figures,
)


def test_the_state_machine():
    assert sorted(MOVES) == sorted(
        [
            ("pending", "accepted"),
            ("pending", "declined"),
            ("pending", "cancelled"),
            ("accepted", "cancelled"),
            ("accepted", "completed"),
        ]
    )
    finals = ("declined", "cancelled", "completed")
    assert not any(allowed(f, to) for f in finals for to in STATUSES)
    assert may("accepted") == may("declined") == {"vendor"}
    assert may("cancelled") == {"user"} and may("completed") == {"user", "vendor"}
    assert may("pending") == frozenset()


def test_event_passed_is_strictly_after_the_day():
    day = dt.date(2027, 6, 12)
    assert not event_passed("2027-06-12", day)
    assert event_passed("2027-06-11", day)
    assert not event_passed("2027-06-13", day)
    assert not event_passed("", day) and not event_passed(None, day)
    assert not event_passed("12/06/2027", day)


def test_combine_rating():
    assert combine_rating(0.0, 0, 0, 0) == (0.0, 0)
    assert combine_rating(0.0, 0, 9, 2) == (4.5, 2)
    assert combine_rating(4.8, 127, 1, 1) == (round((4.8 * 127 + 1) / 128, 2), 128)
    assert combine_rating(4.0, 3, 5, 1) == (4.25, 4)
    assert combine_rating(5.0, 0, 13, 3) == (4.33, 3)  # no seeded reviews: its rating is unused
    assert seed_figures({"rating": 4.5, "review_count": 12}) == (4.5, 12)
    assert seed_figures({"rating": 3.0, "seed_rating": 4.5, "seed_review_count": 12}) == (4.5, 12)
    assert seed_figures({}) == (0.0, 0)


def test_filters_and_inbox_order():
    rows = [
        {"id": "a", "status": "pending", "event_date": "2027-01-05", "created_at": "3"},
        {"id": "b", "status": "accepted", "event_date": "2026-12-01", "created_at": "2"},
        {"id": "c", "status": "pending", "event_date": "2025-01-01", "created_at": "1"},
        {
            "id": "d",
            "status": "declined",
            "event_date": "2027-01-01",
            "created_at": "0",
            "updated_at": "9",
        },
    ]
    today = dt.date(2026, 12, 1)
    assert [b["id"] for b in filter_bookings(rows, upcoming=True, today=today)] == ["b", "d", "a"]
    assert [b["id"] for b in filter_bookings(rows, status="pending", today=today)] == ["a", "c"]
    assert [b["id"] for b in inbox_order(rows)] == ["c", "a", "d", "b"]


def test_local_planner_clock_is_injectable(tmp_path, env):
    from arangetram_cli.planner.local import LocalPlanner
    from arangetram_cli.store.sqlite import SqliteStore
    from tests.server.support import PASSWORD, SECRET

    store = SqliteStore(tmp_path / "t.db")
    now = [dt.date(2027, 6, 12)]

    def planner():
        return LocalPlanner(store, SECRET, today=lambda: now[0])

    family, vendor = planner(), planner()
    family.register("f@example.com", "F", PASSWORD)
    vendor.register("v@example.com", "V", PASSWORD, "vendor")
    profile = vendor.create_vendor({"business_name": "Hall", "category": "venue"})
    event = family.create_event({"event_name": "Debut", "event_date": "2027-06-12"})
    booking = family.create_booking(event["id"], profile["id"])
    vendor.respond_booking(booking["id"], "accepted")
    with pytest.raises(Conflict, match=r"has not happened yet"):
        family.complete_booking(booking["id"])
    with pytest.raises(Exception, match=r"after your event on 2027-06-12"):
        family.review_vendor(profile["id"], 5)
    assert [b["id"] for b in family.list_bookings(upcoming=True)] == [booking["id"]]
    now[0] = dt.date(2027, 6, 13)  # the next day
    assert family.list_bookings(upcoming=True) == []
    assert family.complete_booking(booking["id"])["status"] == "completed"
    assert family.review_vendor(profile["id"], 5)["vendor"]["rating"] == 5.0
    store.close()
