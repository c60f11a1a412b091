"""Typed domain errors and the one table of what each means outside the domain.

Every class carries its exit code (the CLI), its HTTP status and code name (the server), and
`from_status` maps an HTTP answer back to a class (the remote client), so the three agree by
construction. Messages are the contract's texts where it has one; `HINTS` gives the messages
that have a fixed "what to do" its hint, on whichever side raises them.
"""

from __future__ import annotations

from typing import ClassVar


class ArangetramError(Exception):
    """Base of every error the tool reports to a person without a traceback."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500
    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else HINTS.get(message)

    def __str__(self) -> str:
        return self.message

    def status(self) -> int:
        """The HTTP status the server answers this error with."""
        if isinstance(self, Conflict) and self.message in CONTRACT_400_CONFLICTS:
            return 400  # the contract answers these duplicates with 400
        return self.http_status


class Invalid(ArangetramError):
    """Bad input: a malformed value, an unknown category, a bad file."""

    exit_code = 2
    http_status = 400
    code = "invalid"


class AuthRequired(ArangetramError):
    """No valid credentials: not logged in, bad or expired token, wrong password."""

    exit_code = 3
    http_status = 401
    code = "auth_required"


class Forbidden(ArangetramError):
    """Logged in, but this user may not do this."""

    exit_code = 3
    http_status = 403
    code = "forbidden"


class NotFound(ArangetramError):
    exit_code = 4
    http_status = 404
    code = "not_found"


class Conflict(ArangetramError):
    """A uniqueness rule or a state rule refused the change."""

    exit_code = 5
    http_status = 409  # except CONTRACT_400_CONFLICTS, which the contract answers with 400
    code = "conflict"


class DoubleBooking(Conflict):
    """Accepting this request would give the vendor two accepted bookings on one date: it
    needs an explicit confirmation (the CLI's --yes, or a prompt on a terminal). The server
    sends `code` with the 409 so a client can tell this conflict from the others."""

    code = "double_booking"


class Overpayment(Conflict):
    """A payment that takes the total paid past the quote (or the estimate when there is no
    quote): usually a typo, so it needs a confirmation (the CLI's --yes). The server sends
    `code` with its 409 so a client can tell it from other conflicts."""

    code = "overpayment"


class Unavailable(ArangetramError):
    """A service (database, API server, AI provider, S3) could not be reached."""

    exit_code = 6
    http_status = 503
    code = "unavailable"


class NotSupported(ArangetramError):
    """The server this profile talks to does not offer the operation (a plain web back end
    has no planning workspace): not a failure to reach it (6), and not bad input (2)."""

    exit_code = 7
    http_status = 501
    code = "not_supported"


# Documented exit codes (README table and `arangetram --help` epilog).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_CONFLICT = 5
EXIT_UNAVAILABLE = 6
EXIT_NOT_SUPPORTED = 7
EXIT_INTERRUPTED = 130

EMAIL_TAKEN = "Email already registered"
EMAIL_TAKEN_OTHER_SPELLING = (
    "Email already registered in another spelling (letter case, accents or width)"
)
VENDOR_EXISTS = "Vendor profile already exists"
# Conflicts the contract answers with 400 (our additive state rules answer 409).
CONTRACT_400_CONFLICTS = frozenset({EMAIL_TAKEN, VENDOR_EXISTS})

LOGIN_AGAIN = "log in again: arangetram auth login"
# Messages with one fixed "what to do": raised without a hint, they get this one (and the
# remote client adds it to a server's answer that has none).
HINTS: dict[str, str] = {
    "Not authenticated": "log in first: arangetram auth login",
    "Token expired": LOGIN_AGAIN,
    "Invalid token": LOGIN_AGAIN,
    "User not found": LOGIN_AGAIN,
    "Invalid credentials": "check the email and password, or register: arangetram auth register",
    "Not authorized": "only the owner may change it; check the id, or log in as the owner "
    "(arangetram auth whoami shows who you are)",
    EMAIL_TAKEN: "log in with it: arangetram auth login (or register another address)",
    VENDOR_EXISTS: "an account has one vendor profile; change it: arangetram vendors update",
    "No vendor profile found": "create one: arangetram vendors create",
    "Vendor profile not found": "create one: arangetram vendors create",
    "Only vendors can create listings": "register a vendor account: "
    "arangetram auth register --vendor",
}

# HTTP status -> class, for the remote client (a 400 that is a contract conflict, and a 409
# with code "double_booking", are told apart by from_status).
_BY_STATUS: dict[int, type[ArangetramError]] = {
    cls.http_status: cls
    for cls in (Invalid, AuthRequired, Forbidden, NotFound, Conflict, Unavailable, NotSupported)
}
_BY_STATUS[422] = Invalid
# Conflicts a client must tell apart (it asks for a confirmation): the server sends their code.
_BY_CODE: dict[str, type[ArangetramError]] = {cls.code: cls for cls in (DoubleBooking, Overpayment)}


def sends_code(err: ArangetramError) -> bool:
    """Whether an answer carries err's code (only where a client acts on it)."""
    return err.code in _BY_CODE


def from_status(
    status: int, detail: str, *, hint: str | None = None, code: str | None = None
) -> ArangetramError:
    """The error a server's answer stands for: the inverse of ArangetramError.status()."""
    if status == 400 and detail in CONTRACT_400_CONFLICTS:
        return Conflict(detail, hint=hint)
    cls = (_BY_CODE.get(code) if code else None) or _BY_STATUS.get(status, ArangetramError)
    return cls(detail, hint=hint)
