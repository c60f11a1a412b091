"""Every endpoint of api-contract.md (same paths, bodies, status codes and texts, none of its
listed defects), plus additive endpoints under /api/v1 for what the contract lacks.

Each request gets its own planner (the token comes from its Authorization header) over the
app's one Store. Handlers that change data, hash passwords or call the AI provider are plain
`def`s that FastAPI runs in its thread pool; read-only handlers are `async` and, on SQLite,
call the planner on the event loop (`answer`), serializing their answer once with
pydantic-core's JSON encoder. A body is validated once, by the route's core input model;
the planner's `*_checked` methods take that model as it is, without validating it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import to_json
from starlette.datastructures import QueryParams

from arangetram_cli import __version__
from arangetram_cli.core.errors import (
    ArangetramError,
    AuthRequired,
    NotFound,
    Unavailable,
)
from arangetram_cli.core.models import (
    BookingIn,
    BookingRespondIn,
    CancelIn,
    CompleteIn,
    EventIn,
    EventUpdateIn,
    GuestIn,
    LoginIn,
    RegisterIn,
    ReplyIn,
    ReviewIn,
    VendorIn,
    VendorUpdateIn,
    check_price_range,
)
from arangetram_cli.core.recommend import DEFAULT_BUDGET, DEFAULT_GUESTS, DEFAULT_LOCATION
from arangetram_cli.core.values import normalize_category
from arangetram_cli.planner.local import LocalPlanner, categories
from arangetram_cli.server import ai
from arangetram_cli.server.deps import JSONBytes, P, ai_gate, answer
from arangetram_cli.store.base import Doc, VendorQuery

CONTRACT_LIMIT = 100  # the contract's listings answer at most this many


def _q(value: str | None) -> str | None:
    """Empty query parameters (as a web form sends them) mean 'no filter'."""
    return value if value not in (None, "") else None


def _vendor_query(
    category: str | None,
    location: str | None,
    price_range: str | None,
    search: str | None,
    *,
    active_only: bool = True,
    max_price_range: str | None = None,
) -> VendorQuery:
    cat = _q(category)
    return VendorQuery(
        category=normalize_category(cat) if cat else None,
        location=_q(location),
        price_range=_q(price_range),
        search=_q(search),
        active_only=active_only,
        max_price_range=_q(max_price_range),
    )


# ---- bodies the core models do not cover --------------------------------------------------
class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class EventContext(_Body):
    event_date: str | None = None
    guest_count: int | None = None
    budget: str | None = None
    location: str | None = None


class ChatIn(_Body):
    message: str = Field(min_length=1, max_length=5000)
    event_context: EventContext | None = None


class RecommendIn(_Body):
    event_date: str = ""
    guest_count: int = Field(default=DEFAULT_GUESTS, ge=0)
    budget: str = DEFAULT_BUDGET
    location: str = DEFAULT_LOCATION
    categories_needed: list[str] = Field(default_factory=list, max_length=20)

    _budget = field_validator("budget")(check_price_range)


class SeedIn(_Body):
    only_if_empty: bool = False


# ---- the contract -------------------------------------------------------------------------
api = APIRouter(prefix="/api")


_ROOT = to_json({"message": "Arangetram Planning API", "version": "1.0"})


@api.get("/", summary="API name and version", response_model=dict[str, str])
async def root() -> Response:
    return JSONBytes(_ROOT)


@api.post("/auth/register", tags=["auth"])
def register(body: RegisterIn, p: P) -> Doc:
    return p.register_checked(body)


@api.post("/auth/login", tags=["auth"])
def login(body: LoginIn, p: P) -> Doc:
    return p.login_checked(body)


@api.post("/auth/guest", tags=["auth"])
def guest(p: P, body: Annotated[GuestIn | None, Body()] = None) -> Doc:
    return p.guest_checked(body or GuestIn())


def _me(p: LocalPlanner) -> Doc:
    try:
        return p.me()
    except AuthRequired as e:
        if e.message == "User not found":  # the contract answers a deleted account with 404
            raise NotFound("User not found", hint=e.hint) from None
        raise


@api.get("/auth/me", tags=["auth"], response_model=Doc)
async def me(request: Request) -> Response:
    return await answer(request, _me)


# The busiest reads (what the web front end asks for on every page). On SQLite the app's
# front middleware (guard.py) answers them before FastAPI's routing and parameter machinery,
# through `hot_read`; the FastAPI routes below declare them for OpenAPI and serve them on
# MongoDB (in the thread pool). Both run the same `read` on the same planner.
def _params(*query: str, path: tuple[str, ...] = ()) -> dict[str, Any]:
    def one(name: str, where: str) -> Doc:
        return {
            "name": name,
            "in": where,
            "required": where == "path",
            "schema": {"type": "string"},
        }

    return {"parameters": [one(n, "path") for n in path] + [one(n, "query") for n in query]}


def _my_vendor(p: LocalPlanner) -> Doc:
    return p.my_vendor()


def _list_events(p: LocalPlanner) -> list[Doc]:
    """The caller's events, at most 100 (the contract's list has no total: not counted)."""
    user = p.current_user()
    return p.store.events.list_by_user(user["id"], offset=0, limit=CONTRACT_LIMIT)


def hot_read(path: str, query_string: bytes) -> Callable[[LocalPlanner], Any] | None:
    """The read behind a hot GET path, or None for any other path."""
    if path == "/api/vendors":
        qp = QueryParams(query_string)
        q = _vendor_query(
            qp.get("category"), qp.get("location"), qp.get("price_range"), qp.get("search")
        )
        return lambda p: p.list_vendors(q, limit=CONTRACT_LIMIT).items
    if path == "/api/events":
        return _list_events
    if path == "/api/vendors/my/profile":
        return _my_vendor
    for prefix, read in (("/api/vendors/", "get_vendor"), ("/api/events/", "get_event")):
        if path.startswith(prefix):
            ref = path[len(prefix) :]
            if ref and "/" not in ref:
                return lambda p: getattr(p, read)(ref)
    return None


async def _hot(request: Request) -> Response:
    read = hot_read(request.url.path, request.scope.get("query_string", b""))
    if read is None:  # not reached: the routes below are the hot paths
        raise NotFound("Not Found")
    return await answer(request, read)


HOT_ROUTES: list[tuple[str, Any, dict[str, Any]]] = [
    ("/api/vendors", list[Doc], _params("category", "location", "price_range", "search")),
    ("/api/vendors/my/profile", Doc, {}),
    ("/api/vendors/{vendor_id}", Doc, _params(path=("vendor_id",))),
    ("/api/events", list[Doc], {}),
    ("/api/events/{event_id}", Doc, _params(path=("event_id",))),
]
HOT_SUMMARIES = {
    "/api/vendors": "Active vendors (at most 100): category, location and search are "
    "case-insensitive substrings (literal text), price_range exact",
    "/api/vendors/my/profile": "The caller's vendor profile",
    "/api/vendors/{vendor_id}": "A vendor",
    "/api/events": "The caller's events (at most 100)",
    "/api/events/{event_id}": "One of the caller's events",
}


def add_hot_routes(app: Any) -> None:
    for path, model, extra in HOT_ROUTES:
        tag = "vendors" if path.startswith("/api/vendors") else "events"
        app.add_api_route(
            path,
            _hot,
            methods=["GET"],
            tags=[tag],
            summary=HOT_SUMMARIES[path],
            name=path.strip("/").replace("/", "_").replace("{", "").replace("}", ""),
            response_model=model,
            openapi_extra=extra or None,
        )


@api.post("/vendors", tags=["vendors"])
def create_vendor(body: VendorIn, p: P) -> Doc:
    return p.create_vendor_checked(body)


@api.put("/vendors/{vendor_id}", tags=["vendors"])
def update_vendor(vendor_id: str, body: VendorUpdateIn, p: P) -> Doc:
    return p.update_vendor_checked(vendor_id, body)


@api.post("/events", tags=["events"])
def create_event(body: EventIn, p: P) -> Doc:
    return p.create_event_checked(body)


@api.put("/events/{event_id}", tags=["events"])
def update_event(event_id: str, body: EventUpdateIn, p: P) -> Doc:
    return p.update_event_checked(event_id, body)


@api.post("/events/{event_id}/vendors/{vendor_id}", tags=["events"])
def add_event_vendor(event_id: str, vendor_id: str, p: P) -> Doc:
    event = p.add_event_vendor(event_id, vendor_id)
    return {"message": "Vendor added to event", "event": event}  # `event` is additive


@api.delete("/events/{event_id}/vendors/{vendor_id}", tags=["events"])
def remove_event_vendor(event_id: str, vendor_id: str, p: P) -> Doc:
    event = p.remove_event_vendor(event_id, vendor_id)
    return {"message": "Vendor removed from event", "event": event}


@api.post("/bookings", tags=["bookings"])
def create_booking(body: BookingIn, p: P) -> Doc:
    return p.create_booking_checked(body)


@api.get("/bookings/user", tags=["bookings"], response_model=list[Doc])
async def user_bookings(request: Request) -> Response:
    return await answer(request, lambda p: p.list_bookings())


@api.get("/bookings/vendor", tags=["bookings"], response_model=list[Doc])
async def vendor_bookings(request: Request) -> Response:
    return await answer(request, lambda p: p.list_vendor_bookings())


@api.put("/bookings/{booking_id}", tags=["bookings"])
def respond_booking(booking_id: str, body: BookingRespondIn, p: P) -> Doc:
    # confirm_double_booking is additive: a client that does not send it (the web front
    # end) gets the contract's behaviour, with the double booking named in `warnings`.
    return p.respond_checked(booking_id, body, confirm=body.confirm_double_booking)


@api.post("/ai/chat", tags=["ai"])
def ai_chat(body: ChatIn, p: P, request: Request) -> Doc:
    """The contract's chat: one whole answer from the server's provider (or, with none
    configured, the offline planner, which says so). Failures are real HTTP errors with
    `detail`, never a 200 apology. This server needs a logged-in caller (docs/remote.md)."""

    ai.check_size([body.message], request)
    ai_gate(request, p)
    ctx = body.event_context
    event = ai.unsaved_event(ctx.model_dump() if ctx else {})
    stream = ai.open_stream(p, [{"role": "user", "content": body.message}], event=event)
    return {"response": ai.join(stream), "source": stream.source}  # `source` is additive


@api.post("/ai/recommendations", tags=["ai"])
def ai_recommendations(body: RecommendIn, p: P, request: Request) -> Doc:
    try:
        ai_gate(request, p)
        return p.recommend(
            event_date=body.event_date or None,
            guest_count=body.guest_count,
            budget=body.budget,
            location=body.location,
            categories=[c.strip().lower() for c in body.categories_needed if c.strip()] or None,
        )
    except ArangetramError:
        raise
    except Exception as e:  # the contract's text; the cause goes to the log
        logging.getLogger("arangetram.server").exception("recommendations failed")
        raise _Failed("Failed to get recommendations") from e


class _Failed(ArangetramError):
    http_status = 500


@api.get("/categories", tags=["vendors"], response_model=Doc)
async def list_categories() -> Response:
    return JSONBytes(to_json({"categories": categories()}))


@api.post("/seed", tags=["catalog"])
def seed(p: P) -> Doc:
    return p.seed_demo(only_if_empty=True)


# ---- health -------------------------------------------------------------------------------
@api.get("/health", tags=["service"])
def health(request: Request) -> JSONResponse:
    state = request.app.state.arangetram
    info: dict[str, Any] = {"status": "ok", "version": __version__}
    try:
        store = state.store()
        info["store"] = {"kind": store.kind, "reachable": True}
        store.ping()
    except Unavailable as e:
        info["status"] = "unavailable"
        info["store"] = {**info.get("store", {}), "reachable": False, "error": e.message}
        return JSONResponse(info, status_code=503)
    return JSONResponse(info)


# ---- additive: /api/v1 --------------------------------------------------------------------
v1 = APIRouter(prefix="/api/v1", tags=["v1 (additive)"])
FEATURES = [
    "vendors-page",
    "vendors-resolve",
    "events-page",
    "seed",
    "ref-prefixes",
    "booking-lifecycle",
    "bookings-filter",
    "reviews",
    "ai-chat-stream",
    "ai-recommendations",
    "vendor-images",
    "planning-workspace",
    "planning-together",  # members, guests, RSVP page (server/together_routes.py)
]


@v1.get("/info", summary="What this server adds to the contract")
def info() -> Doc:
    return {"name": "arangetram", "version": __version__, "features": FEATURES}


def _page(items: list[Doc], total: int | None, offset: int, limit: int) -> Doc:
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@v1.get("/vendors", summary="Vendors, paged, with the total", response_model=Doc)
async def vendors_page(
    request: Request,
    category: str | None = None,
    location: str | None = None,
    price_range: str | None = None,
    search: str | None = None,
    max_price_range: str | None = None,
    include_inactive: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Doc:
    q = _vendor_query(
        category,
        location,
        price_range,
        search,
        active_only=not include_inactive,
        max_price_range=max_price_range,
    )

    def read(p: LocalPlanner) -> Doc:
        page = p.list_vendors(q, offset=offset, limit=limit)
        return _page(page.items, page.total, offset, limit)

    return await answer(request, read)


@v1.get(
    "/vendors/resolve/{ref:path}",
    summary="A vendor by id, unique id prefix or exact name",
    response_model=Doc,
)
async def resolve_vendor(ref: str, request: Request) -> Response:
    return await answer(request, lambda p: p.get_vendor(ref))


@v1.get("/events", summary="The caller's events, paged, with the total", response_model=Doc)
async def events_page(
    request: Request,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    def read(p: LocalPlanner) -> Doc:
        page = p.list_events(offset=offset, limit=limit)
        return _page(page.items, page.total, offset, limit)

    return await answer(request, read)


@v1.post("/seed", summary="Load the demo catalog's missing vendors")
def seed_v1(p: P, body: Annotated[SeedIn | None, Body()] = None) -> Doc:
    return p.seed_demo(only_if_empty=bool(body and body.only_if_empty))


# ---- additive: booking lifecycle and reviews (docs/lifecycle.md) --------------------------
@v1.get(
    "/bookings",
    summary="The caller's bookings (or, as_vendor, its inbox), filtered",
    response_model=list[Doc],
)
async def bookings_filtered(
    request: Request,
    as_vendor: bool = False,
    status: str | None = None,
    event: str | None = None,
    upcoming: bool = False,
) -> Response:
    def read(p: LocalPlanner) -> list[Doc]:
        listing = p.list_vendor_bookings if as_vendor else p.list_bookings
        return listing(status=_q(status), event=_q(event), upcoming=upcoming)

    return await answer(request, read)


@v1.get(
    "/bookings/{ref}",
    summary="One booking with its history (its family or vendor)",
    response_model=Doc,
)
async def booking_detail(ref: str, request: Request) -> Response:
    return await answer(request, lambda p: p.get_booking(ref))


@v1.post("/bookings/{ref}/cancel", summary="The family cancels a pending or accepted booking")
def booking_cancel(ref: str, p: P, body: Annotated[CancelIn | None, Body()] = None) -> Doc:
    return p.cancel_booking_checked(ref, body or CancelIn())


@v1.post("/bookings/{ref}/complete", summary="Mark an accepted booking done, after the event")
def booking_complete(ref: str, p: P, body: Annotated[CompleteIn | None, Body()] = None) -> Doc:
    return p.complete_booking_checked(ref, body or CompleteIn())


@v1.get(
    "/vendors/{ref}/reviews", summary="A vendor's reviews, newest first, paged", response_model=Doc
)
async def vendor_reviews(
    ref: str,
    request: Request,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Response:
    def read(p: LocalPlanner) -> Doc:
        page = p.list_reviews(ref, offset=offset, limit=limit)
        return _page(page.items, page.total, offset, limit)

    return await answer(request, read)


@v1.put("/vendors/{ref}/review", summary="Write or replace the caller's review of a vendor")
def vendor_review(ref: str, body: ReviewIn, p: P) -> Doc:
    return p.review_vendor_checked(ref, body)


@v1.post("/reviews/{ref}/reply", summary="The reviewed vendor answers a review, once")
def review_reply(ref: str, body: ReplyIn, p: P) -> Doc:
    return p.reply_review_checked(ref, body)
