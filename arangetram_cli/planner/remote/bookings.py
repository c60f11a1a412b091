"""Bookings over the API: requests, filtered listings, the lifecycle moves."""

from __future__ import annotations

import contextlib
from typing import Any

from arangetram_cli.core import refs
from arangetram_cli.core.errors import (
    Invalid,
    NotFound,
)
from arangetram_cli.core.lifecycle import check_status, filter_bookings
from arangetram_cli.core.refs import MIN_PREFIX as MIN_PREFIX
from arangetram_cli.planner.remote.common import (
    checked,
    is_id,
    seg,
    sort_newest,
)
from arangetram_cli.planner.remote.plain import PlainContract
from arangetram_cli.store.base import Doc


class BookingsApi(PlainContract):
    """Bookings over the API: requests, filtered listings, the lifecycle moves."""

    def create_booking(self, event_ref: str, vendor_ref: str, message: str = "") -> Doc:
        body = checked(
            "BookingIn", {"event_id": event_ref, "vendor_id": vendor_ref, "message": message}
        )
        # `arangetram serve` resolves prefixes and names in the body and keeps every rule;
        # the plain back end needs full ids, and forgets the duplicate-request rule.
        if not self.server_is_ours():
            if not (is_id(body["event_id"]) and is_id(body["vendor_id"])):
                body["event_id"] = self._event_ref(body["event_id"])
                body["vendor_id"] = self._vendor_id(body["vendor_id"])
            self._no_pending_twice(body["event_id"], body["vendor_id"])
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
        path = "/api/v1/bookings"
        data = self._v1_get(path, {**filters, "as_vendor": "true" if as_vendor else None})
        if data is not None:
            return self._list(data, path)
        # The plain back end: filter its whole listing here (LocalPlanner asks its store).
        items = self._list(self._call("GET", contract_path), contract_path)
        event_id = None
        if filters.get("event"):
            if as_vendor:
                ids = {str(b.get("event_id")) for b in items}
                ref = filters["event"]
                event_id = refs.prefix_match(ids, ref, "Event") or ref.strip().lower()
            else:
                event_id = self._event_ref(filters["event"])
        return filter_bookings(
            sort_newest(items),
            status=filters.get("status"),
            event_id=event_id,
            upcoming=bool(filters.get("upcoming")),
        )

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
        if self.server_is_ours():
            return self._get_doc(f"/api/v1/bookings/{seg(r)}", "id")
        # The plain back end has no such endpoint: look among the caller's own requests.
        mine = self.list_bookings()
        with contextlib.suppress(NotFound):  # not a vendor
            mine += self.list_vendor_bookings()
        mine = list({str(b.get("id")): b for b in reversed(mine)}.values())  # each once
        booking = self._match(mine, r, "Booking", False) if not is_id(r) else None
        if booking is None:
            booking = next((b for b in mine if b.get("id") == r), None)
        if booking is None:
            raise NotFound("Booking not found")
        if "history" not in booking:
            self.note("this server keeps no booking history; showing the booking only")
        return {**booking, "history": booking.get("history") or []}

    def respond_booking(
        self, ref: str, status: str, message: str | None = None, *, confirm: bool | None = False
    ) -> Doc:
        from pydantic import ValidationError

        from arangetram_cli.core.models import BookingRespondIn, first_error

        try:  # checked here too: the plain back end accepts any status (a known defect)
            BookingRespondIn.model_validate({"status": status, "response_message": message})
        except ValidationError as e:
            raise Invalid(first_error(e)) from None
        r = ref.strip()
        body: Doc = {"status": status, "response_message": message}
        if self.server_is_ours():
            if confirm is not None:
                body["confirm_double_booking"] = bool(confirm)
            warnings: list[str] = []
        else:
            r, warnings = self._contract_booking_check(r, status, confirm)
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
