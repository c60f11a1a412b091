"""Look-ups that help (issue 13 item 3), on every backend: a failed look-up says what to do
next (what a search finds, a did-you-mean, "prefix too short"), events go by exact name, and
the domain errors with one fixed way forward carry it as their hint."""

from __future__ import annotations

import uuid

import pytest

from arangetram_cli.core.errors import AuthRequired, Conflict, Forbidden, Invalid, NotFound
from tests.planner.test_planner_contract import account, family_with_event, vendor_account
from tests.server.support import PASSWORD


def uniq() -> str:
    return uuid.uuid4().hex[:8]


def test_a_vendor_not_found_by_a_partial_name_names_what_a_search_finds(backend):
    word = f"Sruthi{uniq()}"
    _, v = vendor_account(backend, business_name=f"{word} Laya Ensemble")
    p = backend.new()
    with pytest.raises(NotFound) as e:
        p.get_vendor(word.lower())
    assert e.value.message == "Vendor not found"
    hint = e.value.hint or ""
    assert f"vendors list --search {word.lower()} found 1:" in hint, hint
    assert f"{word} Laya Ensemble ({v['id'][:8]})" in hint, hint


def test_a_misspelt_vendor_name_gets_a_did_you_mean(backend):
    name = f"Natyalaya {uniq()} Studio"
    vendor_account(backend, business_name=name)
    p = backend.new()
    typo = name.replace("Natyalaya", "Natyaalya")
    with pytest.raises(NotFound) as e:
        p.get_vendor(typo)
    assert f"did you mean '{name}'" in (e.value.hint or ""), e.value.hint


@pytest.mark.parametrize("ref", ["05", "abc", "0-1"])
def test_a_short_hex_ref_says_the_prefix_is_too_short(backend, ref):
    p, _ = family_with_event(backend)
    for look in (p.get_vendor, p.get_event):
        with pytest.raises(NotFound) as e:
            look(ref)
        assert "prefix too short (4+ characters)" in (e.value.hint or ""), (look, e.value.hint)


def test_events_go_by_their_exact_name_in_any_case(backend):
    p, event = family_with_event(backend)
    name = event["event_name"]
    assert p.get_event(name.upper())["id"] == event["id"]
    _, v = vendor_account(backend)
    assert v["id"] in p.add_event_vendor(name, v["id"])["selected_vendors"]
    updated = p.update_event(name.lower(), {"guest_count": 120})
    assert updated["id"] == event["id"] and updated["guest_count"] == 120
    booking = p.create_booking(name, v["id"], "free?")
    assert [b["id"] for b in p.list_bookings(event=name)] == [booking["id"]]
    # another family's event of the same name stays invisible
    other, _ = account(backend)
    with pytest.raises(NotFound):
        other.get_event(name)


def test_two_own_events_of_one_name_are_refused_with_their_ids(backend):
    p, a = family_with_event(backend)
    b = p.create_event({"event_name": a["event_name"], "event_date": "2027-08-01"})
    with pytest.raises(Invalid) as e:
        p.get_event(a["event_name"])
    assert a["id"][:8] in e.value.message and b["id"][:8] in e.value.message
    assert "give the id" in (e.value.hint or "")


def test_an_event_name_close_to_one_of_yours_gets_a_did_you_mean(backend):
    p, event = family_with_event(backend, event_name=f"Meera's Arangetram {uniq()}")
    with pytest.raises(NotFound) as e:
        p.get_event(event["event_name"].replace("Meera's", "Mira's"))
    assert e.value.message == "Event not found"
    assert f"did you mean '{event['event_name']}'" in (e.value.hint or ""), e.value.hint


def test_domain_errors_say_what_to_do(backend):
    email = f"hint-{uniq()}@example.com"
    p = backend.new()
    p.register(email, "Hint", PASSWORD)
    with pytest.raises(Conflict) as e:
        backend.new().register(email, "Again", PASSWORD)
    assert e.value.message == "Email already registered" and "auth login" in (e.value.hint or "")
    with pytest.raises(AuthRequired) as e:
        backend.new().login(email, PASSWORD + "x")
    assert e.value.message == "Invalid credentials" and e.value.hint
    owner, v = vendor_account(backend)
    with pytest.raises(Conflict) as e:
        owner.create_vendor({"business_name": "Second", "category": "photographer"})
    assert e.value.message == "Vendor profile already exists"
    assert "vendors update" in (e.value.hint or "")
    other, _ = vendor_account(backend)
    with pytest.raises(Forbidden) as e:
        other.update_vendor(v["id"], {"description": "mine now"})
    assert e.value.message == "Not authorized" and "owner" in (e.value.hint or "")


def test_a_second_pending_request_names_the_first(backend):
    p, event = family_with_event(backend)
    _, v = vendor_account(backend)
    first = p.create_booking(event["id"], v["id"], "free?")
    with pytest.raises(Conflict) as e:
        p.create_booking(event["id"], v["id"], "again?")
    assert first["id"] in e.value.message
    assert [b["id"] for b in p.list_bookings(event=event["id"])] == [first["id"]]
