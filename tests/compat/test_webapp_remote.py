"""The CLI's remote mode against the web app's contract double (tests/compat/webapp_double.py,
a real uvicorn process on 127.0.0.1), every command a real subprocess: each reproduction of
issue 11 (items 2-6) behaves as in local mode.

Each test that shows the client fixing a defect also shows the defect itself on the double
(a direct HTTP request), so it cannot pass by the double being kinder than the web app."""

from __future__ import annotations

import io
import json
import uuid
from csv import DictReader
from pathlib import Path

import httpx
import pytest

from tests.conftest import no_traceback, one_error_line
from tests.server.support import PASSWORD

pytestmark = pytest.mark.service


def tag() -> str:
    return uuid.uuid4().hex[:8]


def register(web, profile: str, email: str, *, vendor: bool = False) -> dict:
    args = ["-p", profile, "auth", "register", "--email", email, "--name", profile.title()]
    r = web(*args, "--password-stdin", *(["--vendor"] if vendor else []), input=PASSWORD + "\n")
    assert r.code == 0, r.err
    return r.json()


def vendor_named(web, name: str, *, location: str = "Fremont, CA") -> dict:
    """A vendor account whose listing ends up named `name` (created, then renamed)."""
    profile = f"v{tag()}"
    register(web, profile, f"{profile}@example.com", vendor=True)
    made = web(
        "-p", profile, "vendors", "create", "--name", f"Hall {profile}", "--category", "venue",
        "--location", location, "--price-range", "$$", "--price-estimate", "$1,500 - $2,000",
    )  # fmt: skip
    assert made.code == 0, made.err
    renamed = web("-p", profile, "vendors", "update", "--name", name)
    assert renamed.code == 0, renamed.err
    return renamed.json()


