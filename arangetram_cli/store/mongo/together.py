"""Planning together on MongoDB: `event_members`, `guests` and `rsvp_tokens` collections
(additive). Indexes, made on first use: `id` unique; members unique per (event_id,
user_id) and looked up by user_id; guests per event; a token hash unique, one per guest."""

from __future__ import annotations

from typing import Any

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.mongo.guard import guarded
from arangetram_cli.store.mongo.workspace import PROJECTION, DocRepo
from arangetram_cli.store.together_base import GUEST_DEFAULTS, MEMBER_DEFAULTS, Doc


def _indexes() -> dict[str, list[IndexModel]]:
    return {
        "event_members": [
            IndexModel([("id", 1)], name="event_members_id", unique=True),
            IndexModel(
                [("event_id", 1), ("user_id", 1)], name="event_members_event_user", unique=True
            ),
            IndexModel([("user_id", 1)], name="event_members_user"),
        ],
        "guests": [
            IndexModel([("id", 1)], name="guests_id", unique=True),
            IndexModel([("event_id", 1), ("created_at", 1)], name="guests_event"),
        ],
        "rsvp_tokens": [
            IndexModel([("token_hash", 1)], name="rsvp_tokens_hash", unique=True),
            IndexModel([("guest_id", 1)], name="rsvp_tokens_guest", unique=True),
            IndexModel([("event_id", 1)], name="rsvp_tokens_event"),
        ],
    }


def ensure_indexes(store: Any) -> None:
    if getattr(store, "_together_ready", False):
        return
    for coll, models in _indexes().items():
        store.db[coll].create_indexes(models)
    store._together_ready = True


class _Repo(DocRepo):
    @property
    def _c(self) -> Any:
        ensure_indexes(self._s)
        return self._s.db[self.name]


class MongoEventMembers(_Repo):
    name = "event_members"
    defaults = MEMBER_DEFAULTS

    def _conflict(self, e: Exception, doc: Doc) -> Conflict:
        return Conflict("that person is a member of the event already")

    @guarded
    def get_member(self, event_id: str, user_id: str) -> Doc | None:
        return self._load(self._c.find_one({"event_id": event_id, "user_id": user_id}, PROJECTION))

    @guarded
    def list_by_user(self, user_id: str) -> list[Doc]:
        cur = self._c.find({"user_id": user_id}, PROJECTION).sort(self.order)
        return [d for d in (self._load(x) for x in cur) if d is not None]

    @guarded
    def set_role(self, event_id: str, user_id: str, role: str) -> Doc | None:
        member = self.get_member(event_id, user_id)
        return None if member is None else self.update(member["id"], {"role": role})

    @guarded
    def remove(self, event_id: str, user_id: str) -> bool:
        return self._c.delete_one({"event_id": event_id, "user_id": user_id}).deleted_count > 0


class MongoGuests(_Repo):
    name = "guests"
    defaults = GUEST_DEFAULTS


class MongoRsvpTokens:
    def __init__(self, store: Any) -> None:
        self._s = store

    @property
    def _c(self) -> Any:
        ensure_indexes(self._s)
        return self._s.db["rsvp_tokens"]

    @guarded
    def put(self, doc: Doc) -> None:
        row = {k: doc.get(k, "") for k in ("token_hash", "guest_id", "event_id", "created_at")}
        try:
            self._c.replace_one({"guest_id": row["guest_id"]}, row, upsert=True)
        except DuplicateKeyError:
            raise Conflict("that RSVP token exists already; issue the link again") from None

    @guarded
    def get(self, token_hash: str) -> Doc | None:
        return self._c.find_one({"token_hash": token_hash}, PROJECTION)

    @guarded
    def guests_with_links(self, event_id: str) -> set[str]:
        return {d["guest_id"] for d in self._c.find({"event_id": event_id}, {"guest_id": 1})}

    @guarded
    def remove_guest(self, guest_id: str) -> bool:
        return self._c.delete_one({"guest_id": guest_id}).deleted_count > 0
