"""Planning together's storage contract, beside the Store's repositories on every adapter:

- `store.event_members`: who an event is shared with ({id, event_id, user_id, role,
  added_by, created_at}); one row per event and user (Conflict on a second); looked up per
  event and per user (indexed).
- `store.guests`: the guest list (core/guests.py describes a guest), per event (indexed).
- `store.rsvp_tokens`: {token_hash, guest_id, event_id, created_at}, at most one per guest;
  looked up by the sha256 of a link's token (unique index). The token itself is never stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

Doc = dict[str, Any]

MEMBER_DEFAULTS: Doc = {"role": "viewer", "added_by": "", "created_at": ""}
GUEST_DEFAULTS: Doc = {
    "name": "",
    "email": "",
    "phone": "",
    "party": 1,
    "children": 0,
    "group": "",
    "notes": "",
    "rsvp": "pending",
    "message": "",
    "token_issued_at": "",
    "responded_at": "",
    "history": [],
    "created_at": "",
    "updated_at": "",
}


class EventMembersRepo(Protocol):
    def insert(self, doc: Doc) -> None:
        """Conflict when the user is a member of the event already."""

    def get_member(self, event_id: str, user_id: str) -> Doc | None: ...
    def list_by_event(self, event_id: str) -> list[Doc]:
        """By created_at, then id."""

    def list_by_user(self, user_id: str) -> list[Doc]: ...
    def set_role(self, event_id: str, user_id: str, role: str) -> Doc | None: ...
    def remove(self, event_id: str, user_id: str) -> bool: ...


class GuestsRepo(Protocol):
    def insert(self, doc: Doc) -> None: ...
    def insert_many(self, docs: Iterable[Doc]) -> int:
        """All or nothing."""

    def get(self, guest_id: str) -> Doc | None: ...
    def list_by_event(self, event_id: str) -> list[Doc]:
        """By created_at, then id."""

    def update(self, guest_id: str, fields: Doc, *, expect: Doc | None = None) -> Doc | None: ...
    def delete(self, guest_id: str) -> bool: ...
    def count_by_event(self, event_id: str) -> int: ...


class RsvpTokensRepo(Protocol):
    def put(self, doc: Doc) -> None:
        """Store a guest's token hash, replacing the guest's previous one (rotation)."""

    def get(self, token_hash: str) -> Doc | None: ...
    def guests_with_links(self, event_id: str) -> set[str]: ...
    def remove_guest(self, guest_id: str) -> bool: ...
