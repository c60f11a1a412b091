"""Planning together: the guest list (add, change, remove, import a contacts CSV) and the
RSVP links issued for it. A change needs a planner or the owner; a viewer reads."""

from __future__ import annotations

from collections.abc import Callable

from arangetram_cli.core import guests as gl
from arangetram_cli.core import policy
from arangetram_cli.core import workspace as ws
from arangetram_cli.core.errors import Conflict, Invalid, NotFound
from arangetram_cli.planner.local.access import AccessService
from arangetram_cli.store.base import Doc

GUEST_HINT = "see: arangetram guests list"


class GuestsService(AccessService):
    # WorkspaceBase's (after this service in WorkspacePlanner's bases): the event by ref,
    # or the next upcoming one, when the caller's role allows the action
    plan_event: Callable[..., Doc]

    # ---- guests ---------------------------------------------------------------------------
    def _guest(self, event: Doc, ref: str) -> Doc:
        return ws.resolve_ref(
            self.store.guests.list_by_event(event["id"]), ref, "Guest", "name", GUEST_HINT
        )

    def _headcount(self, event: Doc) -> Doc:
        return gl.headcount(self.store.guests.list_by_event(event["id"]))

    def list_guests(
        self, event_ref: str | None, *, rsvp: str | None = None, group: str | None = None
    ) -> Doc:
        event = self.plan_event(event_ref, policy.READ)
        everyone = self.store.guests.list_by_event(event["id"])
        shown = sorted(
            gl.filter_guests(everyone, rsvp, group),
            key=lambda g: (str(g.get("name") or "").casefold(), g.get("created_at") or ""),
        )
        return {
            "event": ws.event_summary(event),
            "role": event.get("role"),
            "guests": [gl.guest_view(g) for g in shown],
            "headcount": gl.headcount(everyone),
        }

    def add_guest(self, event_ref: str | None, data: Doc) -> Doc:
        event = self.plan_event(event_ref, policy.CHANGE)
        fields = gl.guest_fields(data)
        if self.store.guests.count_by_event(event["id"]) >= gl.MAX_GUESTS:
            raise Conflict(f"an event has at most {gl.MAX_GUESTS} guests")
        if fields.get("email"):
            key = gl.email_key(fields["email"])
            for g in self.store.guests.list_by_event(event["id"]):
                if gl.email_key(g.get("email") or "") == key:
                    raise Conflict(
                        f"{g.get('name')} has the email {fields['email']} already",
                        hint=f"change that guest: arangetram guests update {str(g['id'])[:8]}",
                    )
        guest = gl.new_guest(event, fields, ws.now_iso())
        self.store.guests.insert(guest)
        return gl.guest_view(guest)

    def update_guest(self, event_ref: str | None, guest_ref: str, data: Doc) -> Doc:
        event = self.plan_event(event_ref, policy.CHANGE)
        guest = self._guest(event, guest_ref)
        fields = gl.guest_fields(data, guest)
        if not fields:
            raise Invalid("nothing to change: give at least one option (see --help)")
        now = ws.now_iso()
        if "rsvp" in fields and fields["rsvp"] != guest.get("rsvp"):
            entry = {
                "at": now,
                "rsvp": fields["rsvp"],
                "party": fields.get("party", guest.get("party")),
                "children": fields.get("children", guest.get("children")),
                "message": "",
                "by": self.current_user()["id"],
            }
            fields["history"] = [*(guest.get("history") or []), entry][-gl.MAX_HISTORY :]
        updated = self.store.guests.update(guest["id"], {**fields, "updated_at": now})
        if updated is None:
            raise NotFound("Guest not found", hint=GUEST_HINT)
        return gl.guest_view(updated)

    def remove_guest(self, event_ref: str | None, guest_ref: str) -> Doc:
        event = self.plan_event(event_ref, policy.CHANGE)
        guest = self._guest(event, guest_ref)
        self.store.rsvp_tokens.remove_guest(guest["id"])  # the link stops working first
        if not self.store.guests.delete(guest["id"]):
            raise NotFound("Guest not found", hint=GUEST_HINT)
        return gl.guest_view(guest)

    def import_guests(self, event_ref: str | None, text: str) -> Doc:
        """A contacts CSV: every row validated first (errors name their line), then all
        written or none. Rows sharing an email become one guest; a row whose email is on
        the list already fills in that guest's blanks."""
        event = self.plan_event(event_ref, policy.CHANGE)
        rows, errors = gl.parse_contacts(text)
        if errors:
            more = f" (and {len(errors) - 1} more bad rows)" if len(errors) > 1 else ""
            raise Invalid(f"guest file, {errors[0]}{more}; nothing was imported")
        rows, merged = gl.merge_rows(rows)
        existing = self.store.guests.list_by_event(event["id"])
        by_email = {gl.email_key(g["email"]): g for g in existing if g.get("email")}
        if len(existing) + len(rows) > gl.MAX_GUESTS:
            raise Invalid(f"an event has at most {gl.MAX_GUESTS} guests; nothing was imported")
        now = ws.now_iso()
        new: list[Doc] = []
        updates: list[tuple[Doc, Doc]] = []
        for line_no, fields in rows:
            old = by_email.get(gl.email_key(fields.get("email") or ""))
            if old is None:
                new.append(gl.new_guest(event, fields, now))
                continue
            fill = {k: v for k, v in fields.items() if v and not old.get(k) and k != "name"}
            merged.append(f"line {line_no} merged into guest '{old.get('name')}' (same email)")
            if fill:
                updates.append((old, fill))
        self.store.guests.insert_many(new)
        try:
            for old, fill in updates:
                self.store.guests.update(old["id"], {**fill, "updated_at": now})
        except BaseException:
            for g in new:
                self.store.guests.delete(g["id"])
            raise
        return {
            "event": ws.event_summary(event),
            "added": len(new),
            "merged": merged,
            "headcount": self._headcount(event),
        }

    def guest_links(
        self,
        event_ref: str | None,
        *,
        rotate: bool = False,
        guest_ref: str | None = None,
        base_url: str = "",
    ) -> Doc:
        """Issue RSVP links. Only a token's hash is stored, so a link can be shown only when
        it is issued: guests without a link get one; with `rotate`, every guest (or the one
        named) gets a new one and the old link stops working. Issuing is a change (planners
        and the owner)."""
        event = self.plan_event(event_ref, policy.CHANGE)
        guests = self.store.guests.list_by_event(event["id"])
        if guest_ref:
            guests = [self._guest(event, guest_ref)]
            rotate = True
        have = self.store.rsvp_tokens.guests_with_links(event["id"])
        now = ws.now_iso()
        base = base_url or ""
        out = []
        for g in guests:
            if g["id"] in have and not rotate:
                out.append(
                    {
                        "id": g["id"],
                        "name": g.get("name"),
                        "email": g.get("email"),
                        "link": "",
                        "status": "issued before",
                    }
                )
                continue
            token, digest = gl.new_token()
            self.store.rsvp_tokens.put(
                {
                    "token_hash": digest,
                    "guest_id": g["id"],
                    "event_id": event["id"],
                    "created_at": now,
                }
            )
            self.store.guests.update(g["id"], {"token_issued_at": now})
            out.append(
                {
                    "id": g["id"],
                    "name": g.get("name"),
                    "email": g.get("email"),
                    "link": gl.rsvp_link(base, token) if base else f"/rsvp/{token}",
                    "token": token,
                    "status": "rotated" if g["id"] in have else "new",
                }
            )
        return {"event": ws.event_summary(event), "links": out}
