"""The planning workspace through the Planner port: the same results and typed errors from
LocalPlanner (SQLite and Mongo) and RemotePlanner over a real `arangetram serve`, for the
event's owner and for everybody else (another user's event is "not found")."""

from __future__ import annotations

import uuid

import pytest
from icalendar import Calendar

from arangetram_cli.core.errors import Conflict, Invalid, NotFound, NotSupported
from arangetram_cli.core.workspace import Overpayment
from tests.server.support import PASSWORD, FakeServer


def uniq() -> str:
    return uuid.uuid4().hex[:10]


def family(backend, date: str = "2027-06-12", guests: int = 300):
    p = backend.new()
    p.register(f"fam-{uniq()}@example.com", "Asha", PASSWORD)
    event = p.create_event(
        {"event_name": f"Recital {uniq()}", "event_date": date, "guest_count": guests}
    )
    return p, event


def hall(backend, seats: int = 250):
    v = backend.new()
    v.register(f"hall-{uniq()}@example.com", "Hall", PASSWORD, "vendor")
    vendor = v.create_vendor(
        {
            "business_name": f"Natya Hall {uniq()}",
            "category": "venue",
            "description": f"A {seats}-seat hall with a sprung stage",
            "location": "Fremont, CA",
            "price_range": "$$",
            "price_estimate": "$2,000 - $3,000",
        }
    )
    return v, vendor


def test_template_checklist_is_added_once(backend):
    p, event = family(backend)
    first = p.apply_template(event["id"])
    assert first["added"] == 25 and first["skipped"] == 0
    again = p.apply_template(event["event_name"])  # by exact name
    assert again["added"] == 0 and again["skipped"] == 25
    tasks = p.list_tasks(event["id"])["tasks"]
    titles = [t["title"] for t in tasks]
    assert len(tasks) == 25 and "Book the hall" in titles and "Send thank-you notes" in titles
    assert [t["due_date"] for t in tasks] == sorted(t["due_date"] for t in tasks)
    thanks = next(t for t in tasks if t["title"] == "Send thank-you notes")
    assert thanks["due_date"] > event["event_date"]  # after the recital
    book = next(t for t in tasks if t["title"] == "Book the orchestra")
    assert book["vendor_category"] == "musicians"


def test_tasks_add_tick_reopen_update_remove(backend):
    p, event = family(backend)
    ref = event["id"][:8]  # a prefix
    task = p.add_task(ref, {"title": "Buy salangai", "before": "8w", "category": "jewellery"})
    assert task["due_date"] == "2027-04-17" and task["status"] == "open"
    done = p.update_task(ref, "buy SALANGAI", {"status": "done"})  # exact title, any case
    assert done["status"] == "done" and done["done_at"]
    assert p.list_tasks(ref, open_only=True)["tasks"] == []
    back = p.update_task(ref, task["id"][:6], {"status": "open"})
    assert back["status"] == "open" and back["done_at"] == ""
    moved = p.update_task(ref, task["id"], {"due": "2027-05-01", "notes": "brass, 100 bells"})
    assert moved["due_date"] == "2027-05-01" and moved["notes"] == "brass, 100 bells"
    assert p.list_tasks(ref, category="jewellery")["tasks"][0]["id"] == task["id"]
    assert p.list_tasks(ref, due_before="2027-04-01")["tasks"] == []
    gone = p.remove_task(ref, task["id"])
    assert gone["id"] == task["id"]
    with pytest.raises(NotFound):
        p.update_task(ref, task["id"], {"status": "done"})


def test_task_bad_input(backend):
    p, event = family(backend)
    with pytest.raises(Invalid, match="after the event"):
        p.add_task(event["id"], {"title": "Too late", "due": "2027-07-01"})
    assert p.add_task(event["id"], {"title": "Thanks", "due": "2027-07-01", "after_event": True})
    with pytest.raises(Invalid):
        p.add_task(event["id"], {"title": "x", "before": "6 months"})
    with pytest.raises(Invalid):
        p.add_task(event["id"], {"title": "x", "due": "2027-02-30"})
    with pytest.raises(Invalid):
        p.add_task(event["id"], {"title": "   "})
    with pytest.raises(NotFound):
        p.update_task(event["id"], "no such task", {"status": "done"})
    assert len(p.list_tasks(event["id"])["tasks"]) == 1  # only the good one was written


