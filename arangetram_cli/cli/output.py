"""Rendering: Rich tables on a terminal, JSON when piped, plus -o json|jsonl|csv and -q.

Stdout carries data only; notes and errors go to stderr. Rich is imported only when a table
or panel is actually drawn, so piped JSON stays cheap.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from arangetram_cli.cli.prompts import is_tty
from arangetram_cli.core.values import csv_safe as csv_safe  # its home: core.values

FORMATS = ("table", "wide", "json", "jsonl", "csv")


def visible(text: object) -> str:
    """sanitize.visible, imported on first use (unicodedata: not needed for --help)."""
    from arangetram_cli.sanitize import visible as escape

    return escape(text)


def rich_text(value: object, *, multiline: bool = False, style: Any = "") -> Any:
    """sanitize.rich_text, imported when something is drawn."""
    from arangetram_cli.sanitize import rich_text as text

    return text(value, multiline=multiline, style=style)


@dataclass(frozen=True)
class Col:
    """A table column. `priority` 0 is always shown; at a narrow terminal the columns with the
    highest number go first (the rightmost of equals first). A `fixed` column (ids, dates,
    statuses, counts) is never wrapped or cut; the others are cut with an ellipsis, never below
    `min_width` (or their widest value, if smaller); a `fold` column wraps instead."""

    key: str
    header: str
    get: Callable[[dict[str, Any]], Any] | None = None
    priority: int = 1
    min_width: int = 10
    fixed: bool = False
    fold: bool = False  # wrap onto more lines instead of cutting (URLs, to copy whole)


Column = Col | tuple[str, str] | tuple[str, str, Callable[[dict[str, Any]], Any]]


def as_col(col: Column) -> Col:
    """A Col; a plain (key, header[, get]) tuple is a column whose text wraps (settings,
    paths, URLs: a cut value would be wrong when copied)."""
    if isinstance(col, Col):
        return col
    return Col(col[0], col[1], col[2] if len(col) == 3 else None, fold=True)  # type: ignore[misc]


def one_line(text: object) -> str:
    """`text` made safe for one line of a terminal (see arangetram_cli/sanitize.py): controls,
    line breaks, bidi and invisible characters escaped, the joiners of Indic scripts kept."""

    return visible(text)


# user:password@ in any URL an error names (an --api-url, MONGO_URL or OLLAMA_HOST with
# credentials)
_URL_PASSWORD = re.compile(r"(://[^\s/@:]*:)[^\s/@]*@")


def report_error(message: object, hint: str | None = None) -> None:
    """The one `error:` line on stderr every failure is told with: escaped for the
    terminal (one line), a password in a URL it names masked."""
    line = f"error: {message}"
    if hint:
        line += f" ({hint})"
    print(_URL_PASSWORD.sub(r"\1***@", one_line(line)), file=sys.stderr)


@dataclass
class Output:
    fmt: str | None = None  # None: table on a terminal, JSON otherwise
    quiet: bool = False
    color: bool = True
    debug: bool = False
    wide: bool = False  # -o wide / --wide: every column, nothing cut (as kubectl's)
    csv_raw: bool = False  # --csv-raw: cells written as they are, formulas included

    def __post_init__(self) -> None:
        if self.fmt == "wide":
            self.fmt, self.wide = "table", True

    @property
    def format(self) -> str:
        if self.fmt:
            return self.fmt
        return "table" if is_tty(sys.stdout) else "json"

    @property
    def use_color(self) -> bool:
        return self.color and "NO_COLOR" not in os.environ

    def console(self, *, stderr: bool = False) -> Any:
        from rich.console import Console

        return Console(
            stderr=stderr,
            no_color=not self.use_color,
            highlight=False,
            soft_wrap=False,
            emoji=False,  # ":smile:" in a vendor's name is text
            markup=False,  # data is never Rich markup
        )

    # ---- messages (stderr) -----------------------------------------------------------------
    def note(self, message: str) -> None:
        if self.quiet:
            return
        self._message(message, "dim")

    def success(self, message: str) -> None:
        if self.quiet:
            return
        self._message(message, "green", mark="✓ ")

    def _message(self, message: str, style: str, mark: str = "") -> None:
        """One line on stderr: other people's text in it (a vendor's name) is escaped."""

        if is_tty(sys.stderr):
            text = rich_text(mark, style=style)
            text.append_text(rich_text(message, style=style))
            self.console(stderr=True).print(text)
        else:
            print(visible(message), file=sys.stderr)

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
            return write_csv(rows, out, raw=self.csv_raw)
        rows = list(rows)
        if not rows:
            self.note(empty)
            return 0
        console = self.console()
        table, hidden = self.table(rows, columns, title=title, width=console.width)
        if self.wide and not is_tty(sys.stdout):
            console.width = max(console.width, _natural_width(table, console))
        console.print(table)
        if hidden:
            self.note(
                f"{', '.join(hidden)} hidden at {console.width} columns; -o wide shows every column"
            )
        return len(rows)

    def table(
        self,
        rows: Sequence[dict[str, Any]],
        columns: Sequence[Column],
        *,
        title: str | None = None,
        width: int = 80,
        wrap: bool = False,
    ) -> tuple[Any, list[str]]:
        """A Rich table of rows that fits `width` columns, and the headers of the columns left
        out to make it fit. Wide (or `wrap`): every column, text wrapped rather than cut."""
        from rich import box
        from rich.cells import cell_len
        from rich.table import Table

        cols = [as_col(c) for c in columns]
        cells = [[_cell(r, c) for c in cols] for r in rows]
        headers = [rich_text(c.header) for c in cols]
        natural, typical, empty = [], [], set()
        for i in range(len(cols)):
            sizes = sorted(cell_len(row[i].plain) for row in cells)
            head = cell_len(headers[i].plain)
            natural.append(max(head, sizes[-1] if sizes else 0))
            typical.append(max(head, sizes[(len(sizes) * 9) // 10] if sizes else 0))  # p90
            if rows and not (sizes and sizes[-1]):
                empty.add(i)
        wrap = wrap or self.wide
        if wrap:
            keep, widths = list(range(len(cols))), {}
        else:
            keep, widths = fit(cols, natural, width, typical, frozenset(empty))
        table = Table(
            title=rich_text(title) if title else None,
            title_justify="left",
            header_style="bold",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            expand=False,
        )
        for i in keep:
            c = cols[i]
            if wrap:  # everything shown: text wraps, ids and dates do not
                table.add_column(
                    headers[i], no_wrap=c.fixed, overflow="ellipsis" if c.fixed else "fold"
                )
            else:
                table.add_column(
                    headers[i],
                    width=widths[i],
                    no_wrap=not c.fold,
                    overflow="fold" if c.fold else "ellipsis",
                )
        for row in cells:
            table.add_row(*(row[i] for i in keep))
        # an empty column left out hides nothing: no note for it
        hidden = [cols[i].header for i in range(len(cols)) if i not in keep and i not in empty]
        return table, hidden

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
            write_csv([doc], sys.stdout, raw=self.csv_raw)
            return
        from rich.panel import Panel
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column(overflow="fold")
        for col in fields:
            c = as_col(col)
            grid.add_row(rich_text(c.header), _cell(doc, c, multiline=True))
        console = self.console()
        console.print(
            Panel(grid, title=rich_text(title) if title else None, title_align="left", expand=False)
        )
        if extra:
            extra(console)


def fit(
    cols: Sequence[Col],
    natural: Sequence[int],
    width: int,
    typical: Sequence[int] | None = None,
    empty: frozenset[int] = frozenset(),
) -> tuple[list[int], dict[int, int]]:
    """Which columns to show at `width` terminal columns, and how wide each is.

    When not everything fits whole, columns with no value in any row (`empty`, except those of
    priority 0) give way first: they show nothing. Then columns drop, highest priority number
    first, until every fixed column fits whole and every other one fits at its minimum. The
    room left goes to the cut columns evenly: first up to their `typical` width (most of their
    values whole: one long outlier does not take the room of a whole column), then up to
    their natural (widest) one."""

    def need(i: int) -> int:  # a header is never cut
        c = cols[i]
        return natural[i] if c.fixed else min(natural[i], max(c.min_width, len(c.header)))

    def room(k: int) -> int:  # SIMPLE_HEAD, no edge, no outer padding: 3 between columns
        return width - 3 * (k - 1)

    keep = list(range(len(cols)))
    if sum(natural[i] for i in keep) > room(len(keep)):
        keep = [i for i in keep if i not in empty or cols[i].priority == 0]
    while sum(need(i) for i in keep) > room(len(keep)):
        droppable = [i for i in keep if cols[i].priority > 0]
        if not droppable:
            break
        keep.remove(max(droppable, key=lambda i: (cols[i].priority, i)))
    widths = {i: need(i) for i in keep}
    spare = room(len(keep)) - sum(widths.values())
    for target in (typical or natural, natural):
        hungry = [i for i in keep if widths[i] < target[i]]
        while spare > 0 and hungry:
            share = max(1, spare // len(hungry))
            for i in list(hungry):
                add = min(share, target[i] - widths[i], spare)
                widths[i] += add
                spare -= add
                if widths[i] >= target[i]:
                    hungry.remove(i)
                if spare <= 0:
                    break
    return keep, widths


def _natural_width(table: Any, console: Any) -> int:
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update(width=10**6), table).maximum


def _cell(row: dict[str, Any], col: Col, *, multiline: bool = False) -> Any:

    value = col.get(row) if col.get is not None else row.get(col.key)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    elif value is None:
        value = ""
    return rich_text(value, multiline=multiline)


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


def write_csv(rows: Iterable[dict[str, Any]], out: Any, *, raw: bool = False) -> int:
    it: Iterator[dict[str, Any]] = iter(rows)
    first = next(it, None)
    if first is None:
        return 0
    header = list(first)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    n = 0
    for r in _chain(first, it):
        cells = [_flat(r.get(k)) for k in header]
        writer.writerow(cells if raw else [csv_safe(c) for c in cells])
        n += 1
    return n


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


# ---- Rich pieces for the other command modules (Rich is imported here only, when drawn) ----
def cut_text(text: str, style: str = "") -> Any:
    """One line of text, cut with an ellipsis rather than wrapped."""
    from rich.text import Text

    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


def new_text() -> Any:
    from rich.text import Text

    return Text()


def cut_grid(rows: list[list[Any]], widths: list[int | None]) -> Any:
    """A borderless grid, one line per row: columns cut with an ellipsis."""
    from rich.table import Table

    table = Table.grid(padding=(0, 1))
    for w in widths:
        table.add_column(no_wrap=True, overflow="ellipsis", width=w, min_width=w)
    for r in rows:
        table.add_row(*r)
    return table


def byte_progress(console: Any) -> Any:
    """Progress bars for file transfers (one task per file)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def count_progress(console: Any, before: str, after: str) -> Any:
    """A transient bar counting things ("importing [bar] 500/2000 vendors")."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(before),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(after),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
