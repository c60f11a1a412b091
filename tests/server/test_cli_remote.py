"""The CLI in remote mode against a real `arangetram serve`: the same commands, outputs and exit
codes as local mode, and tokens that stay with the server that issued them."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.conftest import no_traceback, one_error_line
from tests.server.support import PASSWORD, FakeServer

pytestmark = pytest.mark.service


def uniq() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture
def remote(cli, served):
    """The CLI pointed at the session's server; local(...) runs the same thing locally."""

    def run(*args, **kw):
        return cli("--api-url", served.url, *args, **kw)

    return run


def register(run, profile: str, *, vendor: bool = False) -> dict:
    args = [
        "-p",
        profile,
        "auth",
        "register",
        "--email",
        f"{profile}-{uniq()}@example.com",
        "--name",
        profile.title(),
        "--password-stdin",
    ]
    r = run(*args, *(["--vendor"] if vendor else []), input=PASSWORD + "\n")
    assert r.code == 0, r.err
    return r.json()


def test_journey_through_the_server(remote, served, env):
    assert remote("seed").code == 0
    family = register(remote, "family")
    assert family["user_type"] == "user"
    creds = json.loads((Path(env["ARANGETRAM_CONFIG_DIR"]) / "credentials.json").read_text())
    logins = creds["logins"]["family"]  # kept under that server
    assert [(k, e["server"]) for k, e in logins.items()] == [(served.url, served.url)]

    halls = remote("vendors", "list", "--category", "venue", "--limit", "2").json()
    assert len(halls) == 2 and all(v["category"] == "venue" for v in halls)
    assert "showing 1-2 of" in remote("vendors", "list", "--category", "venue", "-n", "2").err
    everything = remote("vendors", "list", "--all").json()
    assert len(everything) >= 30

    tag = uniq()
    register(remote, "studio", vendor=True)
    made = remote(
        "-p",
        "studio",
        "vendors",
        "create",
        "--name",
        f"Studio {tag}",
        "--category",
        "photographer",
        "--location",
        "Fremont, CA",
        "--price-range",
        "$$",
    )
    assert made.code == 0, made.err
    vendor_id = made.json()["id"]
    event_id = remote(
        "-p", "family", "-q", "events", "create", "--name", "Recital", "--date", "2027-06-12"
    ).out.strip()
    assert len(event_id) == 36
    added = remote("-p", "family", "events", "add-vendor", event_id[:8], f"studio {tag}")
    assert added.code == 0 and added.json()["selected_vendors"] == [vendor_id]
    shown = remote("-p", "family", "events", "show", event_id[:8]).json()
    assert [v["id"] for v in shown["vendors"]] == [vendor_id]
    booking = remote(
        "-p", "family", "bookings", "create", "-e", event_id[:8], "-v", vendor_id[:8], "-m", "June?"
    )
    assert booking.code == 0, booking.err
    bid = booking.json()["id"]
    incoming = remote("-p", "studio", "bookings", "list", "--as-vendor").json()
    assert incoming[0]["id"] == bid and incoming[0]["user"]["name"] == "Family"
    ok = remote("-p", "studio", "bookings", "respond", bid[:8], "accept", "-m", "Yes")
    assert ok.code == 0 and ok.json()["response_message"] == "Yes"
    one_error_line(
        remote("-p", "studio", "bookings", "respond", bid, "decline"),
        5,
        "Booking is already accepted",
    )
    mine = remote("-p", "family", "bookings", "list").json()
    assert mine[0]["status"] == "accepted" and mine[0]["vendor"]["id"] == vendor_id
    who = remote("-p", "family", "auth", "whoami").json()
    assert who["backend"] == served.url and who["user_type"] == "user"


@pytest.mark.parametrize("mode", ["local", "remote"])
def test_exit_codes_match_local_mode(cli, remote, mode):
    run = remote if mode == "remote" else cli
    register(run, "fam")
    one_error_line(run("-p", "fam", "events", "show", str(uuid.uuid4())), 4, "Event not found")
    one_error_line(
        run(
            "-p",
            "fam",
            "vendors",
            "create",
            "--name",
            "X",
            "--category",
            "venue",
            "--location",
            "Y",
            "--price-range",
            "$",
        ),
        3,
        "Only vendors can create listings",
    )
    one_error_line(run("-p", "nobody", "events", "list"), 3, "not logged in")
    one_error_line(
        run("-p", "fam", "bookings", "list", "--as-vendor"), 4, "Vendor profile not found"
    )
    one_error_line(run("vendors", "show", f"no such vendor {uniq()}"), 4, "Vendor not found")
    dup = run(
        "auth",
        "register",
        "--email",
        "dup-" + uniq() + "@example.com",
        "--name",
        "D",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert dup.code == 0
    email = dup.json()["email"]
    one_error_line(
        run(
            "auth",
            "register",
            "--email",
            email,
            "--name",
            "D",
            "--password-stdin",
            input=PASSWORD + "\n",
        ),
        5,
        "Email already registered",
    )
    one_error_line(
        run("auth", "login", "--email", email, "--password-stdin", input="wrong password\n"),
        3,
        "Invalid credentials",
    )


def test_tokens_stay_with_the_server_that_issued_them(cli, remote, served):
    register(remote, "mine")
    other = FakeServer()
    try:
        other.routes[("GET", "/api/vendors")] = lambda h: (200, [], {})
        r = cli("--api-url", other.url, "-p", "mine", "events", "list")
        one_error_line(r, 3, "not logged in")
        r = cli("--api-url", other.url, "-p", "mine", "--debug", "vendors", "list")
        assert r.code == 0, r.err
        assert other.auth and all(a is None for a in other.auth)
    finally:
        other.close()
    assert remote("-p", "mine", "events", "list").code == 0  # still good at its own server
    # the local store never sees the server's token either
    one_error_line(cli("-p", "mine", "events", "list"), 3, "not logged in")


def test_import_is_refused_in_remote_mode(remote, tmp_path):
    f = tmp_path / "v.json"
    f.write_text(json.dumps([{"business_name": "X", "category": "venue"}]))
    r = remote("seed", "--file", str(f))
    one_error_line(r, 2, "no import endpoint")
    no_traceback(r)
