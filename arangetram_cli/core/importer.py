"""Streaming import of vendor files (JSON, JSON Lines, CSV): the readers.

`read_vendor_file` turns a file into ``(location, raw_row)`` pairs, `validate_rows`
(core/import_rows.py) turns those into complete vendor documents in the contract's shape
(api-contract.md, "Documents"), and `load_vendor_file` chains the two with the right location
label. Every problem is raised as one `Invalid` line of the form
``<path>:line 12: <what is wrong>`` (``item 3`` for the elements of a JSON array, whose line
numbers are not tracked).

JSON Lines and CSV are read line by line, so a file of any size is imported in constant
memory (apart from the set of ids seen, which duplicate detection needs); a JSON document is
parsed whole. A CSV cell that `-o csv` guarded against formula injection gets its one added
apostrophe taken away again (`_unguard`).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic_core import from_json

from .errors import Invalid
from .import_rows import validate_rows
from .models import VendorSeedIn
from .values import CSV_FORMULA_START

FORMATS = ("json", "jsonl", "csv")
_SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
_FORMAT_ALIASES = {"ndjson": "jsonl"}
#: Location word used in messages for each format.
LABELS = {"json": "item", "jsonl": "line", "csv": "line"}

#: Columns a CSV header may name: the seed row's fields ...
CSV_COLUMNS = tuple(VendorSeedIn.model_fields)
#: ... plus document fields that an export carries but an import sets itself (ignored).
CSV_IGNORED_COLUMNS = ("user_id", "created_at")
CSV_REQUIRED_COLUMNS = ("business_name", "category")
CSV_LIST_COLUMNS = frozenset({"services", "portfolio_images"})
LIST_SEPARATOR = "|"

_BOM = "\ufeff"
_JSON_AT = re.compile(r" at line \d+ column (\d+)$")


def detect_format(path: str | Path, fmt: str | None = None) -> str:
    """The import format: `fmt` if given, else from the file's suffix; Invalid otherwise."""
    if fmt is not None:
        f = fmt.strip().lower().lstrip(".")
        f = _FORMAT_ALIASES.get(f, f)
        if f not in FORMATS:
            raise Invalid(
                f"unknown import format '{fmt}' (use json, jsonl or csv)",
                hint="pass --format json, jsonl or csv",
            )
        return f
    suffix = Path(path).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    shown = f"'{suffix}'" if suffix else "no suffix"
    raise Invalid(
        f"{path}: cannot tell the file format from {shown} "
        "(use a .json, .jsonl, .ndjson or .csv file, or give the format)",
        hint="pass --format json, jsonl or csv",
    )


def read_vendor_file(path: str | Path, fmt: str | None = None) -> Iterator[tuple[int, dict]]:
    """Yield ``(n, raw_row)`` for every vendor row of `path`.

    `n` is the file line for jsonl/csv (1 = the CSV header) and the 1-based array position
    for json. The format is checked at once (Invalid for an unknown one); the file is opened
    and read as the iterator is consumed.
    """
    kind = detect_format(path, fmt)
    if kind == "jsonl":
        return _read_jsonl(path)
    if kind == "csv":
        return _read_csv(path)
    return _read_json(path)


def load_vendor_file(path: str | Path, fmt: str | None = None) -> Iterator[dict]:
    """`read_vendor_file` + `validate_rows` with the format's location label."""
    kind = detect_format(path, fmt)
    return validate_rows(read_vendor_file(path, kind), label=LABELS[kind], source=path)


# ---------------------------------------------------------------------------- readers


def _open_binary(path: str | Path):
    try:
        return open(path, "rb")  # closed by the caller's `with`
    except OSError as exc:
        raise Invalid(f"{path}: cannot read the file: {exc.strerror or exc}") from None


def _decoded_lines(path: str | Path, counter: list[int]) -> Iterator[str]:
    """The file's lines as text, decoded one by one so a bad byte has an exact line number.

    `counter[0]` is the number of the line last yielded. A UTF-8 BOM on line 1 is dropped.
    """
    with _open_binary(path) as fh:
        for n, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise Invalid(
                    f"{path}:line {n}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} "
                    f"at column {len(raw[: exc.start].decode('utf-8', 'replace')) + 1})"
                ) from None
            if n == 1 and line.startswith(_BOM):
                line = line[1:]
            counter[0] = n
            yield line


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return type(value).__name__


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"bad JSON: {exc.msg} (column {exc.colno})"


