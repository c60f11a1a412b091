"""The Planner contract: one set of tests, run against LocalPlanner and RemotePlanner (over a
real `arangetram serve`). Same results, same typed errors, same messages, from the right user
and from the wrong one."""

from __future__ import annotations

import json
import time
import uuid
from importlib import resources

import pytest

from arangetram_cli.core import security
from arangetram_cli.core.errors import AuthRequired, Conflict, Forbidden, Invalid, NotFound
from arangetram_cli.store.base import VendorQuery
from tests.server.support import PASSWORD, SECRET


def uniq() -> str:
    return uuid.uuid4().hex[:10]


def account(backend, kind: str = "user", name: str = "Someone"):
    p = backend.new()
    session = p.register(f"{kind}-{uniq()}@example.com", name, PASSWORD, kind)
    return p, session["user"]


def vendor_account(backend, **fields):
    p, _ = account(backend, "vendor", name=fields.get("business_name", "Vendor"))
    data = {
        "business_name": f"Studio {uniq()}",
        "category": "photographer",
        "description": "stage photos",
        "location": "Fremont, CA",
        "price_range": "$$",
        "price_estimate": "$1,000 - $2,000",
        **fields,
    }
    return p, p.create_vendor(data)


def family_with_event(backend, **fields):
    p, _ = account(backend)
    event = p.create_event(
        {"event_name": f"Recital {uniq()}", "event_date": "2027-06-12", **fields}
    )
    return p, event


# ---- auth ---------------------------------------------------------------------------------
def test_register_login_me(backend):
    email = f"Asha-{uniq()}@Example.com"
    stored = email.replace("@Example.com", "@example.com")
    p = backend.new()
    session = p.register(email, "Asha Rao", PASSWORD)
    assert set(session) == {"token", "user"}
    assert session["user"] == {
        "id": session["user"]["id"],
        "email": stored,  # as the web app stores it: the domain lowercased, not the rest
        "name": "Asha Rao",
        "user_type": "user",
    }
    assert p.token == session["token"]
    me = p.me()
    assert me["email"] == stored and me["user_type"] == "user"
    assert "password" not in me and me["created_at"]

    again = backend.new()
    logged = again.login(email, PASSWORD)
    assert logged["user"]["id"] == session["user"]["id"]
    assert again.me()["id"] == session["user"]["id"]
    payload = security.decode_token(logged["token"], SECRET)
    assert payload["user_id"] == session["user"]["id"] and payload["user_type"] == "user"

    # any letter case or width of the one account with that address logs in
    for spelling in (stored, email.upper(), email.lower(), _fullwidth(email)):
        assert backend.new().login(spelling, PASSWORD)["user"]["id"] == session["user"]["id"]
    with pytest.raises(AuthRequired, match=r"^Invalid credentials$"):
        backend.new().login(email, "wrong password!")
    with pytest.raises(AuthRequired, match=r"^Invalid credentials$"):
        backend.new().login(f"nobody-{uniq()}@example.com", PASSWORD)


