"""LocalPlanner: the domain rules over a Store, as one facade over a service per aggregate.
Every permission check lives in core.policy (who may do what, event roles included) and these
services (access.py resolves every event with the caller's role), so the CLI in local mode and
`arangetram serve` enforce exactly the same rules."""

from __future__ import annotations

from arangetram_cli.planner.local.accounts import AccountsService
from arangetram_cli.planner.local.bookings import BookingsService
from arangetram_cli.planner.local.budget import BudgetService
from arangetram_cli.planner.local.catalog import CatalogService
from arangetram_cli.planner.local.checklist import ChecklistService
from arangetram_cli.planner.local.events import EventsService
from arangetram_cli.planner.local.members import MembersService
from arangetram_cli.planner.local.planning import PlanningService
from arangetram_cli.planner.local.plans import PlansService
from arangetram_cli.planner.local.reviews import ReviewsService
from arangetram_cli.planner.local.rsvp import RsvpService
from arangetram_cli.planner.local.vendors import VendorsService


class LocalPlanner(
    AccountsService,
    VendorsService,
    EventsService,
    BookingsService,
    ReviewsService,
    PlanningService,
    CatalogService,
    MembersService,
    RsvpService,  # before the workspace services: it extends their budget and plan
    ChecklistService,
    BudgetService,
    PlansService,
):
    """The Planner port in-process: `LocalPlanner(store, secret, token=None, today=None)`."""
