"""The CLI's Mongo adapter and the web app on one database.

The contract double runs in this process (uvicorn on 127.0.0.1, in a thread) over the same
mongomock_ng client as the MongoStore under test, so both really read and write the same
documents: what the web app wrote (through its HTTP API, as its front end would) is used by
LocalPlanner over MongoStore, and what LocalPlanner wrote is served by the web app. Both sign
tokens with one JWT_SECRET, so a login on one side is good on the other."""

from __future__ import annotations

import uuid

import httpx
import pytest

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.base import VendorQuery
from tests.compat.webapp_double import DoubleServer
from tests.server.support import PASSWORD, SECRET

pytestmark = [pytest.mark.service, pytest.mark.mongo]

# The contract's document fields (shared/api-contract.md, "Documents").
USER = {"id", "email", "name", "user_type", "created_at"}
VENDOR = {
    "id", "user_id", "business_name", "category", "description", "location", "price_range",
    "price_estimate", "services", "portfolio_images", "contact_phone", "contact_email",
    "rating", "review_count", "is_active", "created_at",
}  # fmt: skip
EVENT = {
    "id", "user_id", "event_name", "event_date", "event_time", "guest_count", "budget",
    "location_preference", "special_requirements", "selected_vendors", "status", "created_at",
}  # fmt: skip
BOOKING = {
    "id", "event_id", "vendor_id", "user_id", "message", "event_date", "status", "created_at",
    "updated_at",
}  # fmt: skip


@pytest.fixture
def shared(env):
    """(the web app's base URL, a LocalPlanner factory over the same database)."""
    import warnings

    import mongomock_ng

    from arangetram_cli.planner.local import LocalPlanner
    from arangetram_cli.store.mongo import MongoStore

    warnings.filterwarnings("ignore", message=".*no-op in mongomock-ng", category=UserWarning)
    client = mongomock_ng.MongoClient()
    store = MongoStore("mongodb://localhost/", "arangetram", client=client)
    web = DoubleServer(client["arangetram"], SECRET).start()

    def planner(token: str | None = None) -> LocalPlanner:
        return LocalPlanner(store, SECRET, token=token)

    try:
        yield web.url, planner
    finally:
        web.stop()
        store.close()


def api(base: str, method: str, path: str, token: str | None = None, **kw) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{base}/api{path}", headers=headers, timeout=10, **kw)


def ok(r: httpx.Response) -> dict | list:
    assert r.status_code == 200, (r.status_code, r.text)
    return r.json()


def test_the_cli_works_on_what_the_web_app_wrote(shared):
    base, planner = shared
    t = uuid.uuid4().hex[:8]
    # The web front end's writes.
    family = ok(api(base, "POST", "/auth/register", json={
        "email": f"Web.Family.{t}@Example.COM", "name": "Rao", "password": PASSWORD}))  # fmt: skip
    studio = ok(api(base, "POST", "/auth/register", json={
        "email": f"studio.{t}@example.com", "name": "Studio", "password": PASSWORD,
        "user_type": "vendor"}))  # fmt: skip
    vendor = ok(api(base, "POST", "/vendors", studio["token"], json={
        "business_name": f"Natya Hall ({t})", "category": "venue", "description": "400 seats",
        "location": "Fremont, CA", "price_range": "$$", "price_estimate": "$2,000"}))  # fmt: skip
    event = ok(api(base, "POST", "/events", family["token"], json={
        "event_name": "Meera's Arangetram", "event_date": "2027-06-12"}))  # fmt: skip
    ok(api(base, "POST", f"/events/{event['id']}/vendors/{vendor['id']}", family["token"]))
    booking = ok(api(base, "POST", "/bookings", family["token"], json={
        "event_id": event["id"], "vendor_id": vendor["id"], "message": "Free?"}))  # fmt: skip

    # The CLI's Mongo adapter: the same account (bcrypt hash and address as the web app
    # stored them), the web app's own token (float exp, shared JWT_SECRET).
    stored_email = f"Web.Family.{t}@example.com"
    session = planner().login(stored_email, PASSWORD)
    assert session["user"]["id"] == family["user"]["id"]
    me = planner(family["token"]).me()
    assert me["email"] == stored_email and "password" not in me

    cli = planner(family["token"])
    assert [e["id"] for e in cli.list_events().items] == [event["id"]]
    assert cli.get_event(event["id"][:8])["selected_vendors"] == [vendor["id"]]
    assert [v["id"] for v in cli.event_vendors(cli.get_event(event["id"]))] == [vendor["id"]]
    (mine,) = cli.list_bookings()
    assert mine["id"] == booking["id"] and mine["vendor"]["id"] == vendor["id"]
    assert mine["event"]["id"] == event["id"]
    with pytest.raises(Conflict, match="pending request"):
        cli.create_booking(event["id"], vendor["id"])  # the web app's request counts
    found = cli.list_vendors(VendorQuery(search=f"Hall ({t})")).items
    assert [v["id"] for v in found] == [vendor["id"]]
    assert cli.get_vendor(f"natya hall ({t})")["id"] == vendor["id"]

    owner = planner(studio["token"])
    (request,) = owner.list_vendor_bookings()
    assert request["user"]["id"] == family["user"]["id"] and "password" not in request["user"]
    answered = owner.respond_booking(booking["id"][:8], "accepted", "See you there")
    assert answered["status"] == "accepted"

    # ...and the web app sees the CLI's answer, in the contract's shape.
    (seen,) = ok(api(base, "GET", "/bookings/user", family["token"]))
    assert seen["status"] == "accepted" and set(seen) >= BOOKING and "_id" not in seen
    assert set(seen["vendor"]) >= VENDOR and set(seen["event"]) >= EVENT


