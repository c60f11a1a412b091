"""Passwords (bcrypt) and tokens (JWT, HS256, PyJWT), compatible with the web back end."""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
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


# Tokens are JWTs (RFC 7519) signed with HS256 by PyJWT, the web back end's library, with its
# payload ({user_id, user_type, exp}, exp a float timestamp as it makes them). PyJWT is
# imported only here, where a token is made or checked: its import pulls in cryptography and
# its JWKS client's urllib and ssl (README, Speed), which commands without a login never pay.
MAX_TOKEN = 8192  # ours are ~200 characters; nothing longer is worth parsing


_JWT: ModuleType | None = None
_JWT_LOCK = threading.Lock()


def pyjwt() -> ModuleType:
    """PyJWT, imported without `cryptography` unless this process has loaded it already.

    PyJWT imports `cryptography` eagerly for its RSA, EC and EdDSA algorithms: about 35 ms of a
    logged-in command's start-up (`python -X importtime -c "import jwt"`). Tokens here are
    HS256 only, which PyJWT computes with the standard library's hmac. A None entry in
    sys.modules is the import system's documented way to make an import raise
    ModuleNotFoundError, which PyJWT handles by leaving those algorithms out; the entry is
    removed again at once, so a later `import cryptography` (the Secret Service keyring, boto3)
    works as usual."""
    global _JWT
    if _JWT is None:
        with _JWT_LOCK:  # server threads: one import; none sees a half-initialized module
            if _JWT is None:
                block = "cryptography" not in sys.modules
                if block:
                    sys.modules["cryptography"] = None  # type: ignore[assignment]
                try:
                    import jwt
                finally:
                    if block and sys.modules.get("cryptography", False) is None:
                        del sys.modules["cryptography"]
                _JWT = jwt
    return _JWT


def create_token(user_id: str, user_type: str, secret: str, *, lifetime: int | None = None) -> str:
    jwt = pyjwt()

    if lifetime is None:
        lifetime = GUEST_TOKEN_LIFETIME if user_type == "guest" else TOKEN_LIFETIME
    payload = {"user_id": user_id, "user_type": user_type, "exp": time.time() + lifetime}
    return jwt.encode(payload, secret, algorithm="HS256")


def decode_token(token: str, secret: str) -> dict[str, Any]:
    """Verify signature and expiry with PyJWT: only HS256 (never `alg: none`, never another
    algorithm named in the header), `exp` and a text `user_id` required, no leeway."""
    jwt = pyjwt()

    invalid = AuthRequired("Invalid token")  # its hint: core.errors.HINTS
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        raise invalid
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": ["exp", "user_id"]},
            leeway=0,
        )
    except jwt.ExpiredSignatureError:
        raise AuthRequired("Token expired") from None
    # PyJWT lets a few hostile inputs escape as other errors: a header or payload nested too
    # deep for json (RecursionError), an infinite or huge time claim (OverflowError).
    except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError, RecursionError):
        raise invalid from None
    if not isinstance(payload.get("user_id"), str):
        raise invalid
    return payload


def peek_token(token: str) -> dict[str, Any]:
    """The payload without verifying it: for showing expiry of a token held by a client."""
    jwt = pyjwt()

    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        return {}
    try:
        payload = jwt.decode(token, options={"verify_signature": False})
    except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError, RecursionError):
        return {}
    return payload if isinstance(payload, dict) else {}


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
