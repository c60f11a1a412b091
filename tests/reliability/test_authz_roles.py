"""The authorization matrix of planning together: every event-scoped command and endpoint,
times every part a caller can have in an event (owner, planner, viewer, former member,
stranger), in local mode, remote mode (the CLI through `arangetram serve`) and plain HTTP.

The rule (core/policy.py, one place): the owner may do everything; a planner changes the
event, its vendors, tasks, budget and guests and sends booking requests; a viewer reads it
all and gets 3/403 "viewers can't change this event" for any change (the event is visible to
it, so 403 is no oracle); a former member and a stranger get 4/404, like an event that does
not exist. A refused action commits nothing, and the event's id never reaches someone who
may not see it. It reuses test_authz_matrix.py's runners and checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.test_authz_matrix import (
    BCRYPT,
    JWT_LIKE,
    NO_BODY,
    Action,
    Watch,
    World,
    first_error,
    is_refusal,
    parse_matrix,
    run_cli,
    run_http,
)
from tests.server.support import SECRET, Served, serve_env, start_serve

pytestmark = pytest.mark.reliability

ROLES = ("owner", "plnr", "viewr", "exmbr", "strgr")
R, C, B, S = "0/200 0/200 0/200 4/404 4/404", "0/200 0/200 3/403 4/404 4/404", "", ""
# fmt: off
MATRIX = f"""
action               owner plnr  viewr exmbr strgr
events.show          {R}
events.list          0/200 0/200 0/200 0/200 0/200
events.update        {C}
events.add-vendor    {C}
events.remove-vendor {C}
events.members       {R}
events.share         0/200 3/403 3/403 4/404 4/404
events.unshare       0/200 3/403 3/403 4/404 4/404
events.transfer      0/200 3/403 3/403 4/404 4/404
events.leave         5/409 0/200 0/200 4/404 4/404
events.rsvp-note     {C}
events.plan          {R}
events.export        {R}
events.calendar      {R}
tasks.list           {R}
tasks.add            {C}
tasks.assign         {C}
tasks.done           {C}
tasks.remove         {C}
budget.show          {R}
budget.add           {C}
budget.set           {C}
guests.list          {R}
guests.add           {C}
guests.update        {C}
guests.remove        {C}
guests.import        {C}
guests.links         {C}
bookings.create      {C}
bookings.list        0/200 0/200 0/200 0/200 0/200
bookings.show        {R}
bookings.cancel      {C}
"""
# fmt: on
SEES_EVENT = {"owner", "plnr", "viewr"}


def build_world(store: Any) -> World:
    from arangetram_cli.core.models import new_id, now_iso
    from arangetram_cli.core.security import create_token, hash_password
    from arangetram_cli.planner.local import LocalPlanner

    tag = uuid.uuid4().hex[:10]
    pw = _hash(hash_password)

    def account(name: str, kind: str = "user") -> dict[str, Any]:
        user = {
            "id": new_id(),
            "email": f"{name}-{tag}@example.com",
            "name": name.title(),
            "password": pw,
            "user_type": kind,
            "created_at": now_iso(),
        }
        store.users.insert(user)
        return {"token": create_token(user["id"], kind, SECRET), "user": user}

    people = {r: account(r) for r in ROLES}
    extra, vendor = account("extra"), account("vendor", "vendor")
    hall = LocalPlanner(store, SECRET, token=vendor["token"]).create_vendor(
        {
            "business_name": f"Hall {tag}",
            "category": "venue",
            "location": "Fremont, CA",
            "price_range": "$$",
        }
    )
    owner = LocalPlanner(store, SECRET, token=people["owner"]["token"])
    event = owner.create_event({"event_name": f"Debut {tag}", "event_date": "2027-06-12"})
    owner.add_event_vendor(event["id"], hall["id"])
    task = owner.add_task(event["id"], {"title": f"Book the hall {tag}"})
    guest = owner.add_guest(event["id"], {"name": f"The Raos {tag}"})
    musicians = account("musicians", "vendor")
    band = LocalPlanner(store, SECRET, token=musicians["token"]).create_vendor(
        {
            "business_name": f"Orchestra {tag}",
            "category": "musicians",
            "location": "Fremont, CA",
            "price_range": "$$",
        }
    )
    booking = owner.create_booking(event["id"], band["id"], "Free on 12 June?")
    for role, as_ in (("plnr", "planner"), ("viewr", "viewer"), ("exmbr", "planner")):
        owner.share_event(event["id"], people[role]["user"]["email"], as_)
    owner.unshare_event(event["id"], people["exmbr"]["user"]["email"])
    owner.share_event(event["id"], extra["user"]["email"], "viewer")
    ids = {
        "event": event["id"],
        "task": task["id"],
        "guest": guest["id"],
        "hall": hall["id"],
        "booking": booking["id"],
        "extra": extra["user"]["email"],
        "plnr_email": people["plnr"]["user"]["email"],
        "owner_id": people["owner"]["user"]["id"],
    }
    tokens: dict[str, str | None] = {r: people[r]["token"] for r in ROLES}
    return World(ids, tokens, tag, {"event": event["id"]})


_HASH: list[str] = []


def _hash(fn: Any) -> str:
    if not _HASH:
        _HASH.append(fn("correct horse battery"))
    return _HASH[0]


def _ev(w: World) -> str:
    return f"/api/v1/events/{w.ids['event']}"


def _e(w: World) -> list[str]:
    return ["--event", w.ids["event"]]


ACTIONS = [
    Action(
        "events.show",
        cli=lambda w, t: (["events", "show", w.ids["event"]], None),
        http=lambda w: ("GET", f"/api/events/{w.ids['event']}", NO_BODY),
    ),
    Action(
        "events.list",
        cli=lambda w, t: (["events", "list"], None),
        http=lambda w: ("GET", "/api/v1/events", NO_BODY),
    ),
    Action(
        "events.update",
        cli=lambda w, t: (["events", "update", w.ids["event"], "--guests", "250"], None),
        http=lambda w: ("PUT", f"/api/events/{w.ids['event']}", {"guest_count": 250}),
    ),
    Action(
        "events.add-vendor",
        cli=lambda w, t: (["events", "add-vendor", w.ids["event"], w.ids["hall"]], None),
        http=lambda w: ("POST", f"/api/events/{w.ids['event']}/vendors/{w.ids['hall']}", NO_BODY),
    ),
    Action(
        "events.remove-vendor",
        cli=lambda w, t: (["events", "remove-vendor", w.ids["event"], w.ids["hall"]], None),
        http=lambda w: ("DELETE", f"/api/events/{w.ids['event']}/vendors/{w.ids['hall']}", NO_BODY),
    ),
    Action(
        "events.members",
        cli=lambda w, t: (["events", "members", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ev(w)}/members", NO_BODY),
    ),
    Action(
        "events.share",
        cli=lambda w, t: (
            ["events", "share", w.ids["event"], w.ids["extra"], "--role", "planner"],
            None,
        ),
        http=lambda w: ("POST", f"{_ev(w)}/members", {"email": w.ids["extra"], "role": "planner"}),
    ),
    Action(
        "events.unshare",
        cli=lambda w, t: (["events", "unshare", w.ids["event"], w.ids["extra"]], None),
        http=lambda w: ("DELETE", f"{_ev(w)}/members/{w.ids['extra']}", NO_BODY),
    ),
    Action(
        "events.transfer",
        cli=lambda w, t: (["events", "transfer", w.ids["event"], w.ids["extra"]], None),
        http=lambda w: ("POST", f"{_ev(w)}/transfer", {"email": w.ids["extra"]}),
    ),
    Action(
        "events.leave",
        cli=lambda w, t: (["events", "leave", w.ids["event"]], None),
        http=lambda w: ("POST", f"{_ev(w)}/leave", NO_BODY),
    ),
    Action(
        "events.rsvp-note",
        cli=lambda w, t: (["events", "rsvp-note", w.ids["event"], "Lunch after"], None),
        http=lambda w: ("PUT", f"{_ev(w)}/rsvp-note", {"note": "Lunch after"}),
    ),
    Action(
        "events.plan",
        cli=lambda w, t: (["events", "plan", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ev(w)}/plan", NO_BODY),
    ),
    Action(
        "events.export",
        cli=lambda w, t: (["events", "export", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ev(w)}/export", NO_BODY),
    ),
    Action(
        "events.calendar",
        cli=lambda w, t: (["events", "calendar", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ev(w)}/calendar.ics", NO_BODY),
    ),
    Action(
        "tasks.list",
        cli=lambda w, t: (["tasks", "list", *_e(w)], None),
        http=lambda w: ("GET", f"{_ev(w)}/tasks", NO_BODY),
    ),
    Action(
        "tasks.add",
        cli=lambda w, t: (["tasks", "add", "Flowers", *_e(w)], None),
        http=lambda w: ("POST", f"{_ev(w)}/tasks", {"title": "Flowers"}),
    ),
    Action(
        "tasks.assign",
        cli=lambda w, t: (
            ["tasks", "update", w.ids["task"], "--assign", w.ids["plnr_email"], *_e(w)],
            None,
        ),
        http=lambda w: ("PUT", f"{_ev(w)}/tasks/{w.ids['task']}", {"assign": w.ids["plnr_email"]}),
    ),
    Action(
        "tasks.done",
        cli=lambda w, t: (["tasks", "done", w.ids["task"], *_e(w)], None),
        http=lambda w: ("PUT", f"{_ev(w)}/tasks/{w.ids['task']}", {"status": "done"}),
    ),
    Action(
        "tasks.remove",
        cli=lambda w, t: (["tasks", "remove", w.ids["task"], *_e(w)], None),
        http=lambda w: ("DELETE", f"{_ev(w)}/tasks/{w.ids['task']}", NO_BODY),
    ),
    Action(
        "budget.show",
        cli=lambda w, t: (["budget", "show", *_e(w)], None),
        http=lambda w: ("GET", f"{_ev(w)}/budget", NO_BODY),
    ),
    Action(
        "budget.add",
        cli=lambda w, t: (["budget", "add", "Gifts", "--estimate", "50", *_e(w)], None),
        http=lambda w: ("POST", f"{_ev(w)}/budget/items", {"name": "Gifts", "estimate": 5000}),
    ),
    Action(
        "budget.set",
        cli=lambda w, t: (["budget", "set", "25000", *_e(w)], None),
        http=lambda w: ("PUT", f"{_ev(w)}/budget", {"amount": 2500000}),
    ),
    Action(
        "guests.list",
        cli=lambda w, t: (["guests", "list", *_e(w)], None),
        http=lambda w: ("GET", f"{_ev(w)}/guests", NO_BODY),
    ),
    Action(
        "guests.add",
        cli=lambda w, t: (["guests", "add", "Meena", *_e(w)], None),
        http=lambda w: ("POST", f"{_ev(w)}/guests", {"name": "Meena"}),
    ),
    Action(
        "guests.update",
        cli=lambda w, t: (["guests", "update", w.ids["guest"], "--party", "3", *_e(w)], None),
        http=lambda w: ("PUT", f"{_ev(w)}/guests/{w.ids['guest']}", {"party": 3}),
    ),
    Action(
        "guests.remove",
        cli=lambda w, t: (["guests", "remove", w.ids["guest"], *_e(w)], None),
        http=lambda w: ("DELETE", f"{_ev(w)}/guests/{w.ids['guest']}", NO_BODY),
    ),
    Action(
        "guests.import",
        cli=lambda w, t: (["guests", "import", "-", *_e(w)], "Name\nAnil\n"),
        http=lambda w: ("POST", f"{_ev(w)}/guests/import", {"csv": "Name\nAnil\n"}),
    ),
    Action(
        "guests.links",
        cli=lambda w, t: (["guests", "links", "--base-url", "https://r.example", *_e(w)], None),
        http=lambda w: ("POST", f"{_ev(w)}/guests/links", {}),
    ),
    Action(
        "bookings.create",
        cli=lambda w, t: (
            ["bookings", "create", "--event", w.ids["event"], "--vendor", w.ids["hall"]],
            None,
        ),
        http=lambda w: (
            "POST",
            "/api/bookings",
            {"event_id": w.ids["event"], "vendor_id": w.ids["hall"], "message": "Free?"},
        ),
    ),
    Action(
        "bookings.show",
        cli=lambda w, t: (["bookings", "show", w.ids["booking"]], None),
        http=lambda w: ("GET", f"/api/v1/bookings/{w.ids['booking']}", NO_BODY),
    ),
    Action(
        "bookings.cancel",
        cli=lambda w, t: (["bookings", "cancel", w.ids["booking"]], None),
        http=lambda w: ("POST", f"/api/v1/bookings/{w.ids['booking']}/cancel", {"reason": ""}),
    ),
    Action(
        "bookings.list",
        cli=lambda w, t: (["bookings", "list"], None),
        http=lambda w: ("GET", "/api/bookings/user", NO_BODY),
    ),
]
EXPECTED: dict[str, dict[str, Any]] = {}
BY_NAME = {a.name: a for a in ACTIONS}
MODES = ("local", "remote", "http")


def _parse() -> None:
    import tests.reliability.test_authz_matrix as m

    saved = m.ACTORS
    m.ACTORS = ROLES  # parse_matrix checks the header against the module's ACTORS
    try:
        EXPECTED.update(parse_matrix(MATRIX))
    finally:
        m.ACTORS = saved


_parse()


def want(action: str, role: str, mode: str) -> int | None:
    e = EXPECTED[action][role]
    return e.status if mode == "http" else e.exit


def test_roles_matrix_and_actions_agree():
    assert sorted(EXPECTED) == sorted(BY_NAME)


@pytest.fixture(scope="module")
def roles_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("roles-serve")
    s = start_serve(tmp, env=serve_env(tmp))
    try:
        yield s
    finally:
        s.stop()


def cases() -> Iterator[Any]:
    for mode in MODES:
        for a in ACTIONS:
            marks = [pytest.mark.service] if mode != "local" else []
            yield pytest.param(mode, a.name, id=f"{mode}-{a.name}", marks=marks)


@pytest.mark.parametrize(("mode", "action_name"), list(cases()))
def test_role_authorization(mode: str, action_name: str, request, env, tmp_path: Path) -> None:
    from arangetram_cli.store.sqlite import SqliteStore

    action = BY_NAME[action_name]
    if mode == "local":
        db = tmp_path / "roles.db"
        extra: dict[str, str | None] = {"ARANGETRAM_DB": str(db), "JWT_SECRET": SECRET}
        client = None
    else:
        srv: Served = request.getfixturevalue("roles_served")
        db = srv.db_path
        certs = tmp_path / "no-certs"
        certs.mkdir()
        extra = {"JWT_SECRET": SECRET, "SSL_CERT_DIR": str(certs), "SSL_CERT_FILE": None}
        client = httpx.Client(base_url=srv.url, timeout=30) if mode == "http" else None
    store = SqliteStore(db)
    surprises: list[str] = []
    watch = None
    try:
        for role in ROLES:
            expected = want(action_name, role, mode)
            w = build_world(store)
            watch = watch or Watch(db)
            before = watch.mark()
            token = w.tokens[role]
            if mode == "http":
                assert client is not None
                got = run_http(client, w, action, token)
            else:
                args, stdin = action.cli(w, tmp_path)  # type: ignore[misc]
                if mode == "remote":
                    args = ["--api-url", srv.url, *args]
                got = run_cli(args, stdin, token, extra)
            problems = []
            if got.code != expected:
                problems.append(f"expected {expected}, got {got.code}")
            if is_refusal(mode, got.code):
                changed = watch.changes(before)
                if changed:
                    problems.append(f"refused but the store changed ({changed})")
                if role == "viewr" and "viewers can't change this event" not in got.err:
                    problems.append("a viewer's refusal does not say why")
            if role not in SEES_EVENT and w.private["event"] in got.text:
                problems.append("output shows the event's id")
            if BCRYPT.search(got.text):
                problems.append("output shows a bcrypt hash")
            if mode != "http" and (JWT_LIKE.search(got.text) or "Traceback" in got.text):
                problems.append("the CLI printed a token or a traceback")
            event = store.events.get(w.ids["event"]) or {}
            if action_name != "events.transfer" and event.get("user_id") != w.ids["owner_id"]:
                problems.append("the event changed owner")
            if problems:
                detail = got.err if mode == "http" else first_error(got.err)
                surprises.append(
                    f"  {action_name:<20} {role:<6} {mode:<7} {'; '.join(problems)}  [{detail}]"
                )
    finally:
        if watch is not None:
            watch.close()
        if client is not None:
            client.close()
        store.close()
    assert not surprises, "authorization surprises:\n" + "\n".join(surprises)
