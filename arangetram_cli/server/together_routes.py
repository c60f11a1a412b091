"""Planning together over HTTP (additive): members and guests under /api/v1, and the RSVP
page guests open on their phones at /rsvp/{token}.

The API handlers run LocalPlanner's operations, so the roles (core/policy.py) are the same
as local mode. The RSVP page needs no account: the link's token is the credential (only its
sha256 is stored). It is server-rendered (Jinja2, autoescaped: every word a guest or family
wrote is hostile), works without JavaScript, and its form post is CSRF-safe: the hidden
field is an HMAC of the link and a per-browser nonce kept in a SameSite=Strict, HttpOnly
cookie, so a post from another site (no cookie) or with a made-up field is refused with a
clear 400 page. Unknown, revoked and expired links get one friendly 404 page that reveals
nothing. Requests are rate-limited per link and per address (ARANGETRAM_RSVP_RATE_LIMIT,
"BURST/PER_MINUTE" per link; an address gets five times that; "off" disables).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from arangetram_cli.core import guests as gl
from arangetram_cli.core.errors import ArangetramError, Invalid
from arangetram_cli.core.values import event_day
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.server.deps import P

router = APIRouter(prefix="/api/v1", tags=["v1 planning together (additive)"])
pages = APIRouter(include_in_schema=False)


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    role: str = Field(default="viewer", max_length=20)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=1000)


class GuestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    party: int | None = None
    children: int | None = None
    group: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=1000)
    rsvp: str | None = Field(default=None, max_length=10)


class ImportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csv: str = Field(max_length=20_000_000)


class LinksIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rotate: bool = False
    guest: str | None = Field(default=None, max_length=200)
    base_url: str = Field(default="", max_length=500)


# ---- members ------------------------------------------------------------------------------
@router.get("/events/{ref}/members", summary="The event's owner and members with their roles")
def list_members(ref: str, p: P) -> dict[str, Any]:
    return p.list_members(ref)


@router.post("/events/{ref}/members", summary="Share the event (owner): planner or viewer")
def share(ref: str, body: ShareIn, p: P) -> dict[str, Any]:
    return p.share_event(ref, body.email, body.role)


@router.delete("/events/{ref}/members/{email}", summary="Stop sharing with someone (owner)")
def unshare(ref: str, email: str, p: P) -> dict[str, Any]:
    return p.unshare_event(ref, email)


@router.post("/events/{ref}/leave", summary="Leave an event shared with you")
def leave(ref: str, p: P) -> dict[str, Any]:
    return p.leave_event(ref)


@router.post("/events/{ref}/transfer", summary="Give the event to someone (owner)")
def transfer(ref: str, body: TransferIn, p: P) -> dict[str, Any]:
    return p.transfer_event(ref, body.email)


@router.put("/events/{ref}/rsvp-note", summary="The family's note on the RSVP page")
def rsvp_note(ref: str, body: NoteIn, p: P) -> dict[str, Any]:
    return p.set_rsvp_note(ref, body.note)


@router.get("/tasks/mine", summary="The tasks assigned to the caller, across its events")
def my_tasks(p: P, open: bool = False) -> dict[str, Any]:
    return p.my_tasks(open_only=open)


# ---- guests -------------------------------------------------------------------------------
@router.get("/events/{ref}/guests", summary="The guest list and the headcount")
def list_guests(
    ref: str,
    p: P,
    rsvp: Annotated[str | None, Query(max_length=10)] = None,
    group: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    return p.list_guests(ref, rsvp=rsvp or None, group=group or None)


@router.post("/events/{ref}/guests", summary="Add a guest")
def add_guest(ref: str, body: GuestIn, p: P) -> dict[str, Any]:
    return p.add_guest(ref, body.model_dump(exclude_none=True))


@router.post("/events/{ref}/guests/import", summary="Import a contacts CSV (all or nothing)")
def import_guests(ref: str, body: ImportIn, p: P) -> dict[str, Any]:
    return p.import_guests(ref, body.csv)


@router.post("/events/{ref}/guests/links", summary="Issue RSVP links (shown once)")
def guest_links(ref: str, body: LinksIn, p: P, request: Request) -> dict[str, Any]:
    base = body.base_url.strip().rstrip("/") or str(request.base_url).rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise Invalid("base_url must start with https:// or http://")
    return p.guest_links(ref, rotate=body.rotate, guest_ref=body.guest, base_url=base)


@router.put("/events/{ref}/guests/{guest}", summary="Change a guest or record an answer")
def update_guest(ref: str, guest: str, body: GuestIn, p: P) -> dict[str, Any]:
    return p.update_guest(ref, guest, body.model_dump(exclude_none=True))


@router.delete("/events/{ref}/guests/{guest}", summary="Remove a guest (the link stops working)")
def remove_guest(ref: str, guest: str, p: P) -> dict[str, Any]:
    return p.remove_guest(ref, guest)


# ---- the RSVP page ------------------------------------------------------------------------
COOKIE = "rsvp_nonce"
MAX_FORM_BYTES = 16_384
CHOICES = [("yes", "Yes, I'll be there"), ("no", "Sorry, I can't come"), ("maybe", "Maybe")]
ANSWER_TEXT = {"yes": "yes, attending", "no": "not attending", "maybe": "maybe"}


@lru_cache(maxsize=1)
def _templates() -> Any:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("arangetram_cli.server", "templates"),
        autoescape=True,  # every guest- or family-written word is hostile
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # the link's token must not leak to other sites
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        **(extra or {}),
    }


def _page(name: str, status: int = 200, headers: dict[str, str] | None = None, **ctx: Any) -> Any:
    html = _templates().get_template(name).render(**ctx)
    return HTMLResponse(html, status_code=status, headers=_headers(headers))


def _notice(status: int, heading: str, text: str, hint: str = "", **kw: Any) -> Any:
    kind = "done" if status < 400 else "error"
    return _page("rsvp_notice.html", status, heading=heading, text=text, hint=hint, kind=kind, **kw)


def _gone() -> Any:
    return _notice(
        404,
        "This RSVP link doesn't work",
        "The link may be mistyped, or it has been replaced or has expired.",
        "Please ask the family who invited you for a new link.",
    )


def _limited(request: Request, token: str) -> Any | None:
    pair = request.app.state.arangetram.rsvp_buckets
    if pair is None:
        return None
    per_token, per_ip = pair
    client = request.client.host if request.client else "unknown"
    wait = max(per_ip.take(f"ip:{client}"), per_token.take(f"t:{gl.hash_token(token)}"))
    if not wait:
        return None
    seconds = per_token.retry_after(wait)
    return _notice(
        429,
        "Please wait a moment",
        f"Too many tries in a short time. Please try again in {seconds} seconds.",
        headers={"Retry-After": str(seconds)},
    )


def _date_text(event: dict[str, Any]) -> str:
    day = event_day(event)
    if day is None:
        return str(event.get("event_date") or "")
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def _form(
    request: Request,
    found: dict[str, Any],
    status: int = 200,
    *,
    done: bool = False,
    error: str = "",
    values: dict[str, str] | None = None,
) -> Any:
    nonce = request.cookies.get(COOKIE) or ""
    fresh = not (16 <= len(nonce) <= 100)
    if fresh:
        nonce = secrets.token_urlsafe(24)
    secret = request.app.state.arangetram.secret
    guest, event, venue = found["guest"], found["event"], found.get("venue")
    values = values or {}
    address = ""
    if venue:
        address = str(venue.get("address") or venue.get("location") or "")
    response = _page(
        "rsvp_form.html",
        status,
        event=event,
        guest=guest,
        venue=venue,
        venue_address=address,
        family=found.get("family") or "",
        note=event.get("rsvp_note") or "",
        date_text=_date_text(event),
        csrf=gl.csrf_value(secret, found["token_hash"], nonce),
        choices=CHOICES,
        current=values.get("answer")
        or (guest.get("rsvp") if guest.get("rsvp") != "pending" else ""),
        party=values.get("party") or guest.get("party") or 1,
        message=values.get("message", guest.get("message") or ""),
        max_party=gl.MAX_PARTY,
        done=done,
        answer_text=ANSWER_TEXT.get(guest.get("rsvp") or "", ""),
        error=error,
    )
    if fresh:
        path = request.url.path
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=60 * 60 * 24 * 30,
            path=path,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response


def _lookup(request: Request, token: str) -> dict[str, Any] | None:
    state = request.app.state.arangetram
    return LocalPlanner(state.store(), state.secret).rsvp_lookup(token)


@pages.get("/rsvp/{token}")
def rsvp_page(token: str, request: Request) -> Any:
    limited = _limited(request, token)
    if limited is not None:
        return limited
    found = _lookup(request, token)
    if found is None:
        return _gone()
    return _form(request, found)


@pages.post("/rsvp/{token}")
async def rsvp_post(token: str, request: Request) -> Any:
    limited = _limited(request, token)
    if limited is not None:
        return limited
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return _notice(413, "That answer is too long", "Please shorten your message.")
    return await run_in_threadpool(_answer, request, token, body)


def _answer(request: Request, token: str, body: bytes) -> Any:
    found = _lookup(request, token)
    if found is None:
        return _gone()
    try:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), max_num_fields=20).items()}
    except (UnicodeDecodeError, ValueError):
        form = {}
    secret = request.app.state.arangetram.secret
    if not gl.csrf_ok(secret, found["token_hash"], request.cookies.get(COOKIE), form.get("csrf")):
        return _notice(
            400,
            "Please send your answer again",
            "This form could not be checked (it is old, or it did not come from your RSVP "
            "page). Nothing was changed.",
            "Open your RSVP link again and resend your answer; cookies must be allowed.",
        )
    answer = (form.get("answer") or "").strip().lower()
    values = {k: form.get(k, "") for k in ("answer", "party", "message")}
    if answer not in gl.ANSWERS:
        return _form(request, found, 400, error="Please choose yes, no or maybe.", values=values)
    party: Any = (form.get("party") or "").strip() or found["guest"].get("party") or 1
    try:  # on what the lookup above found: the link is not looked up twice
        done = LocalPlanner(request.app.state.arangetram.store(), secret).rsvp_answer(
            found, answer, party, form.get("message") or ""
        )
    except ArangetramError as e:
        text = e.message
        if "party size" in text:
            text = f"Please give a party size between 1 and {gl.MAX_PARTY}."
        return _form(request, found, 400, error=text, values=values)
    if done is None:
        return _gone()
    return _form(request, done, done=True)
