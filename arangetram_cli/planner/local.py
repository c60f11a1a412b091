"""LocalPlanner: the domain rules over a Store. Every permission check lives here, so the CLI
in local mode and `arangetram serve` enforce exactly the same rules."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from typing import Any

from arangetram_cli.core import security
from arangetram_cli.core.errors import AuthRequired, Conflict, Forbidden, Invalid, NotFound
from arangetram_cli.core.identity import email_key
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.together import TogetherMixin
from arangetram_cli.planner.workspace import WorkspaceMixin
from arangetram_cli.store.base import (
    EMAIL_TAKEN,
    EMAIL_TAKEN_OTHER_SPELLING,
    Doc,
    Store,
    VendorQuery,
    Visible,
)

MIN_PREFIX = 4  # shortest id prefix accepted, like git's abbreviated hashes
PUBLIC_USER_FIELDS = ("id", "email", "name", "user_type")


MAX_PORTFOLIO_IMAGES = 100  # as VendorIn.portfolio_images
MAX_PAGE_NUMBER = 2**63 - 1  # SQLite and BSON integers: a larger offset is an overflow error


def _check_image_url(url: Any) -> str:
    """The one image URL check of core/urls.py (as the vendor models apply it)."""
    from arangetram_cli.core.urls import check_image_url

    try:
        return check_image_url(url)
    except ValueError as e:
        raise Invalid(str(e)) from None


def check_page(offset: int, limit: int) -> None:
    """Paging bounds the stores can take (an offset past the end is just an empty page)."""
    for name, value, low in (("offset", offset, 0), ("limit", limit, 1)):
        if not low <= value <= MAX_PAGE_NUMBER:
            raise Invalid(f"{name} must be between {low} and {MAX_PAGE_NUMBER}, not {value}")


def _validate(model: Any, data: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from arangetram_cli.core.models import first_error

    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise Invalid(first_error(e)) from None


LOGIN_HINT = "log in with it (any letter case works): arangetram auth login"
MAX_CANDIDATES = 10  # vendors listed in an ambiguous-name error


def _admits(visible_to: Visible | None, doc: Doc) -> bool:
    return visible_to is None or any(doc.get(k) == v for k, v in visible_to.items())


def _fold(value: Any) -> Any:
    """Text compared case-insensitively (other values as they are)."""
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


def _candidates(vendors: list[Doc]) -> str:
    """`1a2b3c4d (Fremont, CA), 5e6f7a8b (San Jose, CA, inactive)`: short ids and places."""
    shown = []
    for v in vendors[:MAX_CANDIDATES]:
        place = [str(v.get("location") or "no location")]
        if not v.get("is_active", True):
            place.append("inactive")
        shown.append(f"{str(v.get('id'))[:8]} ({', '.join(place)})")
    more = len(vendors) - MAX_CANDIDATES
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def public_user(user: Doc) -> Doc:
    return {k: v for k, v in user.items() if k != "password"}


def categories() -> list[Doc]:
    from arangetram_cli.core.values import CATEGORIES

    return [
        {"id": cid, "name": name, "icon": icon, "description": desc}
        for cid, (name, icon, desc) in CATEGORIES.items()
    ]


def demo_catalog() -> list[Doc]:
    text = resources.files("arangetram_cli.core").joinpath("demo_catalog.json").read_text("utf-8")
    return json.loads(text)


class LocalPlanner(TogetherMixin, WorkspaceMixin):
    def __init__(
        self,
        store: Store,
        secret: str | Callable[[], str],
        token: str | None = None,
        *,
        today: Callable[[], Any] | None = None,
    ):
        self.store = store
        self._secret = secret
        self.token = token
        self._user: Doc | None = None
        self._clock = today  # the calendar day (a date); default: today in UTC

    # ---- identity -------------------------------------------------------------------------
    @property
    def secret(self) -> str:
        if callable(self._secret):
            self._secret = self._secret()
        return self._secret

    def _session(self, user: Doc) -> Doc:
        token = security.create_token(user["id"], user["user_type"], self.secret)
        self.token, self._user = token, user
        return {"token": token, "user": {k: user[k] for k in PUBLIC_USER_FIELDS if k in user}}

    def current_user(self) -> Doc:
        if self._user is not None:
            return self._user
        if not self.token:
            raise AuthRequired("Not authenticated", hint="log in first: arangetram auth login")
        payload = security.decode_token(self.token, self.secret)
        user = self.store.users.get(payload["user_id"])
        if user is None:  # the account was deleted: its tokens die with it
            raise AuthRequired("User not found", hint="log in again: arangetram auth login")
        self._user = user
        return user

    def register(self, email: str, name: str, password: str, user_type: str = "user") -> Doc:
        from arangetram_cli.core.models import RegisterIn, new_id, now_iso

        body = _validate(
            RegisterIn, {"email": email, "name": name, "password": password, "user_type": user_type}
        )
        if self.store.users.get_by_email(body.email):
            raise Conflict(EMAIL_TAKEN)
        near = self.store.users.find_by_email_key(email_key(body.email), 2)
        if near:  # re-check the spelling: a racing register may have added this very one
            if any(u["email"] == body.email for u in near):
                raise Conflict(EMAIL_TAKEN)
            raise Conflict(EMAIL_TAKEN_OTHER_SPELLING, hint=LOGIN_HINT)
        user = {
            "id": new_id(),
            "email": body.email,
            "name": body.name,
            "password": security.hash_password(body.password),
            "user_type": body.user_type,
            "created_at": now_iso(),
        }
        self.store.users.insert(user)  # the unique index settles races
        return self._session(user)

    def login(self, email: str, password: str) -> Doc:
        """The account with exactly this address (as stored: see core.identity), else the
        one account whose address differs only in letter case, width or accents (rows of
        earlier versions, which lowercased the whole address; web users typing another
        case). Several such accounts: only the exact spelling logs in."""
        from arangetram_cli.core.models import LoginIn

        given = _validate(LoginIn, {"email": email, "password": password}).email
        user = self.store.users.get_by_email(given)
        if user is None:
            near = self.store.users.find_by_email_key(email_key(given), 2)
            user = near[0] if len(near) == 1 else None
        if user is None or not security.verify_password(password, user.get("password") or ""):
            raise AuthRequired("Invalid credentials")
        return self._session(user)

    def guest(self, name: str = "Guest") -> Doc:
        from arangetram_cli.core.models import GuestIn, new_id, now_iso

        body = _validate(GuestIn, {"name": name})
        uid = new_id()
        user = {
            "id": uid,
            "email": f"guest_{uid[:8]}@arangetram.local",
            "name": body.name,
            "password": "",
            "user_type": "guest",
            "created_at": now_iso(),
        }
        self.store.users.insert(user)
        session = self._session(user)
        session["user"] = {k: user[k] for k in ("id", "name", "user_type")}
        return session

    def me(self) -> Doc:
        return public_user(self.current_user())

    # ---- references -----------------------------------------------------------------------
    def _resolve(self, repo: Any, ref: str, what: str, visible_to: Visible | None = None) -> Doc:
        """A document by full id or unique id prefix (MIN_PREFIX characters at least).

        With visible_to (store.base.Visible: the fields that make a document the caller's),
        only the caller's documents count: someone else's, by full id or by prefix, is
        "not found" exactly as an id that does not exist, and a prefix is ambiguous only
        among the caller's own. Public documents (vendors, reviews) pass None."""
        ref = ref.strip()
        doc = repo.get(ref) if ref else None
        if doc is not None and _admits(visible_to, doc):
            return doc
        if len(ref) >= MIN_PREFIX:
            ids = repo.ids_with_prefix(ref.lower(), 2, visible_to=visible_to)
            if len(ids) == 1:
                found = repo.get(ids[0])
                if found is not None and _admits(visible_to, found):
                    return found
            elif len(ids) > 1:
                raise Invalid(f"{what} id prefix '{ref}' is ambiguous; give more characters")
        raise NotFound(f"{what} not found")

    def _booking_visibility(self, user: Doc) -> Visible:
        """The bookings a caller may see: the ones it sent and the ones to its profile."""
        mine: dict[str, str] = {"user_id": user["id"]}
        vendor = self.store.vendors.get_by_user(user["id"])
        if vendor is not None:
            mine["vendor_id"] = vendor["id"]
        return mine

    # ---- vendors --------------------------------------------------------------------------
    def categories(self) -> list[Doc]:
        return categories()

    def list_vendors(self, q: VendorQuery, *, offset: int = 0, limit: int = 50) -> Page:
        check_page(offset, limit)
        items, total = self.store.vendors.search_page(q, offset=offset, limit=limit)
        return Page(items, total, offset, limit)

    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]:
        return self.store.vendors.iter_search(q)

    def get_vendor(self, ref: str) -> Doc:
        """A vendor (public) by id, unique id prefix, or exact name (case-insensitive). A name
        that several vendors have is refused with the candidates' short ids and locations."""
        try:
            return self._resolve(self.store.vendors, ref, "Vendor")
        except NotFound:
            named = self.store.vendors.find_by_name(ref)
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise Invalid(
                    f"{len(named)} vendors are named '{ref.strip()}': {_candidates(named)}",
                    hint="give the id (or its first 8 characters) instead of the name",
                ) from None
            raise

    def _check_name_free(self, vendor: Doc, fields: Doc | None = None) -> None:
        """Refuse (Conflict) a business name another active vendor already has in the same
        category and location (both case-insensitive): such twins break name look-ups of
        the original for everyone. Checked on create and on any rename, move or
        reactivation; rows written before the rule (or by the web app) are left alone.
        Checked before the write, not by an index (existing catalogs hold such twins, and
        the web app writes them): two vendors taking one name at the same instant could
        both pass, and look-ups then list both with their ids."""
        after = {**vendor, **(fields or {})}
        if not after.get("is_active", True):
            return
        name = str(after.get("business_name") or "").strip()
        place = _fold(after.get("location"))
        twins = [
            v
            for v in self.store.vendors.find_by_name(name)
            if v.get("id") != vendor.get("id")
            and v.get("is_active", True)
            and v.get("category") == after.get("category")
            and _fold(v.get("location")) == place
        ]
        if twins:
            where = f" in {twins[0].get('location')}" if place else ""
            raise Conflict(
                f"another {after.get('category')} vendor{where} is already named "
                f"'{twins[0].get('business_name')}' ({str(twins[0].get('id'))[:8]})",
                hint="choose a business name that tells you apart (add your town or style)",
            )

    def my_vendor(self) -> Doc:
        user = self.current_user()
        vendor = self.store.vendors.get_by_user(user["id"])
        if vendor is None:
            raise NotFound("No vendor profile found", hint="create one: arangetram vendors create")
        return vendor

    def create_vendor(self, data: dict[str, Any]) -> Doc:
        from arangetram_cli.core.models import VendorIn, new_id, now_iso

        user = self.current_user()
        if user.get("user_type") != "vendor":
            raise Forbidden("Only vendors can create listings")
        body = _validate(VendorIn, data)
        if self.store.vendors.get_by_user(user["id"]) is not None:
            raise Conflict("Vendor profile already exists")
        vendor = {
            "id": new_id(),
            "user_id": user["id"],
            **body.model_dump(),
            "rating": 0.0,
            "review_count": 0,
            "is_active": True,
            "created_at": now_iso(),
        }
        self._check_name_free(vendor)
        self.store.vendors.insert(vendor)  # the unique index settles races
        return vendor

    def update_vendor(self, ref: str | None, data: dict[str, Any]) -> Doc:
        from arangetram_cli.core.models import VendorUpdateIn

        user = self.current_user()
        body = _validate(VendorUpdateIn, data)
        vendor = self.my_vendor() if ref is None else self.get_vendor(ref)
        if vendor.get("user_id") != user["id"]:
            raise Forbidden("Not authorized")
        fields = body.model_dump(exclude_none=True)
        if not fields:
            return vendor
        if any(
            _fold(fields[k]) != _fold(vendor.get(k))
            for k in ("business_name", "location", "is_active")
            if k in fields
        ):
            self._check_name_free(vendor, fields)
        updated = self.store.vendors.update(vendor["id"], fields)
        if updated is None:
            raise NotFound("Vendor not found")
        return updated

    def _own_vendor(self, ref: str | None) -> Doc:
        user = self.current_user()
        vendor = self.my_vendor() if ref is None else self.get_vendor(ref)
        if vendor.get("user_id") != user["id"]:
            raise Forbidden("Not authorized")
        return vendor

    def add_vendor_images(self, ref: str | None, urls: Iterable[str]) -> Doc:
        """Append image URLs to a portfolio (the owner only; default: the caller's own
        profile). URLs already there keep their place and are not repeated; the update is
        one atomic store operation. With no urls, it checks the caller may change the
        portfolio and returns the vendor (the CLI asks this before uploading anything)."""
        vendor = self._own_vendor(ref)
        wanted = list(dict.fromkeys(_check_image_url(u) for u in urls))
        if not wanted:
            return vendor
        current = vendor.get("portfolio_images") or []
        fresh = [u for u in wanted if u not in current]
        if len(current) + len(fresh) > MAX_PORTFOLIO_IMAGES:
            raise Invalid(
                f"a portfolio holds at most {MAX_PORTFOLIO_IMAGES} images; "
                f"this one has {len(current)}, and {len(fresh)} more would not fit",
                hint="remove some first: arangetram vendors images remove URL",
            )
        updated = self.store.vendors.add_images(vendor["id"], wanted)
        if updated is None:
            raise NotFound("Vendor not found")
        return updated

    def remove_vendor_image(self, ref: str | None, url: str) -> Doc:
        """Take an image URL out of a portfolio (the owner only). NotFound when the
        portfolio does not hold it."""
        vendor = self._own_vendor(ref)
        if url not in (vendor.get("portfolio_images") or []):
            raise NotFound("Image not in the portfolio", hint="see: arangetram vendors images list")
        updated = self.store.vendors.remove_image(vendor["id"], url)
        if updated is None:
            raise NotFound("Vendor not found")
        return updated

    # ---- events ---------------------------------------------------------------------------
    def _own_event(self, ref: str, action: str = "read") -> Doc:
        """An event the caller owns or is a member of, when its role allows `action`
        (core/members.py); anybody else's is "Event not found" (a vendor sees the events of
        its requests embedded in them)."""
        event = self.event_access(ref, action)
        if event["role"] == "owner":  # the contract's event document, as stored
            event.pop("role")
        return event

    def create_event(self, data: dict[str, Any]) -> Doc:
        from arangetram_cli.core.models import EventIn, new_id, now_iso

        user = self.current_user()
        body = _validate(EventIn, data)
        event = {
            "id": new_id(),
            "user_id": user["id"],
            **body.model_dump(),
            "selected_vendors": [],
            "status": "planning",
            "created_at": now_iso(),
        }
        self.store.events.insert(event)
        return event

    def list_events(self, *, offset: int = 0, limit: int = 100) -> Page:
        check_page(offset, limit)
        user = self.current_user()
        # events shared with the caller follow its own, with a `role` (own ones: no role)
        shared = self.shared_events(user)
        own_total = self.store.events.count_by_user(user["id"])
        items = self.store.events.list_by_user(user["id"], offset=offset, limit=limit)
        if shared and len(items) < limit:
            start = max(0, offset - own_total)
            items += shared[start : start + limit - len(items)]
        return Page(items, own_total + len(shared), offset, limit)

    def get_event(self, ref: str) -> Doc:
        return self._own_event(ref)

    def event_vendors(self, event: Doc) -> list[Doc]:
        found = self.store.vendors.get_many(event.get("selected_vendors") or [])
        return [found[v] for v in event.get("selected_vendors") or [] if v in found]

    def update_event(self, ref: str, data: dict[str, Any]) -> Doc:
        from arangetram_cli.core.models import EventUpdateIn

        event = self._own_event(ref, "change")
        body = _validate(EventUpdateIn, data)
        fields = body.model_dump(exclude_none=True)
        if "selected_vendors" in fields:
            wanted = list(dict.fromkeys(fields["selected_vendors"]))
            missing = set(wanted) - set(self.store.vendors.get_many(wanted))
            if missing:
                raise NotFound(f"Vendor not found: {sorted(missing)[0]}")
            fields["selected_vendors"] = wanted
        if not fields:
            return event
        updated = self.store.events.update(event["id"], fields)
        if updated is None:
            raise NotFound("Event not found")
        return updated

    def add_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc:
        event = self._own_event(event_ref, "change")
        vendor = self.get_vendor(vendor_ref)
        if not self.store.events.add_vendor(event["id"], vendor["id"]):
            raise NotFound("Event not found")
        return self.store.events.get(event["id"]) or event

    def remove_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc:
        event = self._own_event(event_ref, "change")
        vendor_id = vendor_ref
        if vendor_ref not in (event.get("selected_vendors") or []):
            vendor_id = self.get_vendor(vendor_ref)["id"]
        if not self.store.events.remove_vendor(event["id"], vendor_id):
            raise NotFound("Event not found")
        return self.store.events.get(event["id"]) or event

    # ---- bookings -------------------------------------------------------------------------
    def _today(self) -> Any:
        from arangetram_cli.core.lifecycle import utc_today

        return (self._clock or utc_today)()

    def create_booking(self, event_ref: str, vendor_ref: str, message: str = "") -> Doc:
        from arangetram_cli.core.lifecycle import PENDING, history_entry
        from arangetram_cli.core.models import BookingIn, new_id, now_iso

        body = _validate(
            BookingIn, {"event_id": event_ref, "vendor_id": vendor_ref, "message": message}
        )
        event = self._own_event(body.event_id, "book")  # the web app forgot this check
        vendor = self.get_vendor(body.vendor_id)
        if not vendor.get("is_active", True):
            raise Conflict(f"{vendor['business_name']} is not taking bookings")
        for b in self.store.bookings.list_by_event(event["id"]):
            if b["vendor_id"] == vendor["id"] and b["status"] == PENDING:
                raise Conflict(f"a pending request to this vendor exists already: {b['id']}")
        now = now_iso()
        booking = {
            "id": new_id(),
            "event_id": event["id"],
            "vendor_id": vendor["id"],
            "user_id": event["user_id"],
            "message": body.message,
            "event_date": event["event_date"],
            "status": PENDING,
            "created_at": now,
            "updated_at": now,
            "history": [history_entry(now, event["user_id"], "user", None, PENDING, body.message)],
            "requested_by": self.current_user()["id"],  # the member who sent it (additive)
        }
        self.store.bookings.insert(booking)
        return booking

    def _event_filter(self, ref: str | None, bookings: list[Doc], *, own: bool) -> str | None:
        """The event id a listing is filtered on: the caller's own event (resolved like
        every event reference), or for a vendor an id or unique prefix among its requests."""
        if not ref or not ref.strip():
            return None
        if own:
            return self._own_event(ref)["id"]
        r = ref.strip().lower()
        ids = {str(b.get("event_id")) for b in bookings}
        if r in ids:
            return r
        found = sorted(i for i in ids if len(r) >= MIN_PREFIX and i.startswith(r))
        if len(found) > 1:
            raise Invalid(f"Event id prefix '{ref.strip()}' is ambiguous; give more characters")
        return found[0] if found else r

    def _filtered(
        self, bookings: list[Doc], status: str | None, event_id: str | None, upcoming: bool
    ) -> list[Doc]:
        from arangetram_cli.core.lifecycle import check_status, filter_bookings

        try:
            wanted = check_status(status)
        except ValueError as e:
            raise Invalid(str(e)) from None
        return filter_bookings(
            bookings, status=wanted, event_id=event_id, upcoming=upcoming, today=self._today()
        )

    def list_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        """The caller's requests, each with `vendor` and `event` (three queries in all).
        Filters: status, one of the caller's events, upcoming (event today or later,
        soonest first)."""
        user = self.current_user()
        event_id = self._event_filter(event, [], own=True)
        bookings = self.store.bookings.list_by_user(user["id"], limit=10_000)
        for shared in self.shared_events(user):  # a member sees its events' requests
            bookings += self.store.bookings.list_by_event(shared["id"])
        bookings = self._filtered(bookings, status, event_id, upcoming)
        vendors = self.store.vendors.get_many(b["vendor_id"] for b in bookings)
        events = self.store.events.get_many(b["event_id"] for b in bookings)
        return [
            {**b, "vendor": vendors.get(b["vendor_id"]), "event": events.get(b["event_id"])}
            for b in bookings
        ]

    def list_vendor_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        """Requests to the caller's vendor profile, each with `user` and `event`."""
        user = self.current_user()
        vendor = self.store.vendors.get_by_user(user["id"])
        if vendor is None:
            raise NotFound("Vendor profile not found")
        bookings = self.store.bookings.list_by_vendor(vendor["id"], limit=100_000)
        event_id = self._event_filter(event, bookings, own=False)
        bookings = self._filtered(bookings, status, event_id, upcoming)
        users = self.store.users.get_many(
            u for b in bookings for u in (b["user_id"], b.get("requested_by")) if u
        )
        events = self.store.events.get_many(b["event_id"] for b in bookings)
        sender = {u: {"name": d.get("name"), "email": d.get("email")} for u, d in users.items()}
        return [
            {
                **b,
                "user": public_user(users[b["user_id"]]) if b["user_id"] in users else None,
                "requested_by_user": sender.get(b.get("requested_by") or b["user_id"]),
                "event": events.get(b["event_id"]),
            }
            for b in bookings
        ]

    def _roles(self, booking: Doc, user: Doc) -> tuple[set[str], Doc | None]:
        """The caller's parts in a booking: "user" (the family that sent it), "vendor" (the
        owner of the booked profile); and the booked vendor."""
        vendor = self.store.vendors.get(booking["vendor_id"])
        roles = set()
        if booking.get("user_id") == user["id"]:
            roles.add("user")
        if vendor is not None and vendor.get("user_id") == user["id"]:
            roles.add("vendor")
        if not roles:  # a member of the event: a planner acts as the family, a viewer reads
            roles |= self._member_part(booking, user)
        return roles, vendor

    def get_booking(self, ref: str) -> Doc:
        """One booking with its `history`, `vendor`, `event` and `user` (no password): for
        the family that sent it and the booked vendor only."""
        user = self.current_user()
        booking = self._visible_booking(ref, user)  # its parties, and its event's members
        roles, vendor = self._roles(booking, user)
        if not roles:
            raise Forbidden("Not authorized")
        family = self.store.users.get(booking["user_id"])
        sender = self.store.users.get(booking.get("requested_by") or booking["user_id"]) or {}
        return {
            **booking,
            "history": booking.get("history") or [],
            "vendor": vendor,
            "event": self.store.events.get(booking["event_id"]),
            "user": public_user(family) if family else None,
            "requested_by_user": {"name": sender.get("name"), "email": sender.get("email")},
        }

    def _move(
        self,
        booking: Doc,
        to: str,
        user: Doc,
        role: str,
        message: str,
        fields: Doc | None = None,
    ) -> Doc:
        """Apply one state move: compare-and-set on the current status, with its history
        entry in the same update."""
        from arangetram_cli.core.lifecycle import history_entry, refusal
        from arangetram_cli.core.values import now_iso

        now = now_iso()
        current = booking["status"]
        entry = history_entry(now, user["id"], role, current, to, message)
        updated = self.store.bookings.update(
            booking["id"],
            {"status": to, "updated_at": now, **(fields or {})},
            expect_status=current,
            push_history=entry,
        )
        if updated is None:  # somebody moved it in between
            latest = self.store.bookings.get(booking["id"]) or booking
            raise Conflict(refusal(latest["status"], to))
        return updated

    def respond_booking(
        self, ref: str, status: str, message: str | None = None, *, confirm: bool | None = False
    ) -> Doc:
        """The booked vendor accepts or declines a pending request. Accepting when the vendor
        already has an accepted booking on that date raises DoubleBooking unless confirm is
        true; confirm None (a client that cannot ask, like the web front end) accepts and
        says so in `warnings`."""
        from arangetram_cli.core.errors import DoubleBooking
        from arangetram_cli.core.lifecycle import ACCEPTED, allowed, may, refusal
        from arangetram_cli.core.models import BookingRespondIn, now_iso

        user = self.current_user()
        body = _validate(BookingRespondIn, {"status": status, "response_message": message})
        booking = self._visible_booking(ref, user)  # its parties, and its event's members
        roles, vendor = self._roles(booking, user)
        if not roles & may(body.status) or vendor is None:
            raise Forbidden("Not authorized")
        if not allowed(booking["status"], body.status):
            raise Conflict(refusal(booking["status"], body.status))
        warnings: list[str] = []
        date = booking.get("event_date")
        if (
            body.status == ACCEPTED
            and date
            and self.store.bookings.vendors_booked_on(date, [vendor["id"]])
        ):
            text = f"You already accepted another booking for {date}"
            if confirm is False:
                raise DoubleBooking(text, hint="confirm to accept this one as well")
            warnings.append(f"{text}; this one is accepted as well")
        fields: Doc = {"responded_at": now_iso()}
        if body.response_message is not None:
            fields["response_message"] = body.response_message
        updated = self._move(
            booking, body.status, user, "vendor", body.response_message or "", fields
        )
        if body.status == ACCEPTED:
            self.booking_accepted(updated)  # the family's checklist and budget (workspace)
        return {**updated, "warnings": warnings} if warnings else updated

    def cancel_booking(self, ref: str, reason: str = "") -> Doc:
        """The family withdraws a pending or accepted booking, with an optional reason."""
        from arangetram_cli.core.lifecycle import CANCELLED, PENDING, allowed, may, refusal
        from arangetram_cli.core.models import CancelIn

        user = self.current_user()
        body = _validate(CancelIn, {"reason": reason})
        booking = self._visible_booking(ref, user)  # its parties, and its event's members
        roles, _ = self._roles(booking, user)
        self._viewers_stop(roles)
        if not roles & may(CANCELLED):
            hint = None
            if "vendor" in roles and booking["status"] == PENDING:
                hint = f"decline it instead: arangetram bookings respond {booking['id']} decline"
            raise Forbidden("Only the family that sent the request can cancel it", hint=hint)
        if not allowed(booking["status"], CANCELLED):
            raise Conflict(refusal(booking["status"], CANCELLED))
        fields: Doc = {"cancel_reason": body.reason} if body.reason else {}
        return self._move(booking, CANCELLED, user, "user", body.reason, fields)

    def complete_booking(self, ref: str, message: str = "") -> Doc:
        """Mark an accepted booking done: the family or the booked vendor, once the event
        date has passed (from the next day, UTC)."""
        from arangetram_cli.core.lifecycle import COMPLETED, allowed, event_passed, may, refusal
        from arangetram_cli.core.models import CompleteIn

        user = self.current_user()
        body = _validate(CompleteIn, {"message": message})
        booking = self._visible_booking(ref, user)  # its parties, and its event's members
        roles, _ = self._roles(booking, user)
        self._viewers_stop(roles)
        if not roles & may(COMPLETED):
            raise Forbidden("Only the family or the booked vendor can complete a booking")
        if not allowed(booking["status"], COMPLETED):
            raise Conflict(refusal(booking["status"], COMPLETED))
        if not event_passed(booking.get("event_date"), self._today()):
            raise Conflict(
                f"The event on {booking.get('event_date')} has not happened yet; "
                "a booking can be completed from the day after its event date"
            )
        role = "user" if "user" in roles else "vendor"
        return self._move(booking, COMPLETED, user, role, body.message)

    # ---- reviews --------------------------------------------------------------------------
    def review_vendor(self, ref: str, rating: int, text: str = "") -> Doc:
        """Write (or rewrite: one per user and vendor) a review. Only a family with an
        accepted (or completed) booking with this vendor whose event date has passed; not
        guests, not the vendor itself. Returns the review with the vendor's new figures
        under `vendor`."""
        from arangetram_cli.core.lifecycle import REVIEWABLE, event_passed
        from arangetram_cli.core.models import ReviewIn, new_id, now_iso

        body = _validate(ReviewIn, {"rating": rating, "text": text})
        user = self.current_user()
        vendor = self.get_vendor(ref)
        if user.get("user_type") == "guest":
            raise Forbidden(
                "Guest accounts cannot write reviews",
                hint="register an account: arangetram auth register",
            )
        if vendor.get("user_id") == user["id"]:
            raise Forbidden("You cannot review your own vendor profile")
        taken = [
            b
            for b in self.store.bookings.list_by_user(user["id"], limit=100_000)
            if b.get("vendor_id") == vendor["id"] and b.get("status") in REVIEWABLE
        ]
        if not any(event_passed(b.get("event_date"), self._today()) for b in taken):
            name = vendor.get("business_name") or "this vendor"
            if taken:
                first = min(str(b.get("event_date") or "") for b in taken)
                raise Forbidden(f"You can review {name} after your event on {first}")
            raise Forbidden(
                f"Only families with an accepted booking with {name} can review it, "
                "after the event date"
            )
        now = now_iso()
        saved = self.store.reviews.upsert(
            {
                "id": new_id(),
                "vendor_id": vendor["id"],
                "user_id": user["id"],
                "user_name": user.get("name") or "",
                "rating": body.rating,
                "text": body.text,
                "created_at": now,
                "updated_at": now,
                "reply": None,
            }
        )
        after = self.store.vendors.get(vendor["id"])
        if saved is None or after is None:
            raise NotFound("Vendor not found")
        figures = ("id", "business_name", "rating", "review_count")
        return {**saved, "vendor": {k: after.get(k) for k in figures}}

    def list_reviews(self, ref: str, *, offset: int = 0, limit: int = 50) -> Page:
        """A vendor's reviews, most recently written first (public)."""
        check_page(offset, limit)
        vendor = self.get_vendor(ref)
        items = self.store.reviews.list_by_vendor(vendor["id"], offset=offset, limit=limit)
        if offset == 0 and len(items) < limit:
            total = len(items)
        else:
            total = self.store.reviews.count_by_vendor(vendor["id"])
        return Page(items, total, offset, limit)

    def reply_review(self, ref: str, text: str) -> Doc:
        """The reviewed vendor answers a review, once."""
        from arangetram_cli.core.models import ReplyIn, now_iso

        body = _validate(ReplyIn, {"text": text})
        user = self.current_user()
        review = self._resolve(self.store.reviews, ref, "Review")
        vendor = self.store.vendors.get(review["vendor_id"])
        if vendor is None or vendor.get("user_id") != user["id"]:
            raise Forbidden("Only the reviewed vendor can reply to a review")
        once = "This review has a reply already; a vendor may answer a review once"
        if review.get("reply"):
            raise Conflict(once)
        updated = self.store.reviews.set_reply(review["id"], {"text": body.text, "at": now_iso()})
        if updated is None:  # answered in between
            raise Conflict(once)
        return updated

    # ---- AI planning ----------------------------------------------------------------------
    def recommend(
        self,
        event_ref: str | None = None,
        *,
        event_date: str | None = None,
        guest_count: int | None = None,
        budget: str | None = None,
        location: str | None = None,
        categories: list[str] | None = None,
        limit: int = 3,
    ) -> Doc:
        from arangetram_cli.core.recommend import recommend_for

        event = self._own_event(event_ref) if event_ref else None
        return recommend_for(
            self,
            event=event,
            event_date=event_date,
            guest_count=guest_count,
            budget=budget,
            location=location,
            categories=categories,
            limit=limit,
            booked_on=self.store.bookings.vendors_booked_on,
        )

    def ask_stream(
        self,
        messages: list[Doc],
        event_ref: str | None = None,
        *,
        provider: Any = None,
        offline: bool = False,
        event: Doc | None = None,
        debug: bool = False,
    ) -> Any:
        from arangetram_cli.ai.chat import answer_stream

        return answer_stream(
            self,
            messages,
            event_ref,
            provider=provider,
            offline=offline,
            event=event,
            booked_on=self.store.bookings.vendors_booked_on,
            debug=debug,
        )

    # ---- catalog --------------------------------------------------------------------------
    def seed_demo(self, *, only_if_empty: bool = False) -> Doc:
        """Insert the demo catalog's missing vendors. `only_if_empty` is the web API's rule
        (any vendor at all means 'already seeded')."""
        from arangetram_cli.core.values import now_iso

        existing = self.store.vendors.count_all()
        catalog = demo_catalog()
        if only_if_empty and existing:
            missing: list[Doc] = []
        else:
            have = self.store.vendors.get_many(v["id"] for v in catalog)
            missing = [v for v in catalog if v["id"] not in have]
        now = now_iso()
        docs = [{**v, "user_id": "system", "created_at": now} for v in missing]
        added, _ = self.store.vendors.insert_many(docs) if docs else (0, 0)
        return {
            "message": "Database seeded successfully" if added else "Database already seeded",
            "vendor_count": existing + added,
            "added": added,
        }

    def import_vendors(self, docs: Iterable[Doc], *, upsert: bool = False) -> tuple[int, int]:
        if not upsert:
            return self.store.vendors.insert_many(docs, upsert=upsert)
        # A vendor reviewed here keeps its seeded figures (the file's rating and count may
        # well be an export that already includes those reviews): its rating and count are
        # recomputed from them and its reviews after the import replaced them. The rows are
        # looked up a batch at a time as the import reads them, so memory stays flat.
        kept: set[str] = set()

        def keeping_seed_figures(docs: Iterable[Doc]) -> Iterator[Doc]:
            rows = iter(docs)
            while batch := list(itertools.islice(rows, 1000)):
                have = self.store.vendors.get_many(d["id"] for d in batch)
                for d in batch:
                    old = have.get(d["id"])
                    if old is None or "seed_review_count" not in old:
                        yield d
                        continue
                    kept.add(d["id"])
                    yield {
                        **d,
                        "seed_rating": old.get("seed_rating", 0.0),
                        "seed_review_count": old["seed_review_count"],
                    }

        counts = self.store.vendors.insert_many(keeping_seed_figures(docs), upsert=upsert)
        for vendor_id in self.store.reviews.vendors_with_reviews(kept):
            self.store.reviews.recompute(vendor_id)
        return counts

    def close(self) -> None:
        self.store.close()
