"""The Planner port: everything a command can ask of the platform.

`LocalPlanner` runs the domain over a Store; `RemotePlanner` speaks the REST API. Commands
hold a Planner and never know which. Documents are dicts with the contract's field names.
References (`ref`) are an id or a unique id prefix (vendors: also an exact business name).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from arangetram_cli.store.base import Doc, VendorQuery


@dataclass
class Page:
    items: list[Doc]
    total: int | None  # None when the backend cannot tell
    offset: int
    limit: int
    notes: list[str] = field(default_factory=list)  # degradations to show on stderr


class Planner(Protocol):
    token: str | None  # the bearer token in use; set by the CLI for commands that need a login

    # auth
    def register(self, email: str, name: str, password: str, user_type: str = "user") -> Doc: ...
    def login(self, email: str, password: str) -> Doc: ...
    def guest(self, name: str = "Guest") -> Doc: ...
    def me(self) -> Doc: ...

    # vendors
    def categories(self) -> list[Doc]: ...
    def list_vendors(self, q: VendorQuery, *, offset: int = 0, limit: int = 50) -> Page: ...
    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]: ...
    def get_vendor(self, ref: str) -> Doc: ...
    def my_vendor(self) -> Doc: ...
    def create_vendor(self, data: dict[str, Any]) -> Doc: ...
    def update_vendor(self, ref: str | None, data: dict[str, Any]) -> Doc: ...
    def add_vendor_images(self, ref: str | None, urls: Iterable[str]) -> Doc:
        """Append image URLs to a portfolio, atomically, skipping those already in it (the
        owner only: Forbidden; ref None: the caller's profile, NotFound without one). With
        no urls: only the permission check, returning the vendor."""

    def remove_vendor_image(self, ref: str | None, url: str) -> Doc:
        """Pull an image URL out of a portfolio (the owner only); NotFound when absent."""

    # events
    def create_event(self, data: dict[str, Any]) -> Doc: ...
    def list_events(self, *, offset: int = 0, limit: int = 100) -> Page: ...
    def get_event(self, ref: str) -> Doc: ...
    def event_vendors(self, event: Doc) -> list[Doc]: ...
    def update_event(self, ref: str, data: dict[str, Any]) -> Doc: ...
    def add_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc: ...
    def remove_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc: ...

    # bookings
    def create_booking(self, event_ref: str, vendor_ref: str, message: str = "") -> Doc: ...
    def list_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        """The caller's requests (newest first; with upcoming: event today or later, soonest
        first), each with `vendor` and `event`."""

    def list_vendor_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        """Requests to the caller's vendor profile, each with `user` and `event`."""

    def get_booking(self, ref: str) -> Doc:
        """One booking with its `history` (the family or the booked vendor only)."""

    def respond_booking(
        self, ref: str, status: str, message: str | None = None, *, confirm: bool | None = False
    ) -> Doc:
        """Accept or decline (the booked vendor). A second accepted booking on one date
        raises errors.DoubleBooking unless confirm."""

    def cancel_booking(self, ref: str, reason: str = "") -> Doc:
        """pending | accepted -> cancelled (the family that sent the request)."""

    def complete_booking(self, ref: str, message: str = "") -> Doc:
        """accepted -> completed (the family or the vendor), after the event date."""

    # reviews (core/lifecycle.py: who may write them, how ratings combine)
    def review_vendor(self, ref: str, rating: int, text: str = "") -> Doc: ...
    def list_reviews(self, ref: str, *, offset: int = 0, limit: int = 50) -> Page: ...
    def reply_review(self, ref: str, text: str) -> Doc: ...

    # AI planning (arangetram_cli/core/recommend.py, arangetram_cli/ai/chat.py)
    def recommend(
        self,
        event_ref: str | None = None,
        *,
        event_date: str | None = None,
        guest_count: int | None = None,
        budget: str | None = None,
        location: str | None = None,
        categories: list[str] | None = None,
        limit: int = 3,
    ) -> Doc:
        """{"recommendations": {category: [vendor + "reason"]}, "criteria", "notes"}: the
        best vendors per category (default: those the event still lacks), booked ones left
        out. The contract's POST /api/ai/recommendations is this with no event_ref."""
        ...

    def ask_stream(
        self,
        messages: list[Doc],
        event_ref: str | None = None,
        *,
        provider: Any = None,
        offline: bool = False,
        event: Doc | None = None,
        debug: bool = False,
    ) -> Any:
        """Stream an answer (an ai.chat.AnswerStream: iterate for text chunks; `.source`
        names the author). `messages` is the chat so far ({role, content}, the question
        last). Local: `provider` (ai.client.ProviderConfig) answers, or the offline planner
        when it is None or offline is set. Remote: the server's provider answers. `event` is
        an unsaved event document used instead of event_ref (the contract's event_context)."""
        ...

    # catalog
    def seed_demo(self, *, only_if_empty: bool = False) -> Doc: ...
    def import_vendors(self, docs: Iterable[Doc], *, upsert: bool = False) -> tuple[int, int]: ...

    def close(self) -> None: ...
