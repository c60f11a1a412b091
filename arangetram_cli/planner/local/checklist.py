"""The checklist of an event: tasks, their order and filters, the Arangetram template."""

from __future__ import annotations

from arangetram_cli.core import workspace as ws
from arangetram_cli.core.errors import Conflict, Invalid, NotFound
from arangetram_cli.core.policy import CHANGE
from arangetram_cli.planner.local.workspace import Doc, WorkspaceBase


class ChecklistService(WorkspaceBase):
    """The checklist of an event: tasks, their order and filters, the Arangetram template."""

    def _tasks_of(self, event: Doc) -> list[Doc]:
        self._sync(event)
        return self.store.tasks.list_by_event(event["id"])

    def _task(self, event: Doc, ref: str) -> Doc:
        return ws.resolve_ref(
            self.store.tasks.list_by_event(event["id"]),
            ref,
            "Task",
            "title",
            "see: arangetram tasks list",
        )

    def list_tasks(
        self,
        event_ref: str | None,
        *,
        open_only: bool = False,
        overdue: bool = False,
        due_before: str | None = None,
        category: str | None = None,
    ) -> Doc:
        event = self.plan_event(event_ref)
        tasks = ws.filter_tasks(
            self._tasks_of(event),
            self._today(),
            open_only=open_only,
            overdue=overdue,
            due_before=due_before,
            category=category,
        )
        tasks = self._with_assignees(tasks)  # type: ignore[attr-defined]
        return {"event": ws.event_summary(event), "tasks": tasks}

    def add_task(self, event_ref: str | None, data: Doc) -> Doc:
        event = self.plan_event(event_ref, CHANGE)
        data = dict(data)
        assign = data.pop("assign", None)
        fields = ws.task_fields(data, event, self._today(), creating=True)
        fields.pop("status", None)
        task = ws.new_task(event, event["user_id"], **fields)
        if assign is not None:
            task["assignee"] = self._assignee(event, assign)  # type: ignore[attr-defined]
        self.store.tasks.insert(task)
        return ws.task_view(task, self._today())

    def update_task(self, event_ref: str | None, task_ref: str, data: Doc) -> Doc:
        event = self.plan_event(event_ref, CHANGE)
        data = dict(data)
        assign = data.pop("assign", None)
        fields = ws.task_fields(data, event, self._today(), creating=False)
        if assign is not None:
            fields["assignee"] = self._assignee(event, assign)  # type: ignore[attr-defined]
        task = self._task(event, task_ref)
        if not fields:
            raise Invalid("nothing to change: give at least one field")
        now = ws.now_iso()
        if fields.get("status") == "done" and task.get("status") != "done":
            fields["done_at"] = now
        elif fields.get("status") == "open":
            fields["done_at"] = ""
        updated = self.store.tasks.update(task["id"], {**fields, "updated_at": now})
        if updated is None:
            raise NotFound("Task not found", hint="see: arangetram tasks list")
        return ws.task_view(updated, self._today())

    def remove_task(self, event_ref: str | None, task_ref: str) -> Doc:
        event = self.plan_event(event_ref, CHANGE)
        task = self._task(event, task_ref)
        if not self.store.tasks.delete(task["id"]):
            raise NotFound("Task not found", hint="see: arangetram tasks list")
        return task

    def apply_template(self, event_ref: str | None, template: Doc | None = None) -> Doc:
        """Add the template's tasks the event does not have yet (by key): running it twice
        adds nothing the second time. A family's own template goes through the same
        validation as the packaged one."""
        event = self.plan_event(event_ref, CHANGE)
        tpl = ws.load_template() if template is None else ws.validate_template(template, "given")
        for _ in range(3):  # a concurrent apply may win a key between reading and writing
            have = {t.get("template_key") for t in self.store.tasks.list_by_event(event["id"])}
            docs = ws.template_task_docs(tpl, event, event["user_id"], self._today(), have)
            try:
                self.store.tasks.insert_many(docs)
            except Conflict:
                continue
            self._sync(event)
            return {
                "event": ws.event_summary(event),
                "added": len(docs),
                "skipped": len(tpl["tasks"]) - len(docs),
                "template": tpl.get("name") or "custom",
            }
        raise Conflict("the checklist changed while the template was applied; try again")
