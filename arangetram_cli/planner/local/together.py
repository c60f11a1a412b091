"""Planning together in LocalPlanner: co-planners with roles, the guest list, RSVP links and
the answers guests give on the RSVP page.

Every event-scoped operation (here, in LocalPlanner and in the workspace) resolves its event
through `event_access(ref, action)`, which applies core/members.py's one rule: the owner,
a planner, a viewer, or "Event not found" for anybody else (ex-members included).
"""

from __future__ import annotations

from typing import Any

from arangetram_cli.core import guests as gl
from arangetram_cli.core import members as mb
from arangetram_cli.core import refs
from arangetram_cli.core import workspace as ws
from arangetram_cli.core.errors import Conflict, Invalid, NotFound
from arangetram_cli.core.identity import email_key

Doc = dict[str, Any]
GUEST_HINT = "see: arangetram guests list"
REGISTER_HINT = "they must register first (arangetram auth register), then share again"


class TogetherMixin:
    store: Any

    # provided by LocalPlanner
    def current_user(self) -> Doc: ...  # pragma: no cover
    def _today(self) -> Any: ...  # pragma: no cover
    def _resolve(self, repo: Any, ref: str, what: str, visible_to: Any = None) -> Doc:
        raise NotImplementedError  # pragma: no cover

    # ---- access ---------------------------------------------------------------------------
    def _role(self, event: Doc, user: Doc) -> str | None:
        if event.get("user_id") == user["id"]:
            return mb.OWNER
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
        return [{**e, "role": mb.OWNER} for e in own] + self.shared_events(user)

    def event_access(self, ref: str | None, action: str = mb.READ, *, names: bool = False) -> Doc:
        """The event `ref` names (id or unique prefix; with names, also its exact name), with
        the caller's `role`, when the role allows `action` (core/members.py)."""
        user = self.current_user()
        r = str(ref or "").strip()
        event = self.store.events.get(r) if r else None
        role = self._role(event, user) if event is not None else None
        if event is not None and role is None:  # somebody else's: as one that does not exist
            raise NotFound("Event not found", hint=mb.EVENT_HINT if names else None)
        if event is None:
            if not names:
                try:
                    event = self._resolve(self.store.events, r, "Event", {"user_id": user["id"]})
                    role = mb.OWNER
                except NotFound:
                    shared = self.shared_events(user)
                    hits = [
                        e
                        for e in shared
                        if refs.is_prefix_candidate(r) and str(e["id"]).startswith(r.lower())
                    ]
                    if len(hits) > 1:
                        raise refs.ambiguous("Event", r) from None
                    if not hits:
                        raise
                    event, role = hits[0], hits[0]["role"]
            else:
                event = ws.resolve_ref(
                    self.accessible_events(), r, "Event", "event_name", mb.EVENT_HINT
                )
                role = event["role"]
        mb.require(role, action)
        return {**event, "role": role}

    # ---- the event's booking requests, for its members -------------------------------------
    def _visible_booking(self, ref: str, user: Doc) -> Doc:
        """A booking its two parties see (by id or prefix), else one of an event shared
        with the caller; anybody else's is "Booking not found"."""
        try:
            return self._resolve(
                self.store.bookings,
                ref,
                "Booking",
                self._booking_visibility(user),  # type: ignore[attr-defined]
            )
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
        if member is None:
            return set()
        return {"user"} if mb.can(member.get("role"), mb.BOOK) else {"viewer"}

    def _viewers_stop(self, roles: set[str]) -> None:
        if roles == {"viewer"}:
            mb.require(mb.VIEWER, mb.CHANGE)

    # ---- members --------------------------------------------------------------------------
    def _user_by_email(self, email: str) -> Doc:
        given = str(email or "").strip()
        if not given or "@" not in given or len(given) > 254:
            raise Invalid(f"not an email address: '{given[:80]}'")
        user = self.store.users.get_by_email(given)
        if user is None:
            near = self.store.users.find_by_email_key(email_key(given), 2)
            user = near[0] if len(near) == 1 else None
        if user is None:
            raise NotFound(f"no account with the email {given}", hint=REGISTER_HINT)
        return user

    def list_members(self, event_ref: str) -> Doc:
        event = self.event_access(event_ref, mb.READ, names=True)
        rows = self.store.event_members.list_by_event(event["id"])
        users = self.store.users.get_many([event["user_id"], *(m["user_id"] for m in rows)])
        owner = users.get(event["user_id"])
        members = [
            mb.member_view(
                {
                    "user_id": event["user_id"],
                    "role": mb.OWNER,
                    "created_at": event.get("created_at"),
                },
                owner,
            )
        ] + [mb.member_view(m, users.get(m["user_id"])) for m in rows]
        return {"event": ws.event_summary(event), "role": event["role"], "members": members}

    def share_event(self, event_ref: str, email: str, role: str) -> Doc:
        """Share with a registered person as planner or viewer (again: change the role)."""
        from arangetram_cli.core.models import new_id, now_iso

        role = mb.check_role(role)
        event = self.event_access(event_ref, mb.SHARE, names=True)
        user = self.current_user()
        other = self._user_by_email(email)
        if other["id"] == user["id"]:
            raise Invalid("you can't share an event with yourself (you own it)")
        if other["id"] == event["user_id"]:
            raise Invalid("that person owns this event")
        existing = self.store.event_members.get_member(event["id"], other["id"])
        if existing is not None:
            self.store.event_members.set_role(event["id"], other["id"], role)
            changed = existing.get("role") != role
        else:
            self.store.event_members.insert(
                {
                    "id": new_id(),
                    "event_id": event["id"],
                    "user_id": other["id"],
                    "role": role,
                    "added_by": user["id"],
                    "created_at": now_iso(),
                }
            )
            changed = True
        return {
            "event": ws.event_summary(event),
            "member": mb.member_view({"user_id": other["id"], "role": role}, other),
            "changed": changed,
            "was": existing.get("role") if existing else None,
        }

    def unshare_event(self, event_ref: str, email: str) -> Doc:
        event = self.event_access(event_ref, mb.SHARE, names=True)
        other = self._user_by_email(email)
        if not self.store.event_members.remove(event["id"], other["id"]):
            raise NotFound(
                f"{other.get('email')} is not a member of this event",
                hint="see: arangetram events members",
            )
        return {"event": ws.event_summary(event), "removed": mb.member_view({}, other)}

    def leave_event(self, event_ref: str) -> Doc:
        event = self.event_access(event_ref, mb.READ, names=True)
        user = self.current_user()
        if event["role"] == mb.OWNER:
            raise Conflict(
                "the owner can't leave an event",
                hint="give it to another person first: arangetram events transfer EVENT EMAIL",
            )
        self.store.event_members.remove(event["id"], user["id"])
        return {"event": ws.event_summary(event), "left": True}

    def transfer_event(self, event_ref: str, email: str) -> Doc:
        """Make another registered person the owner; the previous owner stays a planner."""
        from arangetram_cli.core.models import new_id, now_iso

        event = self.event_access(event_ref, mb.TRANSFER, names=True)
        user = self.current_user()
        other = self._user_by_email(email)
        if other["id"] == user["id"]:
            raise Invalid("you own this event already")
        self.store.event_members.remove(event["id"], other["id"])
        updated = self.store.events.update(event["id"], {"user_id": other["id"]})
        if updated is None:
            raise NotFound("Event not found", hint=mb.EVENT_HINT)
        try:
            self.store.event_members.insert(
                {
                    "id": new_id(),
                    "event_id": event["id"],
                    "user_id": user["id"],
                    "role": mb.PLANNER,
                    "added_by": other["id"],
                    "created_at": now_iso(),
                }
            )
        except Conflict:
            self.store.event_members.set_role(event["id"], user["id"], mb.PLANNER)
        return {
            "event": ws.event_summary(updated),
            "owner": mb.member_view({"user_id": other["id"], "role": mb.OWNER}, other),
            "you": mb.PLANNER,
        }

    # ---- task assignment ------------------------------------------------------------------
    def _assignee(self, event: Doc, email: Any) -> str:
        """The user id a task is assigned to: the owner or a member ('' to unassign)."""
        text = str(email or "").strip()
        if text.lower() in ("", "none", "-", "nobody"):
            return ""
        person = self._user_by_email(text)
        if person["id"] != event["user_id"] and (
            self.store.event_members.get_member(event["id"], person["id"]) is None
        ):
            raise Invalid(
                f"{person.get('email')} is not a member of this event",
                hint="share it with them first: arangetram events share",
            )
        return str(person["id"])

    def my_tasks(self, *, open_only: bool = False) -> Doc:
        """The tasks assigned to the caller, across every event it plans."""
        user = self.current_user()
        out = []
        for event in self.accessible_events():
            for t in self.store.tasks.list_by_event(event["id"]):
                if t.get("assignee") != user["id"]:
                    continue
                if open_only and t.get("status") == "done":
                    continue
                view = ws.task_view(t, self._today())
                view["event_name"] = event.get("event_name")
                view["event_id"] = event["id"]
                out.append(view)
        out.sort(key=lambda t: (t.get("due_date") or "9999", t.get("event_name") or ""))
        return {"tasks": out}

    def _with_assignees(self, tasks: list[Doc]) -> list[Doc]:
        ids = {t.get("assignee") for t in tasks if t.get("assignee")}
        if not ids:
            return tasks
        users = self.store.users.get_many(ids)
        return [
            {**t, "assignee_email": users.get(t["assignee"], {}).get("email", "")}
            if t.get("assignee")
            else t
            for t in tasks
        ]

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
        event = self._guest_event(event_ref, mb.READ)
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
        event = self._guest_event(event_ref, mb.CHANGE)
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

    def _guest_event(self, event_ref: str | None, action: str) -> Doc:
        if event_ref is None or not str(event_ref).strip():
            event = self.next_event()  # type: ignore[attr-defined]
            return self.event_access(event["id"], action)
        return self.event_access(event_ref, action, names=True)

    def update_guest(self, event_ref: str | None, guest_ref: str, data: Doc) -> Doc:
        event = self._guest_event(event_ref, mb.CHANGE)
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
        event = self._guest_event(event_ref, mb.CHANGE)
        guest = self._guest(event, guest_ref)
        self.store.rsvp_tokens.remove_guest(guest["id"])  # the link stops working first
        if not self.store.guests.delete(guest["id"]):
            raise NotFound("Guest not found", hint=GUEST_HINT)
        return gl.guest_view(guest)

    def import_guests(self, event_ref: str | None, text: str) -> Doc:
        """A contacts CSV: every row validated first (errors name their line), then all
        written or none. Rows sharing an email become one guest; a row whose email is on
        the list already fills in that guest's blanks."""
        event = self._guest_event(event_ref, mb.CHANGE)
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
        event = self._guest_event(event_ref, mb.CHANGE)
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

    # ---- the RSVP page (no login: the token is the credential) ---------------------------
    def rsvp_lookup(self, token: str) -> Doc | None:
        """The guest and event a link's token opens, or None (unknown, revoked, expired)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        row = self.store.rsvp_tokens.get(gl.hash_token(token))
        if row is None:
            return None
        guest = self.store.guests.get(row["guest_id"])
        event = self.store.events.get(row["event_id"])
        if guest is None or event is None or guest.get("event_id") != event["id"]:
            return None
        if gl.link_expired(event, self._today()):
            return None
        bookings = self.store.bookings.list_by_event(event["id"])
        vendors = self.store.vendors.get_many(b["vendor_id"] for b in bookings)
        venue = ws.booked_venue(vendors, bookings)
        owner = self.store.users.get(event["user_id"]) or {}
        return {
            "token_hash": row["token_hash"],
            "guest": guest,
            "event": event,
            "venue": venue,
            "family": owner.get("name") or "",
        }

    def rsvp_answer(self, token: str, answer: str, party: Any, message: str) -> Doc | None:
        """Record a guest's answer (None: the link does not open anything)."""
        found = self.rsvp_lookup(token)
        if found is None:
            return None
        rsvp = gl.check_rsvp(answer, answers_only=True)
        guest = found["guest"]
        n = gl.check_party(party) if rsvp != "no" else int(guest.get("party") or 1)
        text = gl._text(message or "", "message")
        for _ in range(5):
            now = ws.now_iso()
            entry = {"at": now, "rsvp": rsvp, "party": n, "message": text, "by": "guest"}
            fields = {
                "rsvp": rsvp,
                "party": n,
                "children": min(int(guest.get("children") or 0), n),
                "message": text,
                "responded_at": now,
                "updated_at": now,
                "history": [*(guest.get("history") or []), entry][-gl.MAX_HISTORY :],
            }
            updated = self.store.guests.update(
                guest["id"], fields, expect={"updated_at": guest.get("updated_at")}
            )
            if updated is not None:
                return {**found, "guest": updated}
            guest = self.store.guests.get(guest["id"])
            if guest is None:
                return None
        raise Conflict("the guest list is busy; try again")

    # ---- headcount in the plan and the budget ---------------------------------------------
    def _guests(self, event: Doc) -> int:
        """The headcount per-guest budget lines use: confirmed guests once anyone said yes,
        else the event's planned guest_count."""
        confirmed = self._headcount(event)["confirmed"]
        return confirmed or int(event.get("guest_count") or 0)

    def _budget(
        self, event: Doc, *, guests: int | None = None, budget_amount_cents: int | None = None
    ) -> Doc:
        count = self._headcount(event)
        basis = "planned"
        if guests is None and count["confirmed"]:
            guests, basis = count["confirmed"], "confirmed"
        doc = super()._budget(event, guests=guests, budget_amount_cents=budget_amount_cents)  # type: ignore[misc]
        if basis == "confirmed":
            doc["what_if"] = budget_amount_cents is not None
            planned = int(event.get("guest_count") or 0)
            if planned and count["confirmed"] > planned:
                doc["warnings"].append(
                    f"{count['confirmed']} guests confirmed; the event is planned for {planned}"
                )
        doc["guests_basis"] = basis if guests is None or basis == "confirmed" else "what-if"
        doc["headcount"] = count
        self._last_headcount = (event["id"], count)  # get_plan reads the guest list once
        return doc

    def get_plan(self, event_ref: str | None) -> Doc:
        self._last_headcount: tuple[str, Doc] | None = None
        plan = super().get_plan(event_ref)  # type: ignore[misc]
        event_id = plan["event"]["id"]
        last = self._last_headcount
        plan["guests"] = last[1] if last and last[0] == event_id else self._headcount(plan["event"])
        plan["role"] = self.event_access(event_id).get("role")
        return plan

    def set_rsvp_note(self, event_ref: str, note: str) -> Doc:
        """The short note from the family shown on the RSVP page ('' removes it)."""
        event = self.event_access(event_ref, mb.CHANGE, names=True)
        text = gl._text(note, "notes")
        updated = self.store.events.update(event["id"], {"rsvp_note": text})
        if updated is None:
            raise NotFound("Event not found", hint=mb.EVENT_HINT)
        return {**ws.event_summary(updated), "rsvp_note": text}
