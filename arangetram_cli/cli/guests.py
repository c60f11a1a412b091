"""`arangetram guests`: the event's guest list, contacts import, RSVP links and answers.

Names, messages and groups are written by guests and their families: hostile text. The table
draws them as rich.text.Text on one line each; the CSV quotes cells that start like a
spreadsheet formula.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.output import Col
from arangetram_cli.cli.params import changes, given, short
from arangetram_cli.cli.workspace_ui import EventOpt, line, pick_event
from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.guests import check_rsvp, csv_safe, to_csv

app = typer.Typer(
    rich_markup_mode=None,
    help="The event's guest list: add, import, RSVP links and answers.",
    no_args_is_help=True,
)

GUEST_COLUMNS = [
    Col("id", "Id", short, priority=0, fixed=True),
    Col("name", "Name", priority=0, min_width=14),
    Col("party", "Party", fixed=True),
    Col("children", "Kids", priority=2, fixed=True),
    Col("rsvp", "RSVP", priority=0, fixed=True),
    Col("group", "Group", priority=2),
    Col("email", "Email", priority=2),
    Col("phone", "Phone", priority=3),
    Col("message", "Message", priority=3),
]
# What guests wrote is escaped by the Output layer (one line in a table, line breaks kept in
# a panel), never here: escaping twice hides which characters were control characters.
GUEST_FIELDS = [
    ("name", "Name"),
    ("id", "Id"),
    ("party", "Party"),
    ("children", "Children"),
    ("rsvp", "RSVP"),
    ("group", "Group"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("message", "Message"),
    ("responded_at", "Answered"),
    ("link", "RSVP link"),
]
GuestArg = Annotated[str, typer.Argument(help="Guest id, prefix or exact name.")]
Email = Annotated[str | None, typer.Option("--email", help="Email address.")]
Phone = Annotated[str | None, typer.Option("--phone", help="Phone number.")]
Party = Annotated[
    int | None, typer.Option("--party", help="People on the invitation (1-50).", show_default=False)
]
Kids = Annotated[int | None, typer.Option("--children", help="Of them, children.")]
Group = Annotated[str | None, typer.Option("--group", "-g", help='Such as "Dance school".')]


def headcount_line(h: dict[str, Any]) -> str:
    return (
        f"{h.get('confirmed', 0)} confirmed ({h.get('confirmed_adults', 0)} adults, "
        f"{h.get('confirmed_children', 0)} children), {h.get('maybe', 0)} maybe, "
        f"{h.get('pending', 0)} pending, {h.get('declined', 0)} declined "
        f"- {h.get('invitations', 0)} invitations"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    event: EventOpt = None,
    rsvp: Annotated[
        str | None, typer.Option("--rsvp", help="Only yes, no, maybe or pending.")
    ] = None,
    group: Group = None,
) -> None:
    """The guest list with the answers, and the headcount (on stderr)."""

    st = state(ctx)
    if rsvp is not None:
        check_rsvp(rsvp)  # a typo fails before any request
    planner = st.planner(auth=True)
    doc = planner.list_guests(pick_event(st, planner, event), rsvp=rsvp, group=group)
    guests = doc["guests"]
    if st.out.format == "csv" and not st.out.quiet:
        sys.stdout.write(to_csv(guests))
        return
    st.out.items(
        guests,
        GUEST_COLUMNS,
        title=f"Guests: {doc['event'].get('event_name')}",
        empty="no guests match (add some: arangetram guests add NAME, or guests import FILE)",
    )
    st.out.note(headcount_line(doc["headcount"]))


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The guest's (or family's) name.")],
    event: EventOpt = None,
    email: Email = None,
    phone: Phone = None,
    party: Party = None,
    children: Kids = None,
    group: Group = None,
) -> None:
    """Add a guest (a person, or a family on one invitation with --party)."""
    st = state(ctx)
    planner = st.planner(auth=True)
    ref = pick_event(st, planner, event)
    data = given(name=name, email=email, phone=phone, party=party, children=children, group=group)
    guest = planner.add_guest(ref, data)
    st.out.success(f"Added {guest['name']} (party of {guest['party']})")
    st.out.item(guest, GUEST_FIELDS, title="Guest")


@app.command()
def update(
    ctx: typer.Context,
    guest: GuestArg,
    event: EventOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    email: Email = None,
    phone: Phone = None,
    party: Party = None,
    children: Kids = None,
    group: Group = None,
    rsvp: Annotated[
        str | None, typer.Option("--rsvp", help="Record an answer: yes, no, maybe, pending.")
    ] = None,
) -> None:
    """Change a guest, or record an answer given by phone."""

    st = state(ctx)
    data = changes(
        name=name,
        email=email,
        phone=phone,
        party=party,
        children=children,
        group=group,
        rsvp=rsvp,
    )
    planner = st.planner(auth=True)
    updated = planner.update_guest(pick_event(st, planner, event), guest, data)
    st.out.success(f"Updated {updated['name']}")
    st.out.item(updated, GUEST_FIELDS, title="Guest")


@app.command()
def remove(ctx: typer.Context, guest: GuestArg, event: EventOpt = None) -> None:
    """Remove a guest (their RSVP link stops working)."""
    st = state(ctx)
    planner = st.planner(auth=True)
    gone = planner.remove_guest(pick_event(st, planner, event), guest)
    st.out.success(f"Removed {gone['name']}")
    st.out.item(gone, GUEST_FIELDS, title="Removed")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A contacts CSV ('-': stdin).")],
    event: EventOpt = None,
) -> None:
    """Import a contacts export (Google, Outlook, Apple: Name or First/Last Name, E-mail,
    Phone, Group...). Every row is checked first: one bad row imports nothing. Rows with
    the same email become one guest."""

    st = state(ctx)
    try:
        if file == "-":
            text = sys.stdin.read()
        else:
            path = Path(file)
            if path.stat().st_size > 20_000_000:
                raise Invalid(f"{file} is larger than 20 MB (split it)")
            text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(f"{file} is not UTF-8 text (export the contacts as UTF-8 CSV)") from None
    except OSError as e:
        raise Invalid(f"cannot read {file}: {e.strerror or e}") from None
    planner = st.planner(auth=True)
    result = planner.import_guests(pick_event(st, planner, event), text)
    st.out.success(
        f"{result['added']} guest(s) added to {result['event'].get('event_name')}"
        + (f"; {len(result['merged'])} merged (same email)" if result["merged"] else "")
    )
    for m in result["merged"]:
        st.out.note(m)
    if st.out.format != "table" or st.out.quiet:
        st.out.item(result, [("added", "Added"), ("merged", "Merged")], id_key="_none")
    else:
        st.out.note(headcount_line(result["headcount"]))


@app.command()
def links(
    ctx: typer.Context,
    event: EventOpt = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="The public address of arangetram serve."),
    ] = None,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="New links for everybody (old ones stop working).")
    ] = False,
    guest: Annotated[
        str | None, typer.Option("--guest", help="A new link for this guest only.")
    ] = None,
) -> None:
    """Print RSVP links (or a CSV for mail merge with -o csv). Only a fingerprint of each
    link is kept, so a link is shown once, when it is issued: guests without a link get one;
    --rotate (or --guest) issues new ones and the old links stop working."""

    st = state(ctx)
    base = base_url or st.settings.api_url or ""
    if base and not base.startswith(("https://", "http://")):
        raise Invalid(f"--base-url must start with https:// or http://, not '{base[:80]}'")
    planner = st.planner(auth=True)
    doc = planner.guest_links(
        pick_event(st, planner, event), rotate=rotate, guest_ref=guest, base_url=base.rstrip("/")
    )
    rows = [{k: r.get(k) for k in ("name", "email", "link", "status", "id")} for r in doc["links"]]
    if not base:
        st.out.note("links are relative: give --base-url with the address guests will open")
    old = sum(1 for r in rows if r["status"] == "issued before")
    if old:
        st.out.note(f"{old} guest(s) have a link already (not shown again; --rotate for new ones)")
    if st.out.format == "csv" and not st.out.quiet:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["Name", "Email", "Link", "Status"])
        for r in rows:
            w.writerow([csv_safe(r["name"]), csv_safe(r["email"]), r["link"], r["status"]])
        return
    if st.out.format != "table" or st.out.quiet:
        st.out.items(rows, [("link", "Link")], empty="no guests yet")
        return
    if not rows:
        st.out.note("no guests yet: arangetram guests add NAME")
        return
    from rich.text import Text

    console = st.out.console()
    for r in rows:  # one guest a line, the link never cut or folded (it is copied)
        text = Text(line(r["name"]), style="bold")
        text.append(f"  {line(r['email'])}" if r.get("email") else "")
        text.append("  " + (r["link"] or f"({r['status']})"))
        console.print(text, soft_wrap=True)
