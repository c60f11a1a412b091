"""`arangetram vendors review` and `arangetram vendors reviews`: ratings from families who
booked a vendor, and the vendor's one reply to each (rules: core/lifecycle.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import need, state
from arangetram_cli.cli.lazy import LazyGroup
from arangetram_cli.cli.output import Col
from arangetram_cli.cli.params import short


def _stars(doc: dict[str, Any]) -> str:
    n = int(doc.get("rating") or 0)
    return "★" * n + "☆" * (5 - n)


def _day(key: str) -> Any:
    return lambda d: str(d.get(key) or "")[:10]


def _reply(doc: dict[str, Any]) -> str:
    reply = doc.get("reply")
    return str(reply.get("text", "")) if isinstance(reply, dict) else ""


REVIEW_COLUMNS = [
    Col("id", "Id", short, priority=0, fixed=True),
    Col("rating", "Rating", _stars, priority=0, fixed=True),
    Col("user_name", "By"),
    Col("text", "Review", priority=0, min_width=16),
    Col("updated_at", "Date", _day("updated_at"), fixed=True),
    Col("reply", "Vendor's reply", _reply, priority=2, min_width=12),
]
REVIEW_FIELDS = [
    ("id", "Id"),
    ("rating", "Rating", _stars),
    ("user_name", "By"),
    ("text", "Review"),
    ("created_at", "Written"),
    ("updated_at", "Updated"),
    ("reply", "Vendor's reply", _reply),
]


class _ListByDefault(LazyGroup):
    """`vendors reviews VENDOR` is `vendors reviews list VENDOR` (the subcommands' names win:
    a vendor called "reply" needs `reviews list reply`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.list_commands(ctx):
            args = ["list", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    rich_markup_mode=None,
    cls=_ListByDefault,
    help="Read a vendor's reviews (vendors reviews VENDOR), or reply to one as the vendor.",
    no_args_is_help=True,
)


def review(
    ctx: typer.Context,
    vendor: Annotated[str, typer.Argument(help="Vendor id, prefix or exact name.")],
    rating: Annotated[
        int | None, typer.Option("--rating", "-r", min=1, max=5, help="1 (poor) to 5 (superb).")
    ] = None,
    text: Annotated[
        str | None, typer.Option("--text", "-t", help="What you would tell others.")
    ] = None,
) -> None:
    """Rate a vendor you booked, after your event (writing again replaces your review)."""
    st = state(ctx)

    stars = need(st, rating, "--rating", lambda: int(st.io.select("Rating:", "54321")))
    if text is None and st.io.can_prompt:
        text = st.io.text("Review (optional):")
    saved = st.planner(auth=True).review_vendor(vendor, int(stars), text or "")
    figures = saved.get("vendor") or {}
    edited = saved.get("created_at") != saved.get("updated_at")
    name = figures.get("business_name") or "the vendor"
    count = int(figures.get("review_count") or 0)
    st.out.success(
        f"Review {'updated' if edited else 'saved'} for {name}; rating now "
        f"{float(figures.get('rating') or 0):.2f} ({count} review{'' if count == 1 else 's'})"
    )
    st.out.item(saved, REVIEW_FIELDS, title=f"Your review of {name}")


@app.command("list")
def list_(
    ctx: typer.Context,
    vendor: Annotated[str, typer.Argument(help="Vendor id, prefix or exact name.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many.")] = 0,
) -> None:
    """A vendor's reviews, most recent first."""
    st = state(ctx)
    page = st.planner().list_reviews(vendor, offset=offset, limit=limit)
    for n in page.notes:
        st.out.note(n)
    shown = st.out.items(page.items, REVIEW_COLUMNS, title="Reviews", empty="no reviews yet")
    if page.total is not None and offset + shown < page.total:
        st.out.note(
            f"showing {offset + 1}-{offset + shown} of {page.total}; "
            f"next page: --offset {offset + shown}"
        )


@app.command()
def reply(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Review id or prefix.")],
    text: Annotated[str | None, typer.Option("--text", "-t", help="Your answer.")] = None,
) -> None:
    """Answer a review of your vendor profile (once per review)."""
    st = state(ctx)

    answer = need(st, text, "--text", lambda: st.io.text("Your reply:"))
    saved = st.planner(auth=True).reply_review(ref, answer)
    st.out.success(f"Replied to review {saved['id'][:8]}")
    st.out.item(saved, REVIEW_FIELDS, title="Review")
