"""The API strategy for `arangetram serve` (its /api/v1 additions). RemotePlanner picks this
or plain.PlainApi once, when it first learns which server it talks to; methods call the
strategy and never test the server themselves."""

from __future__ import annotations

from typing import Any

from arangetram_cli.planner.remote.common import seg
from arangetram_cli.store.base import Doc


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
