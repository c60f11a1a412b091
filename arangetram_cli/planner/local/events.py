"""Events: the caller's own and those shared with it (planning together; anybody else's is
"not found"), by id, prefix or exact name. Access and roles: access.py and core.policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from arangetram_cli.core import policy
from arangetram_cli.core.errors import (
    NotFound,
)
from arangetram_cli.core.values import new_id, now_iso
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.local.access import AccessService
from arangetram_cli.planner.local.common import (
    check_page,
    validated,
)
from arangetram_cli.store.base import (
    Doc,
)

if TYPE_CHECKING:
    from arangetram_cli.core.models import EventIn, EventUpdateIn


class EventsService(AccessService):
    def create_event(self, data: dict[str, Any]) -> Doc:
        from arangetram_cli.core.models import EventIn

        self.current_user()  # not logged in comes before a bad event
        return self.create_event_checked(validated(EventIn, data))

    def create_event_checked(self, body: EventIn) -> Doc:
        """create_event with an EventIn already validated (by the server's route)."""
        user = self.current_user()
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

        event = self._own_event(ref, policy.CHANGE)  # a missing event before a bad change
        return self._update_event(event, validated(EventUpdateIn, data))

    def update_event_checked(self, ref: str, body: EventUpdateIn) -> Doc:
        """update_event with an EventUpdateIn already validated (by the server's route)."""
        return self._update_event(self._own_event(ref, policy.CHANGE), body)

    def _update_event(self, event: Doc, body: EventUpdateIn) -> Doc:
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
        event = self._own_event(event_ref, policy.CHANGE)
        vendor = self.get_vendor(vendor_ref)
        if not self.store.events.add_vendor(event["id"], vendor["id"]):
            raise NotFound("Event not found")
        return self.store.events.get(event["id"]) or event

    def remove_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc:
        event = self._own_event(event_ref, policy.CHANGE)
        vendor_id = vendor_ref
        if vendor_ref not in (event.get("selected_vendors") or []):
            vendor_id = self.get_vendor(vendor_ref)["id"]
        if not self.store.events.remove_vendor(event["id"], vendor_id):
            raise NotFound("Event not found")
        return self.store.events.get(event["id"]) or event
