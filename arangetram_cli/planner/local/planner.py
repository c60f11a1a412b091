"""LocalPlanner: the domain rules over a Store, as one facade over a service per aggregate.
Every permission check lives in core.policy (who may do what, event roles included) and these
services (access.py resolves every event with the caller's role), so the CLI in local mode and
`arangetram serve` enforce exactly the same rules.

The planning workspace and planning together (checklist, budget, plan, members, guests,
RSVP) are services too, loaded the first time one of their methods is used: most runs (a
vendor search, a booking list) never need them, and their modules and the core code they
pull in are ~3 ms of a run. A LocalPlanner becomes a WorkspacePlanner (planner/local/full.py, a
subclass with those services) at that moment; nothing else about it changes."""

from __future__ import annotations

import importlib
import threading
from typing import Any

from arangetram_cli.planner.local.accounts import AccountsService
from arangetram_cli.planner.local.bookings import BookingsService
from arangetram_cli.planner.local.catalog import CatalogService
from arangetram_cli.planner.local.events import EventsService
from arangetram_cli.planner.local.planning import PlanningService
from arangetram_cli.planner.local.reviews import ReviewsService
from arangetram_cli.planner.local.vendors import VendorsService

_FULL: list[type] = []
_FULL_LOCK = threading.Lock()


def _workspace_planner() -> type:
    if not _FULL:
        with _FULL_LOCK:  # server threads: one import
            if not _FULL:
                _FULL.append(
                    importlib.import_module("arangetram_cli.planner.local.full").WorkspacePlanner
                )
    return _FULL[0]


class LocalPlanner(
    AccountsService,
    VendorsService,
    EventsService,
    BookingsService,
    ReviewsService,
    PlanningService,
    CatalogService,
):
    """The Planner port in-process: `LocalPlanner(store, secret, token=None, today=None)`."""

    def __getattr__(self, name: str) -> Any:
        # Called only for a name the marketplace services do not have: the workspace's.
        full = _workspace_planner()
        if name.startswith("__") or isinstance(self, full) or not hasattr(full, name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self.__class__ = full  # same state, the workspace services added
        return getattr(self, name)
