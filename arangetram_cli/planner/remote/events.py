"""Events over the API: the caller's own, by id, prefix or exact name."""

from __future__ import annotations

from typing import Any

from arangetram_cli.core.errors import (
    NotFound,
)
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.remote.common import (
    checked,
    is_id,
    seg,
)
from arangetram_cli.planner.remote.plain import PlainContract
from arangetram_cli.store.base import Doc


class EventsApi(PlainContract):
    """Events over the API: the caller's own, by id, prefix or exact name."""

    def create_event(self, data: dict[str, Any]) -> Doc:
        body = checked("EventIn", data)
        return self._dict(self._call("POST", "/api/events", body=body), "/api/events", "id")

    def list_events(self, *, offset: int = 0, limit: int = 100) -> Page:
        return self.api.list_events(offset, limit)

    def _event_ref(self, ref: str) -> str:
        """What to put in an event path: the ref itself when the server resolves it."""
        r = ref.strip()
        if not r:
            raise NotFound("Event not found")
        return r if is_id(r) else self.api.event_ref(r)

    def get_event(self, ref: str) -> Doc:
        return self._get_doc(f"/api/events/{seg(self._event_ref(ref))}", "id")

    def event_vendors(self, event: Doc) -> list[Doc]:
        out = []
        for vendor_id in event.get("selected_vendors") or []:
            try:
                out.append(self._get_doc(f"/api/vendors/{seg(str(vendor_id))}", "id"))
            except NotFound:
                continue  # a vendor deleted since: LocalPlanner skips it too
        return out

    def update_event(self, ref: str, data: dict[str, Any]) -> Doc:
        data = checked("EventUpdateIn", data, partial=True)
        path = f"/api/events/{seg(self._event_ref(ref))}"
        return self._dict(self._call("PUT", path, body=data), path, "id")

    def _event_vendor(self, method: str, event_ref: str, vendor_ref: str) -> Doc:
        event_id = self._event_ref(event_ref)
        vendor_id = self._vendor_id(vendor_ref)
        path = f"/api/events/{seg(event_id)}/vendors/{seg(vendor_id)}"
        data = self._dict(self._call(method, path), path)
        if isinstance(data.get("event"), dict):  # `arangetram serve` includes the event
            return data["event"]
        return self._get_doc(f"/api/events/{seg(event_id)}", "id")

    def add_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc:
        return self._event_vendor("POST", event_ref, vendor_ref)

    def remove_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc:
        return self._event_vendor("DELETE", event_ref, vendor_ref)