def _fullwidth(text: str) -> str:
    """ASCII letters and digits as their fullwidth forms (NFKC maps them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


def test_register_refuses_duplicates_and_bad_input(backend):
    email = f"dup-{uniq()}@example.com"
    backend.new().register(email, "First", PASSWORD)
    with pytest.raises(Conflict) as e:
        backend.new().register(email.replace("example.com", "EXAMPLE.com"), "Second", PASSWORD)
    assert e.value.message == "Email already registered" and e.value.exit_code == 5
    # look-alikes of the address: another spelling of the same account
    local = email.split("@")[0]
    with pytest.raises(Conflict, match=r"^Email already registered$"):
        backend.new().register(_fullwidth(email), "Wide", PASSWORD)  # NFKC: the same address
    for twin in (
        email.upper(),
        local.replace("dup", "du\u0301p") + "@example.com",  # combining acute: dúp
        local.replace("dup", "dúp") + "@example.com",
    ):
        with pytest.raises(Conflict) as e:
            backend.new().register(twin, "Twin", PASSWORD)
        assert e.value.message.startswith("Email already registered in another spelling")
        assert e.value.exit_code == 5
    # invisible characters and mixed alphabets: refused as bad input
    for bad, why in (
        (local[:2] + "\u200b" + local[2:] + "@example.com", "U+200B ZERO WIDTH SPACE"),
        (local + "\u00ad@example.com", "U+00AD SOFT HYPHEN"),
        (local + "\u202e@example.com", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        (local[:2] + "\u200d" + local[2:] + "@example.com", "U+200D ZERO WIDTH JOINER"),
    ):
        with pytest.raises(Invalid) as e:
            backend.new().register(bad, "Hidden", PASSWORD)
        assert why in e.value.message and e.value.exit_code == 2
    with pytest.raises(Invalid, match=r"mixes Cyrillic and Latin letters"):
        backend.new().register("v\u0456ctim-" + uniq() + "@example.com", "Cyr", PASSWORD)
    with pytest.raises(Invalid) as e:
        backend.new().register("not-an-email", "X", PASSWORD)
    assert e.value.message == "email: bad email address 'not-an-email'"
    with pytest.raises(Invalid) as e:
        backend.new().register(f"p-{uniq()}@example.com", "X", "short")
    assert e.value.message == "password: password must have at least 8 characters"
    with pytest.raises(Invalid, match=r"^user_type: "):
        backend.new().register(f"g-{uniq()}@example.com", "X", PASSWORD, "guest")


def test_guest_session(backend):
    p = backend.new()
    session = p.guest("Visitor")
    assert session["user"]["user_type"] == "guest" and session["user"]["name"] == "Visitor"
    assert "email" not in session["user"]
    me = p.me()
    assert me["email"] == f"guest_{me['id'][:8]}@arangetram.local"
    assert backend.new().guest()["user"]["name"] == "Guest"


def test_tokens_missing_bad_expired_or_of_a_deleted_user(backend):
    with pytest.raises(AuthRequired) as e:
        backend.new().me()
    assert e.value.message == "Not authenticated" and e.value.exit_code == 3
    with pytest.raises(AuthRequired, match=r"^Invalid token$"):
        backend.new(token="not.a.token").me()
    forged = security.create_token(str(uuid.uuid4()), "user", "another-secret-" + "x" * 30)
    with pytest.raises(AuthRequired, match=r"^Invalid token$"):
        backend.new(token=forged).me()
    _, user = account(backend)
    expired = security.create_token(user["id"], "user", SECRET, lifetime=-60)
    with pytest.raises(AuthRequired) as e:
        backend.new(token=expired).me()
    assert e.value.message == "Token expired" and "auth login" in (e.value.hint or "")
    with pytest.raises(AuthRequired, match=r"^Token expired$"):
        backend.new(token=expired).list_events()

    p, user = account(backend)
    assert backend.store.users.delete(user["id"])
    with pytest.raises(AuthRequired, match=r"^User not found$"):
        backend.new(token=p.token).me()
    with pytest.raises(AuthRequired, match=r"^User not found$"):
        backend.new(token=p.token).list_events()


# ---- vendors ------------------------------------------------------------------------------
def test_vendor_create_rules(backend):
    family, _ = account(backend)
    with pytest.raises(Forbidden, match=r"^Only vendors can create listings$"):
        family.create_vendor({"business_name": "X", "category": "venue"})
    guest = backend.new()
    guest.guest()
    with pytest.raises(Forbidden, match=r"^Only vendors can create listings$"):
        guest.create_vendor({"business_name": "X", "category": "venue"})
    with pytest.raises(AuthRequired, match=r"^Not authenticated$"):
        backend.new().create_vendor({"business_name": "X", "category": "venue"})

    p, user = account(backend, "vendor")
    with pytest.raises(Invalid) as e:
        p.create_vendor({"business_name": "X", "category": "juggling"})
    assert e.value.message.startswith("category: unknown category 'juggling'")
    vendor = p.create_vendor(
        {
            "business_name": "Natya Hall",
            "category": "Venue",
            "location": "San Jose, CA",
            "price_range": "$$$",
            "services": ["stage", "lights"],
        }
    )
    assert vendor["user_id"] == user["id"] and vendor["category"] == "venue"
    assert vendor["rating"] == 0.0 and vendor["review_count"] == 0 and vendor["is_active"]
    assert vendor["services"] == ["stage", "lights"] and vendor["portfolio_images"] == []
    assert p.my_vendor() == vendor
    assert backend.new().get_vendor(vendor["id"]) == vendor
    with pytest.raises(Conflict) as e:
        p.create_vendor({"business_name": "Second", "category": "catering"})
    assert e.value.message == "Vendor profile already exists"
    with pytest.raises(NotFound, match=r"^No vendor profile found$"):
        family.my_vendor()


def test_vendor_update_owner_only(backend):
    owner, vendor = vendor_account(backend)
    updated = owner.update_vendor(
        None, {"price_range": "$$$", "description": "new words", "contact_phone": "555-0100"}
    )
    assert updated["price_range"] == "$$$" and updated["description"] == "new words"
    assert updated["category"] == vendor["category"] and updated["id"] == vendor["id"]
    by_ref = owner.update_vendor(vendor["id"][:8], {"is_active": False})
    assert by_ref["is_active"] is False and by_ref["contact_phone"] == "555-0100"
    assert (
        owner.update_vendor(vendor["id"], {"category": "venue"})["category"] == vendor["category"]
    )  # the category cannot change

    other, _ = vendor_account(backend)
    with pytest.raises(Forbidden, match=r"^Not authorized$"):
        other.update_vendor(vendor["id"], {"business_name": "Hijacked"})
    family, _ = account(backend)
    with pytest.raises(Forbidden, match=r"^Not authorized$"):
        family.update_vendor(vendor["id"], {"business_name": "Hijacked"})
    with pytest.raises(NotFound, match=r"^No vendor profile found$"):
        family.update_vendor(None, {"business_name": "Mine"})
    with pytest.raises(NotFound, match=r"^Vendor not found$"):
        owner.update_vendor(str(uuid.uuid4()), {"business_name": "Ghost"})
    with pytest.raises(Invalid, match=r"^price_range: bad price range"):
        owner.update_vendor(vendor["id"], {"price_range": "cheap"})
    assert backend.new().get_vendor(vendor["id"])["business_name"] == vendor["business_name"]


def test_vendor_listing_filters_and_paging(backend):
    tag = uniq()
    made = [
        vendor_account(
            backend,
            business_name=f"Alpha {tag}",
            category="venue",
            location="Fremont, CA",
            price_range="$",
        )[1],
        vendor_account(
            backend,
            business_name=f"Beta {tag}",
            category="venue",
            location="San Jose, CA",
            price_range="$$$",
        )[1],
        vendor_account(
            backend,
            business_name=f"Gamma {tag}",
            category="catering",
            location="Fremont, CA",
            price_range="$$",
        )[1],
    ]
    paused_owner, paused = vendor_account(backend, business_name=f"Delta {tag}", category="venue")
    paused_owner.update_vendor(None, {"is_active": False})
    reader = backend.new()

    page = reader.list_vendors(VendorQuery(search=tag.upper()))
    assert [v["business_name"] for v in page.items] == [
        f"Alpha {tag}",
        f"Beta {tag}",
        f"Gamma {tag}",
    ]
    assert page.total == 3 and page.notes == []
    first = reader.list_vendors(VendorQuery(search=tag), offset=0, limit=2)
    rest = reader.list_vendors(VendorQuery(search=tag), offset=2, limit=2)
    assert len(first.items) == 2 and first.total == 3
    assert [v["id"] for v in first.items + rest.items] == [v["id"] for v in made]
    assert rest.total == 3 and rest.offset == 2

    def names(**kw):
        return [
            v["business_name"].split()[0]
            for v in reader.list_vendors(VendorQuery(search=tag, **kw)).items
        ]

    assert names(category="venue") == ["Alpha", "Beta"]
    assert names(location="fremont") == ["Alpha", "Gamma"]
    assert names(price_range="$$") == ["Gamma"]
    assert names(max_price_range="$$") == ["Alpha", "Gamma"]
    assert names(active_only=False) == ["Alpha", "Beta", "Delta", "Gamma"]
    assert [v["id"] for v in reader.iter_vendors(VendorQuery(search=tag))] == [
        v["id"] for v in made
    ]
    for nasty in ("[", "(a+)+$", "%", "_", '"', "a" * 30 + "!"):
        started = time.monotonic()
        assert reader.list_vendors(VendorQuery(search=nasty + tag)).items == []
        assert time.monotonic() - started < 2
    assert paused["id"] not in [v["id"] for v in reader.list_vendors(VendorQuery(search=tag)).items]


def test_vendor_references(backend):
    name = f"Kalai Arts {uniq()}"
    _, vendor = vendor_account(backend, business_name=name)
    reader = backend.new()
    assert reader.get_vendor(vendor["id"]) == vendor
    assert reader.get_vendor(vendor["id"][:8]) == vendor
    assert reader.get_vendor(name.upper()) == vendor
    with pytest.raises(NotFound, match=r"^Vendor not found$"):
        reader.get_vendor(str(uuid.uuid4()))
    with pytest.raises(NotFound, match=r"^Vendor not found$"):
        reader.get_vendor(f"no such vendor {uniq()}")
    twin = f"Twin Studio {uniq()}"
    # twins: the same name in different places (a twin in the same place is refused)
    _, a = vendor_account(backend, business_name=twin, location="Fremont, CA")
    _, b = vendor_account(backend, business_name=twin, location="San Jose, CA")
    with pytest.raises(Invalid) as e:
        reader.get_vendor(twin.upper())
    first, second = sorted([a, b], key=lambda v: v["id"])
    assert e.value.message == (
        f"2 vendors are named '{twin.upper()}': {first['id'][:8]} ({first['location']}), "
        f"{second['id'][:8]} ({second['location']})"
    )
    assert e.value.exit_code == 2
    assert reader.get_vendor(a["id"][:8])["id"] == a["id"]  # a listed short id resolves


def test_a_vendor_cannot_take_another_active_vendors_name_in_its_place(backend):
    name = f"Natya Hall {uniq()}"
    owner, original = vendor_account(backend, business_name=name, category="venue")
    with pytest.raises(Conflict) as e:  # create: same category, place; other letter case
        vendor_account(
            backend, business_name=name.upper(), category="venue", location="fremont, ca"
        )
    assert e.value.exit_code == 5
    assert e.value.message == (
        f"another venue vendor in Fremont, CA is already named '{name}' ({original['id'][:8]})"
    )
    impostor, mine = vendor_account(backend, business_name=f"Kala {uniq()}", category="venue")
    with pytest.raises(Conflict, match=r"^another venue vendor in Fremont, CA is already named"):
        impostor.update_vendor(None, {"business_name": f"  {name.lower()} "})
    reader = backend.new()
    assert reader.get_vendor(name)["id"] == original["id"]  # look-ups of the original work
    # elsewhere, or in another category, the name is free; so is a paused original's
    moved = impostor.update_vendor(None, {"business_name": name, "location": "San Jose, CA"})
    assert moved["business_name"] == name and moved["location"] == "San Jose, CA"
    with pytest.raises(Conflict):  # moving into the original's place with that name
        impostor.update_vendor(None, {"location": "Fremont, CA"})
    _, caterer = vendor_account(backend, business_name=name, category="catering")
    assert caterer["business_name"] == name
    assert impostor.update_vendor(None, {"price_range": "$$$"})["price_range"] == "$$$"
    assert reader.get_vendor(mine["id"])["location"] == "San Jose, CA"  # refusals wrote nothing
    owner.update_vendor(None, {"is_active": False})
    assert impostor.update_vendor(None, {"location": "Fremont, CA"})["location"] == "Fremont, CA"
    with pytest.raises(Conflict, match=rf"already named '{name}' \({mine['id'][:8]}\)$"):
        owner.update_vendor(None, {"is_active": True})  # back next to a twin: rename first


def test_categories(backend):
    cats = backend.new().categories()
    assert [c["id"] for c in cats] == [
        "venue",
        "catering",
        "photographer",
        "videographer",
        "decorations",
        "musicians",
    ]
    assert cats[0]["name"] == "Venues" and set(cats[0]) == {"id", "name", "icon", "description"}


# ---- events -------------------------------------------------------------------------------
def test_events_crud(backend):
    p, user = account(backend)
    event = p.create_event(
        {
            "event_name": "Meera's Arangetram",
            "event_date": "2027-06-12",
            "guest_count": 300,
            "budget": "$$$",
        }
    )
    assert event["user_id"] == user["id"] and event["selected_vendors"] == []
    assert event["status"] == "planning" and event["location_preference"] == "Bay Area"
    assert event["event_time"] == "" and event["special_requirements"] == ""
    second = p.create_event({"event_name": "Rehearsal", "event_date": "2027-06-10"})
    page = p.list_events()
    assert [e["id"] for e in page.items] == [second["id"], event["id"]] and page.total == 2
    assert p.list_events(offset=1, limit=1).items[0]["id"] == event["id"]
    assert p.get_event(event["id"]) == event
    assert p.get_event(event["id"][:8]) == event

    updated = p.update_event(
        event["id"][:10], {"guest_count": 350, "status": "confirmed", "event_time": "5:30 PM"}
    )
    assert updated["guest_count"] == 350 and updated["status"] == "confirmed"
    assert updated["event_name"] == event["event_name"]
    with pytest.raises(
        Invalid, match=r"^status: Input should be 'planning', 'confirmed' or 'completed'$"
    ):
        p.update_event(event["id"], {"status": "done"})
    with pytest.raises(Invalid, match=r"^event_date: bad date '12/06/2027'"):
        p.create_event({"event_name": "X", "event_date": "12/06/2027"})
    with pytest.raises(Invalid, match=r"^guest_count: "):
        p.create_event({"event_name": "X", "event_date": "2027-01-01", "guest_count": 0})

    stranger, _ = account(backend)
    # someone else's event is "not found" exactly like one that does not exist
    for ref in (event["id"], event["id"][:8], event["id"][:4].upper(), str(uuid.uuid4())):
        with pytest.raises(NotFound, match=r"^Event not found$"):
            stranger.get_event(ref)
        with pytest.raises(NotFound, match=r"^Event not found$"):
            stranger.update_event(ref, {"event_name": "Mine now"})
    assert stranger.list_events().items == []
    with pytest.raises(NotFound, match=r"^Event not found$"):
        p.get_event(str(uuid.uuid4()))
    with pytest.raises(AuthRequired, match=r"^Not authenticated$"):
        backend.new().create_event({"event_name": "X", "event_date": "2027-01-01"})
    assert p.get_event(event["id"])["guest_count"] == 350


def test_event_vendors_add_and_remove(backend):
    p, event = family_with_event(backend)
    _, v1 = vendor_account(backend)
    _, v2 = vendor_account(backend)
    after = p.add_event_vendor(event["id"], v1["id"])
    assert after["selected_vendors"] == [v1["id"]]
    assert p.add_event_vendor(event["id"][:8], v1["id"])["selected_vendors"] == [v1["id"]]
    after = p.add_event_vendor(event["id"], v2["business_name"])
    assert after["selected_vendors"] == [v1["id"], v2["id"]]
    assert [v["id"] for v in p.event_vendors(after)] == [v1["id"], v2["id"]]
    with pytest.raises(NotFound, match=r"^Vendor not found$"):
        p.add_event_vendor(event["id"], str(uuid.uuid4()))
    with pytest.raises(NotFound, match=r"^Event not found$"):
        p.add_event_vendor(str(uuid.uuid4()), v1["id"])

    stranger, _ = account(backend)
    with pytest.raises(NotFound, match=r"^Event not found$"):
        stranger.add_event_vendor(event["id"], v1["id"])
    with pytest.raises(NotFound, match=r"^Event not found$"):
        stranger.remove_event_vendor(event["id"][:8], v1["id"])

    after = p.remove_event_vendor(event["id"], v1["id"])
    assert after["selected_vendors"] == [v2["id"]]
    assert p.remove_event_vendor(event["id"], v1["id"])["selected_vendors"] == [v2["id"]]
    assert p.update_event(event["id"], {"selected_vendors": [v1["id"], v1["id"]]})[
        "selected_vendors"
    ] == [v1["id"]]


# ---- bookings -----------------------------------------------------------------------------
def test_bookings_flow(backend):
    family, event = family_with_event(backend, guest_count=250)
    vendor, profile = vendor_account(backend)

    booking = family.create_booking(event["id"][:8], profile["business_name"], "Are you free?")
    assert booking["status"] == "pending" and booking["message"] == "Are you free?"
    assert booking["event_id"] == event["id"] and booking["vendor_id"] == profile["id"]
    assert booking["event_date"] == event["event_date"]
    assert booking["user_id"] == family.me()["id"]
    assert booking["created_at"] == booking["updated_at"]
    with pytest.raises(Conflict, match=r"^a pending request to this vendor exists already"):
        family.create_booking(event["id"], profile["id"])

    stranger, _ = account(backend)
    with pytest.raises(NotFound, match=r"^Event not found$"):  # the web app forgot this
        stranger.create_booking(event["id"], profile["id"])
    with pytest.raises(NotFound, match=r"^Event not found$"):
        family.create_booking(str(uuid.uuid4()), profile["id"])
    with pytest.raises(NotFound, match=r"^Vendor not found$"):
        family.create_booking(event["id"], str(uuid.uuid4()))

    mine = family.list_bookings()
    assert [b["id"] for b in mine] == [booking["id"]]
    assert mine[0]["vendor"]["id"] == profile["id"] and mine[0]["event"]["id"] == event["id"]
    assert stranger.list_bookings() == []

    incoming = vendor.list_vendor_bookings()
    assert [b["id"] for b in incoming] == [booking["id"]]
    assert incoming[0]["user"]["id"] == booking["user_id"]
    assert "password" not in incoming[0]["user"]
    assert incoming[0]["event"]["guest_count"] == 250
    with pytest.raises(NotFound, match=r"^Vendor profile not found$"):
        family.list_vendor_bookings()

    other_vendor, _ = vendor_account(backend)
    with pytest.raises(NotFound, match=r"^Booking not found$"):  # not a party to it
        other_vendor.respond_booking(booking["id"], "accepted")
    with pytest.raises(Forbidden, match=r"^Not authorized$"):  # a party, not the vendor
        family.respond_booking(booking["id"], "accepted")
    with pytest.raises(Invalid, match=r"^status: Input should be 'accepted' or 'declined'$"):
        vendor.respond_booking(booking["id"], "maybe")
    with pytest.raises(NotFound, match=r"^Booking not found$"):
        vendor.respond_booking(str(uuid.uuid4()), "accepted")

    answered = vendor.respond_booking(booking["id"][:8], "accepted", "See you there")
    assert answered["status"] == "accepted" and answered["response_message"] == "See you there"
    assert (
        answered["message"] == "Are you free?" and answered["updated_at"] >= booking["updated_at"]
    )
    with pytest.raises(Conflict, match=r"^Booking is already accepted; only pending"):
        vendor.respond_booking(booking["id"], "declined")
    assert family.list_bookings()[0]["status"] == "accepted"

    # answered: a new request may go out; declining keeps the message
    again = family.create_booking(event["id"], profile["id"])
    declined = vendor.respond_booking(again["id"], "declined")
    assert declined["status"] == "declined" and "response_message" not in declined

    vendor.update_vendor(None, {"is_active": False})
    with pytest.raises(Conflict, match=r"is not taking bookings$"):
        family.create_booking(event["id"], profile["id"])


# ---- catalog ------------------------------------------------------------------------------
def test_seed_demo_catalog(backend):
    catalog = json.loads(
        resources.files("arangetram_cli.core").joinpath("demo_catalog.json").read_text("utf-8")
    )
    p = backend.new()
    first = p.seed_demo()
    assert first["vendor_count"] >= len(catalog)
    second = p.seed_demo()
    assert second == {
        "message": "Database already seeded",
        "vendor_count": second["vendor_count"],
        "added": 0,
    }
    assert p.seed_demo(only_if_empty=True)["added"] == 0
    vendor = backend.new().get_vendor(catalog[0]["id"])
    assert vendor["user_id"] == "system" and vendor["business_name"] == catalog[0]["business_name"]
