"""The planning workspace on MongoDB: `tasks` and `budget_items` collections (additive; the
web app's collections keep their shapes).

Indexes (created on first use, idempotent): `id` unique; the per-event listings; a template
task once per event and one budget line per booking, as unique indexes over documents that
carry the field (`$exists`, which every MongoDB and mongomock_ng accept in a partial filter;
documents without one simply omit the field). Payments are appended with `$push` and
compare-and-set updates filter on the expected values: single atomic operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from pymongo import IndexModel, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from arangetram_cli.core.errors import Conflict
from arangetram_cli.store.mongo.guard import guarded
from arangetram_cli.store.workspace_base import (
    BUDGET_DEFAULTS,
    TASK_DEFAULTS,
    Doc,
    with_defaults,
)

PROJECTION = {"_id": 0}
# Fields stored only when set, so the partial unique indexes see just those documents.
_SPARSE = ("template_key", "booking_id")


def _indexes() -> dict[str, list[IndexModel]]:
    return {
        "tasks": [
            IndexModel([("id", 1)], name="tasks_id", unique=True),
            IndexModel([("event_id", 1), ("due_date", 1), ("created_at", 1)], name="tasks_event"),
            IndexModel(
                [("event_id", 1), ("template_key", 1)],
                name="tasks_event_template",
                unique=True,
                partialFilterExpression={"template_key": {"$exists": True}},
            ),
        ],
        "budget_items": [
            IndexModel([("id", 1)], name="budget_items_id", unique=True),
            IndexModel([("event_id", 1), ("created_at", 1)], name="budget_items_event"),
            IndexModel(
                [("booking_id", 1)],
                name="budget_items_booking",
                unique=True,
                partialFilterExpression={"booking_id": {"$exists": True}},
            ),
        ],
    }


def ensure_indexes(store: Any) -> None:
    if getattr(store, "_workspace_ready", False):
        return
    for coll, models in _indexes().items():
        store.db[coll].create_indexes(models)
    store._workspace_ready = True


def _stored(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k != "_id" and not (k in _SPARSE and v is None)}


class DocRepo:
    name = ""
    defaults: ClassVar[Doc] = {}
    order: ClassVar[list[tuple[str, int]]] = [("created_at", 1), ("id", 1)]

    def __init__(self, store: Any) -> None:
        self._s = store

    @property
    def _c(self) -> Any:
        ensure_indexes(self._s)
        return self._s.db[self.name]

    def _load(self, doc: Doc | None) -> Doc | None:
        return None if doc is None else with_defaults(doc, self.defaults)

    def _conflict(self, e: Exception, doc: Doc) -> Conflict:
        return Conflict(f"{self.name} document {doc.get('id')} already exists")

    @guarded
    def insert(self, doc: Doc) -> None:
        self.insert_many([doc])

    @guarded
    def insert_many(self, docs: Iterable[Doc]) -> int:
        """All or nothing: on a duplicate the documents written before it are taken out."""
        rows = [_stored(with_defaults(d, self.defaults)) for d in docs]
        if not rows:
            return 0
        coll = self._c
        try:
            coll.insert_many([dict(r) for r in rows], ordered=True)
        except (BulkWriteError, DuplicateKeyError) as e:
            written = e.details.get("nInserted", 0) if isinstance(e, BulkWriteError) else 0
            if written:
                coll.delete_many({"id": {"$in": [r["id"] for r in rows[:written]]}})
            failed = rows[written] if written < len(rows) else rows[0]
            raise self._conflict(e, failed) from None
        return len(rows)

    @guarded
    def get(self, doc_id: str) -> Doc | None:
        return self._load(self._c.find_one({"id": doc_id}, PROJECTION))

    @guarded
    def list_by_event(self, event_id: str) -> list[Doc]:
        cur = self._c.find({"event_id": event_id}, PROJECTION).sort(self.order)
        return [with_defaults(d, self.defaults) for d in cur]

    @guarded
    def update(self, doc_id: str, fields: Doc, *, expect: Doc | None = None) -> Doc | None:
        sets = {k: v for k, v in fields.items() if k not in ("id", "_id")}
        unsets = {k: "" for k in _SPARSE if k in sets and sets[k] is None}
        for k in unsets:
            sets.pop(k)
        flt: Doc = {"id": doc_id}
        for k, v in (expect or {}).items():
            flt[k] = v if v is not None or k not in _SPARSE else {"$exists": False}
        change: Doc = {}
        if sets:
            change["$set"] = sets
        if unsets:
            change["$unset"] = unsets
        if not change:
            return self._load(self._c.find_one(flt, PROJECTION))
        try:
            doc = self._c.find_one_and_update(
                flt, change, projection=PROJECTION, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError as e:
            raise self._conflict(e, {"id": doc_id, **fields}) from None
        return self._load(doc)

    @guarded
    def delete(self, doc_id: str) -> bool:
        return self._c.delete_one({"id": doc_id}).deleted_count > 0

    @guarded
    def count_by_event(self, event_id: str) -> int:
        return self._c.count_documents({"event_id": event_id})


class MongoTasks(DocRepo):
    name = "tasks"
    defaults = TASK_DEFAULTS
    order: ClassVar[list[tuple[str, int]]] = [("due_date", 1), ("created_at", 1), ("id", 1)]

    def _conflict(self, e: Exception, doc: Doc) -> Conflict:
        if "template_key" in str(e):
            return Conflict("that template task is on the event already")
        return super()._conflict(e, doc)


class MongoBudgetItems(DocRepo):
    name = "budget_items"
    defaults = BUDGET_DEFAULTS

    def _conflict(self, e: Exception, doc: Doc) -> Conflict:
        if "booking_id" in str(e):
            return Conflict("that booking has a budget line already")
        return super()._conflict(e, doc)

    @guarded
    def add_payment(self, item_id: str, payment: Doc) -> Doc | None:
        change: Doc = {"$push": {"payments": payment}}
        if payment.get("at"):
            change["$set"] = {"updated_at": payment["at"]}
        doc = self._c.find_one_and_update(
            {"id": item_id}, change, projection=PROJECTION, return_document=ReturnDocument.AFTER
        )
        return self._load(doc)
