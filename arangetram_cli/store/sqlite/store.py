"""The embedded store: stdlib sqlite3 in WAL mode.

Each collection is a table with a column per contract field (lists as JSON text) plus an
`extra` JSON column for additive fields, so documents round-trip whole. Uniqueness lives in
unique indexes; vendor text search uses an FTS5 trigram index (case-insensitive substrings,
quoted as a phrase so user input is never syntax); list updates are single statements.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from arangetram_cli.core.errors import Unavailable
from arangetram_cli.core.identity import email_key
from arangetram_cli.store.sqlite.connection import Connection, busy_timeout
from arangetram_cli.store.sqlite.conversations import SqliteConversations
from arangetram_cli.store.sqlite.repos import Bookings, Events, Users
from arangetram_cli.store.sqlite.reviews import Reviews
from arangetram_cli.store.sqlite.schema import EMAIL_KEY_FUNCTION, MIGRATIONS, SCHEMA_VERSION
from arangetram_cli.store.sqlite.together import (
    SqliteEventMembers,
    SqliteGuests,
    SqliteRsvpTokens,
)
from arangetram_cli.store.sqlite.vendors import Vendors
from arangetram_cli.store.sqlite.workspace import SqliteBudgetItems, SqliteTasks


class SqliteStore:
    """A SQLite database file. One connection per store object (and per thread)."""

    kind = "sqlite"

    @functools.cached_property
    def conversations(self) -> SqliteConversations:
        """Saved `ask` chats: the tables (or indexes) are made on first use."""
        return SqliteConversations(self)

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout_ms: int | None = None) -> None:
        self.path = Path(path)
        self.busy_timeout_ms = busy_timeout() if busy_timeout_ms is None else busy_timeout_ms
        self.location = str(self.path)
        self._local = threading.local()
        self._lock = threading.RLock()
        fresh = not self.path.exists()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self.conn
        except (OSError, sqlite3.Error) as e:
            raise Unavailable(f"cannot open the database at {self.path}: {e}") from None
        if fresh:
            os.chmod(self.path, 0o600)
        try:
            self._migrate(conn)
        except sqlite3.DatabaseError as e:  # not a database, or a broken one
            raise Unavailable(f"cannot open the database at {self.path}: {e}") from None
        self.users = Users(self)
        self.vendors = Vendors(self)
        self.events = Events(self)
        self.bookings = Bookings(self)
        self.reviews = Reviews(self)
        self.tasks = SqliteTasks(self)  # the planning workspace (migration 6)
        self.budget_items = SqliteBudgetItems(self)
        self.event_members = SqliteEventMembers(self)  # planning together (migration 7)
        self.guests = SqliteGuests(self)
        self.rsvp_tokens = SqliteRsvpTokens(self)

    @property
    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
                factory=Connection,
            )
            c.store_path = str(self.path)
            c.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
            c.execute("PRAGMA journal_mode = WAL")
            c.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = c
            self._local.depth = 0
        return c

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        conn.create_function(EMAIL_KEY_FUNCTION, 1, email_key, deterministic=True)
        # One transaction: a failure leaves the file as it was.
        steps = " ".join(MIGRATIONS[v] for v in range(version + 1, SCHEMA_VERSION + 1))
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE; {steps} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Another process migrated the file while this one waited for the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
                return
            raise

    @contextmanager
    def write(self) -> Iterator[None]:
        """A write transaction (BEGIN IMMEDIATE takes the write lock up front, so a
        read-modify-write inside it cannot interleave with another writer). Nests."""
        conn = self.conn
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            try:
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # never leave the connection inside a transaction
                    conn.execute("ROLLBACK")
                raise
        finally:
            self._local.depth = 0

    def ping(self) -> None:
        try:
            self.conn.execute("SELECT 1").fetchone()
        except sqlite3.Error as e:
            raise Unavailable(f"database {self.path} is not usable: {e}") from None

    def integrity_check(self) -> str:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0]

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None
