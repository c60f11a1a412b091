"""The fallbacks for the plain web back end (api-contract.md only): prefixes and names
resolved here on its listings, and the rules it forgets (pending twice, double booking)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from arangetram_cli.core import policy, refs
from arangetram_cli.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    NotSupported,
    Unavailable,
)
from arangetram_cli.core.lifecycle import filter_bookings, refusal
from arangetram_cli.core.refs import MIN_PREFIX
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.remote.common import (
    CONTRACT_CAP,
    ID_PREFIX_RE,
    is_id,
    literal_pattern,
    seg,
    sort_newest,
    sort_vendors,
    vendor_params,
)
from arangetram_cli.planner.remote.serve import ServeApi
from arangetram_cli.planner.remote.transport import Transport
from arangetram_cli.planner.remote.undecided import UndecidedApi
from arangetram_cli.store.base import Doc, VendorQuery, prices_up_to


class PlainContract(Transport):
    """The fallbacks for the plain web back end (api-contract.md only): prefixes and names
    resolved on its listings, the rules it forgets; and the choice of API strategy."""

    _api: Any = None

    @property
    def api(self) -> ServeApi | PlainApi | UndecidedApi:
        """The strategy for this server: the one place that tells the two apart. Known from
        the first answer that carries our header, from a listing's first /api/v1 request
        (serve.ServeApi._v1_listing), or from GET /api/v1/info; UndecidedApi until then."""
        if self._ours is None:
            return UndecidedApi(self)
        if self._api is None or self._api.ours is not self._ours:
            self._api = ServeApi(self) if self._ours else PlainApi(self)
        return self._api

    def _settle(self, ours: bool) -> ServeApi | PlainApi | UndecidedApi:
        """What a listing's answer told: whether the server has the /api/v1 additions."""
        self._ours = ours
        return self.api

    def _detected_api(self) -> ServeApi | PlainApi | UndecidedApi:
        """The strategy, asking GET /api/v1/info first when it is not known yet."""
        self.server_is_ours()
        return self.api

    def _contract_vendors(self, q: VendorQuery) -> tuple[list[Doc], list[str], bool]:
        """GET /api/vendors, filtered and sorted as LocalPlanner would; notes on what the
        plain back end cannot do; whether the answer hit its cap (CONTRACT_CAP). Its `search`
        and `location` are regular expressions: the text goes escaped, so it matches
        literally, as everywhere else."""
        params = vendor_params(q)
        for key in ("search", "location"):
            if params[key]:
                params[key] = literal_pattern(str(params[key]))
        items = self._list(self._call("GET", "/api/vendors", params=params), "/api/vendors")
        notes: list[str] = []
        capped = len(items) >= CONTRACT_CAP
        if q.max_price_range:
            allowed = set(prices_up_to(q.max_price_range))
            items = [v for v in items if v.get("price_range") in allowed]
        if not q.active_only:
            notes.append("this server lists active vendors only; inactive ones are not shown")
        if capped:
            notes.append(
                f"this server returns at most {CONTRACT_CAP} vendors per search and "
                "cannot page past them; narrow the search to see the others"
            )
        return sort_vendors(items), notes, capped

    def _plain_vendor(self, r: str) -> Doc:
        """On the plain back end, which knows full ids only: LocalPlanner's order (an id
        prefix, then an exact name, any case), by literal comparison here on listings."""
        capped = False
        if len(r) >= MIN_PREFIX and ID_PREFIX_RE.match(r):
            items = self._list(self._call("GET", "/api/vendors"), "/api/vendors")
            capped = len(items) >= CONTRACT_CAP
            found = [v for v in items if str(v.get("id", "")).lower().startswith(r.lower())]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise refs.ambiguous("Vendor", r)
        found, _, searched_capped = self._contract_vendors(VendorQuery(search=r))
        capped = capped or searched_capped
        named = [v for v in found if str(v.get("business_name", "")).lower() == r.lower()]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise refs.ambiguous_name("Vendor", r, named, lambda v: v.get("location") or "")
        raise refs.not_found(
            "Vendor",
            r,
            matches=found[: refs.MAX_SUGGESTIONS],
            name_key="business_name",
            search=f"vendors list --search {r[:40]}",
            hint="this server lists only active vendors"
            + (f", at most {CONTRACT_CAP} at a time" if capped else "")
            + "; give the full id, or the exact name",
        )

    def _contract_events(self) -> tuple[list[Doc], bool]:
        items = self._list(self._call("GET", "/api/events"), "/api/events")
        return sort_newest(items), len(items) >= CONTRACT_CAP

    @staticmethod
    def _match(items: list[Doc], ref: str, what: str, capped: bool) -> Doc:
        """Resolve an id prefix among the caller's own items (the plain back end cannot)."""
        hint = (
            "this server cannot resolve id prefixes past your newest 100; give the full id"
            if capped
            else None
        )
        name_key = "event_name" if what == "Event" else None  # events go by name too
        return refs.pick(items, ref, what, name_key=name_key, hint=hint)

    def _no_pending_twice(self, event_id: str, vendor_id: str) -> None:
        """LocalPlanner's rule, on the caller's own requests: one pending request per vendor
        and event (the plain back end takes a second one)."""
        path = "/api/bookings/user"
        try:
            mine = self._list(self._call("GET", path), path)
        except (NotFound, Forbidden):  # the list is not visible to this caller: the server decides
            return
        for b in mine:
            if (
                b.get("event_id") == event_id
                and b.get("vendor_id") == vendor_id
                and b.get("status") == "pending"
            ):
                raise policy.pending_exists(b.get("id"))

    def _lifecycle_endpoint(self, what: str) -> None:
        self.api.lifecycle_endpoint(what)

    def _plain_lifecycle_endpoint(self, what: str) -> None:
        raise Unavailable(
            f"this server has no booking lifecycle endpoints: it cannot {what} bookings",
            hint="the web back end only accepts or declines requests; "
            "use a server run by `arangetram serve`",
        )

    def _contract_booking_check(
        self, ref: str, status: str = "", confirm: bool | None = False
    ) -> tuple[str, list[str]]:
        """On the plain back end: resolve a prefix among the caller's requests and keep the
        rules it forgets (only pending requests can be answered; a second accepted booking
        on one date needs confirming). Returns the id and any warnings."""
        try:
            mine = self.list_vendor_bookings()
        except NotFound:
            mine = []
        r = ref.lower()
        found = [b for b in mine if str(b.get("id", "")) == r]
        if not found and len(r) >= MIN_PREFIX and not is_id(r):
            found = [b for b in mine if str(b.get("id", "")).startswith(r)]
        if len(found) > 1:
            raise refs.ambiguous("Booking", ref)
        if not found:
            if is_id(ref):
                return ref, []  # not one of ours: the server answers 403 or 404
            raise refs.not_found("Booking", ref)
        booking = found[0]
        if booking.get("status") != "pending":
            raise Conflict(refusal(str(booking.get("status")), status or "accepted"))
        taken = policy.other_accepted_on(mine, booking)
        warnings = policy.double_booking(booking, status, taken, confirm)
        return str(booking["id"]), warnings

    def _reviews_endpoint(self) -> None:
        self.api.reviews_endpoint()

    def _plain_reviews_endpoint(self) -> None:
        raise Unavailable(
            "this server has no review endpoints",
            hint="the web back end keeps no reviews; use a server run by `arangetram serve`",
        )


