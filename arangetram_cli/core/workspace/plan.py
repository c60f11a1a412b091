"""The one-screen plan of an event, and the export document (and its check on import)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.workspace.base import VENDOR_CATEGORIES, Doc, now_iso
from arangetram_cli.core.workspace.dates import days_to_go
from arangetram_cli.core.workspace.money import DEFAULT_CURRENCY
from arangetram_cli.core.workspace.tasks import checklist_summary, sort_tasks

EXPORT_FORMAT = "arangetram-plan"
EXPORT_VERSION = 1


# ---- the plan -----------------------------------------------------------------------------
def vendor_status(event: Doc, vendors: dict[str, Doc], bookings: list[Doc]) -> list[Doc]:
    """Per marketplace category: booked (accepted or completed), requested (pending) or
    shortlisted vendors, else missing."""
    rows = []
    for cat in VENDOR_CATEGORIES:
        booked, requested, listed = [], [], []
        for b in bookings:
            v = vendors.get(b.get("vendor_id"))
            if v is None or v.get("category") != cat:
                continue
            if b.get("status") in ("accepted", "completed"):
                booked.append(v.get("business_name"))
            elif b.get("status") == "pending":
                requested.append(v.get("business_name"))
        for vid in event.get("selected_vendors") or []:
            v = vendors.get(vid)
            if v is not None and v.get("category") == cat:
                name = v.get("business_name")
                if name not in booked and name not in requested:
                    listed.append(name)
        state = (
            "booked"
            if booked
            else "requested"
            if requested
            else ("shortlisted" if listed else "missing")
        )
        rows.append(
            {
                "category": cat,
                "status": state,
                "booked": booked,
                "requested": requested,
                "shortlisted": listed,
            }
        )
    return rows


def booked_venue(vendors: dict[str, Doc], bookings: list[Doc]) -> Doc | None:
    for b in bookings:
        v = vendors.get(b.get("vendor_id"))
        if (
            v is not None
            and v.get("category") == "venue"
            and b.get("status") in ("accepted", "completed")
        ):
            return v
    return None


def event_summary(event: Doc) -> Doc:
    keys = (
        "id",
        "event_name",
        "event_date",
        "event_time",
        "guest_count",
        "budget",
        "location_preference",
        "status",
        "budget_amount_cents",
        "currency",
    )
    out = {k: event.get(k) for k in keys}
    out["currency"] = out["currency"] or DEFAULT_CURRENCY
    return out


def build_plan(
    event: Doc,
    tasks: list[Doc],
    budget: Doc,
    vendors: dict[str, Doc],
    bookings: list[Doc],
    today: dt.date,
) -> Doc:
    return {
        "event": event_summary(event),
        "today": today.isoformat(),
        "days_to_go": days_to_go(event, today),
        "vendors": vendor_status(event, vendors, bookings),
        "checklist": checklist_summary(tasks, today),
        "budget": {
            k: budget[k]
            for k in (
                "currency",
                "guests",
                "budget_amount_cents",
                "categories",
                "totals",
                "warnings",
            )
        },
    }


# ---- export / import ----------------------------------------------------------------------
def export_doc(
    event: Doc, tasks: list[Doc], items: list[Doc], vendors: dict[str, Doc], bookings: list[Doc]
) -> Doc:
    def vref(vid: str | None) -> Doc | None:
        v = vendors.get(vid or "")
        return {"id": vid, "business_name": v.get("business_name") if v else None} if vid else None

    ev = {k: v for k, v in event.items() if k not in ("_id", "user_id", "selected_vendors")}
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now_iso(),
        "event": ev,
        "vendors": [vref(v) for v in event.get("selected_vendors") or []],
        "tasks": [
            {
                k: t.get(k)
                for k in (
                    "id",
                    "title",
                    "category",
                    "vendor_category",
                    "due_date",
                    "status",
                    "notes",
                    "template_key",
                    "done_at",
                )
            }
            for t in sort_tasks(tasks)
        ],
        "budget_items": [
            {
                **{
                    k: i.get(k)
                    for k in (
                        "id",
                        "name",
                        "category",
                        "estimate_cents",
                        "quoted_cents",
                        "per_guest",
                        "due_date",
                        "notes",
                        "payments",
                        "booking_id",
                    )
                },
                "vendor": vref(i.get("vendor_id")),
            }
            for i in items
        ],
        "bookings": [
            {
                "id": b.get("id"),
                "status": b.get("status"),
                "vendor": vref(b.get("vendor_id")),
                "created_at": b.get("created_at"),
            }
            for b in bookings
        ],
    }


def check_export(doc: Any) -> Doc:
    """The shape of an export document, before anything is written."""
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise Invalid(f'not an arangetram plan export (no "format": "{EXPORT_FORMAT}")')
    if doc.get("version") != EXPORT_VERSION:
        raise Invalid(
            f"plan export version {str(doc.get('version'))[:10]} is not supported "
            f"(this arangetram reads version {EXPORT_VERSION})"
        )
    if not isinstance(doc.get("event"), dict):
        raise Invalid("plan export has no event")
    for key in ("vendors", "tasks", "budget_items"):
        if not isinstance(doc.get(key, []), list):
            raise Invalid(f"plan export: '{key}' must be a list")
    return doc


def ref_label(ref: Any) -> str:
    """How an export names a vendor it refers to: its name, else its id."""
    if isinstance(ref, dict):
        return repr(str(ref.get("business_name") or ref.get("id") or "?")[:80])
    return repr(str(ref)[:80])
