"""The connection: busy timeouts, and SQLite's busy/locked errors as Unavailable (exit 6)."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from arangetram_cli.core.errors import Invalid, Unavailable

#: How long a statement waits for another connection's write lock before the store gives up
#: with Unavailable ("another arangetram is writing"). A bulk import holds the lock only while
#: it publishes its staged rows (about 2 s for 100k vendors), so a few seconds cover that.
BUSY_TIMEOUT_ENV = "ARANGETRAM_SQLITE_TIMEOUT_MS"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def busy_timeout(env: dict[str, str] | None = None) -> int:
    """The busy timeout in milliseconds: ARANGETRAM_SQLITE_TIMEOUT_MS, or 5000."""
    raw = (os.environ if env is None else env).get(BUSY_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_BUSY_TIMEOUT_MS
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 0 <= value <= 3_600_000:
        raise Invalid(
            f"{BUSY_TIMEOUT_ENV} must be a whole number of milliseconds, got '{raw}'",
            hint=f"unset it for {DEFAULT_BUSY_TIMEOUT_MS} ms",
        )
    return value


# SQLITE_BUSY (another connection holds the lock past the busy timeout) and SQLITE_LOCKED
# (a lock inside this process), with their extended codes (BUSY_SNAPSHOT, ...).
_BUSY_CODES = (5, 6)
_BUSY_TEXT = ("database is locked", "database is busy", "database table is locked")


def _busy_error(e: sqlite3.OperationalError, path: str) -> Exception:
    """Unavailable for a busy/locked database, else `e` itself."""
    code = getattr(e, "sqlite_errorcode", None)
    busy = (code & 0xFF in _BUSY_CODES) if code is not None else False
    if busy or any(t in str(e) for t in _BUSY_TEXT):
        return Unavailable(
            f"the database {path} is busy", hint="another arangetram is writing; try again"
        )
    return e


class _Cursor(sqlite3.Cursor):
    """A cursor whose every step reports a busy database as Unavailable (see Connection)."""

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def executemany(self, sql: str, seq: Any, /) -> _Cursor:
        try:
            return super().executemany(sql, seq)
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.connection.store_path) from None


class Connection(sqlite3.Connection):
    """The store's connection: "database is locked" (SQLITE_BUSY / SQLITE_LOCKED) from any
    statement, fetch or commit becomes Unavailable (exit 6, HTTP 503) with a hint, at the
    one place every operation passes, instead of an unexpected OperationalError."""

    store_path = ""

    def cursor(self, factory: Any = _Cursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any, /) -> Any:
        return self.cursor().executemany(sql, seq)

    def executescript(self, script: str, /) -> Any:
        try:
            return super().executescript(script)
        except sqlite3.OperationalError as e:
            raise _busy_error(e, self.store_path) from None
