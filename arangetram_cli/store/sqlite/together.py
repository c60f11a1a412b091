"""Planning together on SQLite: `event_members`, `guests` and `rsvp_tokens` tables
(additive; they come with the main schema's migration 7 in store/sqlite/schema.py)."""

from __future__ import annotations

import sqlite3
from typing import Any

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.sqlite.workspace import DocRepo
from arangetram_cli.store.together_base import GUEST_DEFAULTS, MEMBER_DEFAULTS, Doc


class SqliteEventMembers(DocRepo):
    table = "event_members"
    columns = ("id", "event_id", "user_id", "role", "created_at")
    defaults = MEMBER_DEFAULTS

    def _conflict(self, e: sqlite3.IntegrityError, doc: Doc) -> Conflict:
        return Conflict("that person is a member of the event already")

    def get_member(self, event_id: str, user_id: str) -> Doc | None:
        row = self._conn.execute(
            "SELECT doc FROM event_members WHERE event_id = ? AND user_id = ?",
            (event_id, user_id),
        ).fetchone()
        return self._load(row[0]) if row else None

    def list_by_user(self, user_id: str) -> list[Doc]:
        rows = self._conn.execute(
            "SELECT doc FROM event_members WHERE user_id = ? ORDER BY created_at, id", (user_id,)
        ).fetchall()
        return [self._load(r[0]) for r in rows]

    def set_role(self, event_id: str, user_id: str, role: str) -> Doc | None:
        member = self.get_member(event_id, user_id)
        return None if member is None else self.update(member["id"], {"role": role})

    def remove(self, event_id: str, user_id: str) -> bool:
        conn = self._conn
        with self._s.write():
            sql = "DELETE FROM event_members WHERE event_id = ? AND user_id = ?"
            return conn.execute(sql, (event_id, user_id)).rowcount > 0


class SqliteGuests(DocRepo):
    table = "guests"
    columns = ("id", "event_id", "user_id", "created_at")
    defaults = GUEST_DEFAULTS


class SqliteRsvpTokens:
    def __init__(self, store: Any) -> None:
        self._s = store

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._s.conn

    def put(self, doc: Doc) -> None:
        conn = self._conn
        with self._s.write():
            conn.execute("DELETE FROM rsvp_tokens WHERE guest_id = ?", (doc["guest_id"],))
            conn.execute(
                "INSERT INTO rsvp_tokens(token_hash, guest_id, event_id, created_at) "
                "VALUES (?, ?, ?, ?)",
                (doc["token_hash"], doc["guest_id"], doc["event_id"], doc.get("created_at", "")),
            )

    def get(self, token_hash: str) -> Doc | None:
        row = self._conn.execute(
            "SELECT token_hash, guest_id, event_id, created_at FROM rsvp_tokens "
            "WHERE token_hash = ?",
            (token_hash,),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(("token_hash", "guest_id", "event_id", "created_at"), row, strict=True))

    def guests_with_links(self, event_id: str) -> set[str]:
        rows = self._conn.execute(
            "SELECT guest_id FROM rsvp_tokens WHERE event_id = ?", (event_id,)
        ).fetchall()
        return {r[0] for r in rows}

    def remove_guest(self, guest_id: str) -> bool:
        conn = self._conn
        with self._s.write():
            sql = "DELETE FROM rsvp_tokens WHERE guest_id = ?"
            return conn.execute(sql, (guest_id,)).rowcount > 0
