"""`arangetram vendors`: search the marketplace and manage your vendor profile."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arangetram_cli.cli import params
from arangetram_cli.cli.columns import LIST_COLUMNS, stars
from arangetram_cli.cli.context import need, state
from arangetram_cli.cli.lazy import lazy_commands
from arangetram_cli.cli.output import Col
from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.values import CATEGORIES, PRICE_RANGES
from arangetram_cli.store.base import VendorQuery

app = typer.Typer(
    rich_markup_mode=None,
    help="Search vendors and manage your vendor profile.",
    no_args_is_help=True,
)


DETAIL_FIELDS = [
    ("business_name", "Name"),
    ("id", "Id"),
    ("category", "Category"),
    ("description", "About"),
    ("location", "Location"),
    ("price_range", "Price range"),
    ("price_estimate", "Estimate"),
    ("services", "Services"),
    ("rating", "Rating", stars),
    ("contact_phone", "Phone"),
    ("contact_email", "Email"),
    ("portfolio_images", "Portfolio"),
    ("is_active", "Active"),
]


@app.command("list")
def list_(
    ctx: typer.Context,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            "-c",
            help="venue, catering, photographer, videographer, decorations or musicians.",
        ),
    ] = None,
    location: Annotated[
        str | None, typer.Option("--location", "-l", help="Part of the location, any case.")
    ] = None,
    price_range: Annotated[
        str | None, typer.Option("--price-range", help="Exactly $, $$, $$$ or $$$$.")
    ] = None,
    search: Annotated[
        str | None,
        typer.Option("--search", "-s", help="Part of the name or description, any case."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1000, help="Vendors per page.")
    ] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many.")] = 0,
    all_: Annotated[bool, typer.Option("--all", help="Every match, past the first page.")] = False,
    inactive: Annotated[
        bool, typer.Option("--include-inactive", help="Also vendors that paused their listing.")
    ] = False,
) -> None:
    """Search the vendor marketplace (best rated first)."""

    st = state(ctx)
    q = VendorQuery(
        category=params.category(category),
        location=location or None,
        price_range=params.price(price_range),
        search=search or None,
        active_only=not inactive,
    )
    planner = st.planner()
    if all_:
        st.out.items(
            planner.iter_vendors(q), LIST_COLUMNS, title="Vendors", empty="no vendors match"
        )
        return
    page = planner.list_vendors(q, offset=offset, limit=limit)
    for n in page.notes:
        st.out.note(n)
    shown = st.out.items(page.items, LIST_COLUMNS, title="Vendors", empty="no vendors match")
    if page.total is not None and offset + shown < page.total:
        st.out.note(
            f"showing {offset + 1}-{offset + shown} of {page.total}; "
            f"next page: --offset {offset + shown}, or --all"
        )


@app.command()
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, unique id prefix, or exact business name.")],
) -> None:
    """One vendor in full."""
    st = state(ctx)
    vendor = st.planner().get_vendor(ref)
    st.out.item(vendor, DETAIL_FIELDS, title=vendor.get("business_name"))


@app.command()
def categories(ctx: typer.Context) -> None:
    """The vendor categories."""
    st = state(ctx)
    st.out.items(
        st.planner().categories(),
        [Col("id", "Id", fixed=True), Col("name", "Name", min_width=12), ("description", "What")],
        title="Categories",
    )


@app.command()
def mine(ctx: typer.Context) -> None:
    """Your own vendor profile."""
    st = state(ctx)
    vendor = st.planner(auth=True).my_vendor()
    st.out.item(vendor, DETAIL_FIELDS, title=vendor.get("business_name"))


Name = Annotated[str | None, typer.Option("--name", help="Business name.")]
Description = Annotated[str | None, typer.Option("--description", "-d")]
Location = Annotated[str | None, typer.Option("--location", help='Such as "Fremont, CA".')]
Price = Annotated[str | None, typer.Option("--price-range", help="$, $$, $$$ or $$$$.")]
Estimate = Annotated[
    str | None, typer.Option("--price-estimate", help='Such as "$2,000 - $3,500".')
]
Phone = Annotated[str | None, typer.Option("--phone")]
Email = Annotated[str | None, typer.Option("--email")]
Services = Annotated[list[str] | None, typer.Option("--service", help="Repeat for each.")]
Images = Annotated[list[str] | None, typer.Option("--image", help="Image URL; repeat for each.")]


def _form(st: Any, fields: dict[str, Any], missing: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """Fill missing required fields: a form for a person, else exit 2."""

    todo = [(key, flag, ask) for key, flag, ask in missing if fields.get(key) in (None, "")]
    if not todo:
        return fields
    if not st.io.can_prompt:
        raise Invalid("missing " + ", ".join(flag for _, flag, _ in todo))
    for key, flag, ask in todo:
        fields[key] = need(st, None, flag, ask)
    return fields


@app.command()
def create(
    ctx: typer.Context,
    name: Name = None,
    category: Annotated[str | None, typer.Option("--category")] = None,
    description: Description = None,
    location: Location = None,
    price_range: Price = None,
    price_estimate: Estimate = None,
    phone: Phone = None,
    email: Email = None,
    service: Services = None,
    image: Images = None,
) -> None:
    """Create your vendor profile (vendor accounts; one profile per account)."""

    st = state(ctx)
    planner = st.planner(auth=True)
    fields: dict[str, Any] = {
        "business_name": name,
        "category": params.category(category),
        "description": description,
        "location": location,
        "price_range": params.price(price_range),
        "price_estimate": price_estimate,
        "contact_phone": phone,
        "contact_email": email,
        "services": service or [],
        "portfolio_images": image or [],
    }
    io, filled = st.io, params.filled
    fields = _form(
        st,
        fields,
        [
            ("business_name", "--name", lambda: io.text("Business name:", validate=filled)),
            ("category", "--category", lambda: io.select("Category:", list(CATEGORIES))),
            ("location", "--location", lambda: io.text("Location (city, CA):", validate=filled)),
            ("price_range", "--price-range", lambda: io.select("Price range:", PRICE_RANGES)),
        ],
    )
    if io.can_prompt and description is None:
        fields["description"] = io.text("Description:")
    vendor = planner.create_vendor(params.given(**fields))
    st.out.success(f"Created vendor profile {vendor['business_name']} ({vendor['id']})")
    st.out.item(vendor, DETAIL_FIELDS, title=vendor["business_name"])


@app.command()
def update(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Vendor id (default: your profile).")] = None,
    name: Name = None,
    description: Description = None,
    location: Location = None,
    price_range: Price = None,
    price_estimate: Estimate = None,
    phone: Phone = None,
    email: Email = None,
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Replaces the services; repeat for each.")
    ] = None,
    image: Annotated[
        list[str] | None, typer.Option("--image", help="Replaces the portfolio; repeat for each.")
    ] = None,
    active: Annotated[
        bool | None, typer.Option("--active/--inactive", help="Show or hide the listing.")
    ] = None,
) -> None:
    """Change your vendor profile (the category cannot change)."""

    st = state(ctx)
    fields = {
        "business_name": name,
        "description": description,
        "location": location,
        "price_range": params.price(price_range),
        "price_estimate": price_estimate,
        "contact_phone": phone,
        "contact_email": email,
        "services": service,
        "portfolio_images": image,
        "is_active": active,
    }
    fields = params.changes(**fields)
    vendor = st.planner(auth=True).update_vendor(ref, fields)
    st.out.success(f"Updated {vendor['business_name']}")
    st.out.item(vendor, DETAIL_FIELDS, title=vendor["business_name"])


# Sub-commands that live in their own modules, loaded when named (listed after the core ones).
lazy_commands(
    app,
    images="arangetram_cli.cli.images:app",
    recommend="arangetram_cli.cli.recommend:recommend",
    review="arangetram_cli.cli.reviews:review",
    reviews="arangetram_cli.cli.reviews:app",
)
