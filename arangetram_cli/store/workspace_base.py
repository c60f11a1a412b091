"""The workspace's storage contract: `store.tasks` and `store.budget_items`, beside the
Store's repositories (store/base.py), on every adapter.

Both repositories take and return whole documents (core/workspace/ describes them), with
missing fields filled by the defaults below, so documents written by an older version read
the same on every adapter.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Protocol

Doc = dict[str, Any]

TASK_DEFAULTS: Doc = {
    "title": "",
    "category": "",
    "vendor_category": "",
    "due_date": "",
    "status": "open",
    "notes": "",
    "template_key": None,
    "done_at": "",
    "ticked_by": [],
    "created_at": "",
    "updated_at": "",
}
BUDGET_DEFAULTS: Doc = {
    "name": "",
    "category": "other",
    "vendor_id": "",
    "booking_id": None,
    "estimate_cents": None,
    "quoted_cents": None,
    "per_guest": False,
    "due_date": "",
    "notes": "",
    "payments": [],
    "created_at": "",
    "updated_at": "",
}


def with_defaults(doc: Doc, defaults: Doc) -> Doc:
    out = {k: copy.copy(v) for k, v in defaults.items()}
    out.update((k, v) for k, v in doc.items() if k != "_id")
    return out


class TasksRepo(Protocol):
    def insert(self, doc: Doc) -> None:
        """Conflict on a duplicate id, or a template key already on the event."""

    def insert_many(self, docs: Iterable[Doc]) -> int:
        """All or nothing (a Conflict writes none)."""

    def get(self, task_id: str) -> Doc | None: ...
    def list_by_event(self, event_id: str) -> list[Doc]:
        """By due date, then created_at, then id."""

    def update(self, task_id: str, fields: Doc, *, expect: Doc | None = None) -> Doc | None:
        """Merge fields; with expect, compare-and-set on those fields. None when missing or
        changed in between."""

    def delete(self, task_id: str) -> bool: ...
    def count_by_event(self, event_id: str) -> int: ...


class BudgetItemsRepo(Protocol):
    def insert(self, doc: Doc) -> None:
        """Conflict on a duplicate id, or a booking that has a line already."""

    def insert_many(self, docs: Iterable[Doc]) -> int: ...
    def get(self, item_id: str) -> Doc | None: ...
    def list_by_event(self, event_id: str) -> list[Doc]:
        """By created_at, then id."""

    def update(self, item_id: str, fields: Doc, *, expect: Doc | None = None) -> Doc | None: ...
    def add_payment(self, item_id: str, payment: Doc) -> Doc | None:
        """Append to `payments` atomically; None when the item does not exist."""

    def delete(self, item_id: str) -> bool: ...
    def count_by_event(self, event_id: str) -> int: ...
