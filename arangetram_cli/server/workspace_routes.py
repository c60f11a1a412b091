"""The planning workspace over HTTP (additive, /api/v1): checklist, budget, plan, calendar,
export and import of an event's plan. Every handler runs LocalPlanner's workspace
operations, so the rules (owner only; another user's event is 404) are the same as local
mode. `{ref}` is an event id, unique prefix or exact name (URL-encoded)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from arangetram_cli.server.deps import P

router = APIRouter(prefix="/api/v1", tags=["v1 planning workspace (additive)"])

Money = int | str | None  # cents (int), or text as a person types it ("$1,800.50")


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=100)
    vendor_category: str | None = Field(default=None, max_length=40)
    notes: str | None = Field(default=None, max_length=2000)
    due: str | None = Field(default=None, max_length=40)
    before: str | None = Field(default=None, max_length=40)
    after_event: bool | None = None
    status: str | None = Field(default=None, max_length=10)
    assign: str | None = Field(default=None, max_length=254)  # a member's email (together)


class BudgetItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=100)
    estimate: Money = None
    quoted: Money = None
    paid: Money = None
    per_guest: bool | None = None
    due: str | None = Field(default=None, max_length=40)
    notes: str | None = Field(default=None, max_length=2000)
    vendor_id: str | None = Field(default=None, max_length=200)
    confirm: bool | None = None


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int | str
    on: str | None = Field(default=None, max_length=40)
    note: str = Field(default="", max_length=500)
    confirm: bool = False


class EventBudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Money = None
    currency: str | None = Field(default=None, max_length=10)


def _clean(body: BaseModel) -> dict[str, Any]:
    return body.model_dump(exclude_none=True)


@router.get("/events/{ref}/tasks", summary="The event's checklist, by due date")
def list_tasks(
    ref: str,
    p: P,
    open: bool = False,
    overdue: bool = False,
    due_before: Annotated[str | None, Query(max_length=40)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    return p.list_tasks(
        ref, open_only=open, overdue=overdue, due_before=due_before, category=category
    )


@router.post("/events/{ref}/tasks", summary="Add a task")
def add_task(ref: str, body: TaskIn, p: P) -> dict[str, Any]:
    return p.add_task(ref, _clean(body))


@router.post("/events/{ref}/tasks/apply-template", summary="Add the template's missing tasks")
def apply_template(
    ref: str, p: P, template: Annotated[dict[str, Any] | None, Body()] = None
) -> dict[str, Any]:
    return p.apply_template(ref, template)


@router.put("/events/{ref}/tasks/{task}", summary="Change a task (incl. status)")
def update_task(ref: str, task: str, body: TaskIn, p: P) -> dict[str, Any]:
    return p.update_task(ref, task, _clean(body))


@router.delete("/events/{ref}/tasks/{task}", summary="Remove a task")
def remove_task(ref: str, task: str, p: P) -> dict[str, Any]:
    return p.remove_task(ref, task)


@router.get("/events/{ref}/budget", summary="The budget; guests/budget_amount: what if")
def get_budget(
    ref: str,
    p: P,
    guests: Annotated[int | None, Query(ge=1, le=100_000)] = None,
    budget_amount: Annotated[int | None, Query(ge=0, le=10**13)] = None,
) -> dict[str, Any]:
    return p.get_budget(ref, guests=guests, budget_amount_cents=budget_amount)


@router.put("/events/{ref}/budget", summary="Set the event's total budget or currency")
def set_budget(ref: str, body: EventBudgetIn, p: P) -> dict[str, Any]:
    return p.set_event_budget(ref, amount_cents=body.amount, currency=body.currency)


@router.post("/events/{ref}/budget/items", summary="Add a budget line")
def add_item(ref: str, body: BudgetItemIn, p: P) -> dict[str, Any]:
    return p.add_budget_item(ref, _clean(body))


@router.put("/events/{ref}/budget/items/{item}", summary="Change a budget line")
def update_item(ref: str, item: str, body: BudgetItemIn, p: P) -> dict[str, Any]:
    data = _clean(body)
    data.pop("paid", None)
    data.pop("confirm", None)
    return p.update_budget_item(ref, item, data)


@router.delete("/events/{ref}/budget/items/{item}", summary="Remove a budget line")
def remove_item(ref: str, item: str, p: P) -> dict[str, Any]:
    return p.remove_budget_item(ref, item)


@router.post(
    "/events/{ref}/budget/items/{item}/payments",
    summary="Record a payment (409 code=overpayment past the quote unless confirm)",
)
def pay_item(ref: str, item: str, body: PaymentIn, p: P) -> dict[str, Any]:
    return p.pay_budget_item(
        ref, item, body.amount, on=body.on, note=body.note, confirm=body.confirm
    )


@router.get("/events/{ref}/plan", summary="The plan on one page")
def get_plan(ref: str, p: P) -> dict[str, Any]:
    return p.get_plan(ref)


_ICS = "text/calendar; charset=utf-8"


@router.get("/events/{ref}/calendar.ics", summary="The event as an RFC 5545 calendar")
def event_calendar(ref: str, p: P) -> Response:
    return Response(p.calendar(ref), media_type=_ICS)


@router.get("/calendar.ics", summary="Every event of the caller as one calendar")
def all_calendar(p: P) -> Response:
    return Response(p.calendar(None, all_events=True), media_type=_ICS)


@router.get("/events/{ref}/export", summary="The whole plan as one versioned document")
def export_plan(ref: str, p: P) -> dict[str, Any]:
    return p.export_plan(ref)


@router.post("/plans/import", summary="Recreate an exported plan under the caller's account")
def import_plan(p: P, doc: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    return p.import_plan(doc)
