"""The MongoDB store: pymongo against MongoDB or Atlas, sharing the web back end's database.

Collections and document shapes are the contract's (api-contract.md): `users`, `vendors`,
`events`, `bookings`, each document keyed by a UUID string in `id`; Mongo's own `_id` is
never returned. Behaviour mirrors the SQLite adapter (the reference), including filling
missing contract fields with the same defaults on write.

Design notes:
- Uniqueness lives in unique indexes created at start (idempotent): `id` on every
  collection, `users.email`, and one vendor profile per owner (see `codec.owner_key_of`).
- Text filters are case-insensitive regexes built with `re.escape`, so user input is always
  literal (`[` or `(a+)+$` are plain characters, never a pattern).
- Listing order is rating desc, then business name case-insensitively, then id. Mongo has no
  portable case-insensitive sort: a collation would use ICU order (which differs from
  SQLite's NOCASE for punctuation and accents) and mongomock_ng ignores collations, so the
  listing is an aggregation that sorts on `$toLower` of the name (ASCII folding, exactly
  like NOCASE). `$sort` + `$limit` is a top-k sort; vendor catalogs are small.
- Shared lists and state changes are single atomic updates (`$addToSet`, `$pull`,
  `find_one_and_update` with a status filter for compare-and-set, `$push` of the booking's
  history entry in the same update).
- `reviews` (additive collection): unique (vendor_id, user_id); the vendor's rating and
  review_count are recomputed after each write in a way that converges (see reviews.py).
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import unquote

import pymongo
from pymongo.errors import DuplicateKeyError, OperationFailure

from arangetram_cli.core.errors import Unavailable
from arangetram_cli.store.mongo.conversations import MongoConversations
from arangetram_cli.store.mongo.guard import (
    is_unavailable,
    log,
    mask_url,
    short_reason,
    url_password,
)
from arangetram_cli.store.mongo.repos import Bookings, Events, Users
from arangetram_cli.store.mongo.reviews import Reviews
from arangetram_cli.store.mongo.schema import collection_indexes
from arangetram_cli.store.mongo.together import MongoEventMembers, MongoGuests, MongoRsvpTokens
from arangetram_cli.store.mongo.vendors import Vendors
from arangetram_cli.store.mongo.workspace import MongoBudgetItems, MongoTasks


class MongoStore:
    """A MongoDB database (the web back end's collections and document shapes)."""

    kind = "mongo"

    @functools.cached_property
    def conversations(self) -> MongoConversations:
        """Saved `ask` chats: the tables (or indexes) are made on first use."""
        return MongoConversations(self)

    def __init__(
        self,
        url: str,
        db_name: str = "arangetram",
        *,
        client: Any = None,
        timeout_ms: int = 3000,
    ) -> None:
        self.url = url
        self.location = mask_url(url)
        self._secret = url_password(url)
        self._owns_client = client is None
        self._txn: bool | None = None
        self.index_warnings: list[str] = []
        try:
            if client is None:
                client = pymongo.MongoClient(
                    url,
                    serverSelectionTimeoutMS=timeout_ms,
                    connectTimeoutMS=timeout_ms,
                    socketTimeoutMS=max(30_000, timeout_ms * 10),
                    appname="arangetram-cli",
                )
            self.client = client
            self.db = client[db_name]
            self.users = Users(self)
            self.vendors = Vendors(self)
            self.events = Events(self)
            self.bookings = Bookings(self)
            self.reviews = Reviews(self)

            self.tasks = MongoTasks(self)  # the planning workspace (indexes on first use)
            self.budget_items = MongoBudgetItems(self)
            self.event_members = MongoEventMembers(self)  # planning together (same)
            self.guests = MongoGuests(self)
            self.rsvp_tokens = MongoRsvpTokens(self)
            self._ensure_indexes()
        except Exception as e:
            if not is_unavailable(e):
                raise
            if self._owns_client and client is not None:
                client.close()
            raise self._unavailable(e) from None

    def _ensure_indexes(self) -> None:
        """Backfill the users' `email_lower` keys, then create the indexes (idempotent: no
        round trip beyond one create per collection once they exist). An index or backfill
        the data or the server refuses (for example duplicates written before it existed, or
        a read-only user) is logged and kept in index_warnings rather than making the
        database unusable; pending requests that repeat an older one are set apart once,
        when the unique index finds them."""
        try:
            self.users.backfill_email_keys()
        except OperationFailure as e:
            self._refused("users.email_lower not backfilled", e)
        for coll, models in collection_indexes().items():
            try:
                self.db[coll].create_indexes(models)
                continue
            except OperationFailure as e:
                if e.code == 18:  # authentication failed: nothing else will work either
                    raise
            for model in models:  # find out which one failed, create the others
                name = model.document["name"]
                try:
                    self._create_index(coll, model)
                except OperationFailure as e:
                    self._refused(f"index {coll}.{name} not created", e)

    def _create_index(self, coll: str, model: Any) -> None:
        try:
            self.db[coll].create_indexes([model])
        except DuplicateKeyError:
            if model.document["name"] != "bookings_one_pending":
                raise
            try:  # older duplicate pending requests: set apart, then the rule holds
                self.bookings.mark_pending_duplicates()
            except OperationFailure as e:
                self._refused("bookings.pending_dup not marked", e)
                return
            self.db[coll].create_indexes([model])

    def _refused(self, what: str, e: OperationFailure) -> None:
        if e.code == 18:  # authentication failed: nothing else will work either
            raise e
        msg = f"{what}: {short_reason(e)}"
        self.index_warnings.append(msg)
        log.warning(msg)

    def _unavailable(self, e: BaseException) -> Unavailable:
        reason = short_reason(e)
        for secret in {self._secret, unquote(self._secret or "")}:
            if secret and len(secret) >= 4:  # short ones would mangle ordinary words
                reason = reason.replace(secret, "***")
        if isinstance(e, OperationFailure):  # credentials or roles (see _ACCESS_CODES)
            return Unavailable(
                f"MongoDB at {self.location} refused access: {reason}",
                hint="check the user name, password and roles in the MongoDB URL",
            )
        return Unavailable(
            f"cannot reach MongoDB at {self.location}: {reason}",
            hint="check MONGO_URL and that the server is running and reachable",
        )

    def transactions_supported(self) -> bool:
        """Multi-document transactions need a replica set or a sharded cluster."""
        if self._txn is None:
            try:
                hello = self.client.admin.command("hello")
                self._txn = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
            except NotImplementedError:  # mongomock_ng has no `hello`
                self._txn = False
            except OperationFailure:
                self._txn = False
        return self._txn

    def ping(self) -> None:
        try:
            self.client.admin.command("ping")
        except Exception as e:
            if is_unavailable(e):
                raise self._unavailable(e) from None
            raise

    def close(self) -> None:
        if self._owns_client:
            self.client.close()
