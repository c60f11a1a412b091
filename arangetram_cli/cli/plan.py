"""`arangetram events plan|calendar|export|import`: the plan on one screen, as a calendar
file, and as one JSON document to take elsewhere. The `events` group (cli/events.py) names
these commands with lazy_commands(): this module, and the planning workspace it needs, load
only when one of them runs."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.workspace_ui import pick_event, render_plan
from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.workspace import check_export

EventArg = Annotated[
    str | None,
    typer.Argument(help="Event id, prefix or exact name (default: your next upcoming event)."),
]


def plan(ctx: typer.Context, event: EventArg = None) -> None:
    """The plan on one screen: days to go, vendors per category, the checklist's next tasks
    and the budget as bars (--json: the same as one document)."""
    st = state(ctx)
    planner = st.planner(auth=True)
    doc = planner.get_plan(pick_event(st, planner, event))
    if st.out.quiet:
        print(doc["event"]["id"])
        return
    if st.out.format != "table":
        st.out.item(doc, [], id_key="_none")
        return

    render_plan(st.out.console(), doc)


def calendar(
    ctx: typer.Context,
    event: EventArg = None,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Write to FILE.ics instead of stdout.", metavar="FILE"),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every event of yours.")] = False,
) -> None:
    """The recital, open tasks and payment due dates as an .ics file (RFC 5545): import it
    into a calendar app; importing a newer one updates the entries."""

    st = state(ctx)
    if all_ and event:
        raise Invalid("give an event or --all, not both")
    planner = st.planner(auth=True)
    ref = None if all_ else pick_event(st, planner, event)
    text = planner.calendar(ref, all_events=all_)
    if output:
        _write_atomic(Path(output), text)
        st.out.success(f"Wrote {output}")
    else:
        sys.stdout.write(text)


def _write_atomic(path: Path, text: str) -> None:
    """All or nothing: a temporary file beside the target, renamed over it."""

    if not path.name or path.is_dir():
        raise Invalid(f"cannot write {path}: it is a directory (give a file name)")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except (OSError, ValueError) as e:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise Invalid(f"cannot write {path}: {getattr(e, 'strerror', None) or e}") from None


def export(ctx: typer.Context, event: EventArg = None) -> None:
    """The whole plan as one versioned JSON document (stdout): event, chosen vendors, tasks,
    budget lines with payments, booking references."""
    st = state(ctx)
    planner = st.planner(auth=True)
    doc = planner.export_plan(pick_event(st, planner, event))
    print(json.dumps(doc, ensure_ascii=False, indent=2))


def import_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A plan.json from events export ('-': stdin).")],
) -> None:
    """Recreate an exported plan under your account (new ids); vendors resolved by id or
    exact name; what cannot be resolved is reported."""

    st = state(ctx)
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise Invalid(f"cannot read {file}: {getattr(e, 'strerror', None) or e}") from None
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise Invalid(f"{file} is not JSON: line {getattr(e, 'lineno', '?')}") from None

    check_export(doc)  # before logging in or sending anything
    planner = st.planner(auth=True)
    result = planner.import_plan(doc)
    event = result["event"]
    st.out.success(
        f"Imported {event.get('event_name')} ({event.get('id')}): {result['tasks']} task(s), "
        f"{result['budget_items']} budget line(s), {result['vendors']} vendor(s)"
    )
    for what in result.get("unresolved") or []:
        st.out.note(f"not resolved: {what}")
    st.out.item(
        {**result, "id": event.get("id")},
        [("id", "Event"), ("tasks", "Tasks"), ("budget_items", "Budget lines")],
    )
