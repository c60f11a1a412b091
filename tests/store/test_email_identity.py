"""One account per address: how addresses are stored and matched, on every store, on a
database the web app wrote (Mongo) and on a file an earlier version of this tool wrote
(SQLite).

The rules (arangetram_cli/core/identity.py): stored as the web app stores them (NFKC, the
domain lowercased, the local part as typed); invisible characters and mixed alphabets are
refused; `email_key` (case, width and Latin/Greek/Cyrillic accents folded) is unique in the
database, and login falls back to it when exactly one account has it.
"""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from arangetram_cli.core.errors import AuthRequired, Conflict, Invalid
from arangetram_cli.core.identity import email_key, normalize_email
from arangetram_cli.core.security import hash_password
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.store.base import EMAIL_TAKEN, EMAIL_TAKEN_OTHER_SPELLING
from arangetram_cli.store.sqlite import SqliteStore
from arangetram_cli.store.sqlite.schema import MIGRATIONS as _MIGRATIONS

PASSWORD = "correct horse battery"
SECRET = "s" * 40


@pytest.fixture(autouse=True)
def _cheap_bcrypt(env):
    """The isolated environment, with its cheap bcrypt cost."""


def user_doc(email: str, *, created_at: str = "2026-01-01T00:00:00.000000+00:00") -> dict:
    return {
        "id": str(uuid.uuid4()),
        "email": email,
        "name": "Someone",
        "password": hash_password(PASSWORD),
        "user_type": "user",
        "created_at": created_at,
    }


