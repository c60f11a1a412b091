"""Streaming, validated import of vendor files (JSON, JSON Lines, CSV).

`read_vendor_file` turns a file into ``(location, raw_row)`` pairs, `validate_rows` turns those
into complete vendor documents in the contract's shape (api-contract.md, "Documents"), and
`load_vendor_file` chains the two with the right location label. Every problem is raised as
one `Invalid` line of the form ``<path>:line 12: <what is wrong>`` (``item 3`` for the
elements of a JSON array, whose line numbers are not tracked).

JSON Lines and CSV are read line by line, so a file of any size is imported in constant
memory (apart from the set of ids seen, which duplicate detection needs); a JSON document is
parsed whole.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from .errors import Invalid
from .models import CATEGORIES, PRICE_RANGES, VendorSeedIn, first_error, new_id
from .urls import image_url_ok

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
# An id already in canonical form: str(uuid.UUID(v)) == v, so the model's check would pass it
# unchanged. Other ids (upper case, braces, "urn:uuid:", junk) go through the model.
_CANONICAL_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
).fullmatch
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


# What a vendor document takes from a validated seed row, in the order of the tuples that
# `fast_vendor_fields` returns after the id.
SEED_FIELDS = (
    "business_name",
    "category",
    "description",
    "location",
    "price_range",
    "price_estimate",
    "services",
    "portfolio_images",
    "contact_phone",
    "contact_email",
    "rating",
    "review_count",
    "is_active",
)


def validate_rows(
    rows: Iterable[tuple[int, dict]],
    *,
    label: str = "line",
    source: str | Path | None = None,
) -> Iterator[dict]:
    """Validate each raw row with `VendorSeedIn`; yield complete vendor documents.

    Raises Invalid(``"<source>:<label> <n>: <first error>"``) on the first bad row, and on an
    id used twice (naming both rows). `source` is the file name shown in messages (left out
    when None).
    """
    where = f"{source}:{label}" if source is not None else label
    seen: dict[str, int] = {}
    validate = VendorSeedIn.model_validate
    canonical = _CANONICAL_UUID
    stamp = _Timestamps()
    fast = fast_vendor_fields
    for n, raw in rows:
        # Fast path for the common case: a row that `fast_vendor_fields` vouches for (the
        # model would accept it and give the same values: tests/test_importer_fast.py checks
        # that on generated rows) skips the model; every other row, and every bad one, goes
        # through VendorSeedIn, which also words the error.
        got = fast(raw) if type(raw) is dict else None
        if got is not None:
            vid = got[0]
        else:
            # An id already in canonical form is checked here and kept out of the model (its
            # validator would return it unchanged).
            vid = raw.get("id") if type(raw) is dict else None
            if type(vid) is str and canonical(vid):
                raw = raw.copy()
                del raw["id"]
            else:
                vid = None
            try:
                m = validate(raw)
            except ValidationError as exc:
                raise Invalid(f"{where} {n}: {first_error(exc)}") from None
            if vid is None:
                vid = m.id
            got = (vid, *[getattr(m, f) for f in SEED_FIELDS])
        if vid is None:
            vid = new_id()
        else:
            first = seen.get(vid)
            if first is not None:
                raise Invalid(
                    f"{where} {n}: duplicate id '{vid}' (already used on {label} {first})"
                )
            seen[vid] = n
        yield {
            "id": vid,
            "user_id": "system",
            **dict(zip(SEED_FIELDS, got[1:], strict=True)),
            "created_at": stamp(),
        }


# ---------------------------------------------------------------------------- fast path

_ABSENT: Any = object()
_ASCII_SPACE = " \t\n\r\x0b\x0c"
_SURROGATE = re.compile("[\ud800-\udfff]").search
_FLOAT_TEXT = re.compile(r"[0-9](?:\.[0-9]{1,15})?").fullmatch
_INT_TEXT = re.compile(r"0|[1-9][0-9]{0,17}").fullmatch
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}
_INT_LIMIT = 1 << 63
_TEXT_LIMITS = (5000, 200, 200, 200, 200)  # description, location, estimate, phone, email
_ONLY_STR = frozenset({str}).issuperset
_STRIP = str.strip


def _text(v: Any, limit: int) -> str | None:
    """A str field as VendorSeedIn leaves it (stripped, at most `limit` characters), or None
    when this check is not sure the model would accept it unchanged otherwise."""
    if type(v) is not str:
        return None
    s = v.strip()
    # pydantic strips Unicode White_Space (Rust's trim), a subset of what str.strip()
    # removes; both agree on ASCII white space, so anything else at the ends is left to it.
    if len(s) != len(v) and v.strip(_ASCII_SPACE) != s:
        return None
    if len(s) > limit or (not s.isascii() and _SURROGATE(s)):
        return None  # too long, or not encodable as UTF-8 (the model rejects both)
    return s


def _texts(v: Any, limit: int) -> list[str] | None:
    if type(v) is not list or len(v) > 100:
        return None
    out = []
    for item in v:
        s = _text(item, limit)
        if s is None:
            return None
        out.append(s)
    return out


def fast_vendor_fields(raw: dict) -> tuple | None:
    """The fields VendorSeedIn would give for `raw`, as a tuple (id or None, business_name,
    category, description, location, price_range, price_estimate, services,
    portfolio_images, contact_phone, contact_email, rating, review_count, is_active), for
    rows of plain JSON or CSV values; None when the row is not certainly valid, so the
    model decides (and words the error). Never accepts a row the model rejects, and gives
    exactly the model's values: the import's hot path, several times the model's speed.
    """
    get = raw.get
    vid = get("id")
    if vid == "":
        vid = None
    elif vid is not None and not (type(vid) is str and _CANONICAL_UUID(vid)):
        return None
    category = get("category")
    if type(category) is not str:
        return None
    category = category.strip().lower()
    if category not in CATEGORIES:
        return None
    price = get("price_range", _ABSENT)
    if price is _ABSENT:
        price = "$$"
    elif type(price) is not str:
        return None
    else:
        price = price.strip()
        if price not in PRICE_RANGES:
            return None
    name = get("business_name")
    description = get("description", "")
    location = get("location", "")
    estimate = get("price_estimate", "")
    phone = get("contact_phone", "")
    email = get("contact_email", "")
    services = get("services", _ABSENT)
    if services is _ABSENT:
        services = []
    elif type(services) is not list or len(services) > 100:
        return None
    images = get("portfolio_images", _ABSENT)
    if images is _ABSENT:
        images = []
    elif type(images) is not list or len(images) > 100:
        return None
    # All the row's text at once (the usual case: plain ASCII with nothing to strip): one
    # join, one scan; anything else is checked field by field.
    texts = [name, description, location, estimate, phone, email, *services, *images]
    try:
        joined = "\x00".join(texts)
    except TypeError:
        return None  # a value that is not text
    if not _ONLY_STR(map(type, texts)):
        return None
    if joined.isascii() and "\x00".join(map(_STRIP, texts)) == joined:
        if not (
            0 < len(name) <= 200
            and len(description) <= 5000
            and max(len(location), len(estimate), len(phone), len(email)) <= 200
            and (not services or max(map(len, services)) <= 200)
            and (not images or max(map(len, images)) <= 2000)
        ):
            return None
        services = services.copy()
        images = images.copy()
    else:
        name = _text(name, 200)
        if not name:
            return None
        fields = [_text(v, limit) for v, limit in zip(texts[1:6], _TEXT_LIMITS, strict=True)]
        if None in fields:
            return None
        description, location, estimate, phone, email = fields
        services = _texts(services, 200)
        images = _texts(images, 2000)
        if services is None or images is None:
            return None
    if images and not all(map(image_url_ok, images)):
        return None  # the model words what is wrong with it
    rating = get("rating", 0.0)
    kind = type(rating)
    if kind is str:
        if not _FLOAT_TEXT(rating):
            return None
        rating = float(rating)
    elif kind is int:
        if not 0 <= rating <= 5:
            return None
        rating = float(rating)
    elif kind is not float:
        return None
    if not 0.0 <= rating <= 5.0:
        return None  # out of range, or NaN
    count = get("review_count", 0)
    kind = type(count)
    if kind is str:
        if not _INT_TEXT(count):
            return None
        count = int(count)
    elif kind is not int or not 0 <= count < _INT_LIMIT:
        return None
    active = get("is_active", True)
    if type(active) is str:
        active = _BOOL_TEXT.get(active)
    if type(active) is not bool:
        return None
    return (
        vid,
        name,
        category,
        description,
        location,
        price,
        estimate,
        services,
        images,
        phone,
        email,
        rating,
        count,
        active,
    )


class _Timestamps:
    """`models.now_iso()` (same format and clock), cheaper when called for every row: the
    date-and-seconds part is formatted once per second."""

    def __init__(self) -> None:
        self._sec = -1
        self._prefix = ""

    def __call__(self) -> str:
        sec, ns = divmod(time.time_ns(), 1_000_000_000)
        if sec != self._sec:
            self._sec = sec
            self._prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        return f"{self._prefix}.{ns // 1000:06d}+00:00"


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


_FORMULA_GUARD = re.compile(r"'+[=+\-@\t\r]")


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
