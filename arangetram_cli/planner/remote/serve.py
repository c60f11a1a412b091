"""The API strategy for `arangetram serve` (its /api/v1 additions). RemotePlanner picks this
or plain.PlainApi once, when it first learns which server it talks to; methods call the
strategy and never test the server themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from arangetram_cli.core.errors import Unavailable
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.remote.common import SERVER_HEADER, seg, vendor_params
from arangetram_cli.store.base import Doc, VendorQuery

VENDOR_BATCH = 500  # vendors per request when iterating over all of them


def lacks_v1(response: Any) -> bool:
    """A 404 or 405 that `arangetram serve` did not send: the server has no /api/v1."""
    return response.status_code in (404, 405) and not response.headers.get(SERVER_HEADER)


def v1_vendor_params(q: VendorQuery, offset: int, limit: int) -> dict[str, Any]:
    return {
        **vendor_params(q),
        "max_price_range": q.max_price_range,
        "include_inactive": "true" if not q.active_only else None,
        "offset": offset,
        "limit": limit,
    }


class ServeApi:
    """`arangetram serve`: it resolves prefixes and names and keeps every rule itself."""

    ours = True

    def __init__(self, planner: Any) -> None:
        self.p = planner

    def booking_body(self, body: Doc) -> Doc:
        return body

    def filtered_bookings(
        self, contract_path: str, as_vendor: bool, filters: dict[str, Any]
    ) -> list[Doc]:
        path = "/api/v1/bookings"
        params = {**filters, "as_vendor": "true" if as_vendor else None}
        return self.p._list(self.p._call("GET", path, params=params), path)

    def get_booking(self, ref: str) -> Doc:
        return self.p._get_doc(f"/api/v1/bookings/{seg(ref)}", "id")

    def respond_body(
        self, ref: str, body: Doc, status: str, confirm: bool | None
    ) -> tuple[str, list[str]]:
        if confirm is not None:
            body["confirm_double_booking"] = bool(confirm)
        return ref, []

    def lifecycle_endpoint(self, what: str) -> None:
        """The lifecycle endpoints exist here."""

    def reviews_endpoint(self) -> None:
        """The review endpoints exist here."""

    def resolve_vendor(self, ref: str) -> Doc:
        return self.p._get_doc(f"/api/v1/vendors/resolve/{seg(ref)}", "id")

    def image_uploads(self) -> None:
        """The presign endpoint exists here."""

    def add_vendor_images(self, vendor_id: str, wanted: list[str]) -> Doc:
        path = f"/api/v1/vendors/{seg(vendor_id)}/images"
        return self.p._dict(self.p._call("POST", path, body={"urls": wanted}), path, "id")

    def remove_vendor_image(self, vendor_id: str, url: str, keep_object: bool) -> Doc:
        path = f"/api/v1/vendors/{seg(vendor_id)}/images"
        params = {"url": url, "keep_object": "true" if keep_object else None}
        return self.p._dict(self.p._call("DELETE", path, params=params), path, "id")

    def needs_serve(self, message: str, hint: str) -> None:
        """What only `arangetram serve` offers is offered here."""

    def event_ref(self, ref: str) -> str:
        """It resolves prefixes and names in the path itself."""
        return ref

    def recommend(self, event_ref: str | None, **criteria: Any) -> Doc:
        return self.p._v1_recommend(event_ref, **criteria)

    def ask_stream(self, messages: list[Doc], event_ref: str | None, **kw: Any) -> Any:
        return self.p._v1_ask_stream(messages, event_ref, **kw)

    def seed_demo(self, only_if_empty: bool) -> Doc:
        return self.p._v1_seed_demo(only_if_empty)

    # Listings: paged, with totals. Their first request also tells which server this is
    # (undecided.UndecidedApi uses them so): a 404 or 405 it did not send means the plain
    # back end, and the listing goes to its strategy; an answer means `arangetram serve`.
    def _v1_listing(self, path: str, params: dict[str, Any]) -> Doc | None:
        """GET a paged /api/v1 listing: its answer, or None when the server lacks /api/v1."""
        p = self.p
        response = p._send("GET", path, params=params)
        if lacks_v1(response):
            p._settle(False)
            return None
        doc = p._dict(p._decode(response, "GET", path), path, "items")
        p._settle(True)
        return doc

    def _page(self, doc: Doc, path: str, offset: int, limit: int) -> Page:
        total = doc.get("total")
        items = self.p._list(doc["items"], path)
        return Page(items, total if isinstance(total, int) else None, offset, limit)

    def list_vendors(self, q: VendorQuery, offset: int, limit: int) -> Page:
        path = "/api/v1/vendors"
        doc = self._v1_listing(path, v1_vendor_params(q, offset, limit))
        if doc is None:
            return self.p.api.list_vendors(q, offset, limit)
        return self._page(doc, path, offset, limit)

    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]:
        path = "/api/v1/vendors"
        offset = 0
        while True:
            doc = self._v1_listing(path, v1_vendor_params(q, offset, VENDOR_BATCH))
            if doc is None:
                break
            items = self.p._list(doc["items"], path)
            yield from items
            if len(items) < VENDOR_BATCH:
                return
            offset += VENDOR_BATCH
        if offset:  # the server stopped having the additions mid-way: do not mix sources
            raise Unavailable(f"{self.p.base} stopped answering {path}")
        yield from self.p.api.iter_vendors(q)

    def list_events(self, offset: int, limit: int) -> Page:
        path = "/api/v1/events"
        doc = self._v1_listing(path, {"offset": offset, "limit": limit})
        if doc is None:
            return self.p.api.list_events(offset, limit)
        return self._page(doc, path, offset, limit)