def test_budget_lines_payments_and_overpayment(backend):
    p, event = family(backend)
    ref = event["id"]
    line = p.add_budget_item(
        ref, {"name": "Costume silk", "category": "costume", "estimate": 180000, "quoted": 200050}
    )
    assert line["estimate_cents"] == 180000 and line["balance_cents"] == 200050
    paid = p.pay_budget_item(ref, "Costume silk", 50000, on="2026-12-01", note="deposit")
    assert paid["paid_cents"] == 50000 and paid["balance_cents"] == 150050
    with pytest.raises(Overpayment) as e:
        p.pay_budget_item(ref, "costume silk", 200000)
    assert isinstance(e.value, Conflict)
    assert p.get_budget(ref)["totals"]["paid_cents"] == 50000  # refused: nothing recorded
    over = p.pay_budget_item(ref, line["id"][:6], 200000, confirm=True)
    assert over["paid_cents"] == 250000 and over["balance_cents"] == -49950
    catering = p.add_budget_item(
        ref, {"name": "Dinner", "category": "catering", "estimate": "$25", "per_guest": True}
    )
    assert catering["estimate_cents"] == 2500
    p.set_event_budget(ref, amount_cents="$10,000")
    budget = p.get_budget(ref)
    assert budget["guests"] == 300
    cats = {c["category"]: c for c in budget["categories"]}
    assert cats["catering"]["estimate_cents"] == 750000
    assert budget["totals"]["committed_cents"] == 200050 + 750000
    assert budget["totals"]["over_budget"] is False
    assert budget["totals"]["remaining_cents"] == 1000000 - 950050
    # what if: 400 guests, nothing stored
    what_if = p.get_budget(ref, guests=400)
    assert what_if["what_if"] and what_if["totals"]["committed_cents"] == 200050 + 1000000
    assert what_if["totals"]["over_budget"] is True
    assert p.get_budget(ref)["guests"] == 300
    upd = p.update_budget_item(ref, "Dinner", {"quoted": 2800})
    assert upd["quoted_cents"] == 2800
    removed = p.remove_budget_item(ref, "Dinner")
    assert removed["name"] == "Dinner"
    with pytest.raises(NotFound):
        p.pay_budget_item(ref, "Dinner", 100)


def test_budget_bad_amounts(backend):
    p, event = family(backend)
    for bad in ("-5", "12abc", "1.234", "", "$$"):
        with pytest.raises(Invalid):
            p.add_budget_item(event["id"], {"name": "x", "estimate": bad})
    with pytest.raises(Invalid):
        p.add_budget_item(event["id"], {"name": "x", "estimate": -500})
    with pytest.raises(Invalid):
        p.get_budget(event["id"], guests=0)
    assert p.get_budget(event["id"])["lines"] == []


