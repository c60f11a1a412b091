"""Planning together through the Planner port: LocalPlanner (SQLite and Mongo) and
RemotePlanner over a real `arangetram serve` give the same results and typed errors, for
every role: the owner, a planner, a viewer, a former member and a stranger."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from arangetram_cli.core.errors import Conflict, Forbidden, Invalid, NotFound, NotSupported
from tests.server.support import PASSWORD, FakeServer


def uniq() -> str:
    return uuid.uuid4().hex[:10]


def person(backend, name: str, kind: str = "user") -> tuple[Any, str]:
    p = backend.new()
    email = f"{name.lower()}-{uniq()}@example.com"
    p.register(email, name, PASSWORD, kind)
    return p, email


@dataclass
class Circle:
    backend: Any
    event: dict[str, Any]
    people: dict[str, Any]
    emails: dict[str, str]
    extra: str  # a registered person nobody shared anything with yet

    @property
    def ref(self) -> str:
        return self.event["id"]


def circle(backend, guests: int = 300) -> Circle:
    people, emails = {}, {}
    for role in ("owner", "planner", "viewer", "ex", "stranger"):
        people[role], emails[role] = person(backend, role.title())
    owner = people["owner"]
    event = owner.create_event(
        {"event_name": f"Recital {uniq()}", "event_date": "2027-06-12", "guest_count": guests}
    )
    owner.share_event(event["id"], emails["planner"], "planner")
    owner.share_event(event["id"], emails["viewer"], "viewer")
    owner.share_event(event["id"], emails["ex"], "planner")
    owner.unshare_event(event["id"], emails["ex"])
    _, extra = person(backend, "Extra")
    return Circle(backend, event, people, emails, extra)


def venue(backend) -> dict[str, Any]:
    return hall_and_owner(backend)[0]


def hall_and_owner(backend) -> tuple[dict[str, Any], Any]:
    """A venue in the catalog and its vendor's own planner (who answers its requests)."""
    v, _ = person(backend, "Hall", "vendor")
    return v.create_vendor(
        {
            "business_name": f"Natya Hall {uniq()}",
            "category": "venue",
            "description": "A 120-seat hall with a sprung stage",
            "location": "Fremont, CA",
            "price_range": "$$",
            "price_estimate": "$2,000 - $3,000",
        }
    ), v


Op = Callable[[Any, Circle], Any]
# (name, what it needs: read|change|book|share, the call). Calls that take something away
# act on a target the owner makes for each attempt, so every role meets the same state.
OPS: list[tuple[str, str, Op]] = [
    ("get_event", "read", lambda p, c: p.get_event(c.ref)),
    ("list_members", "read", lambda p, c: p.list_members(c.ref)),
    ("list_guests", "read", lambda p, c: p.list_guests(c.ref)),
    ("list_tasks", "read", lambda p, c: p.list_tasks(c.ref)),
    ("get_budget", "read", lambda p, c: p.get_budget(c.ref)),
    ("get_plan", "read", lambda p, c: p.get_plan(c.ref)),
    ("export_plan", "read", lambda p, c: p.export_plan(c.ref)),
    ("update_event", "change", lambda p, c: p.update_event(c.ref, {"event_time": "6 PM"})),
    ("set_rsvp_note", "change", lambda p, c: p.set_rsvp_note(c.ref, "Lunch after")),
    ("add_task", "change", lambda p, c: p.add_task(c.ref, {"title": f"t {uniq()}"})),
    (
        "update_task",
        "change",
        lambda p, c: p.update_task(
            c.ref, c.people["owner"].add_task(c.ref, {"title": uniq()})["id"], {"status": "done"}
        ),
    ),
    (
        "remove_task",
        "change",
        lambda p, c: p.remove_task(
            c.ref, c.people["owner"].add_task(c.ref, {"title": uniq()})["id"]
        ),
    ),
    ("add_guest", "change", lambda p, c: p.add_guest(c.ref, {"name": f"g {uniq()}"})),
    (
        "update_guest",
        "change",
        lambda p, c: p.update_guest(
            c.ref, c.people["owner"].add_guest(c.ref, {"name": uniq()})["id"], {"party": 3}
        ),
    ),
    (
        "remove_guest",
        "change",
        lambda p, c: p.remove_guest(
            c.ref, c.people["owner"].add_guest(c.ref, {"name": uniq()})["id"]
        ),
    ),
    (
        "import_guests",
        "change",
        lambda p, c: p.import_guests(c.ref, f"Name,Email\nA {uniq()},{uniq()}@example.com\n"),
    ),
    ("guest_links", "change", lambda p, c: p.guest_links(c.ref, base_url="https://r.example")),
    (
        "add_budget_item",
        "change",
        lambda p, c: p.add_budget_item(c.ref, {"name": "Flowers", "estimate": "$300"}),
    ),
    ("set_event_budget", "change", lambda p, c: p.set_event_budget(c.ref, amount_cents=2_000_000)),
    ("create_booking", "book", lambda p, c: p.create_booking(c.ref, venue(c.backend)["id"], "Hi")),
    ("share_event", "share", lambda p, c: p.share_event(c.ref, c.extra, "viewer")),
    (
        "unshare_event",
        "share",
        lambda p, c: (
            c.people["owner"].share_event(c.ref, c.extra, "viewer"),
            p.unshare_event(c.ref, c.extra),
        ),
    ),
]
ALLOWED = {
    "read": {"owner", "planner", "viewer"},
    "change": {"owner", "planner"},
    "book": {"owner", "planner"},
    "share": {"owner"},
}


