"""`arangetram seed`: the demo catalog, or vendors imported from a JSON, JSONL or CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import state
from arangetram_cli.cli.output import count_progress

app = typer.Typer(rich_markup_mode=None)


@app.command("seed")
def seed(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="Vendors to import: "
            ".json, .jsonl or .csv (services and images `|`-separated in CSV).",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="json, jsonl or csv (default: from the file name)."),
    ] = None,
    upsert: Annotated[
        bool,
        typer.Option(
            "--upsert", help="Update vendors whose id exists instead of refusing the file."
        ),
    ] = False,
) -> None:
    """Load the built-in demo catalog (idempotent), or import vendors from a file.

    An import is all or nothing: the first bad row is reported with its line number and
    nothing is written."""
    st = state(ctx)
    planner = st.planner()
    if file is None:
        result = planner.seed_demo()
        if result["added"]:
            st.out.success(
                f"Added {result['added']} demo vendors ({result['vendor_count']} in the catalog)"
            )
        else:
            st.out.note(
                f"Demo catalog already loaded; nothing added "
                f"({result['vendor_count']} vendors in the catalog)"
            )
        if st.out.format != "table":
            st.out.item(result, [])
        return
    from arangetram_cli.core.importer import load_vendor_file

    rows: Any = load_vendor_file(file, fmt)
    progress = None
    if st.io.progress(st.out.quiet):
        progress = count_progress(st.out.console(stderr=True), "importing", "vendors")
        task = progress.add_task("import", total=None)

        def ticking(it: Any) -> Any:
            for i, doc in enumerate(it, 1):
                if i % 500 == 0:
                    progress.update(task, completed=i)
                yield doc

        rows = ticking(rows)
        progress.start()
    try:
        inserted, updated = planner.import_vendors(rows, upsert=upsert)
    finally:
        if progress is not None:
            progress.stop()
    st.out.success(
        f"Imported {inserted} new vendor(s)"
        + (f", updated {updated}" if upsert else "")
        + f" from {file}"
    )
    if st.out.format != "table":
        st.out.item({"inserted": inserted, "updated": updated, "file": str(file)}, [])
