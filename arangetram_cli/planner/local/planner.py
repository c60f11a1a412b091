"""LocalPlanner: the domain rules over a Store, as one facade over a service per aggregate.
Every permission check lives in core.policy (who may do what, event roles included) and these
services (access.py resolves every event with the caller's role), so the CLI in local mode and
`arangetram serve` enforce exactly the same rules.

The planning workspace and planning together (checklist, budget, plan, members, guests,
RSVP) are services too, loaded the first time one of their methods is used: most runs (a
vendor search, a booking list) never need them, and their modules and the core code they
pull in are ~3 ms of a run. A LocalPlanner becomes a WorkspacePlanner (planner/local/full.py, a
subclass with those services; a subclass of LocalPlanner keeps its own overrides first) at that
moment; nothing else about it changes."""

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

_WITH_WORKSPACE: dict[type, type] = {}  # a LocalPlanner class -> it with the workspace services
_LOCK = threading.Lock()


def with_workspace(cls: type) -> type:
    """`cls` with the workspace and together services: WorkspacePlanner for LocalPlanner
    itself, and for a subclass (the server's RequestPlanner) a class that keeps its
    overrides first. Made once per class; the import happens at the first call."""
    with _LOCK:  # server threads: one import, one class
        found = _WITH_WORKSPACE.get(cls)
        if found is None:
            full = importlib.import_module("arangetram_cli.planner.local.full").WorkspacePlanner
            if issubclass(cls, full):
                found = cls
            elif cls is LocalPlanner:
                found = full
            else:
                found = type(cls.__name__, (cls, full), {"__module__": cls.__module__})
            _WITH_WORKSPACE[cls] = found
        return found


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
        if not name.startswith("__"):
            full = with_workspace(type(self))
            if full is not type(self) and hasattr(full, name):
                self.__class__ = full  # same state, the workspace services added
                return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
