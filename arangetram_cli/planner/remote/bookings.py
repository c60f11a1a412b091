"""Bookings over the API: requests, filtered listings, the lifecycle moves."""

from __future__ import annotations

from typing import Any

from arangetram_cli.core.errors import (
    Invalid,
    NotFound,
)
from arangetram_cli.core.lifecycle import check_status
from arangetram_cli.planner.remote.common import (
    checked,
    seg,
)
from arangetram_cli.planner.remote.plain import PlainContract
from arangetram_cli.store.base import Doc


class BookingsApi(PlainContract):
    """Bookings over the API: requests, filtered listings, the lifecycle moves."""

    def create_booking(self, event_ref: str, vendor_ref: str, message: str = "") -> Doc:
        body = checked(
            "BookingIn", {"event_id": event_ref, "vendor_id": vendor_ref, "message": message}
        )
        body = self.api.booking_body(body)
        return self._dict(self._call("POST", "/api/bookings", body=body), "/api/bookings", "id")

    def _filter_params(
        self, status: str | None, event: str | None, upcoming: bool
    ) -> dict[str, Any] | None:
        try:
            wanted = check_status(status)
        except ValueError as e:
            raise Invalid(str(e)) from None
        params = {"status": wanted, "event": (event or "").strip() or None}
        if upcoming:
            params["upcoming"] = "true"
        return params if any(v is not None for v in params.values()) else None

    def _bookings(
        self, contract_path: str, as_vendor: bool, filters: dict[str, Any] | None
    ) -> list[Doc]:
        if filters is None:
            return self._list(self._call("GET", contract_path), contract_path)
        return self.api.filtered_bookings(contract_path, as_vendor, filters)

    def list_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        filters = self._filter_params(status, event, upcoming)
        return self._bookings("/api/bookings/user", False, filters)

    def list_vendor_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        filters = self._filter_params(status, event, upcoming)
        return self._bookings("/api/bookings/vendor", True, filters)

    def get_booking(self, ref: str) -> Doc:
        r = ref.strip()
        if not r:
            raise NotFound("Booking not found")
        return self.api.get_booking(r)

    def respond_booking(
        self, ref: str, status: str, message: str | None = None, *, confirm: bool | None = False
    ) -> Doc:
        # checked here too: the plain back end accepts any status (a known defect)
        checked("BookingRespondIn", {"status": status, "response_message": message})
        r = ref.strip()
        body: Doc = {"status": status, "response_message": message}
        r, warnings = self.api.respond_body(r, body, status, confirm)
        path = f"/api/bookings/{seg(r)}"
        updated = self._dict(self._call("PUT", path, body=body), path, "id")
        if message is not None and updated.get("response_message") != message:
            self.note(
                "this server did not keep the reply message (a known defect of the web back end)"
            )
        if warnings and "warnings" not in updated:
            updated = {**updated, "warnings": warnings}
        return updated

    def cancel_booking(self, ref: str, reason: str = "") -> Doc:
        self._lifecycle_endpoint("cancel")
        path = f"/api/v1/bookings/{seg(ref.strip() or '-')}/cancel"
        return self._dict(self._call("POST", path, body={"reason": reason}), path, "id")

    def complete_booking(self, ref: str, message: str = "") -> Doc:
        self._lifecycle_endpoint("complete")
        path = f"/api/v1/bookings/{seg(ref.strip() or '-')}/complete"
        return self._dict(self._call("POST", path, body={"message": message}), path, "id")
