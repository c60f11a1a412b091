"""`arangetram events share|members|unshare|leave|transfer|rsvp-note`: plan one event with
others. The owner shares it with registered people as planner (changes the event, its
vendors, tasks, budget and guests; sends booking requests) or viewer (reads all of it)."""

from __future__ import annotations

from typing import Annotated

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.core.policy import check_role

EventArg = Annotated[str, typer.Argument(help="Event id, prefix or exact name.")]
EmailArg = Annotated[str, typer.Argument(help="The person's email (they must be registered).")]
MEMBER_COLUMNS = [
    ("email", "Email"),
    ("name", "Name"),
    ("role", "Role"),
    ("added_at", "Since"),
]


def share(
    ctx: typer.Context,
    event: EventArg,
    email: EmailArg,
    role: Annotated[str, typer.Option("--role", "-r", help="planner or viewer.")] = "viewer",
) -> None:
    """Share an event with a registered person (again: change their role). Owner only."""

    st = state(ctx)
    role = check_role(role)  # a typo fails before any request
    result = st.planner(auth=True).share_event(event, email, role)
    name = result["event"].get("event_name")
    who = result["member"].get("email")
    if result.get("was") and result["was"] != role:
        st.out.success(f"{who} is now a {role} of {name} (was {result['was']})")
    elif result.get("was"):
        st.out.success(f"{who} is a {role} of {name} already")
    else:
        st.out.success(f"Shared {name} with {who} as {role}")
    st.out.item(result["member"], MEMBER_COLUMNS, title="Member", id_key="user_id")


def members(ctx: typer.Context, event: EventArg) -> None:
    """Who plans an event with you, and their roles."""
    st = state(ctx)
    doc = st.planner(auth=True).list_members(event)
    st.out.items(
        doc["members"],
        MEMBER_COLUMNS,
        title=f"Members: {doc['event'].get('event_name')}",
        id_key="user_id",
    )


def unshare(ctx: typer.Context, event: EventArg, email: EmailArg) -> None:
    """Stop sharing an event with someone. Owner only."""
    st = state(ctx)
    result = st.planner(auth=True).unshare_event(event, email)
    st.out.success(
        f"{result['removed'].get('email')} no longer plans {result['event'].get('event_name')}"
    )
    if st.out.format != "table" or st.out.quiet:
        st.out.item(result, [("removed", "Removed")], id_key="_none")


def leave(ctx: typer.Context, event: EventArg) -> None:
    """Stop planning an event someone shared with you."""
    st = state(ctx)
    result = st.planner(auth=True).leave_event(event)
    st.out.success(f"You left {result['event'].get('event_name')}")
    if st.out.format != "table" or st.out.quiet:
        st.out.item(result, [("left", "Left")], id_key="_none")


def transfer(ctx: typer.Context, event: EventArg, email: EmailArg) -> None:
    """Give an event to another registered person; you stay a planner. Owner only."""
    st = state(ctx)
    result = st.planner(auth=True).transfer_event(event, email)
    st.out.success(
        f"{result['owner'].get('email')} now owns {result['event'].get('event_name')}; "
        "you are a planner"
    )
    if st.out.format != "table" or st.out.quiet:
        st.out.item(result, [("you", "You")], id_key="_none")


def rsvp_note(
    ctx: typer.Context,
    event: EventArg,
    note: Annotated[str, typer.Argument(help="A short note for guests ('' removes it).")],
) -> None:
    """The note from the family on the RSVP page guests open."""
    st = state(ctx)
    doc = st.planner(auth=True).set_rsvp_note(event, note)
    st.out.success(f"RSVP note of {doc.get('event_name')} {'set' if note else 'removed'}")
    st.out.item(doc, [("event_name", "Event"), ("rsvp_note", "RSVP note")])