def _line_json_error(exc: ValueError) -> str:
    """pydantic_core's JSON message for a one-line text, without its "at line 1"."""
    return "bad JSON: " + _JSON_AT.sub(r" (column \1)", str(exc))


def _read_jsonl(path: str | Path) -> Iterator[tuple[int, dict]]:
    counter = [0]
    for line in _decoded_lines(path, counter):
        if not line or line.isspace():
            continue
        n = counter[0]
        try:
            row = from_json(line)  # pydantic_core's parser: about twice json.loads' speed
        except ValueError as exc:
            raise Invalid(f"{path}:line {n}: {_line_json_error(exc)}") from None
        if type(row) is not dict:
            raise Invalid(f"{path}:line {n}: expected a JSON object, got {_kind(row)}")
        yield n, row


def _read_json(path: str | Path) -> Iterator[tuple[int, dict]]:
    with _open_binary(path) as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Invalid(
            f"{path}:line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})"
        ) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"{path}:line {exc.lineno}: {_json_error(exc)}") from None
    if isinstance(doc, dict):
        if "vendors" not in doc:
            raise Invalid(
                f'{path}: expected a JSON array of vendors or an object with a "vendors" array'
            )
        doc = doc["vendors"]
        if not isinstance(doc, list):
            raise Invalid(f'{path}: "vendors" must be an array, got {_kind(doc)}')
    elif not isinstance(doc, list):
        raise Invalid(
            f'{path}: expected a JSON array of vendors or an object with a "vendors" array, '
            f"got {_kind(doc)}"
        )
    for i, row in enumerate(doc, 1):
        if type(row) is not dict:
            raise Invalid(f"{path}:item {i}: expected a JSON object, got {_kind(row)}")
        yield i, row


def _split_list(cell: str, path: str | Path, n: int, column: str) -> Any:
    if cell.startswith("["):
        try:
            return json.loads(cell)
        except json.JSONDecodeError as exc:
            raise Invalid(f"{path}:line {n}: {column}: {_json_error(exc)}") from None
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


_FORMULA_GUARD = re.compile("'+[" + re.escape("".join(CSV_FORMULA_START)) + "]")


def _unguard(cell: str) -> str:
    """A cell as `-o csv` wrote it: the one apostrophe put before a formula's first character
    (cli/output.py csv_safe, OWASP's CSV injection rule) taken away again."""
    return cell[1:] if _FORMULA_GUARD.match(cell) else cell


def _read_csv(path: str | Path) -> Iterator[tuple[int, dict]]:
    counter = [0]
    reader = csv.reader(_decoded_lines(path, counter), strict=True)

    def next_record() -> tuple[int, list[str]] | None:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise Invalid(f"{path}:line {reader.line_num}: bad CSV: {exc}") from None
        return start, record

    got = next_record()
    while got is not None and not any(c.strip() for c in got[1]):
        got = next_record()  # blank lines before the header
    if got is None:
        raise Invalid(f"{path}: the file is empty; a CSV import needs a header row")
    hline, header = got
    columns = [c.strip().lower() for c in header]
    known = set(CSV_COLUMNS) | set(CSV_IGNORED_COLUMNS)
    unknown = [c for c in columns if c not in known]
    if unknown:
        names = ", ".join(f"'{c}'" for c in unknown)
        raise Invalid(
            f"{path}:line {hline}: unknown column{'s' if len(unknown) > 1 else ''} {names} "
            f"(known: {', '.join(CSV_COLUMNS)})",
            hint="the first line must be a header row naming the columns",
        )
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise Invalid(f"{path}:line {hline}: column {', '.join(dupes)} given twice")
    missing = [c for c in CSV_REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise Invalid(f"{path}:line {hline}: the header lacks required column {', '.join(missing)}")

    width = len(columns)
    plan = [
        (i, c, c in CSV_LIST_COLUMNS) for i, c in enumerate(columns) if c not in CSV_IGNORED_COLUMNS
    ]
    while True:
        got = next_record()
        if got is None:
            return
        n, record = got
        if not any(c.strip() for c in record):
            continue  # a blank line, or a row of empty cells as spreadsheets export them
        if len(record) != width:
            raise Invalid(
                f"{path}:line {n}: {len(record)} cells but the header has {width} columns"
            )
        row: dict[str, Any] = {}
        for i, column, is_list in plan:
            cell = _unguard(record[i].strip())
            if not cell:
                continue  # empty cell: not given
            row[column] = _split_list(cell, path, n, column) if is_list else cell
        yield n, row
