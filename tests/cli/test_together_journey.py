"""Planning together from several terminals: three accounts in three profiles at once on one
store (local), and the same through a real `arangetram serve` (remote). The owner shares the
event, the planner adds a task and guests, the viewer can only read (exit 3 on any change),
and every bad input is one line with its documented code."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest

from tests.conftest import no_traceback, one_error_line
from tests.server.support import PASSWORD, served  # noqa: F401  (session fixture)

PW = PASSWORD + "\n"


@pytest.fixture(params=["local", pytest.param("remote", marks=pytest.mark.service)])
def family(request, sh):
    """run(profile, *args): the CLI as `profile`, all on one back end."""
    extra = {}
    if request.param == "remote":
        extra["ARANGETRAM_API_URL"] = request.getfixturevalue("served").url
    tag = uuid.uuid4().hex[:8]
    emails = {p: f"{p}-{tag}@example.com" for p in ("mom", "aunt", "gp")}

    def run(profile: str, *args: str, input: str | None = None):
        return sh("-p", profile, *args, input=input, extra=extra)

    for p, email in emails.items():
        r = run(
            p,
            "auth",
            "register",
            "--email",
            email,
            "--name",
            p.title(),
            "--password-stdin",
            input=PW,
        )
        assert r.code == 0, r.err
    run.emails = emails  # type: ignore[attr-defined]
    run.mode = request.param  # type: ignore[attr-defined]
    return run


def test_two_terminals_plan_one_event(family, tmp_path):
    run, emails = family, family.emails
    ev = run(
        "mom",
        "events",
        "create",
        "--name",
        "Priya's Arangetram",
        "--date",
        "2027-06-12",
        "--time",
        "5:30 PM",
        "--guests",
        "5",
        "--no-checklist",
    ).json()
    ref = ev["id"]
    assert run("mom", "events", "share", ref, emails["aunt"], "--role", "planner").code == 0
    assert run("mom", "events", "share", ref, emails["gp"], "--role", "viewer").code == 0

    listed = run("aunt", "events", "list").json()
    assert [(e["id"], e["role"]) for e in listed] == [(ref, "planner")]
    members = run("gp", "events", "members", ref).json()
    assert [(m["email"], m["role"]) for m in members] == [
        (emails["mom"], "owner"),
        (emails["aunt"], "planner"),
        (emails["gp"], "viewer"),
    ]

    # the planner, in its own terminal
    task = run(
        "aunt", "tasks", "add", "Order flowers", "--event", ref, "--assign", emails["aunt"]
    ).json()
    assert task["assignee_email"] if "assignee_email" in task else task["assignee"]
    guest = run(
        "aunt",
        "guests",
        "add",
        "The Raos",
        "--party",
        "4",
        "--children",
        "1",
        "--email",
        "rao@example.com",
        "--group",
        "Dance school",
        "--event",
        ref,
    )
    assert guest.code == 0 and guest.json()["party"] == 4
    mine = run("aunt", "tasks", "list", "--mine").json()
    assert [t["title"] for t in mine] == ["Order flowers"]
    seen = run("mom", "tasks", "list", "--event", ref).json()
    assert [(t["title"], t.get("assignee_email")) for t in seen] == [
        ("Order flowers", emails["aunt"])
    ]

    # the viewer reads everything, changes nothing
    assert [g["name"] for g in run("gp", "guests", "list", "--event", ref).json()] == ["The Raos"]
    assert run("gp", "events", "plan", ref).code == 0
    for args in (
        ("guests", "add", "Sneaky", "--event", ref),
        ("tasks", "add", "Sneaky", "--event", ref),
        ("tasks", "done", "Order flowers", "--event", ref),
        ("events", "update", ref, "--guests", "9"),
        ("budget", "add", "Gifts", "--estimate", "50", "--event", ref),
        ("guests", "links", "--event", ref, "--base-url", "https://r.example"),
        ("events", "share", ref, emails["mom"], "--role", "viewer"),
    ):
        one_error_line(run("gp", *args), 3, "viewers can't change this event")
    one_error_line(
        run("aunt", "events", "share", ref, emails["gp"], "--role", "planner"),
        3,
        "only the event's owner",
    )

    # the headcount reaches the plan screen, with a warning past the planned guest count
    run("aunt", "guests", "update", "The Raos", "--rsvp", "yes", "--event", ref)
    run("aunt", "guests", "add", "Meena", "--party", "2", "--event", ref)
    run("aunt", "guests", "update", "Meena", "--rsvp", "yes", "--event", ref)
    plan = run("mom", "events", "plan", ref).json()
    assert plan["guests"]["confirmed"] == 6 and plan["guests"]["confirmed_children"] == 1
    assert any("planned for 5" in w for w in plan["budget"]["warnings"])
    screen = run("mom", "-o", "table", "events", "plan", ref)
    assert "6 (5 adults, 1 children)" in screen.out, screen.out

    # the planner asks a hall; the vendor sees who asked, for which family
    tag = uuid.uuid4().hex[:8]
    r = run(
        "hall",
        "auth",
        "register",
        "--email",
        f"hall-{tag}@example.com",
        "--name",
        "Hall",
        "--vendor",
        "--password-stdin",
        input=PW,
    )
    assert r.code == 0, r.err
    hall = run(
        "hall",
        "vendors",
        "create",
        "--name",
        f"Natya Hall {tag}",
        "--category",
        "venue",
        "--location",
        "Fremont, CA",
        "--price-range",
        "$$",
        "--description",
        "A 120-seat hall",
    ).json()
    asked = run("aunt", "bookings", "create", "--event", ref, "--vendor", hall["id"])
    assert asked.code == 0, asked.err
    one_error_line(
        run("gp", "bookings", "create", "--event", ref, "--vendor", hall["id"]),
        3,
        "viewers can't change this event",
    )
    inbox = run("hall", "-o", "table", "bookings", "inbox")
    assert "Aunt (for Mom)" in inbox.out, inbox.out
    assert [b["id"] for b in run("mom", "bookings", "list").json()] == [asked.json()["id"]]
    assert [b["id"] for b in run("gp", "bookings", "list").json()] == [asked.json()["id"]]

    # the owner stops sharing: the ex-viewer is a stranger again
    assert run("mom", "events", "unshare", ref, emails["gp"]).code == 0
    one_error_line(run("gp", "guests", "list", "--event", ref), 4, "not found")
    assert run("gp", "events", "list").json() == []


def test_bad_input_is_one_line(family, tmp_path):
    run, emails = family, family.emails
    ref = run(
        "mom", "events", "create", "--name", "Debut", "--date", "2027-06-12", "--no-checklist"
    ).json()["id"]
    one_error_line(
        run("mom", "events", "share", ref, f"nobody-{uuid.uuid4().hex[:6]}@x.org"),
        4,
        "register first",
    )
    one_error_line(run("mom", "events", "share", ref, emails["mom"]), 2, "yourself")
    one_error_line(
        run("mom", "events", "share", ref, emails["aunt"], "--role", "viewr"),
        2,
        "role must be planner or viewer",
    )
    one_error_line(run("aunt", "events", "share", ref, emails["gp"]), 4, "not found")
    one_error_line(run("mom", "events", "leave", ref), 5, "owner can't leave")
    for party in ("0", "1000"):
        one_error_line(
            run("mom", "guests", "add", "X", "--party", party, "--event", ref),
            2,
            "between 1 and 50",
        )
    one_error_line(
        run("mom", "guests", "list", "--rsvp", "perhaps", "--event", ref), 2, "rsvp must be one of"
    )
    bad = tmp_path / "contacts.csv"
    bad.write_text("Name,E-mail Address\nAnil,anil@example.com\nBad,nope\nAlso,\n")
    one_error_line(run("mom", "guests", "import", str(bad), "--event", ref), 2, "line 3")
    assert run("mom", "guests", "list", "--event", ref).json() == []  # nothing half-written
    one_error_line(
        run("mom", "guests", "import", str(tmp_path / "missing.csv"), "--event", ref),
        2,
        "cannot read",
    )


def test_contacts_import_and_csv_export(family, tmp_path):
    run = family
    ref = run(
        "mom", "events", "create", "--name", "Debut", "--date", "2027-06-12", "--no-checklist"
    ).json()["id"]
    contacts = tmp_path / "google.csv"
    contacts.write_text(
        "\ufeffFirst Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Group Membership\n"
        "Anil,Kumar,anil@example.com,+1 408 555 0100,* myContacts ::: Dance school\n"
        '=HYPERLINK("http://evil"),Z,evil@example.com,,\n'
        "Anil,K.,ANIL@example.com,,\n",
        encoding="utf-8",
    )
    r = run("mom", "guests", "import", str(contacts), "--event", ref)
    no_traceback(r)
    assert r.code == 0 and r.json()["added"] == 2
    assert "line 4 merged into line 2 (same email)" in r.err
    out = run("mom", "-o", "csv", "guests", "list", "--event", ref).out
    rows = list(csv.DictReader(io.StringIO(out)))
    # by name; a cell that starts like a formula is quoted with '
    assert [x["Name"] for x in rows] == ['\'=HYPERLINK("http://evil") Z', "Anil Kumar"]
    assert rows[1]["Group"] == "Dance school" and rows[1]["Phone"] == "+1 408 555 0100"
    shown = run(
        "mom", "-o", "table", "guests", "links", "--event", ref, "--base-url", "https://r.example/"
    )
    found = re.findall(r"https://r\.example/rsvp/[\w-]{32}(?![\w-])", shown.out)
    assert len(found) == 2 and len(set(found)) == 2, shown.out  # whole, one per guest
    again = run("mom", "-o", "table", "guests", "links", "--event", ref)
    assert "https://" not in again.out and "have a link already" in again.err
