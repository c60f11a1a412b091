"""Validation of imported vendor rows: `validate_rows` turns ``(location, raw_row)`` pairs
(core/importer.py reads them from a file) into complete vendor documents in the contract's
shape (api-contract.md, "Documents"). A row goes through `fast_vendor_fields`
(core/import_fast.py) first and through the `VendorSeedIn` model only when that check is not
sure; the model also words the error. Only the set of ids seen is kept, for duplicate
detection.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from .errors import Invalid
from .import_fast import CANONICAL_UUID, SEED_FIELDS, fast_vendor_fields
from .models import VendorSeedIn, first_error, new_id


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
    canonical = CANONICAL_UUID
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
