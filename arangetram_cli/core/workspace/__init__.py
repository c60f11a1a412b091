"""The planning workspace's rules: money, due dates, the Arangetram template, the checklist,
the budget (with what-if), the one-screen plan, and the export document.

Pure functions over plain documents (no store, no HTTP, no pydantic: read paths stay cheap),
shared by LocalPlanner (planner/local/workspace.py), the server and the CLI.

Documents
- task: {id, event_id, user_id, title, category, vendor_category, due_date ("" or
  YYYY-MM-DD), status ("open"|"done"), notes, template_key (None or the template's key),
  done_at, ticked_by [booking ids that ticked it], created_at, updated_at}
- budget item: {id, event_id, user_id, name, category, vendor_id, booking_id (None or the
  booking it was made for), estimate_cents, quoted_cents (None: not known), per_guest (the
  estimate is per guest), due_date, notes, payments [{id, amount_cents, on, note, at}],
  created_at, updated_at}; on read also paid_cents and balance_cents.
- event (additive fields): budget_amount_cents (None or int), currency ("USD").
Money is integer cents, never floats.

A package: base, money, dates, template, tasks, budget, plan; this module re-exports their
public names (`from arangetram_cli.core import workspace as ws; ws.parse_money(...)`).
Imports only core and the standard library.
"""

from __future__ import annotations

from arangetram_cli.core.errors import Overpayment as Overpayment  # its home: core.errors
from arangetram_cli.core.prices import venue_capacity as venue_capacity  # home: core.prices
from arangetram_cli.core.refs import resolve_ref as resolve_ref  # its home: core.refs
from arangetram_cli.core.workspace.base import VENDOR_CATEGORIES as VENDOR_CATEGORIES
from arangetram_cli.core.workspace.base import Doc as Doc
from arangetram_cli.core.workspace.base import new_id as new_id
from arangetram_cli.core.workspace.base import now_iso as now_iso
from arangetram_cli.core.workspace.budget import budget_fields as budget_fields
from arangetram_cli.core.workspace.budget import check_payment as check_payment
from arangetram_cli.core.workspace.budget import compute_budget as compute_budget
from arangetram_cli.core.workspace.budget import line_amounts as line_amounts
from arangetram_cli.core.workspace.budget import new_budget_item as new_budget_item
from arangetram_cli.core.workspace.budget import paid as paid
from arangetram_cli.core.workspace.budget import payment_limit as payment_limit
from arangetram_cli.core.workspace.budget import vendor_estimate as vendor_estimate
from arangetram_cli.core.workspace.dates import clamp_due as clamp_due
from arangetram_cli.core.workspace.dates import days_to_go as days_to_go
from arangetram_cli.core.workspace.dates import event_day as event_day
from arangetram_cli.core.workspace.dates import next_upcoming as next_upcoming
from arangetram_cli.core.workspace.dates import parse_date as parse_date
from arangetram_cli.core.workspace.dates import parse_offset as parse_offset
from arangetram_cli.core.workspace.dates import shift as shift
from arangetram_cli.core.workspace.money import DEFAULT_CURRENCY as DEFAULT_CURRENCY
from arangetram_cli.core.workspace.money import MAX_CENTS as MAX_CENTS
from arangetram_cli.core.workspace.money import check_cents as check_cents
from arangetram_cli.core.workspace.money import check_currency as check_currency
from arangetram_cli.core.workspace.money import format_money as format_money
from arangetram_cli.core.workspace.money import parse_money as parse_money
from arangetram_cli.core.workspace.plan import EXPORT_FORMAT as EXPORT_FORMAT
from arangetram_cli.core.workspace.plan import EXPORT_VERSION as EXPORT_VERSION
from arangetram_cli.core.workspace.plan import booked_venue as booked_venue
from arangetram_cli.core.workspace.plan import build_plan as build_plan
from arangetram_cli.core.workspace.plan import check_export as check_export
from arangetram_cli.core.workspace.plan import event_summary as event_summary
from arangetram_cli.core.workspace.plan import export_doc as export_doc
from arangetram_cli.core.workspace.plan import ref_label as ref_label
from arangetram_cli.core.workspace.plan import vendor_status as vendor_status
from arangetram_cli.core.workspace.tasks import MAX_TEXT as MAX_TEXT
from arangetram_cli.core.workspace.tasks import MAX_TITLE as MAX_TITLE
from arangetram_cli.core.workspace.tasks import TASK_STATUSES as TASK_STATUSES
from arangetram_cli.core.workspace.tasks import checklist_lines as checklist_lines
from arangetram_cli.core.workspace.tasks import checklist_summary as checklist_summary
from arangetram_cli.core.workspace.tasks import filter_tasks as filter_tasks
from arangetram_cli.core.workspace.tasks import new_task as new_task
from arangetram_cli.core.workspace.tasks import sort_tasks as sort_tasks
from arangetram_cli.core.workspace.tasks import task_fields as task_fields
from arangetram_cli.core.workspace.tasks import task_view as task_view
from arangetram_cli.core.workspace.tasks import text_field as text_field
from arangetram_cli.core.workspace.template import TEMPLATE_FILE as TEMPLATE_FILE
from arangetram_cli.core.workspace.template import load_template as load_template
from arangetram_cli.core.workspace.template import template_task_docs as template_task_docs
from arangetram_cli.core.workspace.template import validate_template as validate_template
