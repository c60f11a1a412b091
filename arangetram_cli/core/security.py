"""Passwords (bcrypt) and tokens (JWT, HS256), compatible with the web back end."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

from arangetram_cli.core.errors import AuthRequired, Invalid

TOKEN_LIFETIME = 7 * 24 * 3600  # the contract's 7 days
GUEST_TOKEN_LIFETIME = 24 * 3600  # guests are throw-away: they expire after a day
BCRYPT_LIMIT = 72


def _rounds() -> int:
    # Cost 12 as the web app's bcrypt.gensalt(); tests may lower it (never below 4).
    try:
        return min(16, max(4, int(os.environ.get("ARANGETRAM_BCRYPT_ROUNDS", "12"))))
    except ValueError:
        return 12


def hash_password(password: str) -> str:
    import bcrypt

    raw = password.encode("utf-8")
    if len(raw) > BCRYPT_LIMIT:
        raise Invalid(
            f"password is longer than {BCRYPT_LIMIT} bytes in UTF-8; choose a shorter one"
        )
    return bcrypt.hashpw(raw, bcrypt.gensalt(_rounds())).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    import bcrypt

    if not hashed:
        return False  # guests have no password
    # Older bcrypt (as the web app may have used) silently truncated to 72 bytes; bcrypt 5
    # raises instead. Truncating here lets such users keep logging in.
    raw = password.encode("utf-8")[:BCRYPT_LIMIT]
    try:
        return bcrypt.checkpw(raw, hashed.encode("ascii"))
    except ValueError:
        return False  # not a bcrypt hash


# Tokens are JWTs (RFC 7519) signed with HS256, as the web back end's PyJWT makes them, and
# read by it. They are coded here with hmac, base64 and json rather than with PyJWT: importing
# PyJWT pulls in ssl, urllib and http.client (its JWKS client), and cryptography when present,
# ~25-60 ms on every logged-in command, for a format this small. The tests check both ways
# against PyJWT, and that this reader refuses everything PyJWT refuses (and more).
_B64URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _b64encode(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url without padding: any other character is an error (the standard
    library's decoder would skip it silently), and so is a second spelling of the same bytes."""
    import base64

    raw = text.encode("ascii", "replace")
    if not _B64URL.issuperset(raw) or len(raw) % 4 == 1:
        raise ValueError("not base64url")
    decoded = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    if _b64encode(decoded) != text:  # stray low bits in the last character: one token, one form
        raise ValueError("not canonical base64url")
    return decoded


def _json_object(segment: str) -> dict[str, Any]:
    import json

    value = json.loads(_b64decode(segment))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _sign(signing_input: str, secret: str) -> bytes:
    import hashlib
    import hmac

    return hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()


def _number(value: Any) -> bool:
    """A JSON number claim: an int, or a finite float (never a bool)."""
    import math

    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def create_token(user_id: str, user_type: str, secret: str, *, lifetime: int | None = None) -> str:
    import json

    if lifetime is None:
        lifetime = GUEST_TOKEN_LIFETIME if user_type == "guest" else TOKEN_LIFETIME
    payload = {"user_id": user_id, "user_type": user_type, "exp": int(time.time()) + lifetime}
    header = _b64encode(b'{"alg":"HS256","typ":"JWT"}')
    body = _b64encode(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return f"{header}.{body}.{_b64encode(_sign(f'{header}.{body}', secret))}"


MAX_TOKEN = 8192  # ours are ~200 characters; nothing longer is worth parsing


def decode_token(token: str, secret: str) -> dict[str, Any]:
    """Verify signature and expiry; only HS256 is accepted (never `alg: none`).

    Refuses every token PyJWT (as the web back end calls it) refuses: time claims compare as
    integers, a non-empty `aud` is refused when no audience is expected, `sub` and `jti` must
    be strings, and so must a header `kid`."""
    import hmac

    invalid = AuthRequired("Invalid token", hint="log in again: arangetram auth login")
    parts = token.split(".") if isinstance(token, str) and len(token) <= MAX_TOKEN else []
    if len(parts) != 3:
        raise invalid
    try:
        header = _json_object(parts[0])
        if header.get("alg") != "HS256" or "crit" in header or header.get("b64", True) is not True:
            raise invalid
        if "kid" in header and not isinstance(header["kid"], str):
            raise invalid
        given = _b64decode(parts[2])
        if not hmac.compare_digest(given, _sign(f"{parts[0]}.{parts[1]}", secret)):
            raise invalid
        payload = _json_object(parts[1])
    except (ValueError, UnicodeError, RecursionError):  # bad base64 or JSON, or nested deep
        raise invalid from None
    claims = {k: payload[k] for k in ("exp", "nbf", "iat") if k in payload}
    if "exp" not in claims or not all(_number(v) for v in claims.values()):
        raise invalid
    now = time.time()
    exp, nbf, iat = (int(claims[k]) if k in claims else None for k in ("exp", "nbf", "iat"))
    if exp <= now:
        raise AuthRequired("Token expired", hint="log in again: arangetram auth login")
    if (nbf is not None and nbf > now) or (iat is not None and iat > now):
        raise invalid  # not valid yet (as PyJWT: no leeway)
    if payload.get("aud") or not isinstance(payload.get("user_id"), str):
        raise invalid
    if any(k in payload and not isinstance(payload[k], str) for k in ("sub", "jti")):
        raise invalid
    return payload


def peek_token(token: str) -> dict[str, Any]:
    """The payload without verifying it: for showing expiry of a token held by a client."""
    parts = token.split(".") if isinstance(token, str) and len(token) <= MAX_TOKEN else []
    try:
        return _json_object(parts[1]) if len(parts) == 3 else {}
    except (ValueError, UnicodeError, RecursionError):
        return {}


def load_or_create_secret(path: Path) -> str:
    """The local signing secret: made on first use, kept owner-only beside the database.

    Written to a private temp file and linked into place, so two first runs racing each other
    agree on one secret and nobody ever reads a half-written file."""
    import secrets

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)  # never leave a signing key readable by others
    value = path.read_text().strip()
    if len(value) < 32:
        raise Invalid(f"the secret in {path} is too short; delete the file to make a new one")
    return value
