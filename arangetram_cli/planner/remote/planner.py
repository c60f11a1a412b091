"""RemotePlanner: the Planner port over the platform's REST API (api-contract.md), with httpx.

It works against the existing web back end exactly as the contract describes it, and against
`arangetram serve`, which marks its answers with an `X-Arangetram-API` header and adds
endpoints under /api/v1 (paging with totals, vendor resolution by prefix or name, seeding
without the "only if empty" rule). Where the plain back end lacks something, the planner
falls back to the contract's endpoints (plain.py) and says so (Page.notes, or a `note:` line
on stderr); it never returns wrong data.

Transport (transport.py): one httpx client per run (HTTP/1.1 keep-alive), bounded timeouts,
a clear User-Agent, no redirects followed (a token is never replayed to another address).
Only GETs are retried (bounded, with backoff); a POST, PUT or DELETE is sent exactly once.
Every failure becomes one typed error (errors.py, through core.errors' table), so exit codes
match local mode.
"""

from __future__ import annotations

from arangetram_cli.planner.remote.accounts import AccountsApi
from arangetram_cli.planner.remote.bookings import BookingsApi
from arangetram_cli.planner.remote.events import EventsApi
from arangetram_cli.planner.remote.planning import PlanningApi
from arangetram_cli.planner.remote.reviews import ReviewsApi
from arangetram_cli.planner.remote.together import RemoteTogetherMixin
from arangetram_cli.planner.remote.vendors import VendorsApi
from arangetram_cli.planner.remote.workspace import RemoteWorkspaceMixin


class RemotePlanner(
    AccountsApi,
    VendorsApi,
    EventsApi,
    BookingsApi,
    ReviewsApi,
    PlanningApi,
    RemoteTogetherMixin,
    RemoteWorkspaceMixin,
):
    """The Planner port over HTTP: `RemotePlanner(api_url, token=None, ...)`."""
