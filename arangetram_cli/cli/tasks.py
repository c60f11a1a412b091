"""`arangetram tasks`: the event's checklist (the Arangetram template, or your own tasks)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.params import changes, given, short
from arangetram_cli.cli.workspace_ui import EventOpt, cell, grid, line, pick_event, task_marker
from arangetram_cli.core.workspace import load_template

app = typer.Typer(
    rich_markup_mode=None,
    help="The event's checklist: list, add, tick and reopen tasks.",
    no_args_is_help=True,
)


TASK_COLUMNS = [
    ("id", "Id", short),
    ("due_date", "Due"),
    ("status", "Status", task_marker),
    ("title", "Task"),
    ("category", "Category"),
    ("notes", "Notes", lambda t: str(t.get("notes") or "")[:60]),
    ("assignee_email", "Assigned to"),
]
TASK_FIELDS = [
    ("title", "Task"),
    ("id", "Id"),
    ("due_date", "Due"),
    ("status", "Status", task_marker),
    ("category", "Category"),
    ("vendor_category", "Ticked by a booking of"),
    ("notes", "Notes"),
    ("done_at", "Done"),
    ("assignee_email", "Assigned to"),
]

TaskArg = Annotated[str, typer.Argument(help="Task id, prefix or exact title.")]
Due = Annotated[str | None, typer.Option("--due", help="Due date, YYYY-MM-DD.")]
Before = Annotated[
    str | None, typer.Option("--before", help="Due this long before the event: 6m, 8w, 10d.")
]
Category = Annotated[str | None, typer.Option("--category", "-c", help="Such as costume.")]
Notes = Annotated[str | None, typer.Option("--notes", help="Notes.")]
AfterEvent = Annotated[
    bool, typer.Option("--after-event", help="Allow a due date after the event (thank-yous).")
]
Assign = Annotated[
    str | None,
    typer.Option("--assign", help="A member's email ('none' to unassign)."),
]
Books = Annotated[
    str | None,
    typer.Option("--books", help="A vendor category whose accepted booking ticks this task."),
]


@app.command("list")
def list_(
    ctx: typer.Context,
    event: EventOpt = None,
    open_: Annotated[bool, typer.Option("--open", help="Only tasks not done.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue tasks.")] = False,
    due_before: Annotated[
        str | None, typer.Option("--due-before", help="Only tasks due before DATE.")
    ] = None,
    category: Category = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="The tasks assigned to you, across your events.")
    ] = False,
) -> None:
    """The checklist, by due date (overdue tasks marked)."""
    st = state(ctx)
    planner = st.planner(auth=True)
    if mine:
        mine_tasks = planner.my_tasks(open_only=open_)["tasks"]
        st.out.items(
            mine_tasks,
            [("event_name", "Event", lambda t: str(t.get("event_name") or "")[:40]), *TASK_COLUMNS],
            title="My tasks",
            empty="nothing is assigned to you",
        )
        return
    ref = pick_event(st, planner, event)
    doc = planner.list_tasks(
        ref, open_only=open_, overdue=overdue, due_before=due_before, category=category
    )
    tasks = doc["tasks"]
    empty = "no tasks match (add the Arangetram checklist: arangetram tasks apply-template)"
    if st.out.format != "table" or st.out.quiet or not tasks:
        st.out.items(tasks, TASK_COLUMNS, empty=empty)
        return
    _draw(st, doc["event"], tasks)


def _draw(st: Any, event: dict[str, Any], tasks: list[dict[str, Any]]) -> None:
    """One line per task, whatever its title or notes hold."""

    console = st.out.console()
    done = sum(1 for t in tasks if t.get("status") == "done")
    late = sum(1 for t in tasks if t.get("overdue"))
    head = f"Checklist: {line(event.get('event_name'))} - {done}/{len(tasks)} done"
    console.print(cell(head + (f", {late} overdue" if late else ""), "bold"))
    free = max(20, console.width - 45)
    title_w = max(16, free * 11 // 20)
    rows = [[cell(h, "bold") for h in ("Id", "Due", "Status", "Task", "Category", "Notes")]]
    for t in tasks:
        marker = task_marker(t)
        style = "bold red" if marker == "OVERDUE" else ("dim" if marker == "done" else "")
        rows.append(
            [
                cell(short(t)),
                cell(t.get("due_date") or "-"),
                cell(marker, style),
                cell(t.get("title")),
                cell(t.get("category")),
                cell(t.get("notes")),
            ]
        )
    grid(console, rows, [8, 10, 7, title_w, 10, max(4, free - title_w)])


@app.command()
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What to do.")],
    event: EventOpt = None,
    due: Due = None,
    before: Before = None,
    category: Category = None,
    notes: Notes = None,
    books: Books = None,
    after_event: AfterEvent = False,
    assign: Assign = None,
) -> None:
    """Add a task."""
    st = state(ctx)
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, event)
    data = given(
        title=title, due=due, before=before, category=category, notes=notes, vendor_category=books
    )
    if after_event:
        data["after_event"] = True
    if assign is not None:
        data["assign"] = assign
    task = planner.add_task(ref, data)
    st.out.success(f"Added: {task['title']} (due {task.get('due_date') or 'any time'})")
    st.out.item(task, TASK_FIELDS, title="Task")


def _set_status(ctx: typer.Context, event: str | None, task_ref: str, status: str) -> None:
    st = state(ctx)
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, event)
    task = planner.update_task(ref, task_ref, {"status": status})
    st.out.success(f"{'Done' if status == 'done' else 'Reopened'}: {task['title']}")
    st.out.item(task, TASK_FIELDS, title="Task")


@app.command()
def done(ctx: typer.Context, task: TaskArg, event: EventOpt = None) -> None:
    """Tick a task."""
    _set_status(ctx, event, task, "done")


@app.command()
def reopen(ctx: typer.Context, task: TaskArg, event: EventOpt = None) -> None:
    """Reopen a ticked task."""
    _set_status(ctx, event, task, "open")


@app.command()
def update(
    ctx: typer.Context,
    task: TaskArg,
    event: EventOpt = None,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    due: Due = None,
    before: Before = None,
    category: Category = None,
    notes: Notes = None,
    books: Books = None,
    after_event: AfterEvent = False,
    assign: Assign = None,
) -> None:
    """Change a task."""

    st = state(ctx)
    data = changes(
        title=title,
        due=due,
        before=before,
        category=category,
        notes=notes,
        vendor_category=books,
        assign=assign,
    )
    if after_event:  # allows a later --due; no change by itself
        data["after_event"] = True
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, event)
    updated = planner.update_task(ref, task, data)
    st.out.success(f"Updated: {updated['title']}")
    st.out.item(updated, TASK_FIELDS, title="Task")


@app.command()
def remove(ctx: typer.Context, task: TaskArg, event: EventOpt = None) -> None:
    """Remove a task."""
    st = state(ctx)
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, event)
    gone = planner.remove_task(ref, task)
    st.out.success(f"Removed: {gone['title']}")
    st.out.item(gone, TASK_FIELDS, title="Removed")


@app.command("apply-template")
def apply_template(
    ctx: typer.Context,
    event: EventOpt = None,
    file: Annotated[
        str | None,
        typer.Option("--file", "-f", help="Your own template (JSON, the packaged one's shape)."),
    ] = None,
) -> None:
    """Add the Arangetram checklist's tasks the event does not have yet."""

    st = state(ctx)
    template = load_template(file) if file else None  # a bad file fails before any request
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, event)
    result = planner.apply_template(ref, template)
    st.out.success(
        f"{result['added']} task(s) added to {result['event'].get('event_name')}"
        + (f", {result['skipped']} already there" if result["skipped"] else "")
    )
    if st.out.format != "table" or st.out.quiet:
        st.out.item(result, [("added", "Added"), ("skipped", "Skipped")], id_key="_none")