def test_the_web_app_works_on_what_the_cli_wrote(shared):
    base, planner = shared
    t = uuid.uuid4().hex[:8]
    family_email, studio_email = f"cli.family.{t}@example.com", f"cli.studio.{t}@example.com"
    cli = planner()
    family = cli.register(family_email, "Iyer", PASSWORD)
    owner = planner()
    owner.register(studio_email, "Laya", PASSWORD, "vendor")
    vendor = owner.create_vendor({
        "business_name": f"Laya Ensemble {t}", "category": "musicians",
        "location": "San Jose, CA", "price_range": "$$", "price_estimate": "$1,800"})  # fmt: skip
    event = cli.create_event({"event_name": "Debut", "event_date": "2027-09-04",
                              "guest_count": 250})  # fmt: skip
    cli.add_event_vendor(event["id"], vendor["id"])
    booking = cli.create_booking(event["id"][:8], vendor["business_name"], "Is 4 Sept free?")

    # The web app logs the CLI's users in (bcrypt hashes agree) and takes its tokens.
    login = ok(api(base, "POST", "/auth/login", json={"email": family_email,
                                                      "password": PASSWORD}))  # fmt: skip
    assert login["user"]["id"] == family["user"]["id"]
    me = ok(api(base, "GET", "/auth/me", family["token"]))  # the CLI's token, shared secret
    assert set(me) >= USER and "password" not in me and "_id" not in me

    events = ok(api(base, "GET", "/events", family["token"]))
    assert [e["id"] for e in events] == [event["id"]]
    assert set(events[0]) >= EVENT and events[0]["selected_vendors"] == [vendor["id"]]
    assert events[0]["guest_count"] == 250
    listed = ok(api(base, "GET", "/vendors", params={"search": f"Laya Ensemble {t}"}))
    assert [v["id"] for v in listed] == [vendor["id"]] and set(listed[0]) >= VENDOR
    assert ok(api(base, "GET", "/vendors/my/profile", owner.token))["id"] == vendor["id"]

    (mine,) = ok(api(base, "GET", "/bookings/user", family["token"]))
    assert mine["id"] == booking["id"] and set(mine) >= BOOKING
    assert mine["vendor"]["id"] == vendor["id"] and mine["event"]["id"] == event["id"]
    (request,) = ok(api(base, "GET", "/bookings/vendor", owner.token))
    assert request["user"]["email"] == family_email and "password" not in request["user"]

    # The vendor answers on the web; the CLI sees it, history and all.
    ok(api(base, "PUT", f"/bookings/{booking['id']}", owner.token, json={"status": "declined"}))
    shown = planner(family["token"]).get_booking(booking["id"])
    assert shown["status"] == "declined"
    assert [h["to"] for h in shown["history"]][:1] == ["pending"]
