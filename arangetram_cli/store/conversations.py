"""The `conversations` collection: saved `ask` chats, one document per conversation.

    {id, owner_id, title, event_id, created_at, updated_at,
     messages: [{role: "user"|"assistant", content, created_at,
                 source?, incomplete?, error?}]}

A new collection (additive: the web app never reads it). It is attached to a Store lazily by
`conversations(store)`, so commands that never chat never create it:

- SQLite: tables `conversations` and `conversation_messages` (one row per message, so adding
  a message is one INSERT, never a read-modify-write of the whole chat), created idempotently
  (CREATE ... IF NOT EXISTS in one write transaction) the first time they are needed;
- MongoDB: collection `conversations`, messages embedded and appended with `$push`; unique
  index on `id`, and (owner_id, updated_at) for listings, created idempotently.

Ownership is the caller's rule (ai/history.py): every listing here is by owner.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.base import Doc


class ConversationsRepo(Protocol):
    def create(self, doc: Doc) -> None:
        """Insert a conversation (its `messages`, if any, too)."""

    def get(self, conv_id: str) -> Doc | None:
        """The conversation with its messages, oldest first."""

    def add_message(self, conv_id: str, message: Doc, *, updated_at: str) -> bool:
        """Append one message atomically and touch updated_at. False when missing."""

    def update(self, conv_id: str, fields: Doc) -> bool:
        """Set top-level fields (title, event_id, ...). False when missing."""

    def list_by_owner(self, owner_id: str, *, offset: int = 0, limit: int = 50) -> list[Doc]:
        """Newest activity first, without messages, with `message_count`."""

    def count_by_owner(self, owner_id: str) -> int: ...
    def ids_with_prefix(self, owner_id: str, prefix: str, limit: int = 2) -> list[str]:
        """Ids of this owner's conversations starting with prefix."""

    def delete(self, conv_id: str) -> bool: ...


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
        import sqlite3

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


class MongoConversations:
    def __init__(self, store: Any) -> None:
        from pymongo import IndexModel

        self._s = store
        self._c = store.db["conversations"]
        self._call(
            self._c.create_indexes,
            [
                IndexModel([("id", 1)], unique=True, name="conversations_id"),
                IndexModel(
                    [("owner_id", 1), ("updated_at", -1), ("id", 1)], name="conversations_owner"
                ),
            ],
        )

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from arangetram_cli.store.mongo import _is_unavailable

        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if _is_unavailable(e):
                raise self._s._unavailable(e) from None
            raise

    def create(self, doc: Doc) -> None:
        from pymongo.errors import DuplicateKeyError

        body = {k: v for k, v in doc.items() if k not in ("_id", "message_count")}
        body.setdefault("messages", [])
        try:
            self._call(self._c.insert_one, body)
        except DuplicateKeyError:
            raise Conflict(f"Conversation {doc.get('id')} already exists") from None

    def get(self, conv_id: str) -> Doc | None:
        return self._call(self._c.find_one, {"id": conv_id}, {"_id": 0})

    def add_message(self, conv_id: str, message: Doc, *, updated_at: str) -> bool:
        res = self._call(
            self._c.update_one,
            {"id": conv_id},
            {"$push": {"messages": dict(message)}, "$set": {"updated_at": updated_at}},
        )
        return res.matched_count > 0

    def update(self, conv_id: str, fields: Doc) -> bool:
        sets = {k: v for k, v in fields.items() if k not in ("id", "_id", "messages")}
        if not sets:
            return self.get(conv_id) is not None
        res = self._call(self._c.update_one, {"id": conv_id}, {"$set": sets})
        return res.matched_count > 0

    def list_by_owner(self, owner_id: str, *, offset: int = 0, limit: int = 50) -> list[Doc]:
        if limit <= 0:
            return []
        pipeline = [
            {"$match": {"owner_id": owner_id}},
            {"$sort": {"updated_at": -1, "id": 1}},
            {"$skip": max(0, offset)},
            {"$limit": limit},
            {"$addFields": {"message_count": {"$size": {"$ifNull": ["$messages", []]}}}},
            {"$project": {"_id": 0, "messages": 0}},
        ]
        return list(self._call(self._c.aggregate, pipeline))

    def count_by_owner(self, owner_id: str) -> int:
        return self._call(self._c.count_documents, {"owner_id": owner_id})

    def ids_with_prefix(self, owner_id: str, prefix: str, limit: int = 2) -> list[str]:
        flt = {"owner_id": owner_id, "id": {"$gte": prefix, "$lt": prefix + "\U0010ffff"}}
        cur = self._call(self._c.find, flt, {"_id": 0, "id": 1})
        return [d["id"] for d in cur.sort("id", 1).limit(limit)]

    def delete(self, conv_id: str) -> bool:
        return self._call(self._c.delete_one, {"id": conv_id}).deleted_count > 0


def conversations(store: Any) -> ConversationsRepo:
    """The store's `conversations` repository, created (and its tables or indexes made) on
    first use and then kept on the store object."""
    repo = getattr(store, "conversations", None)
    if repo is None:
        repo = MongoConversations(store) if store.kind == "mongo" else SqliteConversations(store)
        store.conversations = repo
    return repo
