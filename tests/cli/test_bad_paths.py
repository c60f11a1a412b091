"""Every refusal: one `error:` line on stderr, a documented exit code, no traceback, and the
store unchanged."""

from __future__ import annotations

import time
from pathlib import Path

import bcrypt
import jwt
import pytest

from arangetram_cli.core.refs import NEXT_STEP
from tests.cli.test_journey import register, use_profile
from tests.conftest import one_error_line

PW = "correct horse battery\n"


@pytest.fixture
def world(cli):
    """A family with an event, a second family, a vendor with a profile and a pending booking."""
    cli("seed")
    fam, other, ven, ven2 = (use_profile(cli, p) for p in ("fam", "other", "ven", "ven2"))
    register(fam, "fam@example.com")
    register(other, "other@example.com")
    register(ven, "ven@example.com", vendor=True)
    register(ven2, "ven2@example.com", vendor=True)
    vid = ven(
        "vendors",
        "create",
        "--name",
        "Ven Hall",
        "--category",
        "venue",
        "--location",
        "Dublin, CA",
        "--price-range",
        "$$",
    ).json()["id"]
    v2 = ven2(
        "vendors",
        "create",
        "--name",
        "Other Hall",
        "--category",
        "venue",
        "--location",
        "Dublin, CA",
        "--price-range",
        "$",
    ).json()["id"]
    eid = fam("-q", "events", "create", "--name", "E", "--date", "2027-02-02").out.strip()
    bid = fam("-q", "bookings", "create", "--event", eid, "--vendor", vid).out.strip()
    return {
        "fam": fam,
        "other": other,
        "ven": ven,
        "ven2": ven2,
        "vid": vid,
        "v2": v2,
        "eid": eid,
        "bid": bid,
        "cli": cli,
    }


def test_wrong_password(cli):
    register(cli, "a@example.com")
    r = cli(
        "auth", "login", "--email", "a@example.com", "--password-stdin", input="not the password\n"
    )
    one_error_line(r, 3, "Invalid credentials")


def test_unknown_email_reads_like_wrong_password(cli):
    r = cli("auth", "login", "--email", "nobody@example.com", "--password-stdin", input=PW)
    one_error_line(r, 3, "Invalid credentials")


def test_not_logged_in(cli):
    one_error_line(cli("events", "list"), 3, "not logged in")
    one_error_line(cli("auth", "whoami"), 3, "not logged in")
    one_error_line(cli("auth", "token"), 3, "not logged in")


def _secret(env) -> str:
    return (Path(env["ARANGETRAM_DATA_DIR"]) / "jwt_secret").read_text().strip()


def test_expired_and_tampered_tokens(cli, env, monkeypatch):
    user = register(cli, "t@example.com")
    expired = jwt.encode(
        {"user_id": user["id"], "user_type": "user", "exp": int(time.time()) - 10},
        _secret(env),
        algorithm="HS256",
    )
    monkeypatch.setenv("ARANGETRAM_TOKEN", expired)
    one_error_line(cli("events", "list"), 3, "Token expired")
    forged = jwt.encode(
        {"user_id": user["id"], "user_type": "user", "exp": int(time.time()) + 999},
        "x" * 40,
        algorithm="HS256",
    )
    monkeypatch.setenv("ARANGETRAM_TOKEN", forged)
    one_error_line(cli("events", "list"), 3, "Invalid token")
    unsigned = jwt.encode(
        {"user_id": user["id"], "exp": int(time.time()) + 999}, None, algorithm="none"
    )
    monkeypatch.setenv("ARANGETRAM_TOKEN", unsigned)
    one_error_line(cli("events", "list"), 3, "Invalid token")
    monkeypatch.setenv("ARANGETRAM_TOKEN", "garbage")
    one_error_line(cli("auth", "whoami"), 3, "Invalid token")


def test_token_of_deleted_user_is_refused(cli, env):
    from arangetram_cli.store.sqlite import SqliteStore

    user = register(cli, "gone@example.com")
    store = SqliteStore(Path(env["ARANGETRAM_DATA_DIR"]) / "arangetram.db")
    assert store.users.delete(user["id"])
    store.close()
    one_error_line(cli("events", "list"), 3, "User not found")


EVENT_HINT = NEXT_STEP["Event"]
BOOKING_HINT = NEXT_STEP["Booking"]


