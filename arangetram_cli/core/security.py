"""Passwords (bcrypt) and tokens (PyJWT, HS256), compatible with the web back end."""

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


def create_token(user_id: str, user_type: str, secret: str, *, lifetime: int | None = None) -> str:
    import jwt

    if lifetime is None:
        lifetime = GUEST_TOKEN_LIFETIME if user_type == "guest" else TOKEN_LIFETIME
    payload = {"user_id": user_id, "user_type": user_type, "exp": int(time.time()) + lifetime}
    return jwt.encode(payload, secret, algorithm="HS256")


def decode_token(token: str, secret: str) -> dict[str, Any]:
    """Verify signature and expiry; only HS256 is accepted (never `alg: none`)."""
    import jwt

    try:
        payload = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "user_id"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthRequired("Token expired", hint="log in again: arangetram auth login") from None
    except jwt.InvalidTokenError:
        raise AuthRequired("Invalid token", hint="log in again: arangetram auth login") from None
    if not isinstance(payload.get("user_id"), str):
        raise AuthRequired("Invalid token")
    return payload


def peek_token(token: str) -> dict[str, Any]:
    """The payload without verifying it: for showing expiry of a token held by a client."""
    import jwt

    try:
        return jwt.decode(token, options={"verify_signature": False, "verify_exp": False})
    except jwt.InvalidTokenError:
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