@pytest.mark.parametrize("name,need,op", OPS, ids=[o[0] for o in OPS])
def test_every_event_operation_by_role(backend, name, need, op):
    c = circle(backend)
    for role in ("stranger", "ex", "viewer", "planner", "owner"):
        p = c.people[role]
        if role in ALLOWED[need]:
            op(p, c)  # succeeds
        elif role in ("stranger", "ex"):
            with pytest.raises(NotFound) as e:
                op(p, c)
            assert e.value.exit_code == 4 and "not found" in e.value.message.lower()
        else:
            with pytest.raises(Forbidden) as e:
                op(p, c)
            assert e.value.exit_code == 3
            if role == "viewer":
                assert e.value.message == "viewers can't change this event"


def test_transfer_and_leave_by_role(backend):
    c = circle(backend)
    for role in ("stranger", "ex"):
        with pytest.raises(NotFound):
            c.people[role].transfer_event(c.ref, c.extra)
        with pytest.raises(NotFound):
            c.people[role].leave_event(c.ref)
    for role in ("viewer", "planner"):
        with pytest.raises(Forbidden):
            c.people[role].transfer_event(c.ref, c.extra)
    with pytest.raises(Conflict):
        c.people["owner"].leave_event(c.ref)  # transfer first
    c.people["viewer"].leave_event(c.ref)
    with pytest.raises(NotFound):
        c.people["viewer"].get_event(c.ref)  # gone, like any stranger
    result = c.people["owner"].transfer_event(c.ref, c.emails["planner"])
    assert result["you"] == "planner"
    # the planner now owns it; the old owner plans it and can no longer share
    mine = c.people["planner"].list_members(c.ref)
    roles = {m["email"]: m["role"] for m in mine["members"]}
    assert roles[c.emails["planner"]] == "owner" and roles[c.emails["owner"]] == "planner"
    with pytest.raises(Forbidden):
        c.people["owner"].share_event(c.ref, c.extra, "viewer")
    c.people["planner"].share_event(c.ref, c.extra, "viewer")


def test_shared_events_are_listed_with_the_role(backend):
    c = circle(backend)
    own = c.people["owner"].list_events().items
    assert [e["id"] for e in own] == [c.ref] and own[0].get("role", "owner") == "owner"
    for role in ("planner", "viewer"):
        page = c.people[role].list_events()
        assert [(e["id"], e["role"]) for e in page.items] == [(c.ref, role)]
        assert page.total == 1
    for role in ("ex", "stranger"):
        assert c.people[role].list_events().items == []
    members = c.people["viewer"].list_members(c.ref)
    assert [m["role"] for m in members["members"]] == ["owner", "planner", "viewer"]
    assert members["role"] == "viewer"


def test_share_refuses_bad_input_and_changes_a_role(backend):
    c = circle(backend)
    owner = c.people["owner"]
    with pytest.raises(NotFound) as e:
        owner.share_event(c.ref, f"nobody-{uniq()}@example.com", "viewer")
    assert "register first" in (e.value.hint or "")
    with pytest.raises(Invalid):
        owner.share_event(c.ref, c.emails["owner"], "viewer")  # yourself
    with pytest.raises(Invalid):
        owner.share_event(c.ref, c.extra, "viewr")
    with pytest.raises(Invalid):
        owner.share_event(c.ref, c.extra, "owner")  # transfer is its own command
    with pytest.raises(NotFound):
        owner.unshare_event(c.ref, c.extra)  # not a member
    again = owner.share_event(c.ref, c.emails["viewer"], "planner")
    assert again["was"] == "viewer"
    c.people["viewer"].add_task(c.ref, {"title": "now I can"})