# ---- emails --------------------------------------------------------------------------------
def test_mixed_case_address_as_the_web_app_keeps_it(web, double):
    local = f"Mixed.Case.{tag()}"
    typed = f"{local}@Example.COM"
    user = register(web, "mixed", typed)
    assert user["email"] == f"{local}@example.com"  # EmailStr: domain lowercased only

    same = web("-p", "again", "auth", "login", "--email", typed, "--password-stdin",
               input=PASSWORD + "\n")  # fmt: skip
    assert same.code == 0, same.err
    assert same.json()["id"] == user["id"]
    other_domain = web("-p", "again", "auth", "login", "--email", f"{local}@EXAMPLE.com",
                       "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert other_domain.code == 0, other_domain.err

    # Documented outcome: the web back end matches the part before the @ case-sensitively,
    # so another case there is refused (exit 3) with a hint that says why.
    other_case = web("-p", "again", "auth", "login", "--email", typed.lower(),
                     "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    one_error_line(other_case, 3, "Invalid credentials")
    assert "case-sensitively" in other_case.err

    # The same address in another case is a second account there (its defect, not ours).
    again = web("-p", "twin", "auth", "register", "--email", typed.lower(), "--name", "Twin",
                "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert again.code == 0, again.err
    assert again.json()["id"] != user["id"]


def test_short_password_refused_before_any_request(web, double):
    before = double.requests("POST", "/api/auth/register")
    for password in ("short12", "x" * 73, "é" * 37):  # 7 chars; 73 bytes; 74 bytes
        r = web("auth", "register", "--email", f"s{tag()}@example.com", "--name", "S",
                "--password-stdin", input=password + "\n")  # fmt: skip
        one_error_line(r, 2, "password")
    assert double.requests("POST", "/api/auth/register") == before  # nothing was sent
    # The double itself would have taken the short one.
    direct = httpx.post(
        f"{double.url}/api/auth/register",
        json={"email": f"d{tag()}@example.com", "name": "D", "password": "short12"},
    )
    assert direct.status_code == 200


def test_bad_input_refused_before_any_request(web, double):
    register(web, "planner", f"p{tag()}@example.com")
    events_before = double.requests("POST", "/api/events")
    r = web("-p", "planner", "events", "create", "--name", "Recital", "--date", "2027-02-30")
    one_error_line(r, 2, "date")
    assert double.requests("POST", "/api/events") == events_before

    profile = f"v{tag()}"
    register(web, profile, f"{profile}@example.com", vendor=True)
    vendors_before = double.requests("POST", "/api/vendors")
    r = web("-p", profile, "vendors", "create", "--name", "X", "--category", "jugglers",
            "--location", "Fremont, CA", "--price-range", "$$")  # fmt: skip
    one_error_line(r, 2, "category")
    assert double.requests("POST", "/api/vendors") == vendors_before


# ---- text is literal -----------------------------------------------------------------------
def test_search_text_is_literal(web, double):
    t = tag()
    paren = vendor_named(web, f"Natya Hall ({t})")
    dotted = vendor_named(web, f"Kala.Bindu {t} Arts")
    vendor_named(web, f"Sa Bha {t} Decor")  # matches the regex a.b, not the text

    # The double's own behaviour: a regex.
    raw = httpx.get(f"{double.url}/api/vendors", params={"search": "("})
    assert raw.status_code == 500
    loose = httpx.get(f"{double.url}/api/vendors", params={"search": "a.b"}).json()
    assert any("a.b" not in (v["business_name"] + v["description"]).lower() for v in loose)

    r = web("vendors", "list", "--search", "(", "--all")
    no_traceback(r)
    assert r.code == 0, r.err
    names = [v["business_name"] for v in r.json()]
    assert paren["business_name"] in names
    assert all("(" in v["business_name"] + v["description"] for v in r.json())

    r = web("vendors", "list", "--search", "a.b", "--all")
    assert r.code == 0, r.err
    found = r.json()
    assert dotted["id"] in [v["id"] for v in found]
    assert found and all("a.b" in (v["business_name"] + v["description"]).lower() for v in found)

    r = web("vendors", "list", "--search", "[", "--location", "(Fremont")
    assert r.code == 0 and r.json() == [], r.err


def test_names_and_prefixes_with_parentheses(web, double):
    t = tag()
    hall = vendor_named(web, f"Natya Hall (Fremont {t})")
    name = hall["business_name"]

    shown = web("vendors", "show", name)
    assert shown.code == 0, shown.err
    assert shown.json()["id"] == hall["id"]
    assert web("vendors", "show", name.upper()).json()["id"] == hall["id"]  # any case
    assert web("vendors", "show", hall["id"][:8]).json()["id"] == hall["id"]  # a prefix
    one_error_line(web("vendors", "show", f"Natya Hall (Fremont {t}"), 4, "Vendor not found")

    register(web, "family", f"f{t}@example.com")
    event = web("-p", "family", "events", "create", "--name", "Meera", "--date", "2027-06-12")
    assert event.code == 0, event.err
    event_id = event.json()["id"]
    added = web("-p", "family", "events", "add-vendor", event_id[:8], name)
    assert added.code == 0, added.err
    assert added.json()["selected_vendors"] == [hall["id"]]
    removed = web("-p", "family", "events", "remove-vendor", event_id, name)
    assert removed.code == 0, removed.err
    assert removed.json()["selected_vendors"] == []


# ---- bookings ------------------------------------------------------------------------------
def test_duplicate_pending_booking_refused(web, double):
    t = tag()
    hall = vendor_named(web, f"Rangmanch {t}")
    register(web, "booker", f"b{t}@example.com")
    event_id = web("-p", "booker", "events", "create", "--name", "Debut", "--date",
                   "2027-08-01").json()["id"]  # fmt: skip
    first = web("-p", "booker", "bookings", "create", "--event", event_id, "--vendor",
                hall["business_name"], "--message", "Is it free?")  # fmt: skip
    assert first.code == 0, first.err
    posts = double.requests("POST", "/api/bookings")
    second = web("-p", "booker", "bookings", "create", "--event", event_id[:6], "--vendor",
                 hall["id"])  # fmt: skip
    one_error_line(second, 5, "pending request")
    assert first.json()["id"] in second.err
    assert double.requests("POST", "/api/bookings") == posts  # refused here, not sent

    # The double takes the second one (the defect the client guards against).
    token = web("-p", "booker", "auth", "token").out.strip()
    direct = httpx.post(
        f"{double.url}/api/bookings",
        json={"event_id": event_id, "vendor_id": hall["id"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert direct.status_code == 200


# ---- recommendations -----------------------------------------------------------------------
def test_recommend_without_event_finds_vendors_in_the_region(web, double):
    raw = httpx.post(f"{double.url}/api/ai/recommendations", json={"event_date": ""}).json()
    assert all(v == [] for v in raw["recommendations"].values())  # "Bay Area" as a substring

    r = web("vendors", "recommend")
    assert r.code == 0, r.err
    recs = r.json()["recommendations"]
    picked = [v for vs in recs.values() for v in vs]
    assert len(picked) >= 12 and all(recs[c] for c in ("venue", "musicians", "catering"))
    assert all(v["reason"].strip() for v in picked)
    fitting = [v for v in picked if "fit" not in v]  # the CLI's labelled near misses aside
    assert all(v["price_range"] in ("$", "$$") for v in fitting)
    assert all(v["reason"].startswith(v["fit"] + ": ") for v in picked if "fit" in v)
    assert "chosen here from its catalog" in r.err

    csv = web("vendors", "recommend", "--location", "Fremont", "-c", "venue", "-o", "csv")
    assert csv.code == 0, csv.err
    rows = list(DictReader(io.StringIO(csv.out)))
    assert rows and all(row["reason"].strip() for row in rows)
    fremont = web("vendors", "recommend", "--location", "Fremont", "-c", "venue").json()
    assert fremont["recommendations"]["venue"]
    venues = [v for v in fremont["recommendations"]["venue"] if "fit" not in v]
    assert venues and all("fremont" in v["location"].lower() for v in venues)
    assert all(v["reason"] for v in fremont["recommendations"]["venue"])


# ---- the assistant -------------------------------------------------------------------------
def test_ask_reports_the_apology_as_a_provider_failure(web, double):
    double.provider.routes.clear()  # its provider answers 404: the double apologizes
    r = web("ask", "Which hall seats 300?")
    one_error_line(r, 6, "apology")
    assert "I apologize" not in r.out

    def answer(_):
        body = {"choices": [{"message": {"role": "assistant", "content": "Try Natya Hall."}}]}
        return 200, body, {}

    double.provider.routes[("POST", "/v1/chat/completions")] = answer
    try:
        ok = web("ask", "Which hall seats 300?")
        assert ok.code == 0, ok.err
        assert "Try Natya Hall." in ok.out
    finally:
        double.provider.routes.clear()


# ---- one stored login per backend -----------------------------------------------------------
def test_one_login_for_every_spelling_of_the_api_url(sh, double, env):
    port = double.url.rsplit(":", 1)[1]
    spellings = [
        f"http://127.0.0.1:{port}/api",
        f"http://127.0.0.1:{port}",
        f"HTTP://127.0.0.1:{port}/api/",
        f"http://127.0.0.1:{port}//",
    ]
    email = f"k{tag()}@example.com"
    r = sh("--api-url", spellings[0], "auth", "register", "--email", email, "--name", "K",
           "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert r.code == 0, r.err
    for url in spellings:
        who = sh("--api-url", url, "auth", "whoami")
        assert who.code == 0, (url, who.err)
        info = who.json()
        assert info["email"] == email
        assert info["backend"] == f"http://127.0.0.1:{port}"
        assert info["token_expires"] != "unknown"  # the web app's float `exp`

    # A token stored by an earlier version under the URL as typed keeps working.
    creds = Path(env["ARANGETRAM_CONFIG_DIR"]) / "credentials.json"
    (entry,) = json.loads(creds.read_text())["logins"]["default"].values()
    data = {"profiles": {"default": {**entry, "server": f"http://127.0.0.1:{port}/api/"}}}
    creds.write_text(json.dumps(data))  # an earlier version's file: one login per profile
    assert sh("--api-url", f"http://127.0.0.1:{port}", "auth", "whoami").code == 0
    # ...and a token of another backend is still never sent here.
    data["profiles"]["default"]["server"] = f"http://127.0.0.1:{port}/other"
    creds.write_text(json.dumps(data))
    one_error_line(sh("--api-url", double.url, "auth", "whoami"), 3, "not logged in")
