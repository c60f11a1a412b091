"""Every endpoint of api-contract.md (same paths, bodies, status codes and texts, none of its
listed defects), plus additive endpoints under /api/v1 for what the contract lacks.

Handlers are plain `def`s: FastAPI runs them in its thread pool, and each request gets its own
LocalPlanner (the token comes from its Authorization header) over the app's one Store.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from arangetram_cli import __version__
from arangetram_cli.core.errors import ArangetramError, AuthRequired, NotFound, Unavailable
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
from arangetram_cli.planner.local import LocalPlanner, categories
from arangetram_cli.store.base import Doc, Store, VendorQuery

CONTRACT_LIMIT = 100  # the contract's listings answer at most this many
AI_NOT_CONFIGURED = "AI assistant is not configured on this server"


# ---- plumbing -----------------------------------------------------------------------------
def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def store_of(request: Request) -> Store:
    return request.app.state.arangetram.store()


def planner(request: Request) -> LocalPlanner:
    state = request.app.state.arangetram
    return LocalPlanner(
        state.store(), state.secret, token=bearer(request.headers.get("authorization"))
    )


def auth_rate_limited(request: Request) -> None:
    buckets = request.app.state.arangetram.auth_buckets
    if buckets is None:
        return
    client = request.client.host if request.client else "unknown"
    wait = buckets.take(client)
    if wait:
        raise RateLimited(buckets.retry_after(wait))


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many requests")
        self.retry_after = retry_after


def rate_limited_response(exc: RateLimited) -> JSONResponse:
    return JSONResponse(
        {"detail": f"Too many requests; try again in {exc.retry_after} s"},
        status_code=429,
        headers={"Retry-After": str(exc.retry_after)},
    )


P = Annotated[LocalPlanner, Depends(planner)]
Limited = Depends(auth_rate_limited)


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
        category=cat.strip().lower() if cat else None,
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
    guest_count: int = Field(default=100, ge=0)
    budget: str = "$$"
    location: str = "Bay Area"
    categories_needed: list[str] = Field(default_factory=list, max_length=20)

    _budget = field_validator("budget")(check_price_range)


class SeedIn(_Body):
    only_if_empty: bool = False


# ---- the contract -------------------------------------------------------------------------
api = APIRouter(prefix="/api")


@api.get("/", summary="API name and version")
def root() -> dict[str, str]:
    return {"message": "Arangetram Planning API", "version": "1.0"}


@api.post("/auth/register", dependencies=[Limited], tags=["auth"])
def register(body: RegisterIn, p: P) -> Doc:
    return p.register(body.email, body.name, body.password, body.user_type)


@api.post("/auth/login", dependencies=[Limited], tags=["auth"])
def login(body: LoginIn, p: P) -> Doc:
    return p.login(body.email, body.password)


@api.post("/auth/guest", dependencies=[Limited], tags=["auth"])
def guest(p: P, body: Annotated[GuestIn | None, Body()] = None) -> Doc:
    return p.guest(body.name if body else "Guest")


@api.get("/auth/me", tags=["auth"])
def me(p: P) -> Doc:
    try:
        return p.me()
    except AuthRequired as e:
        if e.message == "User not found":  # the contract answers a deleted account with 404
            raise NotFound("User not found", hint=e.hint) from None
        raise


@api.get("/vendors", tags=["vendors"])
def list_vendors(
    p: P,
    category: str | None = None,
    location: str | None = None,
    price_range: str | None = None,
    search: str | None = None,
) -> list[Doc]:
    q = _vendor_query(category, location, price_range, search)
    return p.list_vendors(q, limit=CONTRACT_LIMIT).items


@api.get("/vendors/my/profile", tags=["vendors"])
def my_vendor(p: P) -> Doc:
    return p.my_vendor()


@api.get("/vendors/{vendor_id}", tags=["vendors"])
def get_vendor(vendor_id: str, p: P) -> Doc:
    return p.get_vendor(vendor_id)


@api.post("/vendors", tags=["vendors"])
def create_vendor(body: VendorIn, p: P) -> Doc:
    return p.create_vendor(body.model_dump())


@api.put("/vendors/{vendor_id}", tags=["vendors"])
def update_vendor(vendor_id: str, body: VendorUpdateIn, p: P) -> Doc:
    return p.update_vendor(vendor_id, body.model_dump(exclude_none=True))


@api.post("/events", tags=["events"])
def create_event(body: EventIn, p: P) -> Doc:
    return p.create_event(body.model_dump())


@api.get("/events", tags=["events"])
def list_events(p: P) -> list[Doc]:
    return p.list_events(limit=CONTRACT_LIMIT).items


@api.get("/events/{event_id}", tags=["events"])
def get_event(event_id: str, p: P) -> Doc:
    return p.get_event(event_id)


@api.put("/events/{event_id}", tags=["events"])
def update_event(event_id: str, body: EventUpdateIn, p: P) -> Doc:
    return p.update_event(event_id, body.model_dump(exclude_none=True))


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
    return p.create_booking(body.event_id, body.vendor_id, body.message)


@api.get("/bookings/user", tags=["bookings"])
def user_bookings(p: P) -> list[Doc]:
    return p.list_bookings()


@api.get("/bookings/vendor", tags=["bookings"])
def vendor_bookings(p: P) -> list[Doc]:
    return p.list_vendor_bookings()


@api.put("/bookings/{booking_id}", tags=["bookings"])
def respond_booking(booking_id: str, body: BookingRespondIn, p: P) -> Doc:
    # confirm_double_booking is additive: a client that does not send it (the web front
    # end) gets the contract's behaviour, with the double booking named in `warnings`.
    return p.respond_booking(
        booking_id, body.status, body.response_message, confirm=body.confirm_double_booking
    )


@api.post("/ai/chat", tags=["ai"])
def ai_chat(body: ChatIn, p: P) -> Doc:
    """The contract's chat: one whole answer from the server's provider (or, with none
    configured, the offline planner, which says so). Failures are real HTTP errors with
    `detail`, never a 200 apology."""
    from arangetram_cli.server import ai

    ctx = body.event_context
    event = ai.unsaved_event(ctx.model_dump() if ctx else {})
    stream = ai.open_stream(p, [{"role": "user", "content": body.message}], event=event)
    return {"response": ai.join(stream), "source": stream.source}  # `source` is additive


@api.post("/ai/recommendations", tags=["ai"])
def ai_recommendations(body: RecommendIn, p: P) -> Doc:
    try:
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
        import logging

        logging.getLogger("arangetram.server").exception("recommendations failed")
        raise _Failed("Failed to get recommendations") from e


class _Failed(ArangetramError):
    http_status = 500


@api.get("/categories", tags=["vendors"])
def list_categories() -> Doc:
    return {"categories": categories()}


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


@v1.get("/vendors", summary="Vendors, paged, with the total")
def vendors_page(
    p: P,
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
    page = p.list_vendors(q, offset=offset, limit=limit)
    return _page(page.items, page.total, offset, limit)


@v1.get("/vendors/resolve/{ref:path}", summary="A vendor by id, unique id prefix or exact name")
def resolve_vendor(ref: str, p: P) -> Doc:
    return p.get_vendor(ref)


@v1.get("/events", summary="The caller's events, paged, with the total")
def events_page(
    p: P,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Doc:
    page = p.list_events(offset=offset, limit=limit)
    return _page(page.items, page.total, offset, limit)


@v1.post("/seed", summary="Load the demo catalog's missing vendors")
def seed_v1(p: P, body: Annotated[SeedIn | None, Body()] = None) -> Doc:
    return p.seed_demo(only_if_empty=bool(body and body.only_if_empty))


# ---- additive: booking lifecycle and reviews (docs/lifecycle.md) --------------------------
@v1.get("/bookings", summary="The caller's bookings (or, as_vendor, its inbox), filtered")
def bookings_filtered(
    p: P,
    as_vendor: bool = False,
    status: str | None = None,
    event: str | None = None,
    upcoming: bool = False,
) -> list[Doc]:
    listing = p.list_vendor_bookings if as_vendor else p.list_bookings
    return listing(status=_q(status), event=_q(event), upcoming=upcoming)


@v1.get("/bookings/{ref}", summary="One booking with its history (its family or vendor)")
def booking_detail(ref: str, p: P) -> Doc:
    return p.get_booking(ref)


@v1.post("/bookings/{ref}/cancel", summary="The family cancels a pending or accepted booking")
def booking_cancel(ref: str, p: P, body: Annotated[CancelIn | None, Body()] = None) -> Doc:
    return p.cancel_booking(ref, body.reason if body else "")


@v1.post("/bookings/{ref}/complete", summary="Mark an accepted booking done, after the event")
def booking_complete(ref: str, p: P, body: Annotated[CompleteIn | None, Body()] = None) -> Doc:
    return p.complete_booking(ref, body.message if body else "")


@v1.get("/vendors/{ref}/reviews", summary="A vendor's reviews, newest first, paged")
def vendor_reviews(
    ref: str,
    p: P,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Doc:
    page = p.list_reviews(ref, offset=offset, limit=limit)
    return _page(page.items, page.total, offset, limit)


@v1.put("/vendors/{ref}/review", summary="Write or replace the caller's review of a vendor")
def vendor_review(ref: str, body: ReviewIn, p: P) -> Doc:
    return p.review_vendor(ref, body.rating, body.text)


@v1.post("/reviews/{ref}/reply", summary="The reviewed vendor answers a review, once")
def review_reply(ref: str, body: ReplyIn, p: P) -> Doc:
    return p.reply_review(ref, body.text)
