"""Saved `ask` chats in MongoDB: collection `conversations`, messages embedded and appended
with `$push`; unique index on `id`, and (owner_id, updated_at) for listings, created
idempotently the first time `MongoStore.conversations` is used."""

from __future__ import annotations

from typing import Any

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.base import Doc
from arangetram_cli.store.mongo.guard import is_unavailable


class MongoConversations:
    def __init__(self, store: Any) -> None:
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
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if is_unavailable(e):
                raise self._s._unavailable(e) from None
            raise

    def create(self, doc: Doc) -> None:
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
