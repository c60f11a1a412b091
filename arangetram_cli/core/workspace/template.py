"""The Arangetram checklist template (package data) or a family's own file in its shape."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.workspace.base import VENDOR_CATEGORIES, Doc
from arangetram_cli.core.workspace.dates import clamp_due, event_day, parse_offset, shift
from arangetram_cli.core.workspace.tasks import MAX_TITLE, new_task

TEMPLATE_FILE = "arangetram_template.json"


# ---- the template -------------------------------------------------------------------------
def load_template(path: str | Path | None = None) -> Doc:
    """The Arangetram template (package data), or a family's own file in the same shape.
    Invalid (one line) when the file is unreadable or fails validation."""
    where = str(path) if path else TEMPLATE_FILE
    try:
        if path is None:
            text = resources.files("arangetram_cli.core").joinpath(TEMPLATE_FILE).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise Invalid(f"cannot read the template {where}: {e.__class__.__name__}") from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise Invalid(f"template {where} is not JSON: line {getattr(e, 'lineno', '?')}") from None
    return validate_template(data, where)


def validate_template(data: Any, where: str = "template") -> Doc:
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise Invalid(f"template {where}: needs an object with a 'tasks' list")
    seen: set[str] = set()
    out = []
    for i, t in enumerate(data["tasks"], 1):
        at = f"template {where}: task {i}"
        if not isinstance(t, dict):
            raise Invalid(f"{at} is not an object")
        key, title = t.get("key"), t.get("title")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", key):
            raise Invalid(f"{at}: 'key' must be lowercase letters, digits and dashes")
        if key in seen:
            raise Invalid(f"{at}: key '{key}' appears twice")
        seen.add(key)
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            raise Invalid(f"{at} ({key}): 'title' must be 1-{MAX_TITLE} characters")
        before, after = t.get("before"), t.get("after")
        if (before is None) == (after is None):
            raise Invalid(f"{at} ({key}): give exactly one of 'before' or 'after'")
        parse_offset(before if before is not None else after, f"{at} ({key})")
        books = t.get("books")
        if books is not None and books not in VENDOR_CATEGORIES:
            raise Invalid(f"{at} ({key}): 'books' must be one of {', '.join(VENDOR_CATEGORIES)}")
        for name in ("category", "notes"):
            if t.get(name) is not None and not isinstance(t[name], str):
                raise Invalid(f"{at} ({key}): '{name}' must be text")
        out.append(t)
    if not out:
        raise Invalid(f"template {where}: has no tasks")
    return {**data, "tasks": out}


def template_task_docs(
    template: Doc, event: Doc, user_id: str, today: dt.date, skip_keys: Iterable[str] = ()
) -> list[Doc]:
    """Task documents for the template's tasks not yet on the event (by key)."""
    skip = set(skip_keys)
    day = event_day(event) or today
    docs = []
    stamp = dt.datetime.now(dt.UTC)
    for i, t in enumerate(template["tasks"]):
        now = (stamp + dt.timedelta(microseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
        if t["key"] in skip:
            continue
        after = t.get("after") is not None
        n, unit = parse_offset(t["after"] if after else t["before"])
        due = clamp_due(shift(day, n, unit, back=not after), today, event_day(event), after=after)
        docs.append(
            new_task(
                event,
                user_id,
                title=t["title"].strip(),
                category=(t.get("category") or "").strip(),
                vendor_category=t.get("books") or "",
                due_date=due.isoformat(),
                notes=(t.get("notes") or "").strip(),
                template_key=t["key"],
                now=now,
            )
        )
    return docs
