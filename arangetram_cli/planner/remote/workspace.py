"""The planning workspace in RemotePlanner: `arangetram serve`'s /api/v1 workspace endpoints
(server/workspace_routes.py). The plain web back end has no workspace: every operation then
raises NotSupported (exit 7, one line), never a misleading "unreachable" (6)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from arangetram_cli.core.errors import NotFound, Unavailable
from arangetram_cli.core.lifecycle import next_upcoming, utc_today
from arangetram_cli.core.refs import NEXT_STEP, resolve_ref
from arangetram_cli.planner.remote.common import SERVE_ONLY_HINT

Doc = dict[str, Any]
NOT_OFFERED = (
    "this server does not offer the planning workspace (tasks, budget, plan, calendar, "
    "export and import)"
)


class RemoteWorkspaceMixin:
    base: str

    # provided by RemotePlanner
    api: Any  # the API strategy (plain.PlainContract.api)

    def _addition(self, *a: Any, **kw: Any) -> Any: ...  # pragma: no cover
    def _addition_doc(self, *a: Any, **kw: Any) -> Doc: ...  # pragma: no cover
    def _decode(self, response: Any, method: str, path: str) -> Any: ...  # pragma: no cover
    def list_events(self, *, offset: int = 0, limit: int = 100) -> Any: ...  # pragma: no cover

    def _ws_response(self, method: str, path: str, **kw: Any) -> Any:
        self.api.needs_serve(NOT_OFFERED, SERVE_ONLY_HINT)
        return self._addition(method, path, NOT_OFFERED, **kw)

    def _ws(self, method: str, path: str, **kw: Any) -> Doc:
        self.api.needs_serve(NOT_OFFERED, SERVE_ONLY_HINT)
        return self._addition_doc(method, path, NOT_OFFERED, **kw)

    def _ev(self, ref: str | None) -> str:
        r = str(ref).strip() if ref is not None and str(ref).strip() else self.next_event()["id"]
        if "/" in r:  # a slash cannot travel in a path segment: resolve the name here
            self.api.needs_serve(NOT_OFFERED, SERVE_ONLY_HINT)
            items = self.list_events(limit=1000).items
            r = resolve_ref(items, r, "Event", "event_name", NEXT_STEP["Event"])["id"]
        return f"/api/v1/events/{quote(r, safe='')}"

    def _item_seg(self, event_path: str, ref: str, kind: str) -> str:
        """A task or budget line reference as a path segment; names with a slash are
        resolved to their id from the event's listing first."""

        r = str(ref).strip()
        if "/" in r:
            if kind == "tasks":
                items = self._ws("GET", f"{event_path}/tasks")["tasks"]
                r = resolve_ref(items, r, "Task", "title", "see: arangetram tasks list")["id"]
            else:
                lines = [
                    ln for ln in self._ws("GET", f"{event_path}/budget")["lines"] if ln.get("id")
                ]
                r = resolve_ref(lines, r, "Budget item", "name", "see: arangetram budget show")[
                    "id"
                ]
        return quote(r, safe="") or "-"

    # ---- events ---------------------------------------------------------------------------
    def next_event(self) -> Doc:
        self.api.needs_serve(NOT_OFFERED, SERVE_ONLY_HINT)
        page = self.list_events(limit=1000)
        event = next_upcoming(page.items, utc_today())
        if event is None:
            raise NotFound("You have no events", hint="create one: arangetram events create")
        return event

    # ---- tasks ----------------------------------------------------------------------------
    def list_tasks(
        self,
        event_ref: str | None,
        *,
        open_only: bool = False,
        overdue: bool = False,
        due_before: str | None = None,
        category: str | None = None,
    ) -> Doc:
        params = {
            "open": "true" if open_only else None,
            "overdue": "true" if overdue else None,
            "due_before": due_before,
            "category": category,
        }
        return self._ws("GET", f"{self._ev(event_ref)}/tasks", params=params)

    def add_task(self, event_ref: str | None, data: Doc) -> Doc:
        return self._ws("POST", f"{self._ev(event_ref)}/tasks", body=data)

    def update_task(self, event_ref: str | None, task_ref: str, data: Doc) -> Doc:
        ev = self._ev(event_ref)
        return self._ws("PUT", f"{ev}/tasks/{self._item_seg(ev, task_ref, 'tasks')}", body=data)

    def remove_task(self, event_ref: str | None, task_ref: str) -> Doc:
        ev = self._ev(event_ref)
        return self._ws("DELETE", f"{ev}/tasks/{self._item_seg(ev, task_ref, 'tasks')}")

    def apply_template(self, event_ref: str | None, template: Doc | None = None) -> Doc:
        path = f"{self._ev(event_ref)}/tasks/apply-template"
        return self._ws("POST", path, body=template)

    # ---- budget ---------------------------------------------------------------------------
    def get_budget(
        self,
        event_ref: str | None,
        *,
        guests: int | None = None,
        budget_amount_cents: int | None = None,
    ) -> Doc:
        params = {"guests": guests, "budget_amount": budget_amount_cents}
        return self._ws("GET", f"{self._ev(event_ref)}/budget", params=params)

    def set_event_budget(
        self, event_ref: str | None, *, amount_cents: Any = None, currency: str | None = None
    ) -> Doc:
        body = {"amount": amount_cents, "currency": currency}
        return self._ws("PUT", f"{self._ev(event_ref)}/budget", body=body)

    def add_budget_item(self, event_ref: str | None, data: Doc) -> Doc:
        return self._ws("POST", f"{self._ev(event_ref)}/budget/items", body=data)

    def update_budget_item(self, event_ref: str | None, item_ref: str, data: Doc) -> Doc:
        ev = self._ev(event_ref)
        path = f"{ev}/budget/items/{self._item_seg(ev, item_ref, 'budget')}"
        return self._ws("PUT", path, body=data)

    def pay_budget_item(
        self,
        event_ref: str | None,
        item_ref: str,
        amount: Any,
        *,
        on: str | None = None,
        note: str = "",
        confirm: bool = False,
    ) -> Doc:
        ev = self._ev(event_ref)
        path = f"{ev}/budget/items/{self._item_seg(ev, item_ref, 'budget')}/payments"
        body = {"amount": amount, "on": on, "note": note, "confirm": confirm}
        return self._ws("POST", path, body=body)

    def remove_budget_item(self, event_ref: str | None, item_ref: str) -> Doc:
        ev = self._ev(event_ref)
        return self._ws("DELETE", f"{ev}/budget/items/{self._item_seg(ev, item_ref, 'budget')}")

    # ---- plan, calendar, export, import ---------------------------------------------------
    def get_plan(self, event_ref: str | None) -> Doc:
        return self._ws("GET", f"{self._ev(event_ref)}/plan")

    def calendar(self, event_ref: str | None, *, all_events: bool = False) -> str:
        path = "/api/v1/calendar.ics" if all_events else f"{self._ev(event_ref)}/calendar.ics"
        response = self._ws_response("GET", path)
        if response.status_code >= 300:
            self._decode(response, "GET", path)  # raises the typed error
        if "text/calendar" not in response.headers.get("content-type", ""):
            raise Unavailable(f"{self.base} answered {path} with something not a calendar")
        return response.text

    def export_plan(self, event_ref: str | None) -> Doc:
        return self._ws("GET", f"{self._ev(event_ref)}/export")

    def import_plan(self, doc: Any) -> Doc:
        return self._ws("POST", "/api/v1/plans/import", body=doc)