# ---- the rules themselves ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Mixed.Case@Example.COM", "Mixed.Case@example.com"),
        ("  victim@example.com ", "victim@example.com"),
        ("\uff56\uff49\uff43\uff54\uff49\uff4d@example.com", "victim@example.com"),  # fullwidth
        ("victim@\uff25xample.com", "victim@example.com"),  # fullwidth in the domain
        ("vi\u0301ctim@example.com", "v\u00edctim@example.com"),  # NFKC composes the accent
        ("\u0b95\u0bae\u0bb2\u0bbe@example.com", "\u0b95\u0bae\u0bb2\u0bbe@example.com"),  # Tamil
        ("\u0438\u0432\u0430\u043d@example.com", "\u0438\u0432\u0430\u043d@example.com"),  # иван
    ],
)
def test_addresses_are_stored_as_the_web_app_stores_them(typed, stored):
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("vic\u200btim@example.com", "U+200B ZERO WIDTH SPACE"),
        ("vic\u200ctim@example.com", "U+200C ZERO WIDTH NON-JOINER"),
        ("vic\u200dtim@example.com", "U+200D ZERO WIDTH JOINER"),
        ("vic\u2060tim@example.com", "U+2060 WORD JOINER"),
        ("\ufeffvictim@example.com", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("vic\u00adtim@example.com", "U+00AD SOFT HYPHEN"),
        ("victim\u200e@example.com", "U+200E LEFT-TO-RIGHT MARK"),
        ("victim\u202e@example.com", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("victim@exam\u2066ple.com", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("victim\ufe0f@example.com", "U+FE0F VARIATION SELECTOR-16"),
        ("vic\u034ftim@example.com", "U+034F COMBINING GRAPHEME JOINER"),
        ("victim\u3164@example.com", "U+3164 HANGUL FILLER"),
        ("victim\x1b[2J@example.com", "U+001B"),
        ("vic\u00a0tim@example.com", "U+00A0 NO-BREAK SPACE"),
        ("v\u0456ctim@example.com", "mixes Cyrillic and Latin letters"),  # Cyrillic і
        ("victim@ex\u0430mple.com", "mixes Cyrillic and Latin letters"),  # Cyrillic а
        ("v\u03b9ctim@example.com", "mixes Greek and Latin letters"),  # Greek ι
        ("not-an-email", "bad email address"),
        ("two words@example.com", "bad email address"),
    ],
)
def test_invisible_characters_and_mixed_alphabets_are_refused(typed, why):
    with pytest.raises(ValueError, match=why.replace("+", r"\+").replace("[", r"\[")):
        normalize_email(typed)


def test_one_key_for_case_width_and_accents_but_not_for_other_scripts_marks():
    victim = email_key("victim@example.com")
    for twin in (
        "Victim@Example.com",
        "VICTIM@EXAMPLE.COM",
        "\uff56\uff49\uff43\uff54\uff49\uff4d@example.com",
        "vi\u0301ctim@example.com",
        "v\u00edctim@example.com",
        "v\u00ccctim@example.com",
    ):
        assert email_key(twin) == victim, twin
    assert email_key("victor@example.com") != victim
    # Tamil vowel signs are combining marks that make different names: kept
    assert email_key("\u0b95\u0bae\u0bb2\u0bbe@x.com") != email_key("\u0b95\u0bae\u0bb2@x.com")


# ---- every store -------------------------------------------------------------------------
def test_the_key_is_unique_in_the_store_and_never_returned(store):
    first = user_doc("Mixed.Case@example.com")
    store.users.insert(first)
    assert store.users.get_by_email("Mixed.Case@example.com") == first
    assert store.users.get_by_email("mixed.case@example.com") is None  # exact is exact
    assert store.users.find_by_email_key("mixed.case@example.com") == [first]
    assert "email_lower" not in store.users.get(first["id"])
    assert "email_lower" not in store.users.get_many([first["id"]])[first["id"]]
    with pytest.raises(Conflict) as e:
        store.users.insert(user_doc("Mixed.Case@example.com"))
    assert e.value.message == EMAIL_TAKEN
    for twin in (
        "mixed.case@example.com",
        "MIXED.CASE@example.com",
        "Mi\u0301xed.Case@example.com",
    ):
        with pytest.raises(Conflict) as e:
            store.users.insert(user_doc(twin))  # the database refuses it, not only the planner
        assert e.value.message == EMAIL_TAKEN_OTHER_SPELLING
    assert store.users.find_by_email_key("nobody@example.com") == []


@pytest.mark.parametrize(
    "twin",
    [
        "\uff56\uff49\uff43\uff54\uff49\uff4d@example.com",  # fullwidth
        "vi\u0301ctim@example.com",  # combining acute
        "v\u00edctim@example.com",  # precomposed í
        "Victim@example.com",
        "VICTIM@EXAMPLE.COM",
    ],
)
def test_look_alikes_cannot_register_and_log_in_to_the_existing_account(store, twin):
    victim = LocalPlanner(store, SECRET).register("victim@example.com", "Victim", PASSWORD)
    with pytest.raises(Conflict) as e:
        LocalPlanner(store, SECRET).register(twin, "Mallory", PASSWORD)
    assert e.value.exit_code == 5
    assert e.value.message in (EMAIL_TAKEN, EMAIL_TAKEN_OTHER_SPELLING)
    # whoever types the look-alike reaches the victim's account, and only with its password
    assert LocalPlanner(store, SECRET).login(twin, PASSWORD)["user"]["id"] == victim["user"]["id"]
    with pytest.raises(AuthRequired, match=r"^Invalid credentials$"):
        LocalPlanner(store, SECRET).login(twin, "mallory's password")
    assert store.users.find_by_email_key(email_key(twin), 5) == [
        store.users.get(victim["user"]["id"])
    ]


@pytest.mark.parametrize(
    "hidden", ["vic\u200btim@example.com", "victim\u202e@example.com", "vic\u00adtim@example.com"]
)
def test_invisible_characters_are_bad_input_at_register_and_login(store, hidden):
    LocalPlanner(store, SECRET).register("victim@example.com", "Victim", PASSWORD)
    for attempt in (
        lambda: LocalPlanner(store, SECRET).register(hidden, "Mallory", PASSWORD),
        lambda: LocalPlanner(store, SECRET).login(hidden, PASSWORD),
    ):
        with pytest.raises(Invalid, match=r"invisible or formatting character") as e:
            attempt()
        assert e.value.exit_code == 2
    assert store.users.find_by_email_key("victim@example.com", 5)[0]["name"] == "Victim"


def test_login_by_key_needs_exactly_one_account(store):
    """The web app let `Asha@x` and `asha@x` both register: each logs in by its exact
    spelling, and a third spelling matches neither (which one would it be?)."""
    upper = user_doc("Asha@example.com", created_at="2026-01-01T00:00:00.000000+00:00")
    store.users.insert(upper)
    lower = user_doc("asha@example.com", created_at="2026-01-02T00:00:00.000000+00:00")
    lower["email_lower"] = None
    _insert_without_key(store, lower)
    assert (
        LocalPlanner(store, SECRET).login("Asha@example.com", PASSWORD)["user"]["id"]
        == (upper["id"])
    )
    assert (
        LocalPlanner(store, SECRET).login("asha@example.com", PASSWORD)["user"]["id"]
        == (lower["id"])
    )
    assert len(store.users.find_by_email_key("asha@example.com", 5)) == 2
    with pytest.raises(AuthRequired, match=r"^Invalid credentials$"):
        LocalPlanner(store, SECRET).login("ASHA@example.com", PASSWORD)


def _insert_without_key(store, doc: dict) -> None:
    """A user row as the web app (Mongo) or a look-alike from before the rule (SQLite)
    left it: no key."""
    doc = {k: v for k, v in doc.items() if k != "email_lower"}
    if store.kind == "sqlite":
        cols = list(doc)
        store.conn.execute(
            f"INSERT INTO users ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [doc[c] for c in cols],
        )
    else:
        store.db["users"].insert_one(dict(doc))


# ---- a database the web app wrote (Mongo) --------------------------------------------------
def web_user(email: str, **extra) -> dict:
    """A user document exactly as the web app writes it (EmailStr: local part as typed)."""
    return {**user_doc(email), **extra}


@pytest.mark.mongo
def test_web_app_users_are_keyed_at_start_and_found_before_that():
    import mongomock_ng

    from arangetram_cli.store.mongo import MongoStore

    client = mongomock_ng.MongoClient()
    users = client["arangetram"]["users"]
    before = web_user("Mixed.Case@example.com")
    dup_a = web_user("Twin@example.com", created_at="2026-01-01T00:00:00.000000+00:00")
    dup_b = web_user("twin@example.com", created_at="2026-01-02T00:00:00.000000+00:00")
    for d in (before, dup_a, dup_b):
        users.insert_one(dict(d))

    store = MongoStore("mongodb://stand-in", client=client)
    raw = {d["id"]: d for d in users.find({}, {"_id": 0})}
    assert raw[before["id"]]["email_lower"] == "mixed.case@example.com"  # backfilled
    assert raw[dup_a["id"]]["email_lower"] == "twin@example.com"  # the earliest keeps it
    assert "email_lower" not in raw[dup_b["id"]]
    assert store.index_warnings == []

    # Written by the web app while this store is open: no key, found all the same.
    after = web_user("Late.Comer@example.com")
    users.insert_one(dict(after))
    for typed, who in (
        ("Mixed.Case@example.com", before),
        ("mixed.case@EXAMPLE.com", before),
        ("Late.Comer@example.com", after),
        ("LATE.COMER@example.com", after),
        ("\uff2cate.Comer@example.com", after),  # fullwidth L
    ):
        assert LocalPlanner(store, SECRET).login(typed, PASSWORD)["user"]["id"] == who["id"]
    with pytest.raises(Conflict, match=r"^Email already registered in another spelling"):
        LocalPlanner(store, SECRET).register("late.comer@example.com", "Copy", PASSWORD)
    with pytest.raises(AuthRequired):  # Twin/twin: two accounts, a third spelling is neither
        LocalPlanner(store, SECRET).login("TWIN@example.com", PASSWORD)
    # A second start is idempotent; the late user gets its key then.
    again = MongoStore("mongodb://stand-in", client=client)
    assert users.find_one({"id": after["id"]})["email_lower"] == "late.comer@example.com"
    assert "email_lower" not in users.find_one({"id": dup_b["id"]})
    assert "email_lower" not in again.users.get(after["id"])
    assert again.users.backfill_email_keys() == 0


@pytest.mark.mongo
def test_a_key_taken_in_between_is_refused_by_the_index(mongomock_store):
    """Two writers registering look-alikes at once: the unique index on email_lower keeps
    one (the planner's check cannot see the other's insert)."""
    mongomock_store.users.insert(user_doc("Race@example.com"))
    with pytest.raises(Conflict, match=r"another spelling"):
        mongomock_store.users.insert(user_doc("race@example.com"))
    assert mongomock_store.db["users"].count_documents({}) == 1


# ---- a file an earlier version wrote (SQLite) ----------------------------------------------
def _version_3_file(path, rows: list[dict]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    steps = " ".join(_MIGRATIONS[v] for v in (1, 2, 3))
    conn.executescript(f"BEGIN; {steps} PRAGMA user_version = 3; COMMIT;")
    for d in rows:
        cols = list(d)
        conn.execute(
            f"INSERT INTO users ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [d[c] for c in cols],
        )
    conn.close()


def test_a_pre_migration_file_with_lowercased_emails_still_logs_in(tmp_path):
    path = tmp_path / "old.db"
    # earlier versions lowercased the whole address; a fullwidth look-alike got in too
    asha = user_doc("other.case@example.com", created_at="2026-01-01T00:00:00.000000+00:00")
    victim = user_doc("victim@example.com", created_at="2026-01-02T00:00:00.000000+00:00")
    wide = user_doc(
        "\uff56\uff49\uff43\uff54\uff49\uff4d@example.com",
        created_at="2026-01-03T00:00:00.000000+00:00",
    )
    wide["password"] = hash_password("mallory's password")
    guest = {**user_doc("guest_12345678@arangetram.local"), "password": "", "user_type": "guest"}
    _version_3_file(path, [asha, victim, wide, guest])

    store = SqliteStore(path)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] >= 4
    keys = dict(store.conn.execute("SELECT id, email_lower FROM users"))
    assert keys[asha["id"]] == "other.case@example.com"
    assert keys[victim["id"]] == "victim@example.com" and keys[wide["id"]] is None
    assert keys[guest["id"]] == "guest_12345678@arangetram.local"
    assert store.integrity_check() == "ok"
    # The spelling the user typed back then logs in (exact match first, here the old row).
    for typed in ("Other.Case@Example.COM", "other.case@example.com"):
        assert LocalPlanner(store, SECRET).login(typed, PASSWORD)["user"]["id"] == asha["id"]
    with pytest.raises(Conflict):
        LocalPlanner(store, SECRET).register("Other.Case@example.com", "Again", PASSWORD)
    # The look-alike that got in before: its spelling now means the victim's address, so
    # only the victim's password opens it; another case matches two accounts, so neither.
    typed_wide = wide["email"]
    assert LocalPlanner(store, SECRET).login(typed_wide, PASSWORD)["user"]["id"] == victim["id"]
    with pytest.raises(AuthRequired):
        LocalPlanner(store, SECRET).login(typed_wide, "mallory's password")
    with pytest.raises(AuthRequired):
        LocalPlanner(store, SECRET).login("Victim@example.com", PASSWORD)
    new = LocalPlanner(store, SECRET).register("New.Person@Example.COM", "New", PASSWORD)
    assert new["user"]["email"] == "New.Person@example.com"
    store.close()
    again = SqliteStore(path)  # opening again changes nothing
    assert dict(again.conn.execute("SELECT id, email_lower FROM users")) == {
        **keys,
        new["user"]["id"]: "new.person@example.com",
    }
    again.close()


def test_the_unkeyed_rows_are_read_through_an_index(tmp_path):
    store = SqliteStore(tmp_path / "t.db")
    plan = " ".join(
        str(r[-1])
        for r in store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id, email FROM users WHERE email_lower IS NULL"
        )
    )
    assert "USING INDEX users_email_lower" in plan, plan
    store.close()
