"""The storage port: one small contract that every adapter (SQLite, MongoDB) fulfils.

Repositories take and return plain document dicts with the contract's field names
(api-contract.md). Fields an adapter has no column for are kept too (additive fields).
Uniqueness and atomic list updates are the adapter's job, done in the database itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

# re-exported: their home is core.errors
from arangetram_cli.core.errors import EMAIL_TAKEN as EMAIL_TAKEN
from arangetram_cli.core.errors import EMAIL_TAKEN_OTHER_SPELLING as EMAIL_TAKEN_OTHER_SPELLING
from arangetram_cli.core.query import PRICE_ORDER, Doc, VendorQuery, Visible, prices_up_to
from arangetram_cli.store.together_base import EventMembersRepo, GuestsRepo, RsvpTokensRepo
from arangetram_cli.store.workspace_base import BudgetItemsRepo, TasksRepo

__all__ = ["PRICE_ORDER", "Doc", "VendorQuery", "Visible", "prices_up_to"]  # home: core.query


class UsersRepo(Protocol):
    def insert(self, doc: Doc) -> None:
        """Stores the account with its `email_key` (core.identity) under a unique index.
        Raises Conflict(EMAIL_TAKEN) on the same email, Conflict(EMAIL_TAKEN_OTHER_SPELLING)
        when only the key is taken. The key is never returned in a document."""

    def get(self, user_id: str) -> Doc | None: ...
    def get_by_email(self, email: str) -> Doc | None:
        """Exact, case-sensitive match on the stored address."""

    def find_by_email_key(self, key: str, limit: int = 2) -> list[Doc]:
        """Up to `limit` accounts whose address has this `email_key`, including rows written
        without a stored key (by the web app, or older versions of this tool)."""

    def get_many(self, ids: Iterable[str]) -> dict[str, Doc]: ...
    def delete(self, user_id: str) -> bool: ...
    def ids_with_prefix(self, prefix: str, limit: int = 2) -> list[str]: ...


class VendorsRepo(Protocol):
    def insert(self, doc: Doc) -> None:
        """Raises Conflict("Vendor profile already exists") when the owner (a user_id other
        than "system") already has a profile."""

    def insert_many(self, docs: Iterable[Doc], *, upsert: bool = False) -> tuple[int, int]:
        """All or nothing. Returns (inserted, updated). Without upsert an existing id is a
        Conflict and nothing is written."""

    def get(self, vendor_id: str) -> Doc | None: ...
    def get_by_user(self, user_id: str) -> Doc | None: ...
    def get_many(self, ids: Iterable[str]) -> dict[str, Doc]: ...
    def find_by_name(self, name: str) -> list[Doc]:
        """Exact business name, case-insensitive."""

    def update(self, vendor_id: str, fields: Doc) -> Doc | None: ...
    def add_images(self, vendor_id: str, urls: Iterable[str]) -> Doc | None:
        """Atomically append to `portfolio_images` the urls not in it yet, in the order
        given (the ones already there keep their place). The updated vendor, or None when
        it does not exist."""

    def remove_image(self, vendor_id: str, url: str) -> Doc | None:
        """Atomically pull every occurrence of url from `portfolio_images`. The updated
        vendor, or None when it does not exist."""

    def search(self, q: VendorQuery, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        """Sorted by rating (best first), then business name, then id."""

    def iter_search(self, q: VendorQuery, *, batch: int = 1000) -> Iterator[Doc]:
        """Every match in search order, fetched in batches (constant memory)."""

    def search_page(
        self, q: VendorQuery, *, offset: int = 0, limit: int = 100
    ) -> tuple[list[Doc], int]:
        """search() and the number of all matches, sharing the work where the store can."""

    def count(self, q: VendorQuery) -> int: ...
    def count_all(self) -> int: ...
    def ids_with_prefix(self, prefix: str, limit: int = 2) -> list[str]: ...


class EventsRepo(Protocol):
    def insert(self, doc: Doc) -> None: ...
    def get(self, event_id: str) -> Doc | None: ...
    def get_many(self, ids: Iterable[str]) -> dict[str, Doc]: ...
    def list_by_user(self, user_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        """Newest first."""

    def count_by_user(self, user_id: str) -> int: ...
    def update(self, event_id: str, fields: Doc) -> Doc | None: ...
    def add_vendor(self, event_id: str, vendor_id: str) -> bool:
        """Atomic add-to-set. False when the event does not exist."""

    def remove_vendor(self, event_id: str, vendor_id: str) -> bool:
        """Atomic pull. False when the event does not exist."""

    def delete(self, event_id: str) -> bool:
        """Remove the event document only (its tasks, budget lines, bookings... are the
        caller's to remove). False when the event does not exist."""

    def ids_with_prefix(
        self, prefix: str, limit: int = 2, *, visible_to: Visible | None = None
    ) -> list[str]:
        """Ids starting with prefix, in id order; with visible_to, only among the documents
        it admits (so a prefix never tells whether someone else's document exists)."""


class BookingsRepo(Protocol):
    def insert(self, doc: Doc) -> None: ...
    def get(self, booking_id: str) -> Doc | None: ...
    def list_by_user(self, user_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]: ...
    def list_by_vendor(self, vendor_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]: ...
    def list_by_event(self, event_id: str) -> list[Doc]:
        """Oldest first."""

    def list_for(
        self,
        *,
        user_id: str | None = None,
        vendor_id: str | None = None,
        event_id: str | None = None,
        status: str | None = None,
        from_date: str | None = None,
        limit: int = 10_000,
    ) -> list[Doc]:
        """Bookings matching every given filter, in the database: newest first, or with
        from_date (event on that day or later) soonest event first."""
        ...

    def vendors_booked_on(self, event_date: str, vendor_ids: Iterable[str]) -> set[str]:
        """Those of vendor_ids with an accepted booking on event_date (recommendations)."""

    def update(
        self,
        booking_id: str,
        fields: Doc,
        *,
        expect_status: str | None = None,
        push_history: Doc | None = None,
    ) -> Doc | None:
        """Compare-and-set on status when expect_status is given: None when the booking is
        missing or its status is no longer expect_status. push_history is appended to the
        booking's `history` list in the same atomic update."""

    def ids_with_prefix(
        self, prefix: str, limit: int = 2, *, visible_to: Visible | None = None
    ) -> list[str]:
        """As EventsRepo.ids_with_prefix."""


class ReviewsRepo(Protocol):
    """Reviews of vendors: {id, vendor_id, user_id, user_name, rating (1-5), text,
    created_at, updated_at, reply: {text, at} | None}. One per (vendor_id, user_id), unique
    in the database. Every write keeps the vendor's `rating` and `review_count` equal to
    core.lifecycle.combine_rating over its seeded figures and all its reviews."""

    def upsert(self, review: Doc) -> Doc | None:
        """Insert the review, or replace the rating, text, user_name and updated_at of the
        one this user wrote for this vendor (its id, created_at and reply stay), and
        recompute the vendor's figures with it (see the adapters for how that stays exact
        under concurrent writers). The stored review; None when the vendor does not exist."""

    def get(self, review_id: str) -> Doc | None: ...
    def get_by_user(self, vendor_id: str, user_id: str) -> Doc | None: ...
    def list_by_vendor(self, vendor_id: str, *, offset: int = 0, limit: int = 100) -> list[Doc]:
        """Most recently written first (updated_at, then id)."""

    def count_by_vendor(self, vendor_id: str) -> int: ...
    def set_reply(self, review_id: str, reply: Doc) -> Doc | None:
        """Compare-and-set: store the vendor's reply only when the review has none yet. The
        updated review; None when it is missing or already answered."""

    def recompute(self, vendor_id: str) -> Doc | None:
        """Recompute the vendor's rating and review_count (after an import replaced its
        figures). The updated vendor; None when it does not exist."""

    def vendors_with_reviews(self, vendor_ids: Iterable[str]) -> set[str]: ...
    def ids_with_prefix(self, prefix: str, limit: int = 2) -> list[str]: ...


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


class Store(Protocol):
    kind: str  # "sqlite" or "mongo"
    location: str  # a path or a URL with the password masked
    users: UsersRepo
    vendors: VendorsRepo
    events: EventsRepo
    bookings: BookingsRepo
    reviews: ReviewsRepo
    conversations: ConversationsRepo  # saved `ask` chats: made on first use (additive)
    # the planning workspace (store/workspace_base.py) and planning together
    # (store/together_base.py): additive collections, beside the web app's
    tasks: TasksRepo
    budget_items: BudgetItemsRepo
    event_members: EventMembersRepo
    guests: GuestsRepo
    rsvp_tokens: RsvpTokensRepo

    def ping(self) -> None:
        """Raises Unavailable when the database cannot be reached."""

    def close(self) -> None: ...


# The contract's fields per collection and their kind, shared by every adapter:
# "s" text, "i" int, "f" float, "b" bool, "j" list. Documents keep this order.
USER_FIELDS: dict[str, str] = {
    "id": "s",
    "email": "s",
    "name": "s",
    "password": "s",
    "user_type": "s",
    "created_at": "s",
}
VENDOR_FIELDS: dict[str, str] = {
    "id": "s",
    "user_id": "s",
    "business_name": "s",
    "category": "s",
    "description": "s",
    "location": "s",
    "price_range": "s",
    "price_estimate": "s",
    "services": "j",
    "portfolio_images": "j",
    "contact_phone": "s",
    "contact_email": "s",
    "rating": "f",
    "review_count": "i",
    "is_active": "b",
    "created_at": "s",
}
EVENT_FIELDS: dict[str, str] = {
    "id": "s",
    "user_id": "s",
    "event_name": "s",
    "event_date": "s",
    "event_time": "s",
    "guest_count": "i",
    "budget": "s",
    "location_preference": "s",
    "special_requirements": "s",
    "selected_vendors": "j",
    "status": "s",
    "created_at": "s",
}
BOOKING_FIELDS: dict[str, str] = {
    "id": "s",
    "event_id": "s",
    "vendor_id": "s",
    "user_id": "s",
    "message": "s",
    "event_date": "s",
    "status": "s",
    "created_at": "s",
    "updated_at": "s",
}
REVIEW_FIELDS: dict[str, str] = {
    "id": "s",
    "vendor_id": "s",
    "user_id": "s",
    "user_name": "s",
    "rating": "i",
    "text": "s",
    "created_at": "s",
    "updated_at": "s",
}


def search_then_count(
    repo: VendorsRepo, q: VendorQuery, offset: int, limit: int
) -> tuple[list[Doc], int]:
    """A page and the total, counting only when the page does not tell it."""
    items = repo.search(q, offset=offset, limit=limit)
    if len(items) < limit and (items or offset == 0):
        return items, offset + len(items)  # the last page
    return items, repo.count(q)
