"""The Planner port over HTTP (httpx): the contract's API, `arangetram serve`'s /api/v1, the
plain back end's fallbacks, chat. May import core, planner.base, ai.client; never cli/server."""

from __future__ import annotations

from arangetram_cli.planner.remote.common import format_validation as format_validation
from arangetram_cli.planner.remote.planner import RemotePlanner as RemotePlanner
