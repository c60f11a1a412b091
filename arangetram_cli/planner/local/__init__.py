"""The Planner port in-process: services per aggregate over a Store, behind LocalPlanner.
May import core, store.base and planner.base (ai and recommend late); never cli or server."""

from __future__ import annotations

from arangetram_cli.planner.local.common import MAX_PORTFOLIO_IMAGES as MAX_PORTFOLIO_IMAGES
from arangetram_cli.planner.local.common import categories as categories
from arangetram_cli.planner.local.planner import LocalPlanner as LocalPlanner
