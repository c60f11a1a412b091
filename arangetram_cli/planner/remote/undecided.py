"""The API strategy before RemotePlanner knows which server it talks to.

A listing needs no extra request to find out: it asks /api/v1 (serve.ServeApi's listings),
and the answer settles the strategy (a 404 or 405 that `arangetram serve` did not send: the
plain back end, whose strategy then answers the listing). Anything else first asks
GET /api/v1/info, once, and goes to the strategy chosen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from arangetram_cli.planner.base import Page
from arangetram_cli.planner.remote.serve import ServeApi
from arangetram_cli.store.base import Doc, VendorQuery


class UndecidedApi:
    """Not known yet: listings double as the detection; the rest detects first."""

    ours = None

    def __init__(self, planner: Any) -> None:
        self.p = planner

    def __getattr__(self, name: str) -> Any:
        """Every other strategy method: the strategy of the server, asked once."""
        return getattr(self.p._detected_api(), name)

    def list_vendors(self, q: VendorQuery, offset: int, limit: int) -> Page:
        return ServeApi(self.p).list_vendors(q, offset, limit)

    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]:
        return ServeApi(self.p).iter_vendors(q)

    def list_events(self, offset: int, limit: int) -> Page:
        return ServeApi(self.p).list_events(offset, limit)