def test_wrong_user_on_every_mutating_command(world):
    w = world
    eid, vid, bid = w["eid"], w["vid"], w["bid"]
    other, ven, ven2, fam = w["other"], w["ven"], w["ven2"], w["fam"]
    before = fam("events", "show", eid).json()
    # Someone else's event or booking, by full id or by prefix, answers exactly as an id
    # that does not exist (exit 4, same line): no oracle for guessing ids.
    ghost = "0" * 8 if not eid.startswith("0" * 8) else "f" * 8
    hidden = [
        (["events", "show", "{e}"], "Event not found"),
        (["events", "update", "{e}", "--guests", "5"], "Event not found"),
        (["events", "add-vendor", "{e}", vid], "Event not found"),
        (["events", "remove-vendor", "{e}", vid], "Event not found"),
        (["bookings", "create", "--event", "{e}", "--vendor", vid], "Event not found"),
    ]
    for args, message in hidden:
        errs = set()
        for ref in (eid, eid[:8], ghost):
            r = other(*[a.replace("{e}", ref) for a in args])
            one_error_line(r, 4, message)
            errs.add(r.err)
        assert errs == {f"error: {message} ({EVENT_HINT})\n"}, (args, errs)
    errs = set()
    for ref in (bid, bid[:8], ghost):
        r = ven2("bookings", "respond", ref, "accept")
        one_error_line(r, 4, "Booking not found")
        errs.add(r.err)
    assert errs == {f"error: Booking not found ({BOOKING_HINT})\n"}, errs
    # Public vendors, and a booking the caller is a party to: known, but not theirs to change.
    for r in (
        ven2("vendors", "update", vid, "--name", "Stolen"),
        fam("bookings", "respond", bid, "accept"),
    ):
        one_error_line(r, 3, "Not authorized")
    one_error_line(
        fam(
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
        "Only vendors",
    )
    assert fam("events", "show", eid).json() == before
    assert ven("vendors", "mine").json()["business_name"] == "Ven Hall"
    assert ven("bookings", "list", "--as-vendor").json()[0]["status"] == "pending"
    assert other("bookings", "list").json() == []


def test_state_rules(world):
    w = world
    one_error_line(
        w["ven"](
            "vendors",
            "create",
            "--name",
            "Again",
            "--category",
            "venue",
            "--location",
            "Y",
            "--price-range",
            "$",
        ),
        5,
        "already exists",
    )
    one_error_line(
        w["fam"]("bookings", "create", "--event", w["eid"], "--vendor", w["vid"]),
        5,
        "pending request",
    )
    assert w["ven"]("bookings", "respond", w["bid"], "decline").code == 0
    one_error_line(w["ven"]("bookings", "respond", w["bid"], "accept"), 5, "already declined")
    one_error_line(w["ven"]("bookings", "respond", w["bid"], "maybe"), 2, "accept or decline")
    one_error_line(
        w["other"](
            "auth",
            "register",
            "--email",
            "fam@example.com",
            "--name",
            "D",
            "--password-stdin",
            input=PW,
        ),
        5,
        "Email already registered",
    )


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["vendors", "show", "00000000-0000-4000-8000-000000000000"], 4, "Vendor not found"),
        (["vendors", "show", "zzzz"], 4, "Vendor not found"),
        (["events", "show", "ffffffff"], 4, "Event not found"),
        (["bookings", "respond", "ffffffff", "accept"], 4, "Booking not found"),
        (["vendors", "mine"], 4, "No vendor profile"),
        (["bookings", "list", "--as-vendor"], 4, "Vendor profile not found"),
        (
            ["events", "create", "--name", "x", "--date", "2027-02-30"],
            2,
            "--date: 2027-02-30 is not a day (February has 28 days in 2027)",
        ),
        (
            ["events", "update", "x", "--date", "2028-02-30"],
            2,
            "2028-02-30 is not a day (February has 29 days in 2028)",
        ),
        (["events", "create", "--name", "x", "--date", "tomorrow"], 2, "bad date"),
        (
            ["events", "create", "--name", "x", "--date", "2027-01-01", "--guests", "-3"],
            2,
            "--guests",
        ),
        (
            ["events", "create", "--name", "x", "--date", "2027-01-01", "--budget", "cheap"],
            2,
            "price range",
        ),
        (["events", "create", "--date", "2027-01-01"], 2, "missing --name"),
        (["events", "update", "x"], 2, "nothing to change"),
        (["vendors", "list", "--category", "florist"], 2, "unknown category"),
        (["vendors", "list", "--price-range", "$$$$$"], 2, "price range"),
        (["vendors", "list", "--limit", "0"], 2, "--limit"),
        (["-o", "yaml", "vendors", "list"], 2, "yaml"),
        (["vendors", "lst"], 2, "No such command"),
        (["vendors", "list", "--colour"], 2, "No such option"),
        (["auth", "login", "--email", "a@b.co"], 2, "--password-stdin"),
        (["auth", "register", "--name", "x", "--password-stdin"], 2, "missing --email"),
    ],
)
def test_bad_input(cli, args, code, needle):
    cli("seed")
    register(cli, "bad@example.com")
    one_error_line(cli(*args, input=""), code, needle)