def test_tasks_are_assigned_to_members_and_listed_as_mine(backend):
    c = circle(backend)
    planner = c.people["planner"]
    task = planner.add_task(c.ref, {"title": "Order flowers", "assign": c.emails["planner"]})
    other = c.people["owner"].add_task(c.ref, {"title": "Print programs"})
    with pytest.raises(Invalid):
        planner.add_task(c.ref, {"title": "x", "assign": c.extra})  # not a member
    c.people["owner"].update_task(c.ref, other["id"], {"assign": c.emails["viewer"]})
    mine = planner.my_tasks()["tasks"]
    assert [t["id"] for t in mine] == [task["id"]]
    assert mine[0]["event_name"] == c.event["event_name"]
    listed = {t["id"]: t.get("assignee_email") for t in planner.list_tasks(c.ref)["tasks"]}
    assert listed[task["id"]] == c.emails["planner"] and listed[other["id"]] == c.emails["viewer"]
    assert [t["id"] for t in c.people["viewer"].my_tasks()["tasks"]] == [other["id"]]
    assert c.people["stranger"].my_tasks()["tasks"] == []


def test_a_planners_request_shows_who_sent_it(backend):
    c = circle(backend)
    hall, v = hall_and_owner(backend)
    booking = c.people["planner"].create_booking(c.ref, hall["id"], "Is June 12 free?")
    seen = v.list_vendor_bookings()
    assert [b["id"] for b in seen] == [booking["id"]]
    assert seen[0]["requested_by_user"]["email"] == c.emails["planner"]
    shown = v.get_booking(booking["id"])
    assert shown["requested_by_user"]["email"] == c.emails["planner"]
    assert c.people["viewer"].get_booking(booking["id"])["id"] == booking["id"]
    with pytest.raises(Forbidden):
        c.people["viewer"].cancel_booking(booking["id"], "no")
    with pytest.raises(NotFound):
        c.people["stranger"].get_booking(booking["id"])
    with pytest.raises(NotFound):
        c.people["ex"].get_booking(booking["id"][:8])
    for role in ("owner", "planner", "viewer"):
        assert [b["id"] for b in c.people[role].list_bookings()] == [booking["id"]]
    assert c.people["stranger"].list_bookings() == []


def test_a_viewer_is_told_why_it_cannot_move_a_booking(backend):
    """Respond, cancel and complete all refuse a viewer with the viewer's reason (not the
    generic "Not authorized")."""
    c = circle(backend)
    hall, v = hall_and_owner(backend)
    booking = c.people["planner"].create_booking(c.ref, hall["id"], "Is June 12 free?")
    viewer = c.people["viewer"]
    for move in (
        lambda: viewer.respond_booking(booking["id"], "accepted"),
        lambda: viewer.respond_booking(booking["id"], "declined"),
        lambda: viewer.cancel_booking(booking["id"], "no"),
        lambda: viewer.complete_booking(booking["id"]),
    ):
        with pytest.raises(Forbidden) as e:
            move()
        assert e.value.exit_code == 3
        assert e.value.message == "viewers can't change this event"
    assert v.get_booking(booking["id"])["status"] == "pending"


def test_guest_list_headcount_and_bounds(backend):
    c = circle(backend, guests=5)
    p = c.people["planner"]
    raos = p.add_guest(c.ref, {"name": "The Raos", "party": 4, "children": 1, "group": "School"})
    p.add_guest(c.ref, {"name": "Meena", "email": "meena@example.com"})
    for bad in (0, 1000):
        with pytest.raises(Invalid) as e:
            p.add_guest(c.ref, {"name": "Too many", "party": bad})
        assert "between 1 and 50" in e.value.message
    with pytest.raises(Conflict):
        p.add_guest(c.ref, {"name": "Meena again", "email": "MEENA@example.com"})
    p.update_guest(c.ref, "The Raos", {"rsvp": "yes"})
    p.update_guest(c.ref, "Meena", {"rsvp": "maybe"})
    doc = c.people["viewer"].list_guests(c.ref)
    h = doc["headcount"]
    assert (h["confirmed"], h["confirmed_adults"], h["confirmed_children"], h["maybe"]) == (
        4,
        3,
        1,
        1,
    )
    assert [g["name"] for g in c.people["viewer"].list_guests(c.ref, rsvp="yes")["guests"]] == [
        "The Raos"
    ]
    assert c.people["owner"].list_guests(c.ref, group="school")["guests"][0]["id"] == raos["id"]
    assert "token_hash" not in doc["guests"][0]
    plan = c.people["owner"].get_plan(c.ref)
    assert plan["guests"]["confirmed"] == 4
    p.update_guest(c.ref, "Meena", {"rsvp": "yes", "party": 2})
    plan = c.people["owner"].get_plan(c.ref)
    assert any(
        "6 guests confirmed" in w and "planned for 5" in w for w in plan["budget"]["warnings"]
    )


