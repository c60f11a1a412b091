"""Who may do what with an event: the one rule, used by LocalPlanner for events, their
bookings and the planning workspace (so `serve` and local mode enforce the same).

Roles: the event's `owner` (its `user_id`), and the members it was shared with, stored in
`event_members`: `planner` (changes the event, its vendors, tasks, budget and guests, and
sends booking requests for it) and `viewer` (reads all of it). Anybody else, including a
former member, gets "Event not found": the event's existence is not revealed. A member who
tries more than the role allows gets Forbidden (403 / exit 3): the event is visible to them.
"""

from __future__ import annotations

from typing import Any

from arangetram_cli.core.errors import Forbidden, Invalid, NotFound

OWNER, PLANNER, VIEWER = "owner", "planner", "viewer"
ROLES = (OWNER, PLANNER, VIEWER)
SHAREABLE = (PLANNER, VIEWER)  # `events share --role`

READ, CHANGE, BOOK, SHARE, TRANSFER = "read", "change", "book", "share", "transfer"
RIGHTS: dict[str, frozenset[str]] = {
    OWNER: frozenset({READ, CHANGE, BOOK, SHARE, TRANSFER}),
    PLANNER: frozenset({READ, CHANGE, BOOK}),
    VIEWER: frozenset({READ}),
}
EVENT_HINT = "see your events: arangetram events list"


def can(role: str | None, action: str) -> bool:
    """Whether `role` (None: no part in the event) may do `action` to the event."""
    return role is not None and action in RIGHTS.get(role, frozenset())


def require(role: str | None, action: str) -> None:
    """Raise unless `role` may do `action`: NotFound for no role, Forbidden otherwise."""
    if role is None or role not in RIGHTS:
        raise NotFound("Event not found", hint=EVENT_HINT)
    if can(role, action):
        return
    if role == VIEWER:
        raise Forbidden(
            "viewers can't change this event", hint="ask the owner to make you a planner"
        )
    raise Forbidden("only the event's owner can share, transfer or delete it", hint="ask the owner")


def check_role(value: Any) -> str:
    role = str(value or "").strip().lower()
    if role not in SHAREABLE:
        raise Invalid(f"role must be planner or viewer, not '{str(value)[:40]}'")
    return role


def member_view(member: dict[str, Any], user: dict[str, Any] | None) -> dict[str, Any]:
    """A member as listed: role, the person's name and email, since when."""
    return {
        "user_id": member.get("user_id"),
        "email": (user or {}).get("email", ""),
        "name": (user or {}).get("name", ""),
        "role": member.get("role"),
        "added_at": member.get("created_at", ""),
        "added_by": member.get("added_by", ""),
    }
