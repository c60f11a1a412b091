"""The import's fast validator (`fast_vendor_fields`) against the model (`VendorSeedIn`).

The fast path may only ever say "valid, and these are the values" or "not sure" (the row then
goes through the model, which also words any error). So, for every generated row, good or
bad: when the fast path answers, the model accepts the row and gives exactly the same values
(same types too); when the model rejects a row, the fast path does not answer. And over
whole files, `validate_rows` with the fast path gives the same documents and the same error
message as with the model alone.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from arangetram_cli.core import import_rows, importer
from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.import_fast import SEED_FIELDS, fast_vendor_fields
from arangetram_cli.core.import_rows import validate_rows
from arangetram_cli.core.importer import load_vendor_file
from arangetram_cli.core.models import CATEGORIES, PRICE_RANGES, VendorSeedIn

FIELDS = SEED_FIELDS  # the fields the fast path must get exactly right
ID = "0bc32f9f-f01d-46c7-93e0-68448eb34892"

# ---------------------------------------------------------------- generated values

SPACES = ["", " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\xa0", "\u2003", "\u3000", "\x1c"]
SPACES += ["\x85", "\u180e", "\u200b", "\ufeff"]
ODD = ["é", "ß", "ǅ", "İ", "\u212a", "\ud800", "\udfff", "😀", "\x00", '"', "|", ","]


@st.composite
def padded(draw: Any, core: st.SearchStrategy[str]) -> str:
    return draw(st.sampled_from(SPACES)) + draw(core) + draw(st.sampled_from(SPACES))


def sized(lengths: list[int]) -> st.SearchStrategy[str]:
    """Strings of exactly one of `lengths` characters (limits and their neighbours)."""
    return st.builds(
        lambda n, c, odd: (c * n)[: max(0, n - len(odd))] + odd if n else "",
        st.sampled_from(lengths),
        st.sampled_from(["a", "Z", " ", "é", "1"]),
        st.sampled_from(["", *ODD]),
    )


plain_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
any_text = st.one_of(
    plain_text,
    st.text(max_size=8),  # may hold anything, surrogates included
    st.sampled_from(ODD),
    sized([0, 1, 199, 200, 201]),
    sized([1999, 2000, 2001]),
    sized([4999, 5000, 5001]),
)
text_value = st.one_of(padded(any_text), any_text)
category_value = st.one_of(
    padded(st.sampled_from([*CATEGORIES, *(c.upper() for c in CATEGORIES), "Venue", "dj"])),
    st.sampled_from(["venue\ud800", "\u212aatering", "ve nue", ""]),
)
price_value = padded(st.sampled_from([*PRICE_RANGES, "$$$$$", "", "€", "$ $"]))
number_text = st.one_of(
    st.sampled_from(["4.5", "5", "5.0", "0", "0.0", "05", "4.", ".5", "1e0", "-0", "+1"]),
    st.sampled_from(["nan", "inf", "-1", " 3", "3 ", "5.0000000000000001", "4,5", "٣", "1_0"]),
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{0,17})?", fullmatch=True),
)
rating_value = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-0.5, max_value=5.5),
    st.sampled_from([0.0, -0.0, 5.0, 5.000000001, 4.9999999, 1e-320]),
    st.integers(min_value=-3, max_value=8),
    st.integers(),
    number_text,
    st.booleans(),
    st.none(),
)
count_value = st.one_of(
    st.integers(min_value=-3, max_value=10**6),
    st.sampled_from([2**63 - 1, 2**63, 10**30, -(2**63)]),
    st.floats(min_value=-2, max_value=1e6),
    st.sampled_from([3.0, 3.5, float("nan")]),
    number_text,
    st.from_regex(r"[0-9]{1,20}", fullmatch=True),
    st.booleans(),
    st.none(),
)
bool_value = st.one_of(
    st.booleans(),
    st.sampled_from(["true", "false", "1", "0", "True", "FALSE", "yes", "no", "on", "off"]),
    st.sampled_from(["t", "f", "y", "n", " true", "true ", "2", "", "maybe"]),
    st.integers(min_value=-1, max_value=2),
    st.sampled_from([0.0, 1.0, 0.5]),
    st.none(),
)
list_value = st.one_of(
    st.lists(text_value, max_size=4),
    st.lists(st.sampled_from(["Stage", " Lights ", "a" * 200, "a" * 201]), max_size=4),
    st.builds(lambda n: ["x"] * n, st.sampled_from([99, 100, 101])),
    st.lists(st.one_of(st.integers(), st.none(), st.booleans()), min_size=1, max_size=2),
    st.sampled_from(["Stage|Lights", ""]),
    st.tuples(st.just("a")),
    st.none(),
)
id_value = st.one_of(
    st.sampled_from([ID, ID.upper(), "{" + ID + "}", "urn:uuid:" + ID, ID.replace("-", "")]),
    st.sampled_from(["", "not-a-uuid", " " + ID, ID + "\n"]),
    st.uuids().map(str),
    st.integers(),
    st.none(),
)
# Image URLs at the edge of core/urls.py's check: schemes, credentials, hosts, characters.
URL_PARTS = st.builds(
    lambda scheme, auth, host, path: f"{scheme}{auth}{host}{path}",
    st.sampled_from(["https://", "HTTPS://", "http://", "javascript:", "data:", "file://", "//"]),
    st.sampled_from(["", "", "user:pw@", "@", "u@"]),
    st.sampled_from(["img.example.com", "[::1]", "[bad", "", "h:99999", "h:80", "例え.jp"]),
    st.sampled_from(["/a.jpg", "", "/a b.jpg", "/a\tb", '/"x', "/\u202ex", "/\x7f", "?q=1#f"]),
)
url_value = st.one_of(padded(URL_PARTS), URL_PARTS, text_value)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "id": id_value,
    "business_name": text_value,
    "category": category_value,
    "description": text_value,
    "location": text_value,
    "price_range": price_value,
    "price_estimate": text_value,
    "services": list_value,
    "portfolio_images": st.one_of(list_value, st.lists(url_value, max_size=3)),
    "contact_phone": text_value,
    "contact_email": text_value,
    "rating": rating_value,
    "review_count": count_value,
    "is_active": bool_value,
}
ODD_VALUES = st.one_of(
    st.none(), st.integers(), st.floats(), st.booleans(), st.lists(st.integers(), max_size=2)
)


def good_value(key: str) -> Any:
    return {
        "business_name": "Lotus Hall",
        "category": "venue",
        "description": "Sprung floor.",
        "location": "Fremont, CA",
        "price_range": "$$$",
        "price_estimate": "$2,000",
        "services": ["Stage", "Lights"],
        "portfolio_images": ["https://img.example.com/1.jpg"],
        "contact_phone": "(510) 555-0101",
        "contact_email": "hall@example.com",
        "rating": 4.5,
        "review_count": 12,
        "is_active": True,
        "id": ID,
    }[key]


@st.composite
def rows(draw: Any) -> dict:
    """A seed row: each field absent, valid, generated (often invalid) or of an odd type;
    sometimes with extra keys."""
    row: dict[str, Any] = {}
    for key in ("id", *FIELDS):
        how = draw(st.sampled_from(["absent", "good", "good", "generated", "generated", "odd"]))
        if how == "good":
            row[key] = good_value(key)
        elif how == "generated":
            row[key] = draw(VALUES[key])
        elif how == "odd":
            row[key] = draw(ODD_VALUES)
    if draw(st.booleans()):
        row[draw(st.sampled_from(["user_id", "created_at", "extra", "Business_Name"]))] = 1
    return row


@st.composite
def mostly_good_rows(draw: Any) -> dict:
    """Rows where one field at most is generated: near the boundary of valid."""
    row = {k: good_value(k) for k in ("id", *FIELDS) if draw(st.integers(0, 9)) or k in FIELDS[:2]}
    key = draw(st.sampled_from(["id", *FIELDS]))
    row[key] = draw(VALUES[key])
    return row


# ---------------------------------------------------------------- the comparison


def model_fields(raw: dict) -> tuple | None:
    """What validate_rows takes from the model for `raw`, or None when it rejects it."""
    try:
        m = VendorSeedIn.model_validate(raw)
    except ValidationError:
        return None
    return (m.id, *[getattr(m, f) for f in SEED_FIELDS])


def typed(value: Any) -> Any:
    """A value with its type spelled out (so 4 != 4.0, and -0.0 != 0.0), lists included."""
    if isinstance(value, list | tuple):
        return (type(value).__name__, [typed(v) for v in value])
    if isinstance(value, float):
        return ("float", math.copysign(1.0, value), value)
    return (type(value).__name__, value)


def check_row(raw: dict) -> bool:
    """The fast path agrees with the model on `raw`; True when the fast path answered."""
    fast = fast_vendor_fields(raw)
    model = model_fields(raw)
    if model is None:
        assert fast is None, f"fast path accepted a row the model rejects: {raw!r}"
        return False
    if fast is None:
        return False  # not sure: the model decides, as it just did
    assert typed(fast) == typed(model), f"different values for {raw!r}"
    return True


SETTINGS = settings(
    max_examples=1500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(rows())
def test_fast_path_agrees_with_the_model(raw: dict) -> None:
    check_row(raw)


@SETTINGS
@given(mostly_good_rows())
def test_fast_path_agrees_with_the_model_near_the_boundary(raw: dict) -> None:
    check_row(raw)


def test_fast_path_answers_for_ordinary_rows() -> None:
    """Not vacuous: plain valid rows, as JSON and as CSV text, take the fast path."""
    full = {k: good_value(k) for k in ("id", *FIELDS)}
    minimal = {"business_name": "  Lotus  ", "category": " Venue\t"}
    csv_like = {
        **{k: v for k, v in full.items() if isinstance(v, str)},
        "services": ["Stage", "Lights"],
        "rating": "4.5",
        "review_count": "12",
        "is_active": "false",
    }
    for raw in (full, minimal, csv_like, {**full, "id": "", "user_id": "x"}):
        assert check_row(raw), raw
    assert fast_vendor_fields(csv_like)[11:] == (4.5, 12, False)


def test_fast_path_answers_for_the_benchmark_catalog(tmp_path: Path) -> None:
    from benchmarks import synth

    jsonl, csv_path = tmp_path / "v.jsonl", tmp_path / "v.csv"
    synth.write_vendor_files(synth.iter_vendors(300, 7), jsonl=jsonl, csv_path=csv_path)
    for path in (jsonl, csv_path):
        raws = [raw for _, raw in importer.read_vendor_file(path)]
        assert all(check_row(raw) for raw in raws), path


# ---------------------------------------------------------------- whole files


def without_fast_path(monkeypatch: pytest.MonkeyPatch, fn: Any, *args: Any) -> Any:
    with monkeypatch.context() as m:
        m.setattr(import_rows, "fast_vendor_fields", lambda raw: None)
        return outcome(fn, *args)


def outcome(fn: Any, *args: Any) -> Any:
    """The documents (without the import's timestamps and made-up ids), or the error."""
    try:
        docs = list(fn(*args))
    except Invalid as exc:
        return ("error", str(exc))
    return [
        {k: typed(v) for k, v in d.items() if k != "created_at"} | {"id": len(d["id"])}
        for d in docs
    ]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(rows(), mostly_good_rows()), max_size=6))
def test_validate_rows_is_the_same_with_and_without_the_fast_path(rows_: list[dict]) -> None:
    numbered = list(enumerate(rows_, 1))
    with pytest.MonkeyPatch.context() as mp:
        expected = without_fast_path(mp, validate_rows, numbered)
    assert outcome(validate_rows, numbered) == expected


def test_files_import_the_same_with_and_without_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import synth

    jsonl, csv_path = tmp_path / "v.jsonl", tmp_path / "v.csv"
    synth.write_vendor_files(synth.iter_vendors(200, 3), jsonl=jsonl, csv_path=csv_path)
    bad = tmp_path / "bad.jsonl"
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    lines[150] = lines[150].replace('"rating": ', '"rating": 9, "x": ')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for path in (jsonl, csv_path, bad):
        expected = without_fast_path(monkeypatch, load_vendor_file, path)
        assert outcome(load_vendor_file, path) == expected
    assert expected[0] == "error" and ":line 151: rating: " in expected[1]