def test_registration_refuses_passwords_bcrypt_cannot_hash(cli):
    r = cli(
        "auth",
        "register",
        "--email",
        "l@example.com",
        "--name",
        "L",
        "--password-stdin",
        input="é" * 40 + "\n",
    )  # 80 bytes in UTF-8
    one_error_line(r, 2, "72 bytes")
    one_error_line(
        cli(
            "auth",
            "register",
            "--email",
            "s@example.com",
            "--name",
            "S",
            "--password-stdin",
            input="short\n",
        ),
        2,
        "at least 8",
    )
    one_error_line(
        cli(
            "auth",
            "register",
            "--email",
            "not-an-email",
            "--name",
            "S",
            "--password-stdin",
            input=PW,
        ),
        2,
        "email",
    )


def test_web_app_hash_of_a_long_password_still_logs_in(cli, env):
    """Older bcrypt truncated at 72 bytes; a user the web app registered that way can log in."""
    from arangetram_cli.store.sqlite import SqliteStore

    cli("seed")
    long_pw = "p" * 90
    hashed = bcrypt.hashpw(long_pw.encode()[:72], bcrypt.gensalt(4)).decode()
    store = SqliteStore(Path(env["ARANGETRAM_DATA_DIR"]) / "arangetram.db")
    store.users.insert(
        {
            "id": "7c0c6a3e-3f6b-4a8e-9d0e-2b1f7f9f1a11",
            "email": "web@example.com",
            "name": "Web",
            "password": hashed,
            "user_type": "user",
            "created_at": "2026-02-07T10:00:00.000000+00:00",
        }
    )
    store.close()
    r = cli("auth", "login", "--email", "web@example.com", "--password-stdin", input=long_pw + "\n")
    assert r.code == 0, r.err


def test_bad_seed_file_writes_nothing(cli, tmp_path):
    good = '{"business_name": "A", "category": "venue", "price_range": "$"}'
    bad = '{"business_name": "B", "category": "florist", "price_range": "$"}'
    f = tmp_path / "v.jsonl"
    f.write_text("\n".join([good, good, bad, good]) + "\n")
    r = cli("seed", "--file", str(f))
    one_error_line(r, 2, "line 3")
    assert cli("vendors", "list", "--all").json() == []
    one_error_line(cli("seed", "--file", str(tmp_path / "missing.csv")), 2, "missing.csv")


def test_unreachable_mongo_fails_fast(cli, monkeypatch):
    monkeypatch.setenv("MONGO_URL", "mongodb://127.0.0.1:9/?directConnection=true")
    monkeypatch.setenv("ARANGETRAM_MONGO_TIMEOUT_MS", "1500")
    started = time.monotonic()
    r = cli("vendors", "list")
    assert time.monotonic() - started < 10
    one_error_line(r, 6, "MongoDB")


def test_required_keyring_without_backend(cli, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "keyring")
    r = cli(
        "auth", "register", "--email", "k@example.com", "--name", "K", "--password-stdin", input=PW
    )
    one_error_line(r, 6, "keyring")


def test_an_error_stays_one_line_and_keeps_indic_text(capsys) -> None:
    from arangetram_cli.cli.output import report_error as _report

    _report("no file 'a\nb\r.jpg' for \u0936\u094d\u200d\u0930\u0940 Studio", "try\u2028again")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "a\\nb\\r.jpg" in err and "try\\u2028again" in err
    assert "\u0936\u094d\u200d\u0930\u0940" in err  # a zero-width joiner is text, not control
