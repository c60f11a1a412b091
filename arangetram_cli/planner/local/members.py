"""Planning together: the event's members (share, unshare, leave, transfer) and who a
task is assigned to. Roles and rights are core.policy's."""

from __future__ import annotations

from typing import Any

from arangetram_cli.core import policy
from arangetram_cli.core import workspace as ws
from arangetram_cli.core.errors import Conflict, Invalid, NotFound
from arangetram_cli.core.values import new_id, now_iso
from arangetram_cli.planner.local.access import AccessService
from arangetram_cli.store.base import Doc


def member_view(member: Doc, user: Doc | None) -> Doc:
    """A member as listed: role, the person's name and email, since when."""
    return {
        "user_id": member.get("user_id"),
        "email": (user or {}).get("email", ""),
        "name": (user or {}).get("name", ""),
        "role": member.get("role"),
        "added_at": member.get("created_at", ""),
        "added_by": member.get("added_by", ""),
    }


class MembersService(AccessService):
    def list_members(self, event_ref: str) -> Doc:
        event = self.event_access(event_ref, policy.READ, names=True)
        rows = self.store.event_members.list_by_event(event["id"])
        users = self.store.users.get_many([event["user_id"], *(m["user_id"] for m in rows)])
        owner = users.get(event["user_id"])
        members = [
            member_view(
                {
                    "user_id": event["user_id"],
                    "role": policy.OWNER,
                    "created_at": event.get("created_at"),
                },
                owner,
            )
        ] + [member_view(m, users.get(m["user_id"])) for m in rows]
        return {"event": ws.event_summary(event), "role": event["role"], "members": members}

    def share_event(self, event_ref: str, email: str, role: str) -> Doc:
        """Share with a registered person as planner or viewer (again: change the role)."""
        role = policy.check_role(role)
        event = self.event_access(event_ref, policy.SHARE, names=True)
        user = self.current_user()
        other = self._user_by_email(email)
        if other["id"] == user["id"]:
            raise Invalid("you can't share an event with yourself (you own it)")
        if other["id"] == event["user_id"]:
            raise Invalid("that person owns this event")
        existing = self.store.event_members.get_member(event["id"], other["id"])
        if existing is not None:
            self.store.event_members.set_role(event["id"], other["id"], role)
            member = {**existing, "role": role}
        else:
            member = {
                "id": new_id(),
                "event_id": event["id"],
                "user_id": other["id"],
                "role": role,
                "added_by": user["id"],
                "created_at": now_iso(),
            }
            self.store.event_members.insert(member)
        return {
            "event": ws.event_summary(event),
            "member": member_view(member, other),  # as `events members` lists it
            "changed": existing is None or existing.get("role") != role,
            "was": existing.get("role") if existing else None,
        }

    def unshare_event(self, event_ref: str, email: str) -> Doc:
        event = self.event_access(event_ref, policy.SHARE, names=True)
        other = self._user_by_email(email)
        if not self.store.event_members.remove(event["id"], other["id"]):
            raise NotFound(
                f"{other.get('email')} is not a member of this event",
                hint="see: arangetram events members",
            )
        return {"event": ws.event_summary(event), "removed": member_view({}, other)}

    def leave_event(self, event_ref: str) -> Doc:
        event = self.event_access(event_ref, policy.READ, names=True)
        user = self.current_user()
        if event["role"] == policy.OWNER:
            raise Conflict(
                "the owner can't leave an event",
                hint="give it to another person first: arangetram events transfer EVENT EMAIL",
            )
        self.store.event_members.remove(event["id"], user["id"])
        return {"event": ws.event_summary(event), "left": True}

    def transfer_event(self, event_ref: str, email: str) -> Doc:
        """Make another registered person the owner; the previous owner stays a planner."""
        event = self.event_access(event_ref, policy.TRANSFER, names=True)
        user = self.current_user()
        other = self._user_by_email(email)
        if other["id"] == user["id"]:
            raise Invalid("you own this event already")
        self.store.event_members.remove(event["id"], other["id"])
        updated = self.store.events.update(event["id"], {"user_id": other["id"]})
        if updated is None:
            raise NotFound("Event not found", hint=policy.EVENT_HINT)
        try:
            self.store.event_members.insert(
                {
                    "id": new_id(),
                    "event_id": event["id"],
                    "user_id": user["id"],
                    "role": policy.PLANNER,
                    "added_by": other["id"],
                    "created_at": now_iso(),
                }
            )
        except Conflict:
            self.store.event_members.set_role(event["id"], user["id"], policy.PLANNER)
        return {
            "event": ws.event_summary(updated),
            "owner": member_view({"user_id": other["id"], "role": policy.OWNER}, other),
            "you": policy.PLANNER,
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
