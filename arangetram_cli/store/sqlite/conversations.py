"""Saved `ask` chats in SQLite: tables `conversations` and `conversation_messages` (one row per
message, so adding a message is one INSERT, never a read-modify-write of the whole chat),
created idempotently the first time `SqliteStore.conversations` is used."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.base import Doc

_TOP = ("id", "owner_id", "title", "event_id", "created_at", "updated_at")
_MSG = ("role", "content", "created_at")

_SQL = """
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, title TEXT NOT NULL, event_id TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, extra TEXT
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations(owner_id, updated_at DESC, id);
CREATE TABLE IF NOT EXISTS conversation_messages (
  conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL,
  content TEXT NOT NULL, created_at TEXT NOT NULL, extra TEXT,
  PRIMARY KEY (conversation_id, seq)
);
"""


def _split(doc: Doc, cols: tuple[str, ...], skip: tuple[str, ...] = ()) -> tuple[list, Any]:
    vals = [doc.get(c) for c in cols]
    extra = {k: v for k, v in doc.items() if k not in cols and k not in skip and k != "_id"}
    return vals, (json.dumps(extra, ensure_ascii=False) if extra else None)


def _join(cols: tuple[str, ...], row: tuple) -> Doc:
    doc = dict(zip(cols, row[: len(cols)], strict=True))
    if row[len(cols)]:
        doc.update(json.loads(row[len(cols)]))
    return doc


class SqliteConversations:
    def __init__(self, store: Any) -> None:
        self._s = store
        conn = store.conn
        with store.write():
            for stmt in _SQL.split(";"):
                if stmt.strip():
                    conn.execute(stmt)

    def create(self, doc: Doc) -> None:
        vals, extra = _split(doc, _TOP, ("messages", "message_count"))
        try:
            with self._s.write():
                self._s.conn.execute(
                    f"INSERT INTO conversations ({', '.join(_TOP)}, extra) "
                    f"VALUES ({', '.join('?' * (len(_TOP) + 1))})",
                    [*vals, extra],
                )
                for m in doc.get("messages") or []:
                    self._insert_message(doc["id"], m)
        except sqlite3.IntegrityError:
            raise Conflict(f"Conversation {doc.get('id')} already exists") from None

    def _insert_message(self, conv_id: str, message: Doc) -> None:
        vals, extra = _split(message, _MSG)
        self._s.conn.execute(
            "INSERT INTO conversation_messages "
            "(conversation_id, seq, role, content, created_at, extra) VALUES "
            "(?, (SELECT coalesce(max(seq), 0) + 1 FROM conversation_messages "
            "WHERE conversation_id = ?), ?, ?, ?, ?)",
            [conv_id, conv_id, *vals, extra],
        )

    def get(self, conv_id: str) -> Doc | None:
        conn = self._s.conn
        row = conn.execute(
            f"SELECT {', '.join(_TOP)}, extra FROM conversations WHERE id = ?", (conv_id,)
        ).fetchone()
        if row is None:
            return None
        doc = _join(_TOP, row)
        rows = conn.execute(
            f"SELECT {', '.join(_MSG)}, extra FROM conversation_messages "
            "WHERE conversation_id = ? ORDER BY seq",
            (conv_id,),
        ).fetchall()
        doc["messages"] = [_join(_MSG, r) for r in rows]
        return doc

    def add_message(self, conv_id: str, message: Doc, *, updated_at: str) -> bool:
        with self._s.write():
            cur = self._s.conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (updated_at, conv_id)
            )
            if cur.rowcount == 0:
                return False
            self._insert_message(conv_id, message)
            return True

    def update(self, conv_id: str, fields: Doc) -> bool:
        with self._s.write():
            current = self._s.conn.execute(
                f"SELECT {', '.join(_TOP)}, extra FROM conversations WHERE id = ?", (conv_id,)
            ).fetchone()
            if current is None:
                return False
            doc = {**_join(_TOP, current), **fields, "id": conv_id}
            vals, extra = _split(doc, _TOP, ("messages", "message_count"))
            sets = ", ".join(f"{c} = ?" for c in _TOP[1:])
            self._s.conn.execute(
                f"UPDATE conversations SET {sets}, extra = ? WHERE id = ?",
                [*vals[1:], extra, conv_id],
            )
            return True

    def list_by_owner(self, owner_id: str, *, offset: int = 0, limit: int = 50) -> list[Doc]:
        cols = ", ".join(f"c.{c}" for c in _TOP)
        rows = self._s.conn.execute(
            f"SELECT {cols}, c.extra, (SELECT count(*) FROM conversation_messages m "
            "WHERE m.conversation_id = c.id) FROM conversations c WHERE c.owner_id = ? "
            "ORDER BY c.updated_at DESC, c.id LIMIT ? OFFSET ?",
            (owner_id, limit, offset),
        ).fetchall()
        out = []
        for r in rows:
            doc = _join(_TOP, r[:-1])
            doc["message_count"] = r[-1]
            out.append(doc)
        return out

    def count_by_owner(self, owner_id: str) -> int:
        sql = "SELECT count(*) FROM conversations WHERE owner_id = ?"
        return self._s.conn.execute(sql, (owner_id,)).fetchone()[0]

    def ids_with_prefix(self, owner_id: str, prefix: str, limit: int = 2) -> list[str]:
        rows = self._s.conn.execute(
            "SELECT id FROM conversations WHERE owner_id = ? AND id >= ? AND id < ? "
            "ORDER BY id LIMIT ?",
            (owner_id, prefix, prefix + "\U0010ffff", limit),
        ).fetchall()
        return [r[0] for r in rows]

    def delete(self, conv_id: str) -> bool:
        with self._s.write():
            conn = self._s.conn
            conn.execute("DELETE FROM conversation_messages WHERE conversation_id = ?", (conv_id,))
            return conn.execute("DELETE FROM conversations WHERE id = ?", (conv_id,)).rowcount > 0