def test_accepting_a_booking_ticks_the_task_and_makes_the_line(backend):
    p, event = family(backend, guests=300)
    p.apply_template(event["id"])
    v, vendor = hall(backend, seats=250)
    booking = p.create_booking(event["id"], vendor["id"])
    assert (
        next(t for t in p.list_tasks(event["id"])["tasks"] if t["title"] == "Book the hall")[
            "status"
        ]
        == "open"
    )
    v.respond_booking(booking["id"], "accepted")
    task = next(t for t in p.list_tasks(event["id"])["tasks"] if t["title"] == "Book the hall")
    assert task["status"] == "done" and booking["id"] in task["ticked_by"]
    budget = p.get_budget(event["id"])
    lines = [ln for ln in budget["lines"] if ln.get("booking_id") == booking["id"]]
    assert len(lines) == 1 and lines[0]["estimate_cents"] == 250000
    assert lines[0]["vendor_id"] == vendor["id"]
    assert any("seats 250" in w for w in budget["warnings"])  # 300 guests do not fit
    assert not any("seats" in w for w in p.get_budget(event["id"], guests=200)["warnings"])
    # reopening the task is the family's choice: reading again does not tick it back
    p.update_task(event["id"], "Book the hall", {"status": "open"})
    again = p.list_tasks(event["id"])["tasks"]
    assert next(t for t in again if t["title"] == "Book the hall")["status"] == "open"
    assert len([ln for ln in p.get_budget(event["id"])["lines"] if ln.get("booking_id")]) == 1
    plan = p.get_plan(event["id"])
    venue = next(r for r in plan["vendors"] if r["category"] == "venue")
    assert venue["status"] == "booked" and venue["booked"] == [vendor["business_name"]]
    assert plan["checklist"]["total"] == 25 and plan["days_to_go"] > 0


def test_calendar_and_stable_uids(backend):
    p, event = family(backend)
    p.update_event(event["id"], {"event_time": "5:30 PM"})
    p.add_task(event["id"], {"title": "Book the hall", "due": "2027-01-15"})
    done = p.add_task(event["id"], {"title": "Fix the date", "due": "2027-01-01"})
    p.update_task(event["id"], done["id"], {"status": "done"})
    p.add_budget_item(
        event["id"], {"name": "Hall deposit", "estimate": 100000, "due": "2027-02-01"}
    )
    first, second = p.calendar(event["id"]), p.calendar(event["id"])
    cal = Calendar.from_ical(first)
    events = cal.walk("VEVENT")
    todos = cal.walk("VTODO")
    assert len(events) == 1 and str(events[0]["SUMMARY"]) == event["event_name"]
    assert events[0].decoded("DTSTART").isoformat() == "2027-06-12T17:30:00"
    summaries = {str(t["SUMMARY"]): t for t in todos}
    assert any(s.startswith("Book the hall") for s in summaries)
    assert not any(s.startswith("Fix the date") for s in summaries)  # done: not a to-do
    pay = next(t for s, t in summaries.items() if s.startswith("Pay Hall deposit"))
    assert pay.decoded("DUE").isoformat() == "2027-02-01"
    uids = sorted(str(c["UID"]) for c in cal.walk() if "UID" in c)
    again = sorted(str(c["UID"]) for c in Calendar.from_ical(second).walk() if "UID" in c)
    assert uids == again and len(uids) == 3


def test_export_import_round_trip(backend):
    p, event = family(backend)
    p.apply_template(event["id"])
    p.update_task(event["id"], "Book the hall", {"status": "done"})
    p.add_budget_item(event["id"], {"name": "Jewellery rental", "estimate": 45000})
    p.pay_budget_item(event["id"], "Jewellery rental", 10000, on="2026-12-01")
    p.set_event_budget(event["id"], amount_cents=2500000)
    doc = p.export_plan(event["id"])
    assert doc["format"] == "arangetram-plan" and doc["version"] == 1
    q = backend.new()
    q.register(f"other-{uniq()}@example.com", "Other", PASSWORD)
    result = q.import_plan(doc)
    new = result["event"]
    assert new["id"] != event["id"] and result["tasks"] == 25 and result["budget_items"] == 1
    back = q.export_plan(new["id"])
    strip = ("id", "exported_at")

    def core(d):
        return {
            "event": {
                k: v for k, v in d["event"].items() if k not in ("id", "created_at", "user_id")
            },
            "tasks": sorted(
                (t["title"], t["due_date"], t["status"], t["template_key"]) for t in d["tasks"]
            ),
            "items": [
                (
                    i["name"],
                    i["estimate_cents"],
                    [(x["amount_cents"], x["on"]) for x in i["payments"]],
                )
                for i in d["budget_items"]
            ],
        }

    assert core(back) == core(doc), strip
    with pytest.raises(Invalid):
        q.import_plan({"format": "something-else"})