class PlainApi:
    """The API strategy for the plain web back end (api-contract.md only): the fallbacks
    above, resolved here on its listings."""

    ours = False

    def __init__(self, planner: Any) -> None:
        self.p = planner

    def booking_body(self, body: Doc) -> Doc:
        """It needs full ids, and forgets the duplicate-request rule."""
        if not (is_id(body["event_id"]) and is_id(body["vendor_id"])):
            body["event_id"] = self.p._event_ref(body["event_id"])
            body["vendor_id"] = self.p._vendor_id(body["vendor_id"])
        self.p._no_pending_twice(body["event_id"], body["vendor_id"])
        return body

    def filtered_bookings(
        self, contract_path: str, as_vendor: bool, filters: dict[str, Any]
    ) -> list[Doc]:
        """Its whole listing, filtered here (LocalPlanner asks its store)."""
        p = self.p
        items = p._list(p._call("GET", contract_path), contract_path)
        event_id = None
        if filters.get("event"):
            if as_vendor:
                ids = {str(b.get("event_id")) for b in items}
                ref = filters["event"]
                event_id = refs.prefix_match(ids, ref, "Event") or ref.strip().lower()
            else:
                event_id = p._event_ref(filters["event"])
        return filter_bookings(
            sort_newest(items),
            status=filters.get("status"),
            event_id=event_id,
            upcoming=bool(filters.get("upcoming")),
        )

    def get_booking(self, ref: str) -> Doc:
        """No such endpoint: look among the caller's own requests."""
        p = self.p
        mine = p.list_bookings()
        with contextlib.suppress(NotFound):  # not a vendor
            mine += p.list_vendor_bookings()
        mine = list({str(b.get("id")): b for b in reversed(mine)}.values())  # each once
        booking = p._match(mine, ref, "Booking", False) if not is_id(ref) else None
        if booking is None:
            booking = next((b for b in mine if b.get("id") == ref), None)
        if booking is None:
            raise NotFound("Booking not found")
        if "history" not in booking:
            p.note("this server keeps no booking history; showing the booking only")
        return {**booking, "history": booking.get("history") or []}

    def respond_body(
        self, ref: str, body: Doc, status: str, confirm: bool | None
    ) -> tuple[str, list[str]]:
        return self.p._contract_booking_check(ref, status, confirm)

    def lifecycle_endpoint(self, what: str) -> None:
        self.p._plain_lifecycle_endpoint(what)

    def reviews_endpoint(self) -> None:
        self.p._plain_reviews_endpoint()

    def resolve_vendor(self, ref: str) -> Doc:
        return self.p._plain_vendor(ref)

    def image_uploads(self) -> None:
        raise Unavailable(
            "this server cannot take image uploads",
            hint="the web back end has no upload endpoint; use a server run by "
            "`arangetram serve`, or link hosted images with a local S3 setup",
        )

    def add_vendor_images(self, vendor_id: str, wanted: list[str]) -> Doc:
        """The owner check here, then PUT the whole list (not atomic)."""
        p = self.p
        vendor = p._get_doc(f"/api/vendors/{seg(vendor_id)}", "id")
        policy.require_owner(vendor, p.me())
        if not wanted:
            return vendor
        current = list(vendor.get("portfolio_images") or [])
        images = current + [u for u in wanted if u not in current]
        p.note("this server replaces the whole image list; a concurrent change may be lost")
        return p.update_vendor(vendor_id, {"portfolio_images": images})

    def remove_vendor_image(self, vendor_id: str, url: str, keep_object: bool) -> Doc:
        p = self.p
        vendor = p._get_doc(f"/api/vendors/{seg(vendor_id)}", "id")
        policy.require_owner(vendor, p.me())
        current = list(vendor.get("portfolio_images") or [])
        if url not in current:
            raise NotFound("Image not in the portfolio", hint="see: arangetram vendors images list")
        return p.update_vendor(vendor_id, {"portfolio_images": [u for u in current if u != url]})

    def needs_serve(self, message: str, hint: str) -> None:
        raise NotSupported(message, hint=hint)

    def event_ref(self, ref: str) -> str:
        """Resolved here among the caller's events (it knows full ids only)."""
        items, capped = self.p._contract_events()
        return self.p._match(items, ref, "Event", capped)["id"]

    def recommend(self, event_ref: str | None, **criteria: Any) -> Doc:
        return self.p._contract_recommend(event_ref, **criteria)

    def ask_stream(self, messages: list[Doc], event_ref: str | None, **kw: Any) -> Any:
        return self.p._contract_ask_stream(messages, event_ref, **kw)

    def seed_demo(self, only_if_empty: bool) -> Doc:
        return self.p._contract_seed_demo(only_if_empty)

    # Listings: the contract's, capped at CONTRACT_CAP and not paged; sliced here, and
    # notes say what could not be shown.
    def list_vendors(self, q: VendorQuery, offset: int, limit: int) -> Page:
        items, notes, capped = self.p._contract_vendors(q)
        return Page(
            items[offset : offset + limit], None if capped else len(items), offset, limit, notes
        )

    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]:
        items, notes, _ = self.p._contract_vendors(q)
        for n in notes:
            self.p.note(n)
        yield from items

    def list_events(self, offset: int, limit: int) -> Page:
        items, capped = self.p._contract_events()
        notes = (
            [f"this server lists only your newest {CONTRACT_CAP} events and cannot page past them"]
            if capped
            else []
        )
        return Page(
            items[offset : offset + limit], None if capped else len(items), offset, limit, notes
        )
