"""Which events a caller may reach, with which role: the owner's own and those shared with
it. Every event-scoped operation (events, bookings, the workspace, members, guests) resolves
its event through `event_access(ref, action)`, which applies core.policy's one rule: the
owner, a planner, a viewer, or "Event not found" for anybody else (ex-members included)."""

from __future__ import annotations

from arangetram_cli.core import policy, refs
from arangetram_cli.core.errors import Invalid, NotFound
from arangetram_cli.core.identity import MAX_EMAIL_LENGTH
from arangetram_cli.planner.local.base import LocalBase
from arangetram_cli.store.base import Doc

REGISTER_HINT = "they must register first (arangetram auth register), then share again"


class AccessService(LocalBase):
    def _role(self, event: Doc, user: Doc) -> str | None:
        if event.get("user_id") == user["id"]:
            return policy.OWNER
        member = self.store.event_members.get_member(event["id"], user["id"])
        return None if member is None else member.get("role")

    def shared_events(self, user: Doc | None = None) -> list[Doc]:
        """Events shared with the caller, each with its `role`, newest first."""
        user = user or self.current_user()
        rows = self.store.event_members.list_by_user(user["id"])
        if not rows:
            return []
        events = self.store.events.get_many(m["event_id"] for m in rows)
        out = [
            {**events[m["event_id"]], "role": m.get("role")}
            for m in rows
            if m["event_id"] in events and events[m["event_id"]].get("user_id") != user["id"]
        ]
        out.sort(key=lambda e: (str(e.get("created_at") or ""), str(e.get("id"))), reverse=True)
        return out

    def accessible_events(self) -> list[Doc]:
        """The caller's own events (role owner) and those shared with it."""
        user = self.current_user()
        own = self.store.events.list_by_user(user["id"], limit=10_000)
        return [{**e, "role": policy.OWNER} for e in own] + self.shared_events(user)

    def event_access(
        self, ref: str | None, action: str = policy.READ, *, names: bool = False
    ) -> Doc:
        """The event `ref` names (id or unique prefix; with names, also its exact name), with
        the caller's `role`, when the role allows `action` (core.policy)."""
        user = self.current_user()
        r = str(ref or "").strip()
        event = self.store.events.get(r) if r else None
        role = self._role(event, user) if event is not None else None
        if event is not None and role is None and names:  # somebody else's, by full id:
            raise NotFound("Event not found", hint=policy.EVENT_HINT)  # its id not echoed
        if event is None or role is None:  # somebody else's: as one that does not exist
            if not names:
                event, role = self._by_prefix(r, user)
            else:
                event = refs.resolve_ref(
                    self.accessible_events(), r, "Event", "event_name", policy.EVENT_HINT
                )
                role = event["role"]
        policy.require(role, action)
        return {**event, "role": role}

    def _by_prefix(self, r: str, user: Doc) -> tuple[Doc, str]:
        """An own event by id prefix (the store's index), else one among the caller's own and
        shared events by id prefix or exact name (refs.pick: its not-found names what a
        search found, or a did-you-mean)."""
        try:
            event = self._resolve(self.store.events, r, "Event", {"user_id": user["id"]})
            return event, policy.OWNER
        except NotFound:
            found = refs.pick(
                self.accessible_events(),
                r,
                "Event",
                name_key="event_name",
                hint=policy.EVENT_HINT,
            )
            return found, found["role"]

    def _own_event(self, ref: str, action: str = policy.READ) -> Doc:
        """An event the caller owns or is a member of, when its role allows `action`; the
        owner gets the contract's event document as stored (no `role`)."""
        event = self.event_access(ref, action)
        if event["role"] == policy.OWNER:
            event.pop("role")
        return event

    # ---- the event's booking requests, for its members -------------------------------------
    def _visible_booking(self, ref: str, user: Doc) -> Doc:
        """A booking its two parties see (by id or prefix), else one of an event shared
        with the caller; anybody else's is "Booking not found"."""
        try:
            mine = self._booking_visibility(user)
            return self._resolve(self.store.bookings, ref, "Booking", mine)
        except NotFound:
            shared = self.shared_events(user)
            if not shared:
                raise
            r = str(ref or "").strip().lower()
            found = [
                b
                for e in shared
                for b in self.store.bookings.list_by_event(e["id"])
                if b["id"] == r or (refs.is_prefix_candidate(r) and str(b["id"]).startswith(r))
            ]
            exact = [b for b in found if b["id"] == r]
            if exact or len(found) == 1:
                return (exact or found)[0]
            if len(found) > 1:
                raise refs.ambiguous("Booking", r) from None
            raise

    def _member_part(self, booking: Doc, user: Doc) -> set[str]:
        member = self.store.event_members.get_member(booking.get("event_id", ""), user["id"])
        return policy.member_part(None if member is None else member.get("role"))

    # ---- people ---------------------------------------------------------------------------
    def _user_by_email(self, email: str) -> Doc:
        given = str(email or "").strip()
        if not given or "@" not in given or len(given) > MAX_EMAIL_LENGTH:
            raise Invalid(f"not an email address: '{given[:80]}'")
        user = self._account_by_email(given)
        if user is None:
            raise NotFound(f"no account with the email {given}", hint=REGISTER_HINT)
        return user
