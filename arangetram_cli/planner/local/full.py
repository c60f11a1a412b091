"""WorkspacePlanner: LocalPlanner with the planning workspace and planning together, which a
LocalPlanner becomes the first time it needs them (see planner/local/planner.py)."""

from __future__ import annotations

from arangetram_cli.planner.local.budget import BudgetService
from arangetram_cli.planner.local.checklist import ChecklistService
from arangetram_cli.planner.local.members import MembersService
from arangetram_cli.planner.local.planner import LocalPlanner
from arangetram_cli.planner.local.plans import PlansService
from arangetram_cli.planner.local.rsvp import RsvpService


class WorkspacePlanner(
    LocalPlanner,
    MembersService,
    RsvpService,  # before the workspace services: it extends their budget and plan
    ChecklistService,
    BudgetService,
    PlansService,
):
    """Every service of the local planner."""