def test_catering_line_follows_the_confirmed_count(backend):
    c = circle(backend, guests=200)
    owner = c.people["owner"]
    owner.add_budget_item(c.ref, {"name": "Dinner", "estimate": "$25", "per_guest": True})
    before = owner.get_budget(c.ref)
    line = next(x for x in before["lines"] if x["name"] == "Dinner")
    assert line["estimate_total_cents"] == 2500 * 200  # the planned guest count
    owner.add_guest(c.ref, {"name": "A", "party": 3, "rsvp": "yes"})
    owner.add_guest(c.ref, {"name": "B", "party": 5, "rsvp": "no"})
    after = owner.get_budget(c.ref)
    line = next(x for x in after["lines"] if x["name"] == "Dinner")
    assert line["estimate_total_cents"] == 2500 * 3 and after["guests"] == 3
    assert after["guests_basis"] == "confirmed"


def test_contacts_import_is_all_or_nothing_and_merges_by_email(backend):
    c = circle(backend)
    p = c.people["planner"]
    p.add_guest(c.ref, {"name": "Lakshmi", "email": "lakshmi@example.com"})
    bad = (
        "First Name,Last Name,E-mail Address,Mobile Phone,Group Membership\n"
        "Anil,Kumar,anil@example.com,+1 408 555 0100,* myContacts ::: Dance school\n"
        "Bad,Row,not-an-email,,\n"
    )
    with pytest.raises(Invalid) as e:
        p.import_guests(c.ref, bad)
    assert "line 3" in e.value.message and "nothing was imported" in e.value.message
    assert len(p.list_guests(c.ref)["guests"]) == 1  # nothing half-written
    good = (
        "First Name,Last Name,E-mail Address,Mobile Phone,Group Membership\n"
        "Anil,Kumar,anil@example.com,+1 408 555 0100,* myContacts ::: Dance school\n"
        "Anil,K,ANIL@example.com,,\n"
        "Lakshmi,Iyer,lakshmi@example.com,+1 650 555 0111,Family\n"
        ",,,,\n"
        "Ravi,,,,Family\n"
    )
    result = p.import_guests(c.ref, good)
    assert result["added"] == 2 and len(result["merged"]) == 2
    assert any("line 3 merged into line 2" in m for m in result["merged"])
    guests = {g["name"]: g for g in p.list_guests(c.ref)["guests"]}
    assert set(guests) == {"Lakshmi", "Anil Kumar", "Ravi"}
    assert guests["Anil Kumar"]["group"] == "Dance school"
    assert guests["Lakshmi"]["phone"] == "+1 650 555 0111"  # blank filled from the file
    with pytest.raises(Invalid):
        p.import_guests(c.ref, "Email,Phone\nx@example.com,1\n")  # no name column


def test_links_are_issued_once_and_rotated(backend):
    c = circle(backend)
    p = c.people["planner"]
    p.add_guest(c.ref, {"name": "A"})
    first = p.guest_links(c.ref, base_url="https://rsvp.example")["links"]
    assert first[0]["status"] == "new" and first[0]["link"].startswith("https://rsvp.example/rsvp/")
    again = p.guest_links(c.ref, base_url="https://rsvp.example")["links"]
    assert again[0]["status"] == "issued before" and again[0]["link"] == ""
    rotated = p.guest_links(c.ref, base_url="https://rsvp.example", rotate=True)["links"]
    assert rotated[0]["status"] == "rotated" and rotated[0]["link"] != first[0]["link"]
    stored = repr(backend.store.rsvp_tokens.get(rotated[0]["link"].rsplit("/", 1)[1]))
    assert stored == "None"  # looked up by the token itself: nothing (only hashes are kept)


def test_plain_web_backend_says_not_supported():
    from arangetram_cli.planner.remote import RemotePlanner

    fake = FakeServer()
    try:
        p = RemotePlanner(fake.url, token="t")
        for call in (
            lambda: p.list_members("abcd"),
            lambda: p.share_event("abcd", "a@example.com", "viewer"),
            lambda: p.list_guests("abcd"),
            lambda: p.import_guests("abcd", "Name\nA\n"),
            lambda: p.my_tasks(),
        ):
            with pytest.raises(NotSupported) as e:
                call()
            assert e.value.exit_code == 7
        p.close()
    finally:
        fake.close()


def test_share_answers_the_member_as_members_lists_it(backend):
    c = circle(backend)
    owner = c.people["owner"]
    shared = owner.share_event(c.ref, c.extra, "viewer")
    assert shared["changed"] is True and shared["was"] is None
    listed = {m["email"]: m for m in owner.list_members(c.ref)["members"]}
    assert shared["member"] == listed[c.extra]
    assert shared["member"]["added_at"] and shared["member"]["added_by"]
    again = owner.share_event(c.ref, c.extra, "planner")  # a new role, the same membership
    assert again["changed"] is True and again["was"] == "viewer"
    assert again["member"]["added_at"] == shared["member"]["added_at"]
    assert again["member"]["role"] == "planner"
