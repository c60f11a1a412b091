"""Rendering: Rich tables on a terminal, JSON when piped, plus -o json|jsonl|csv and -q.

Stdout carries data only; notes and errors go to stderr. Rich is imported only when a table
or panel is actually drawn, so piped JSON stays cheap.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

FORMATS = ("table", "json", "jsonl", "csv")
Column = tuple[str, str] | tuple[str, str, Callable[[dict[str, Any]], str]]


def one_line(text: object) -> str:
    """`text` with its control characters and line breaks escaped: a message quoting a file
    name or a value may hold a newline or a carriage return, and an error must stay one line.
    Other characters stay as they are (the joiners of Indic scripts, a no-break space)."""
    import unicodedata

    return "".join(
        repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in str(text)
    )


def _stream_is_tty(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def interactive() -> bool:
    """A person is there: both stdin and stdout are terminals."""
    return _stream_is_tty(sys.stdin) and _stream_is_tty(sys.stdout)


@dataclass
class Output:
    fmt: str | None = None  # None: table on a terminal, JSON otherwise
    quiet: bool = False
    color: bool = True
    debug: bool = False

    @property
    def format(self) -> str:
        if self.fmt:
            return self.fmt
        return "table" if _stream_is_tty(sys.stdout) else "json"

    @property
    def use_color(self) -> bool:
        return self.color and "NO_COLOR" not in os.environ

    def console(self, *, stderr: bool = False) -> Any:
        from rich.console import Console

        return Console(stderr=stderr, no_color=not self.use_color, highlight=False, soft_wrap=False)

    # ---- messages (stderr) -----------------------------------------------------------------
    def note(self, message: str) -> None:
        if self.quiet:
            return
        if _stream_is_tty(sys.stderr):
            self.console(stderr=True).print(message, markup=False, style="dim")
        else:
            print(message, file=sys.stderr)

    def success(self, message: str) -> None:
        if self.quiet:
            return
        if _stream_is_tty(sys.stderr):
            self.console(stderr=True).print("✓ " + message, markup=False, style="green")
        else:
            print(message, file=sys.stderr)

    # ---- data (stdout) ---------------------------------------------------------------------
    def items(
        self,
        rows: Iterable[dict[str, Any]],
        columns: Sequence[Column],
        *,
        title: str | None = None,
        empty: str = "nothing to show",
        id_key: str = "id",
    ) -> int:
        """Print a list in the chosen format; rows may be a generator (streamed for
        json/jsonl/csv/quiet). Returns how many rows were printed."""
        out = sys.stdout
        n = 0
        if self.quiet:
            for r in rows:
                out.write(f"{r.get(id_key, '')}\n")
                n += 1
            return n
        fmt = self.format
        if fmt == "jsonl":
            for r in rows:
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
                n += 1
            return n
        if fmt == "json":
            # Streamed array: constant memory for `--all` over a large catalog.
            for r in rows:
                out.write(
                    ("[\n  " if n == 0 else ",\n  ")
                    + json.dumps(r, ensure_ascii=False).replace("\n", "\n  ")
                )
                n += 1
            out.write("[]\n" if n == 0 else "\n]\n")
            return n
        if fmt == "csv":
            return write_csv(rows, out)
        rows = list(rows)
        if not rows:
            self.note(empty)
            return 0
        from rich.table import Table

        table = Table(title=title, header_style="bold", show_lines=False, expand=False)
        for col in columns:
            table.add_column(col[1], overflow="fold")
        for r in rows:
            table.add_row(*(_cell(r, col) for col in columns))
        self.console().print(table)
        return len(rows)

    def item(
        self,
        doc: dict[str, Any],
        fields: Sequence[Column],
        *,
        title: str | None = None,
        id_key: str = "id",
        extra: Callable[[Any], None] | None = None,
    ) -> None:
        if self.quiet:
            if doc.get(id_key):  # results without an id (seed counts) print nothing
                print(doc[id_key])
            return
        fmt = self.format
        if fmt == "json":
            print(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        if fmt == "jsonl":
            print(json.dumps(doc, ensure_ascii=False))
            return
        if fmt == "csv":
            write_csv([doc], sys.stdout)
            return
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column(overflow="fold")
        for col in fields:
            grid.add_row(col[1], _cell(doc, col))
        from rich.panel import Panel

        console = self.console()
        console.print(Panel(grid, title=title, title_align="left", expand=False))
        if extra:
            extra(console)

    def text(self, value: str) -> None:
        print(value)


def _cell(row: dict[str, Any], col: Column) -> Any:
    from rich.text import Text

    if len(col) == 3:
        value = col[2](row)  # type: ignore[misc]
    else:
        value = row.get(col[0])
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    elif value is None:
        value = ""
    return Text(str(value))


def _flat(value: Any) -> str:
    if isinstance(value, list):
        # `|`-joined lists: the same convention `seed --file x.csv` reads back
        if all(not isinstance(v, (dict, list)) for v in value):
            return "|".join(str(v) for v in value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def write_csv(rows: Iterable[dict[str, Any]], out: Any) -> int:
    it: Iterator[dict[str, Any]] = iter(rows)
    first = next(it, None)
    if first is None:
        return 0
    header = list(first)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    n = 0
    for r in _chain(first, it):
        writer.writerow([_flat(r.get(k)) for k in header])
        n += 1
    return n


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest
