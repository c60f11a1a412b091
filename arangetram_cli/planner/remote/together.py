"""Planning together in RemotePlanner: `arangetram serve`'s /api/v1 members and guests
endpoints (server/together_routes.py). The plain web back end has neither: every operation
then raises NotSupported (exit 7, one line)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from arangetram_cli.core.refs import resolve_ref
from arangetram_cli.planner.remote.common import SERVE_ONLY_HINT

Doc = dict[str, Any]
NOT_OFFERED = "this server does not offer planning together (members, guests, RSVP links)"


class RemoteTogetherMixin:
    base: str

    # provided by RemotePlanner and RemoteWorkspaceMixin
    api: Any  # the API strategy (plain.PlainContract.api)

    def _addition_doc(self, *a: Any, **kw: Any) -> Doc: ...  # pragma: no cover

    def _tg(self, method: str, path: str, **kw: Any) -> Doc:
        self.api.needs_serve(NOT_OFFERED, SERVE_ONLY_HINT)
        return self._addition_doc(method, path, NOT_OFFERED, **kw)

    def _evp(self, ref: str | None) -> str:
        self.api.needs_serve(NOT_OFFERED, SERVE_ONLY_HINT)
        return self._ev(ref)  # type: ignore[attr-defined]  (RemoteWorkspaceMixin)

    # ---- members --------------------------------------------------------------------------
    def list_members(self, event_ref: str) -> Doc:
        return self._tg("GET", f"{self._evp(event_ref)}/members")

    def share_event(self, event_ref: str, email: str, role: str) -> Doc:
        body = {"email": email, "role": role}
        return self._tg("POST", f"{self._evp(event_ref)}/members", body=body)

    def unshare_event(self, event_ref: str, email: str) -> Doc:
        return self._tg("DELETE", f"{self._evp(event_ref)}/members/{quote(email, safe='@')}")

    def leave_event(self, event_ref: str) -> Doc:
        return self._tg("POST", f"{self._evp(event_ref)}/leave")

    def transfer_event(self, event_ref: str, email: str) -> Doc:
        return self._tg("POST", f"{self._evp(event_ref)}/transfer", body={"email": email})

    def set_rsvp_note(self, event_ref: str, note: str) -> Doc:
        return self._tg("PUT", f"{self._evp(event_ref)}/rsvp-note", body={"note": note})

    def my_tasks(self, *, open_only: bool = False) -> Doc:
        params = {"open": "true" if open_only else None}
        return self._tg("GET", "/api/v1/tasks/mine", params=params)

    # ---- guests ---------------------------------------------------------------------------
    def _guest_seg(self, ev: str, ref: str) -> str:
        r = str(ref).strip()
        if "/" in r:
            items = self._tg("GET", f"{ev}/guests")["guests"]
            r = resolve_ref(items, r, "Guest", "name", "see: arangetram guests list")["id"]
        return quote(r, safe="") or "-"

    def list_guests(
        self, event_ref: str | None, *, rsvp: str | None = None, group: str | None = None
    ) -> Doc:
        params = {"rsvp": rsvp, "group": group}
        return self._tg("GET", f"{self._evp(event_ref)}/guests", params=params)

    def add_guest(self, event_ref: str | None, data: Doc) -> Doc:
        return self._tg("POST", f"{self._evp(event_ref)}/guests", body=data)

    def update_guest(self, event_ref: str | None, guest_ref: str, data: Doc) -> Doc:
        ev = self._evp(event_ref)
        return self._tg("PUT", f"{ev}/guests/{self._guest_seg(ev, guest_ref)}", body=data)

    def remove_guest(self, event_ref: str | None, guest_ref: str) -> Doc:
        ev = self._evp(event_ref)
        return self._tg("DELETE", f"{ev}/guests/{self._guest_seg(ev, guest_ref)}")

    def import_guests(self, event_ref: str | None, text: str) -> Doc:
        return self._tg("POST", f"{self._evp(event_ref)}/guests/import", body={"csv": text})

    def guest_links(
        self,
        event_ref: str | None,
        *,
        rotate: bool = False,
        guest_ref: str | None = None,
        base_url: str = "",
    ) -> Doc:
        body = {"rotate": rotate, "guest": guest_ref, "base_url": base_url}
        return self._tg("POST", f"{self._evp(event_ref)}/guests/links", body=body)
