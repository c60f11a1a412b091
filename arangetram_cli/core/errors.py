"""Typed domain errors. The CLI maps each to one stderr line and an exit code; the server
maps each to an HTTP status. Messages are the contract's texts where it has one."""

from __future__ import annotations


class ArangetramError(Exception):
    """Base of every error the tool reports to a person without a traceback."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class Invalid(ArangetramError):
    """Bad input: a malformed value, an unknown category, a bad file."""

    exit_code = 2
    http_status = 400


class AuthRequired(ArangetramError):
    """No valid credentials: not logged in, bad or expired token, wrong password."""

    exit_code = 3
    http_status = 401


class Forbidden(ArangetramError):
    """Logged in, but this user may not do this."""

    exit_code = 3
    http_status = 403


class NotFound(ArangetramError):
    exit_code = 4
    http_status = 404


class Conflict(ArangetramError):
    """A uniqueness rule or a state rule refused the change."""

    exit_code = 5
    http_status = 400  # the contract answers duplicates with 400


class DoubleBooking(Conflict):
    """Accepting this request would give the vendor two accepted bookings on one date: it
    needs an explicit confirmation (the CLI's --yes, or a prompt on a terminal). The server
    sends `code` with the 409 so a client can tell this conflict from the others."""

    code = "double_booking"


class Unavailable(ArangetramError):
    """A service (database, API server, AI provider, S3) could not be reached."""

    exit_code = 6
    http_status = 503


class NotSupported(ArangetramError):
    """The server this profile talks to does not offer the operation (a plain web back end
    has no planning workspace): not a failure to reach it (6), and not bad input (2)."""

    exit_code = 7
    http_status = 501


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
