"""Identity through the CLI, locally (SQLite and Mongo) and against `arangetram serve`:
addresses as the web app stores them, look-alikes refused, no id-prefix oracle, and vendor
names that stay unambiguous."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from arangetram_cli.core.refs import NEXT_STEP
from arangetram_cli.core.security import hash_password
from tests.cli.test_journey import register, use_profile
from tests.conftest import one_error_line
from tests.server.support import served  # noqa: F401  (session fixture)

PW = "correct horse battery"
SECRET = "cli-identity-secret-" + "k" * 30


def uniq() -> str:
    return uuid.uuid4().hex[:8]


def login(run, email: str, password: str = PW):
    return run("auth", "login", "--email", email, "--password-stdin", input=password + "\n")


def web_user(email: str) -> dict:
    """A user document as the web app writes it: EmailStr keeps the local part's case, and
    there is no `email_lower`."""
    return {
        "id": str(uuid.uuid4()),
        "email": email,
        "name": "Web User",
        "password": hash_password(PW),
        "user_type": "user",
        "created_at": "2026-01-05T10:00:00.000000+00:00",
    }


# ---- the web app's Mongo database --------------------------------------------------------
@pytest.fixture
def web_db(env, monkeypatch):
    """The CLI on Mongo (mongomock-ng standing in for the server) that the web app wrote."""
    import mongomock_ng

    import arangetram_cli.store.mongo as mongo

    client = mongomock_ng.MongoClient()

    class Shared:
        """The one in-memory server for every CLI run (each run closes its client)."""

        def __getattr__(self, name: str):
            return getattr(client, name)

        def __getitem__(self, name: str):
            return client[name]

        def close(self) -> None:
            pass

    monkeypatch.setattr(mongo.pymongo, "MongoClient", lambda *a, **k: Shared())
    monkeypatch.setenv("MONGO_URL", "mongodb://web-app-db.invalid:27017")
    monkeypatch.setenv("DB_NAME", "arangetram")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    return client["arangetram"]


@pytest.mark.mongo
def test_web_app_users_log_in_by_cli_with_the_spelling_they_use(cli, web_db):
    early, late = web_user("Mixed.Case@example.com"), web_user("Late.Comer@example.com")
    web_db["users"].insert_one(dict(early))
    for typed in ("Mixed.Case@example.com", "Mixed.Case@Example.COM", "mixed.case@example.com"):
        r = login(cli, typed)
        assert r.code == 0, r.err
        assert cli("auth", "whoami").json()["email"] == "Mixed.Case@example.com"
    # a user the web app writes while the CLI has started before: no key yet
    web_db["users"].insert_one(dict(late))
    assert login(cli, "LATE.COMER@example.com").code == 0
    assert cli("auth", "whoami").json()["id"] == late["id"]
    # the CLI registers as the web app would store it, and refuses another spelling
    made = register(cli, "Other.Case@Example.COM")
    assert made["email"] == "Other.Case@example.com"
    assert web_db["users"].find_one({"id": made["id"]})["email"] == "Other.Case@example.com"
    r = cli(
        "auth", "register", "--email", "other.case@example.com", "--name", "X", "--password-stdin",
        input=PW + "\n",
    )  # fmt: skip
    one_error_line(r, 5, "Email already registered in another spelling")
    assert "arangetram auth login" in r.err
    assert web_db["users"].count_documents({}) == 3


# ---- a SQLite file from before this version ----------------------------------------------
def test_a_pre_migration_sqlite_file_logs_in_with_the_spelling_typed_back_then(
    cli, tmp_path, monkeypatch
):
    from arangetram_cli.store.sqlite.schema import MIGRATIONS as _MIGRATIONS

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.executescript(
        f"BEGIN; {' '.join(_MIGRATIONS[v] for v in (1, 2, 3))} PRAGMA user_version = 3; COMMIT;"
    )
    old = web_user("other.case@example.com")  # earlier versions lowercased all of it
    conn.execute(
        "INSERT INTO users (id, email, name, password, user_type, created_at) "
        "VALUES (:id, :email, :name, :password, :user_type, :created_at)",
        old,
    )
    conn.close()
    monkeypatch.setenv("ARANGETRAM_DB", str(db))
    r = login(cli, "Other.Case@Example.COM")
    assert r.code == 0, r.err
    assert cli("auth", "whoami").json()["id"] == old["id"]
    one_error_line(login(cli, "Other.Case@Example.COM", "wrong password!"), 3, "Invalid")
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA user_version").fetchone()[0] >= 4
        assert check.execute("SELECT email_lower FROM users").fetchall() == [
            ("other.case@example.com",)
        ]


# ---- look-alikes at the prompt -------------------------------------------------------------
def test_look_alike_addresses_are_refused_or_reach_the_existing_account(cli):
    victim = register(cli, "victim@example.com")
    cases = {
        "vic\u200btim@example.com": (2, "U+200B ZERO WIDTH SPACE"),
        "victim\u202e@example.com": (2, "U+202E RIGHT-TO-LEFT OVERRIDE"),
        "vic\u00adtim@example.com": (2, "U+00AD SOFT HYPHEN"),
        "v\u0456ctim@example.com": (2, "mixes Cyrillic and Latin letters"),
        "\uff56\uff49\uff43\uff54\uff49\uff4d@example.com": (5, "Email already registered"),
        "vi\u0301ctim@example.com": (5, "Email already registered in another spelling"),
        "Victim@example.com": (5, "Email already registered in another spelling"),
    }
    for typed, (code, needle) in cases.items():
        r = cli(
            "auth", "register", "--email", typed, "--name", "Mallory", "--password-stdin",
            input="mallory's password\n",
        )  # fmt: skip
        one_error_line(r, code, needle)
        assert "\u200b" not in r.err and "\u202e" not in r.err  # never echoed raw
        if code == 5:  # the same account: its own password opens it, no other
            assert login(cli, typed).code == 0
            assert cli("auth", "whoami").json()["id"] == victim["id"]
            one_error_line(login(cli, typed, "mallory's password"), 3, "Invalid credentials")


# ---- no oracle in id prefixes --------------------------------------------------------------
def _other_users_event_answers_like_a_missing_one(run) -> None:
    owner, other = use_profile(run, "owner"), use_profile(run, "other")
    register(owner, f"owner-{uniq()}@example.com")
    register(other, f"other-{uniq()}@example.com")
    eid = owner("-q", "events", "create", "--name", "Debut", "--date", "2027-06-12").out.strip()
    assert owner("events", "show", eid[:6]).json()["id"] == eid
    ghost = "0123abcd" if not eid.startswith("0123abcd") else "fedc9876"
    answers = set()
    for ref in (eid, eid[:4], eid[:8], eid[:8].upper(), ghost, ghost[:4]):
        for args in (
            ["events", "show", ref],
            ["events", "update", ref, "--guests", "3"],
            ["bookings", "list", "--event", ref],
            ["vendors", "recommend", "--event", ref],
        ):
            r = other(*args)
            one_error_line(r, 4, "Event not found")
            answers.add(r.err)
    assert answers == {f"error: Event not found ({NEXT_STEP['Event']})\n"}
    assert owner("events", "show", eid).json()["guest_count"] == 100  # nothing changed


def test_other_peoples_ids_are_not_found_by_prefix_or_full_id(cli):
    _other_users_event_answers_like_a_missing_one(cli)


@pytest.mark.service
def test_other_peoples_ids_are_not_found_through_serve(cli, request):
    url = request.getfixturevalue("served").url
    _other_users_event_answers_like_a_missing_one(lambda *a, **k: cli("--api-url", url, *a, **k))


# ---- vendor names --------------------------------------------------------------------------
def _vendor(run, profile: str, name: str, location: str, category: str = "venue"):
    p = use_profile(run, profile)
    register(p, f"{profile}-{uniq()}@example.com", vendor=True)
    r = p(
        "vendors", "create", "--name", name, "--category", category, "--location", location,
        "--price-range", "$$",
    )  # fmt: skip
    return p, r


def _names_stay_unambiguous(run) -> None:
    name = f"Natya Hall {uniq()}"
    _, a = _vendor(run, "a", name, "Fremont, CA")
    _, b = _vendor(run, "b", name, "San Jose, CA")
    assert a.code == 0 and b.code == 0, (a.err, b.err)
    aid, bid = a.json()["id"], b.json()["id"]
    r = run("vendors", "show", name.lower())
    one_error_line(r, 2, f"2 vendors are named '{name.lower()}'")
    for vid, place in ((aid, "Fremont, CA"), (bid, "San Jose, CA")):
        assert f"{vid[:8]} ({place})" in r.err
    assert "give the id" in r.err
    assert run("vendors", "show", aid[:8]).json()["id"] == aid
    family = use_profile(run, "fam")
    register(family, f"fam-{uniq()}@example.com")
    eid = family("-q", "events", "create", "--name", "E", "--date", "2027-06-12").out.strip()
    one_error_line(family("events", "add-vendor", eid, name), 2, "2 vendors are named")

    # a third vendor cannot take the name where one already has it, nor rename into it
    c, r = _vendor(run, "c", name.upper(), "fremont, ca")
    one_error_line(r, 5, f"another venue vendor in Fremont, CA is already named '{name}'")
    assert c("vendors", "mine").code == 4  # nothing was created
    d, r = _vendor(run, "d", f"Kala {uniq()}", "Fremont, CA")
    assert r.code == 0, r.err
    one_error_line(d("vendors", "update", "--name", name), 5, f"({aid[:8]})")
    assert d("vendors", "mine").json()["business_name"].startswith("Kala")
    assert run("vendors", "show", bid).json()["business_name"] == name


def test_vendor_names_stay_unambiguous(cli):
    _names_stay_unambiguous(cli)


@pytest.mark.service
def test_vendor_names_stay_unambiguous_through_serve(cli, request):
    url = request.getfixturevalue("served").url
    _names_stay_unambiguous(lambda *a, **k: cli("--api-url", url, *a, **k))
