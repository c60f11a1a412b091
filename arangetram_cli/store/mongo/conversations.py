"""Saved `ask` chats in MongoDB: collection `conversations`, messages embedded and appended
with `$push`; unique index on `id`, and (owner_id, updated_at) for listings, created
idempotently the first time `MongoStore.conversations` is used."""

from __future__ import annotations

from typing import Any

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.base import Doc
from arangetram_cli.store.mongo.guard import guarded


class MongoConversations:
    """Every method is `guarded` (a lost server is Unavailable), cursors read inside it."""

    def __init__(self, store: Any) -> None:
        self._s = store
        self._c = store.db["conversations"]
        self._indexes()

    @guarded
    def _indexes(self) -> None:
        self._c.create_indexes(
            [
                IndexModel([("id", 1)], unique=True, name="conversations_id"),
                IndexModel(
                    [("owner_id", 1), ("updated_at", -1), ("id", 1)], name="conversations_owner"
                ),
            ]
        )

    @guarded
    def create(self, doc: Doc) -> None:
        body = {k: v for k, v in doc.items() if k not in ("_id", "message_count")}
        body.setdefault("messages", [])
        try:
            self._c.insert_one(body)
        except DuplicateKeyError:
            raise Conflict(f"Conversation {doc.get('id')} already exists") from None

    @guarded
    def get(self, conv_id: str) -> Doc | None:
        return self._c.find_one({"id": conv_id}, {"_id": 0})

    @guarded
    def add_message(self, conv_id: str, message: Doc, *, updated_at: str) -> bool:
        res = self._c.update_one(
            {"id": conv_id},
            {"$push": {"messages": dict(message)}, "$set": {"updated_at": updated_at}},
        )
        return res.matched_count > 0

    @guarded
    def update(self, conv_id: str, fields: Doc) -> bool:
        sets = {k: v for k, v in fields.items() if k not in ("id", "_id", "messages")}
        if not sets:
            return self.get(conv_id) is not None
        res = self._c.update_one({"id": conv_id}, {"$set": sets})
        return res.matched_count > 0

    @guarded
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
        return list(self._c.aggregate(pipeline))

    @guarded
    def count_by_owner(self, owner_id: str) -> int:
        return self._c.count_documents({"owner_id": owner_id})

    @guarded
    def ids_with_prefix(self, owner_id: str, prefix: str, limit: int = 2) -> list[str]:
        flt = {"owner_id": owner_id, "id": {"$gte": prefix, "$lt": prefix + "\U0010ffff"}}
        cur = self._c.find(flt, {"_id": 0, "id": 1}).sort("id", 1).limit(limit)
        return [d["id"] for d in cur]  # the cursor is read here, inside the guard

    @guarded
    def delete(self, conv_id: str) -> bool:
        return self._c.delete_one({"id": conv_id}).deleted_count > 0
