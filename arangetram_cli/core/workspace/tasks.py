"""The checklist: task fields and views, order and filters, references, summaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.values import check_text
from arangetram_cli.core.workspace.base import VENDOR_CATEGORIES, Doc, new_id, now_iso
from arangetram_cli.core.workspace.dates import (
    clamp_due,
    event_day,
    parse_date,
    parse_offset,
    shift,
)

TASK_STATUSES = ("open", "done")
MAX_TEXT = 2000
MAX_TITLE = 200


# ---- tasks --------------------------------------------------------------------------------
def new_task(event: Doc, user_id: str, *, now: str | None = None, **fields: Any) -> Doc:
    now = now or now_iso()
    return {
        "id": new_id(),
        "event_id": event["id"],
        "user_id": user_id,
        "title": fields.get("title", ""),
        "category": fields.get("category", ""),
        "vendor_category": fields.get("vendor_category", ""),
        "due_date": fields.get("due_date", ""),
        "status": "open",
        "notes": fields.get("notes", ""),
        "template_key": fields.get("template_key"),
        "done_at": "",
        "ticked_by": [],
        "created_at": now,
        "updated_at": now,
    }


def text_field(value: Any, what: str, limit: int = MAX_TEXT, *, required: bool = False) -> str:
    """A title or notes: core.values.check_text (no control characters but newline and tab)."""
    return check_text(value, what, limit, required=required)


def task_fields(data: Doc, event: Doc, today: dt.date, *, creating: bool) -> Doc:
    """Validated task fields from a command or a request body: title, category,
    vendor_category, notes, due (YYYY-MM-DD) or before (10d|8w|6m), after_event, status."""
    known = {
        "title",
        "category",
        "vendor_category",
        "notes",
        "due",
        "due_date",
        "before",
        "after_event",
        "status",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise Invalid(f"unknown task field '{unknown[0]}'")
    out: Doc = {}
    if creating or data.get("title") is not None:
        out["title"] = text_field(data.get("title"), "task title", MAX_TITLE, required=True)
    for name in ("category", "notes"):
        if data.get(name) is not None:
            out[name] = text_field(
                data[name], f"task {name}", 100 if name == "category" else MAX_TEXT
            )
    if data.get("vendor_category") is not None:
        vc = text_field(data["vendor_category"], "vendor category").lower()
        if vc and vc not in VENDOR_CATEGORIES:
            raise Invalid(
                f"unknown vendor category '{vc}' (choose from {', '.join(VENDOR_CATEGORIES)})"
            )
        out["vendor_category"] = vc
    due = data.get("due") if data.get("due") is not None else data.get("due_date")
    before = data.get("before")
    if due not in (None, "") and before not in (None, ""):
        raise Invalid("give a due date or an interval before the event, not both")
    day = event_day(event)
    if before not in (None, ""):
        if day is None:
            raise Invalid("the event has no date to count back from; give a due date")
        n, unit = parse_offset(str(before))
        out["due_date"] = clamp_due(shift(day, n, unit), today, day, after=False).isoformat()
    elif due == "":
        out["due_date"] = ""
    elif due is not None:
        d = parse_date(due, "due date")
        if day is not None and d > day and not data.get("after_event"):
            raise Invalid(
                f"due date {d.isoformat()} is after the event on {day.isoformat()}",
                hint="a task for after the recital (thank-you notes): add --after-event",
            )
        out["due_date"] = d.isoformat()
    if data.get("status") is not None:
        if data["status"] not in TASK_STATUSES:
            raise Invalid(f"task status must be open or done, not {str(data['status'])[:20]!r}")
        out["status"] = data["status"]
    return out


def task_view(task: Doc, today: dt.date) -> Doc:
    due = task.get("due_date") or ""
    overdue = bool(due) and task.get("status") != "done" and due < today.isoformat()
    return {**task, "overdue": overdue}


def sort_tasks(tasks: Iterable[Doc]) -> list[Doc]:
    """By due date (undated last), then when they were written."""
    return sorted(
        tasks,
        key=lambda t: (
            not t.get("due_date"),
            t.get("due_date") or "",
            t.get("created_at") or "",
            t.get("id") or "",
        ),
    )


def filter_tasks(
    tasks: Iterable[Doc],
    today: dt.date,
    *,
    open_only: bool = False,
    overdue: bool = False,
    due_before: str | None = None,
    category: str | None = None,
) -> list[Doc]:
    limit = parse_date(due_before, "--due-before").isoformat() if due_before else None
    cat = (category or "").strip().lower()
    out = []
    for t in sort_tasks(tasks):
        v = task_view(t, today)
        if open_only and v.get("status") == "done":
            continue
        if overdue and not v["overdue"]:
            continue
        if limit and not (v.get("due_date") and v["due_date"] < limit):
            continue
        if cat and cat not in (str(v.get("category", "")).lower(), v.get("vendor_category")):
            continue
        out.append(v)
    return out


def checklist_summary(tasks: list[Doc], today: dt.date, next_n: int = 5) -> Doc:
    views = [task_view(t, today) for t in sort_tasks(tasks)]
    open_ = [t for t in views if t.get("status") != "done"]
    overdue = [t for t in open_ if t["overdue"]]
    upcoming = [t for t in open_ if not t["overdue"]]
    return {
        "total": len(views),
        "done": len(views) - len(open_),
        "open": len(open_),
        "overdue": len(overdue),
        "next": (overdue + upcoming)[:next_n],
    }


def checklist_lines(tasks: list[Doc], today: dt.date, next_n: int = 8) -> list[str]:
    """The stored checklist as Markdown lines for the assistants: progress, what is
    overdue, what comes next."""
    summary = checklist_summary(tasks, today, next_n=next_n)
    lines = [
        f"From your checklist: {summary['done']} of {summary['total']} tasks done"
        + (f", {summary['overdue']} overdue." if summary["overdue"] else "."),
        "",
    ]
    overdue = [t for t in summary["next"] if t["overdue"]]
    upcoming = [t for t in summary["next"] if not t["overdue"]]
    if overdue:
        lines += ["**Overdue**", ""]
        lines += [f"- [ ] {t['title']} (was due {t.get('due_date')})" for t in overdue]
        lines.append("")
    if upcoming:
        lines += ["**Next**", ""]
        lines += [f"- [ ] {t['title']} (due {t.get('due_date') or 'any time'})" for t in upcoming]
        lines.append("")
    done = [t for t in sort_tasks(tasks) if t.get("status") == "done"][-5:]
    if done:
        lines += ["**Done lately**", ""]
        lines += [f"- [x] {t['title']}" for t in done]
        lines.append("")
    if summary["open"] == 0:
        lines.append("Everything on the checklist is done.")
    lines.append("See it all: `arangetram tasks list`.")
    return lines
