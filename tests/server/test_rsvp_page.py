"""The RSVP page on a real `arangetram serve`: answers land in the guest list (a second one
updates it, with a history), the form post is CSRF-safe, bad links get one page that reveals
nothing, guest-written text is escaped, and requests are rate-limited."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.server.support import PASSWORD, Served, serve_env, start_serve

pytestmark = pytest.mark.service

HOSTILE = '<script>alert("x")</script><b>Raos</b>'


def uniq() -> str:
    return uuid.uuid4().hex[:10]


def family(url: str, names: tuple[str, ...] = (HOSTILE, "Meena")) -> tuple[Any, dict, dict]:
    from arangetram_cli.planner.remote import RemotePlanner

    p = RemotePlanner(url)
    p.register(f"fam-{uniq()}@example.com", "The Iyers", PASSWORD)
    event = p.create_event(
        {
            "event_name": f"Priya's Arangetram {uniq()}",
            "event_date": "2027-06-12",
            "event_time": "5:30 PM",
            "guest_count": 150,
        }
    )
    p.set_rsvp_note(event["id"], "Lunch after the recital <i>in the hall</i>")
    for n in names:
        p.add_guest(event["id"], {"name": n, "party": 2})
    links = {r["name"]: r["link"] for r in p.guest_links(event["id"], base_url=url)["links"]}
    return p, event, links


def form(client: httpx.Client, link: str) -> str:
    page = client.get(link)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text).group(1)


def answers(p: Any, event: dict, name: str) -> dict:
    return next(g for g in p.list_guests(event["id"])["guests"] if g["name"] == name)


def test_page_shows_the_recital_escaped_and_accessible(served: Served):
    _, event, links = family(served.url)
    with httpx.Client() as c:
        page = c.get(links[HOSTILE])
    assert page.status_code == 200
    html = page.text
    assert '<html lang="en">' in html and 'name="viewport"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # the guest's name, escaped
    assert "&lt;i&gt;in the hall&lt;/i&gt;" in html  # the family's note, escaped
    assert event["event_name"].replace("'", "&#39;") in html and "5:30 PM" in html
    assert "Saturday, June 12, 2027" in html
    for field_id in ("answer-yes", "answer-no", "answer-maybe", "party", "message"):
        assert f'for="{field_id}"' in html and f'id="{field_id}"' in html  # labelled
    assert "<script" not in html.replace("&lt;script", "")  # no JavaScript at all
    cookie = page.headers["set-cookie"].lower()
    assert "samesite=strict" in cookie and "httponly" in cookie
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_answer_lands_at_once_and_a_second_updates_it_with_history(served: Served):
    p, event, links = family(served.url)
    with httpx.Client() as c:
        csrf = form(c, links["Meena"])
        done = c.post(
            links["Meena"], data={"csrf": csrf, "answer": "yes", "party": "3", "message": "<b>!"}
        )
        assert done.status_code == 200 and 'id="confirmation"' in done.text
        assert "&lt;b&gt;!" in done.text
        g = answers(p, event, "Meena")
        assert (g["rsvp"], g["party"], g["message"]) == ("yes", 3, "<b>!")
        again = c.post(links["Meena"], data={"csrf": csrf, "answer": "no", "party": "3"})
        assert again.status_code == 200 and "not attending" in again.text
    g = answers(p, event, "Meena")
    assert g["rsvp"] == "no" and [h["rsvp"] for h in g["history"]] == ["yes", "no"]
    assert all(h["at"] and h["by"] == "guest" for h in g["history"])
    assert g["history"][0]["at"] <= g["history"][1]["at"]
    assert p.list_guests(event["id"])["headcount"]["declined"] == 3


def test_forged_or_missing_csrf_changes_nothing(served: Served):
    p, event, links = family(served.url)
    with httpx.Client() as c:
        real = form(c, links["Meena"])
        other = form(c, links[HOSTILE])  # another guest's field: bound to that link
        for data in (
            {"answer": "yes", "party": "2"},
            {"csrf": "0" * 64, "answer": "yes", "party": "2"},
            {"csrf": other, "answer": "yes", "party": "2"},
        ):
            r = c.post(links["Meena"], data=data)
            assert r.status_code == 400 and "Nothing was changed" in r.text
    with httpx.Client() as fresh:  # the right field, but no cookie (another site's post)
        r = fresh.post(links["Meena"], data={"csrf": real, "answer": "yes", "party": "2"})
        assert r.status_code == 400
    assert answers(p, event, "Meena")["rsvp"] == "pending"


def test_bad_answers_are_refused_on_the_page(served: Served):
    p, event, links = family(served.url)
    with httpx.Client() as c:
        csrf = form(c, links["Meena"])
        for data, text in (
            ({"answer": "yes", "party": "0"}, "between 1 and 50"),
            ({"answer": "yes", "party": "1000"}, "between 1 and 50"),
            ({"answer": "yes", "party": "two"}, "between 1 and 50"),
            ({"answer": "perhaps", "party": "1"}, "choose yes, no or maybe"),
        ):
            r = c.post(links["Meena"], data={"csrf": csrf, **data})
            assert r.status_code == 400 and 'role="alert"' in r.text and text in r.text
    assert answers(p, event, "Meena")["rsvp"] == "pending"


def test_unknown_rotated_removed_and_expired_links_look_the_same(served: Served):
    p, event, links = family(served.url)
    old = links["Meena"]
    p.guest_links(event["id"], guest_ref="Meena", base_url=served.url)  # rotated
    p.remove_guest(event["id"], HOSTILE)
    _, past, past_links = family(served.url, ("Ravi",))
    store = served.store()
    try:
        store.events.update(past["id"], {"event_date": "2020-01-01"})
    finally:
        store.close()
    bodies = set()
    with httpx.Client() as c:
        for link in (
            f"{served.url}/rsvp/{'A' * 32}",
            f"{served.url}/rsvp/x",
            old,
            links[HOSTILE],
            past_links["Ravi"],
        ):
            r = c.get(link)
            assert r.status_code == 404 and "This RSVP link doesn" in r.text
            bodies.add(r.text)
            posted = c.post(link, data={"answer": "yes", "party": "1"})
            assert posted.status_code == 404
    assert len(bodies) == 1  # nothing tells the cases apart


def test_rate_limited_per_link(tmp_path):
    srv = start_serve(tmp_path, env=serve_env(tmp_path, ARANGETRAM_RSVP_RATE_LIMIT="3/0.1"))
    try:
        _, _, links = family(srv.url, ("Meena",))
        with httpx.Client() as c:
            codes = [c.get(links["Meena"]).status_code for _ in range(5)]
            assert codes[:3] == [200, 200, 200] and codes[-1] == 429
            r = c.get(links["Meena"])
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
            assert "try again in" in r.text
            # per address: five times the per-link burst (15), whatever links it tries
            others = [c.get(f"{srv.url}/rsvp/{uuid.uuid4().hex}").status_code for _ in range(12)]
            assert others[:8] == [404] * 8 and others[-1] == 429, others
    finally:
        srv.stop()


def test_a_bad_rate_setting_stops_serve_at_start(tmp_path):
    import subprocess
    import sys

    env = serve_env(tmp_path, ARANGETRAM_RSVP_RATE_LIMIT="lots")
    r = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "serve", "--port", "18998"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "error: ARANGETRAM_RSVP_RATE_LIMIT must look like 20/30, not 'lots'"
    ]
