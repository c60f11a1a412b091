"""Our use of PyJWT for tokens: what we make, the web back end reads (and the reverse), and
what we check refuses every hostile token: another algorithm or `none`, tampering, expiry, a
missing or odd claim, a header nested too deep for json, an oversized token.

The web back end calls `jwt.decode(token, secret, algorithms=["HS256"])`; our reader must
refuse everything that call refuses (it may refuse more: it requires `exp` and a text
`user_id`), never less.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arangetram_cli.core.errors import AuthRequired
from arangetram_cli.core.security import create_token, decode_token, peek_token

SECRET = "token-test-secret-" + "s" * 48  # 64+ bytes: PyJWT warns below that for HS512


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def pyjwt_accepts(token: str, secret: str = SECRET) -> bool:
    try:
        jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "user_id"]})
    except jwt.InvalidTokenError:
        return False
    return True


def we_accept(token: str, secret: str = SECRET) -> bool:
    try:
        decode_token(token, secret)
    except AuthRequired:
        return False
    return True


def test_pyjwt_reads_our_tokens_and_we_read_its() -> None:
    ours = create_token("u1", "vendor", SECRET)
    assert jwt.get_unverified_header(ours) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(ours, SECRET, algorithms=["HS256"])
    assert set(claims) == {"user_id", "user_type", "exp"}  # the web app's payload, no more
    assert claims["user_id"] == "u1" and claims["user_type"] == "vendor"
    assert isinstance(claims["exp"], float)  # as the web app makes it (api-contract.md)
    assert time.time() + 7 * 24 * 3600 - 60 < claims["exp"] <= time.time() + 7 * 24 * 3600
    for exp in (int(time.time()) + 60, time.time() + 60.5):  # either kind of timestamp
        theirs = jwt.encode({"user_id": "u2", "user_type": "user", "exp": exp}, SECRET, "HS256")
        assert decode_token(theirs, SECRET) == {"user_id": "u2", "user_type": "user", "exp": exp}
    assert peek_token(ours)["user_id"] == "u1"


def test_guest_tokens_last_a_day() -> None:
    exp = decode_token(create_token("g", "guest", SECRET), SECRET)["exp"]
    assert time.time() + 23 * 3600 < exp <= time.time() + 24 * 3600 + 1


later = int(time.time()) + 3600
BAD = {
    "other secret": jwt.encode({"user_id": "u", "exp": later}, "another-" + SECRET, "HS256"),
    "expired": jwt.encode({"user_id": "u", "exp": int(time.time()) - 1}, SECRET, "HS256"),
    "no exp": jwt.encode({"user_id": "u"}, SECRET, "HS256"),
    "no user_id": jwt.encode({"exp": later}, SECRET, "HS256"),
    "user_id not text": jwt.encode({"user_id": 7, "exp": later}, SECRET, "HS256"),
    "exp not a number": jwt.encode({"user_id": "u", "exp": "soon"}, SECRET, "HS256"),
    "exp a bool": jwt.encode({"user_id": "u", "exp": True}, SECRET, "HS256"),
    "not yet valid": jwt.encode({"user_id": "u", "exp": later, "nbf": later - 10}, SECRET, "HS256"),
    "issued in the future": jwt.encode(
        {"user_id": "u", "exp": later, "iat": later - 10}, SECRET, "HS256"
    ),
    "HS512": jwt.encode({"user_id": "u", "exp": later}, SECRET, "HS512"),
    "alg none": jwt.encode({"user_id": "u", "exp": later}, None, "none"),
    "lower-case alg": ".".join(
        [b64(b'{"alg":"hs256"}'), b64(json.dumps({"user_id": "u", "exp": later}).encode()), "x"]
    ),
    "two parts": "a.b",
    "four parts": "a.b.c.d",
    "empty": "",
    "payload is a list": "",  # filled below: validly signed, but not an object
    "crit header": "",  # filled below
    "infinite exp": "",  # filled below
}


def _signed(header: bytes, payload: bytes) -> str:
    import hashlib
    import hmac

    h, p = b64(header), b64(payload)
    return f"{h}.{p}.{b64(hmac.new(SECRET.encode(), f'{h}.{p}'.encode(), hashlib.sha256).digest())}"


BAD["payload is a list"] = _signed(b'{"alg":"HS256"}', b'["u"]')
GOOD = json.dumps({"user_id": "u", "exp": later}).encode()
BAD["nested deep (a RecursionError in json)"] = f"{b64(b'[' * 3000 + b']' * 3000)}.e30.AAAA"
BAD["too long"] = _signed(
    b'{"alg":"HS256"}', json.dumps({"user_id": "u" * 9000, "exp": later}).encode()
)
BAD["kid not text"] = _signed(b'{"alg":"HS256","kid":5}', GOOD)
BAD["unencoded payload (b64 false)"] = _signed(b'{"alg":"HS256","b64":false}', GOOD)
BAD["an audience"] = jwt.encode({"user_id": "u", "exp": later, "aud": "other"}, SECRET, "HS256")
BAD["sub not text"] = jwt.encode({"user_id": "u", "exp": later, "sub": 5}, SECRET, "HS256")
BAD["jti not text"] = jwt.encode({"user_id": "u", "exp": later, "jti": [1]}, SECRET, "HS256")
BAD["fractional exp just past"] = _signed(
    b'{"alg":"HS256"}', json.dumps({"user_id": "u", "exp": int(time.time()) + 0.9}).encode()
)
BAD["crit header"] = _signed(
    b'{"alg":"HS256","crit":["exp"]}', json.dumps({"user_id": "u", "exp": later}).encode()
)
BAD["infinite exp"] = _signed(b'{"alg":"HS256"}', b'{"user_id":"u","exp":Infinity}')


@pytest.mark.parametrize("name", sorted(BAD))
def test_refuses(name: str) -> None:
    with pytest.raises(AuthRequired) as e:
        decode_token(BAD[name], SECRET)
    assert e.value.exit_code == 3
    # PyJWT compares int(exp) with the clock: `true` is 1 (1970), and so is expired
    expired = {"expired", "fractional exp just past", "exp a bool"}
    assert e.value.message == ("Token expired" if name in expired else "Invalid token")


def test_a_good_signature_is_accepted_and_any_flipped_character_is_not() -> None:
    good = create_token("u", "user", SECRET)
    assert we_accept(good)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, ch in enumerate(good):
        if ch == ".":
            continue
        other = alphabet[(alphabet.index(ch) + 1) % len(alphabet)]
        mutated = good[:i] + other + good[i + 1 :]
        if pyjwt_accepts(mutated):  # a flip in the unused low bits of the last character
            continue
        assert not we_accept(mutated), (i, mutated)


@settings(max_examples=300, deadline=None)
@given(
    claims=st.dictionaries(
        st.sampled_from(["user_id", "user_type", "exp", "nbf", "iat", "aud", "sub", "jti", "x"]),
        st.one_of(
            st.text(max_size=8),
            st.integers(min_value=-(2**40), max_value=2**40),
            st.floats(allow_nan=False, allow_infinity=False),
            st.booleans(),
            st.none(),
            st.just(int(time.time()) + 600),
            st.just(int(time.time()) - 600),
        ),
    ),
    alg=st.sampled_from(["HS256", "HS256", "HS384", "none"]),
    secret=st.sampled_from([SECRET, "wrong-" + SECRET]),
)
def test_never_accepts_what_pyjwt_refuses(claims: dict, alg: str, secret: str) -> None:
    token = jwt.encode(claims, None if alg == "none" else secret, alg)
    if we_accept(token):
        assert pyjwt_accepts(token), (claims, alg, secret)
        assert decode_token(token, SECRET) == jwt.decode(token, SECRET, algorithms=["HS256"])


def test_a_huge_exp_is_a_far_future_not_a_crash() -> None:
    token = _signed(b'{"alg":"HS256"}', b'{"user_id":"u","exp":1' + b"0" * 400 + b"}")
    assert decode_token(token, SECRET)["user_id"] == "u"
    assert pyjwt_accepts(token)


def test_the_server_answers_a_hostile_header_with_401(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from arangetram_cli.server.app import create_app
    from arangetram_cli.store.sqlite import SqliteStore

    app = create_app(lambda: SqliteStore(tmp_path / "app.db"), SECRET)
    client = TestClient(app, raise_server_exceptions=False)
    bad = BAD["nested deep (a RecursionError in json)"]
    r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {bad}"})
    assert r.status_code == 401


@settings(max_examples=300, deadline=None)
@given(junk=st.text(max_size=80))
def test_junk_is_refused_cleanly(junk: str) -> None:
    assert not we_accept(junk)
    assert isinstance(peek_token(junk), dict)


def test_pyjwt_is_loaded_without_cryptography_which_still_imports_later() -> None:
    """core.security.pyjwt keeps PyJWT's eager `cryptography` import off the start-up path,
    tokens still sign and verify, and the process can import cryptography afterwards (the
    Secret Service keyring needs it)."""
    code = """
import sys
from arangetram_cli.core import security
secret = "s" * 40
tok = security.create_token("u1", "user", secret)
assert security.decode_token(tok, secret)["user_id"] == "u1"
assert "cryptography" not in sys.modules, "PyJWT pulled in cryptography"
import cryptography.hazmat.primitives.hashes  # not blocked for later imports
import jwt
assert jwt.decode(tok, secret, algorithms=["HS256"])["user_id"] == "u1"
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