def test_another_users_event_is_not_found(backend):
    p, event = family(backend)
    p.apply_template(event["id"])
    p.add_budget_item(event["id"], {"name": "Hall", "estimate": 100})
    q = backend.new()
    q.register(f"x-{uniq()}@example.com", "Stranger", PASSWORD)
    for call in (
        lambda: q.list_tasks(event["id"]),
        lambda: q.list_tasks(event["event_name"]),
        lambda: q.add_task(event["id"], {"title": "sneaky"}),
        lambda: q.update_task(event["id"], "Book the hall", {"status": "done"}),
        lambda: q.remove_task(event["id"], "Book the hall"),
        lambda: q.apply_template(event["id"]),
        lambda: q.get_budget(event["id"]),
        lambda: q.add_budget_item(event["id"], {"name": "x"}),
        lambda: q.pay_budget_item(event["id"], "Hall", 100),
        lambda: q.set_event_budget(event["id"], amount_cents=1),
        lambda: q.get_plan(event["id"]),
        lambda: q.calendar(event["id"]),
        lambda: q.export_plan(event["id"]),
    ):
        with pytest.raises(NotFound):
            call()
    assert len(p.list_tasks(event["id"])["tasks"]) == 25
    assert p.get_budget(event["id"])["totals"]["paid_cents"] == 0


@pytest.mark.service
def test_plain_web_back_end_says_not_supported(env):
    """Against a server without the /api/v1 additions, one clear NotSupported (exit 7)."""
    from arangetram_cli.planner.remote import RemotePlanner

    fake = FakeServer()
    try:
        p = RemotePlanner(fake.url, token="t")
        for call in (
            lambda: p.list_tasks("abcd"),
            lambda: p.get_budget("abcd"),
            lambda: p.calendar("abcd"),
            lambda: p.next_event(),
        ):
            with pytest.raises(NotSupported) as e:
                call()
            assert e.value.exit_code == 7
        p.close()
    finally:
        fake.close()


def test_names_with_a_slash(backend):
    p, _ = family(backend)
    event = p.create_event({"event_name": f"Debut 6/12 {uniq()}", "event_date": "2027-06-12"})
    p.add_task(event["event_name"], {"title": "Invitations/booklet"})
    done = p.update_task(event["event_name"], "Invitations/booklet", {"status": "done"})
    assert done["status"] == "done"
    p.add_budget_item(event["event_name"], {"name": "Hall/stage", "quoted": 1000})
    assert p.pay_budget_item(event["event_name"], "Hall/stage", 500)["paid_cents"] == 500
    assert (
        p.remove_task(event["event_name"], "Invitations/booklet")["title"] == "Invitations/booklet"
    )
    assert p.get_plan(event["event_name"])["event"]["id"] == event["id"]


def test_import_reports_what_it_cannot_resolve(backend):
    p, event = family(backend)
    doc = p.export_plan(event["id"])
    doc["vendors"] = [{"id": "0" * 8 + "-0000-4000-8000-" + "0" * 12, "business_name": "Nope Hall"}]
    doc["budget_items"] = [
        {"name": "Hall", "estimate_cents": 1000, "vendor": {"id": None, "business_name": "Nope"}}
    ]
    result = p.import_plan(doc)
    assert any("'Nope Hall'" in u for u in result["unresolved"])
    assert any("'Nope'" in u and "Hall" in u for u in result["unresolved"])
    assert result["budget_items"] == 1 and result["vendors"] == 0
    with pytest.raises(Invalid):  # a paid amount over the quote is fine; a bad one is not
        p.add_budget_item(event["id"], {"name": "x", "quoted": 100, "paid": "abc"})
    with pytest.raises(Overpayment):
        p.add_budget_item(event["id"], {"name": "x", "quoted": 100, "paid": 200})
    assert p.add_budget_item(
        event["id"], {"name": "x", "quoted": 100, "paid": 200, "confirm": True}
    )
