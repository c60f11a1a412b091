"""The whole journey, as a family and a vendor would run it, with piped JSON and `-q` ids."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.conftest import no_traceback


def register(cli, email: str, *, vendor: bool = False, name: str = "Someone") -> dict:
    args = ["auth", "register", "--email", email, "--name", name, "--password-stdin"]
    if vendor:
        args.append("--vendor")
    r = cli(*args, input="correct horse battery\n")
    assert r.code == 0, r.err
    return r.json()


def use_profile(cli, profile: str):
    return lambda *a, **k: cli("--profile", profile, *a, **k)


def test_full_journey_in_process(cli, env):
    assert cli("seed").json()["added"] >= 24

    family = use_profile(cli, "family")
    vendor = use_profile(cli, "vendor")
    user = register(family, "asha@example.com", name="Asha Rao")
    assert user["user_type"] == "user" and "token" not in user and "password" not in user

    event_id = family(
        "-q",
        "events",
        "create",
        "--name",
        "Meera's Arangetram",
        "--date",
        "2027-06-12",
        "--guests",
        "300",
        "--budget",
        "$$$",
        "--location",
        "San Jose",
    ).out.strip()
    assert len(event_id) == 36

    halls = family("vendors", "list", "--category", "venue", "--search", "stage").json()
    assert halls and all(v["category"] == "venue" for v in halls)

    # the vendor side: an account, a profile, then the family books it
    register(vendor, "natya@example.com", vendor=True, name="Natya Hall")
    created = vendor(
        "vendors",
        "create",
        "--name",
        "Natya Hall",
        "--category",
        "venue",
        "--location",
        "Fremont, CA",
        "--price-range",
        "$$",
        "--service",
        "Sprung floor",
        "--service",
        "Green rooms",
    ).json()
    assert created["services"] == ["Sprung floor", "Green rooms"] and created["rating"] == 0.0
    vid = created["id"]

    added = family("events", "add-vendor", event_id[:8], vid[:8]).json()
    assert added["selected_vendors"] == [vid]
    again = family("events", "add-vendor", event_id, "Natya Hall").json()
    assert again["selected_vendors"] == [vid]  # adding twice keeps one

    booking_id = family(
        "-q",
        "bookings",
        "create",
        "--event",
        event_id,
        "--vendor",
        vid,
        "--message",
        "Is 12 June free?",
    ).out.strip()
    inbox = vendor("bookings", "list", "--as-vendor").json()
    assert [b["id"] for b in inbox] == [booking_id]
    assert inbox[0]["user"]["name"] == "Asha Rao" and "password" not in inbox[0]["user"]
    assert inbox[0]["event"]["event_name"] == "Meera's Arangetram"

    accepted = vendor(
        "bookings", "respond", booking_id[:8], "accept", "--message", "Confirmed, see you"
    ).json()
    assert accepted["status"] == "accepted"
    assert accepted["response_message"] == "Confirmed, see you"

    mine = family("bookings", "list").json()
    assert mine[0]["status"] == "accepted" and mine[0]["vendor"]["id"] == vid
    assert mine[0]["event_date"] == "2027-06-12"
    shown = family("events", "show", event_id).json()
    assert [v["id"] for v in shown["vendors"]] == [vid]


def test_journey_as_subprocesses_with_isolated_home(sh, env, tmp_path: Path):
    assert sh("seed").code == 0
    r = sh(
        "auth",
        "register",
        "--email",
        "k@example.com",
        "--name",
        "K",
        "--password-stdin",
        input="a long enough password\n",
    )
    assert r.code == 0, r.err
    token = sh("auth", "token").out.strip()
    assert token.count(".") == 2
    assert token not in r.out + r.err  # never printed unless asked for
    creds = Path(env["ARANGETRAM_CONFIG_DIR"]) / "credentials.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    secret = Path(env["ARANGETRAM_DATA_DIR"]) / "jwt_secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600

    eid = sh("-q", "events", "create", "--name", "Debut", "--date", "2027-01-09").out.strip()
    top = json.loads(sh("vendors", "list", "-c", "musicians", "--limit", "1").out)[0]
    assert sh("events", "add-vendor", eid, top["id"]).code == 0
    r = sh("bookings", "create", "--event", eid, "--vendor", top["id"], "-o", "jsonl")
    assert r.code == 0 and json.loads(r.out)["status"] == "pending"
    listed = sh("bookings", "list", "-o", "csv").out.splitlines()
    assert listed[0].startswith("id,") and len(listed) == 2
    no_traceback(r)


def test_output_formats_agree(cli):
    cli("seed")
    as_json = cli("vendors", "list", "--limit", "5").json()
    as_jsonl = [
        json.loads(line)
        for line in cli("vendors", "list", "--limit", "5", "-o", "jsonl").out.splitlines()
    ]
    ids = cli("vendors", "list", "--limit", "5", "-q").out.split()
    csv_lines = cli("vendors", "list", "--limit", "5", "-o", "csv").out.splitlines()
    assert as_json == as_jsonl
    assert [v["id"] for v in as_json] == ids
    assert len(csv_lines) == 6 and csv_lines[0].split(",")[0] == "id"
    ratings = [v["rating"] for v in cli("vendors", "list", "--all").json()]
    assert ratings == sorted(ratings, reverse=True)


def test_paging_covers_everything_once(cli):
    cli("seed")
    total = len(cli("vendors", "list", "--all").json())
    seen: list[str] = []
    offset = 0
    while True:
        r = cli("vendors", "list", "--limit", "7", "--offset", str(offset))
        page = r.json()
        if not page:
            break
        seen += [v["id"] for v in page]
        offset += len(page)
        if offset < total:
            assert f"--offset {offset}" in r.err  # tells how to get the next page
    assert len(seen) == len(set(seen)) == total


def test_seed_is_idempotent(cli):
    first = cli("seed").json()
    second = cli("seed")
    assert first["added"] >= 24 and second.json()["added"] == 0
    assert "already" in second.err.lower()
    assert second.json()["vendor_count"] == first["vendor_count"]


def test_vendor_show_by_prefix_and_name(cli):
    cli("seed")
    v = cli("vendors", "list", "--limit", "1").json()[0]
    assert cli("vendors", "show", v["id"][:6]).json()["id"] == v["id"]
    assert cli("vendors", "show", v["business_name"].upper()).json()["id"] == v["id"]


def test_table_output_on_request(cli):
    cli("seed")
    r = cli("vendors", "list", "-o", "table", "--limit", "3")
    assert r.code == 0 and "Name" in r.out and "Rating" in r.out
    assert not r.out.lstrip().startswith("[")


def test_config_show_masks_secrets(cli, monkeypatch):
    monkeypatch.setenv("JWT_SECRET", "s" * 40)
    monkeypatch.setenv("MONGO_URL", "mongodb://admin:hunter2secret@db.example:27017")
    r = cli("config", "show")
    assert r.code == 0
    assert "hunter2secret" not in r.out and "s" * 40 not in r.out
    data = r.json()
    assert data["mongo_url"] == "mongodb://admin:***@db.example:27017"
    assert data["sources"]["jwt_secret"] == "environment"
    # a password given as a URL option is hidden as well (the Mongo adapter's rule)
    monkeypatch.setenv("MONGO_URL", "mongodb://db.example/?authSource=a&password=hunter3pw")
    r = cli("config", "show")
    assert r.code == 0 and "hunter3pw" not in r.out
    assert r.json()["mongo_url"] == "mongodb://db.example/?authSource=a&password=***"


def test_profiles_in_config_file(cli, env, tmp_path):
    db = tmp_path / "other.db"
    assert cli("--profile", "work", "config", "set", "db", str(db)).code == 0
    assert cli("--profile", "work", "seed").code == 0
    assert db.exists()
    assert cli("config", "use", "work").code == 0
    assert cli("config", "show").json()["db"] == str(db)
    conf = Path(env["ARANGETRAM_CONFIG_DIR"]) / "config.toml"
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    assert cli("config", "set", "colour", "x").code == 2
