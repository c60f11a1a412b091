"""LocalPlanner: the domain rules over a Store. Every permission check lives here, so the CLI
in local mode and `arangetram serve` enforce exactly the same rules."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from typing import Any

from arangetram_cli.core import security
from arangetram_cli.core.errors import AuthRequired, Conflict, Forbidden, Invalid, NotFound
from arangetram_cli.planner.base import Page
from arangetram_cli.store.base import Doc, Store, VendorQuery

MIN_PREFIX = 4  # shortest id prefix accepted, like git's abbreviated hashes
PUBLIC_USER_FIELDS = ("id", "email", "name", "user_type")


def _validate(model: Any, data: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from arangetram_cli.core.models import first_error

    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise Invalid(first_error(e)) from None


def public_user(user: Doc) -> Doc:
    return {k: v for k, v in user.items() if k != "password"}


def categories() -> list[Doc]:
    from arangetram_cli.core.models import CATEGORIES

    return [
        {"id": cid, "name": name, "icon": icon, "description": desc}
        for cid, (name, icon, desc) in CATEGORIES.items()
    ]


def demo_catalog() -> list[Doc]:
    text = resources.files("arangetram_cli.core").joinpath("demo_catalog.json").read_text("utf-8")
    return json.loads(text)


class LocalPlanner:
    def __init__(self, store: Store, secret: str | Callable[[], str], token: str | None = None):
        self.store = store
        self._secret = secret
        self.token = token
        self._user: Doc | None = None

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
            raise Conflict("Email already registered")
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
        given = email.strip()
        user = self.store.users.get_by_email(given) or self.store.users.get_by_email(given.lower())
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
    def _resolve(self, repo: Any, ref: str, what: str) -> Doc:
        ref = ref.strip()
        doc = repo.get(ref) if ref else None
        if doc is not None:
            return doc
        if len(ref) >= MIN_PREFIX:
            ids = repo.ids_with_prefix(ref.lower(), 2)
            if len(ids) == 1:
                found = repo.get(ids[0])
                if found is not None:
                    return found
            elif len(ids) > 1:
                raise Invalid(f"{what} id prefix '{ref}' is ambiguous; give more characters")
        raise NotFound(f"{what} not found")

    # ---- vendors --------------------------------------------------------------------------
    def categories(self) -> list[Doc]:
        return categories()

    def list_vendors(self, q: VendorQuery, *, offset: int = 0, limit: int = 50) -> Page:
        items = self.store.vendors.search(q, offset=offset, limit=limit)
        if offset == 0 and len(items) < limit:
            total = len(items)
        else:
            total = self.store.vendors.count(q)
        return Page(items, total, offset, limit)

    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]:
        return self.store.vendors.iter_search(q)

    def get_vendor(self, ref: str) -> Doc:
        try:
            return self._resolve(self.store.vendors, ref, "Vendor")
        except NotFound:
            named = self.store.vendors.find_by_name(ref)
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise Invalid(f"{len(named)} vendors are named '{ref}'; use an id") from None
            raise

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
        updated = self.store.vendors.update(vendor["id"], fields)
        if updated is None:
            raise NotFound("Vendor not found")
        return updated

    # ---- events ---------------------------------------------------------------------------
    def _own_event(self, ref: str) -> Doc:
        user = self.current_user()
        event = self._resolve(self.store.events, ref, "Event")
        if event.get("user_id") != user["id"]:
            raise Forbidden("Not authorized")
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
        user = self.current_user()
        items = self.store.events.list_by_user(user["id"], offset=offset, limit=limit)
        return Page(items, self.store.events.count_by_user(user["id"]), offset, limit)

    def get_event(self, ref: str) -> Doc:
        return self._own_event(ref)

    def event_vendors(self, event: Doc) -> list[Doc]:
        found = self.store.vendors.get_many(event.get("selected_vendors") or [])
        return [found[v] for v in event.get("selected_vendors") or [] if v in found]

    def update_event(self, ref: str, data: dict[str, Any]) -> Doc:
        from arangetram_cli.core.models import EventUpdateIn

        event = self._own_event(ref)
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
        event = self._own_event(event_ref)
        vendor = self.get_vendor(vendor_ref)
        if not self.store.events.add_vendor(event["id"], vendor["id"]):
            raise NotFound("Event not found")
        return self.store.events.get(event["id"]) or event

    def remove_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc:
        event = self._own_event(event_ref)
        vendor_id = vendor_ref
        if vendor_ref not in (event.get("selected_vendors") or []):
            vendor_id = self.get_vendor(vendor_ref)["id"]
        if not self.store.events.remove_vendor(event["id"], vendor_id):
            raise NotFound("Event not found")
        return self.store.events.get(event["id"]) or event

    # ---- bookings -------------------------------------------------------------------------
    def create_booking(self, event_ref: str, vendor_ref: str, message: str = "") -> Doc:
        from arangetram_cli.core.models import BookingIn, new_id, now_iso

        body = _validate(
            BookingIn, {"event_id": event_ref, "vendor_id": vendor_ref, "message": message}
        )
        event = self._own_event(body.event_id)  # the web app forgot this check
        vendor = self.get_vendor(body.vendor_id)
        if not vendor.get("is_active", True):
            raise Conflict(f"{vendor['business_name']} is not taking bookings")
        for b in self.store.bookings.list_by_event(event["id"]):
            if b["vendor_id"] == vendor["id"] and b["status"] == "pending":
                raise Conflict(f"a pending request to this vendor exists already: {b['id']}")
        now = now_iso()
        booking = {
            "id": new_id(),
            "event_id": event["id"],
            "vendor_id": vendor["id"],
            "user_id": event["user_id"],
            "message": body.message,
            "event_date": event["event_date"],
            "status": "pending",
            "created_at": now,
            "updated_at": now,
        }
        self.store.bookings.insert(booking)
        return booking

    def list_bookings(self) -> list[Doc]:
        """The caller's requests, each with `vendor` and `event` (three queries in all)."""
        user = self.current_user()
        bookings = self.store.bookings.list_by_user(user["id"], limit=10_000)
        vendors = self.store.vendors.get_many(b["vendor_id"] for b in bookings)
        events = self.store.events.get_many(b["event_id"] for b in bookings)
        return [
            {**b, "vendor": vendors.get(b["vendor_id"]), "event": events.get(b["event_id"])}
            for b in bookings
        ]

    def list_vendor_bookings(self) -> list[Doc]:
        """Requests to the caller's vendor profile, each with `user` and `event`."""
        user = self.current_user()
        vendor = self.store.vendors.get_by_user(user["id"])
        if vendor is None:
            raise NotFound("Vendor profile not found")
        bookings = self.store.bookings.list_by_vendor(vendor["id"], limit=100_000)
        users = self.store.users.get_many(b["user_id"] for b in bookings)
        events = self.store.events.get_many(b["event_id"] for b in bookings)
        return [
            {
                **b,
                "user": public_user(users[b["user_id"]]) if b["user_id"] in users else None,
                "event": events.get(b["event_id"]),
            }
            for b in bookings
        ]

    def respond_booking(self, ref: str, status: str, message: str | None = None) -> Doc:
        from arangetram_cli.core.models import BookingRespondIn, now_iso

        user = self.current_user()
        body = _validate(BookingRespondIn, {"status": status, "response_message": message})
        booking = self._resolve(self.store.bookings, ref, "Booking")
        vendor = self.store.vendors.get(booking["vendor_id"])
        if vendor is None or vendor.get("user_id") != user["id"]:
            raise Forbidden("Not authorized")
        if booking["status"] != "pending":
            raise Conflict(
                f"Booking is already {booking['status']}; only pending requests "
                "can be accepted or declined"
            )
        now = now_iso()
        fields: Doc = {"status": body.status, "updated_at": now, "responded_at": now}
        if body.response_message is not None:
            fields["response_message"] = body.response_message
        updated = self.store.bookings.update(booking["id"], fields, expect_status="pending")
        if updated is None:  # somebody answered in between
            current = self.store.bookings.get(booking["id"]) or booking
            raise Conflict(f"Booking is already {current['status']}")
        return updated

    # ---- catalog --------------------------------------------------------------------------
    def seed_demo(self, *, only_if_empty: bool = False) -> Doc:
        """Insert the demo catalog's missing vendors. `only_if_empty` is the web API's rule
        (any vendor at all means 'already seeded')."""
        from arangetram_cli.core.models import now_iso

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
        return self.store.vendors.insert_many(docs, upsert=upsert)

    def close(self) -> None:
        self.store.close()
