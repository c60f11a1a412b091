"""Vendor file import: readers, validation, exact error locations, and the demo catalog."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from pathlib import Path

import pytest

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.import_fast import SEED_FIELDS
from arangetram_cli.core.import_rows import validate_rows
from arangetram_cli.core.importer import load_vendor_file, read_vendor_file
from arangetram_cli.core.models import CATEGORIES, PRICE_RANGES

CATALOG = Path(__file__).resolve().parents[1] / "arangetram_cli" / "core" / "demo_catalog.json"
ID1 = "0bc32f9f-f01d-46c7-93e0-68448eb34892"
ID2 = "5f0e8c1a-2b7d-4e3f-9a61-0c4d2e8b7a15"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
DOC_KEYS = ["id", "user_id", *SEED_FIELDS, "created_at"]


def good(**over: object) -> dict:
    row = {
        "business_name": "Lotus Test Hall",
        "category": "venue",
        "description": "Sprung floor. Two green rooms.",
        "location": "Fremont, CA",
        "price_range": "$$$",
        "price_estimate": "$2,000 - $3,500",
        "services": ["Stage", "Lights"],
        "contact_phone": "(510) 555-0101",
        "contact_email": "hall@example.com",
        "rating": 4.5,
        "review_count": 12,
    }
    row.update(over)
    return row


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def invalid(fn, *args, **kw) -> str:
    with pytest.raises(Invalid) as info:
        result = fn(*args, **kw)
        list(result)
    return str(info.value)


# ------------------------------------------------------------------ good files


def test_jsonl_good_file_yields_contract_documents(tmp_path: Path) -> None:
    p = tmp_path / "v.jsonl"
    p.write_text(
        json.dumps(good(id=ID1))
        + "\n\n   \n"
        + json.dumps(good(business_name="Second", category="Catering", id=None))
        + "\n",
        encoding="utf-8",
    )
    raw = list(read_vendor_file(p))
    assert [n for n, _ in raw] == [1, 4]  # blank lines skipped, file line numbers kept
    docs = list(validate_rows(raw, source=p))
    assert [list(d) for d in docs] == [DOC_KEYS, DOC_KEYS]
    a, b = docs
    assert a["id"] == ID1
    assert a["user_id"] == "system"
    assert a["services"] == ["Stage", "Lights"]
    assert a["portfolio_images"] == []
    assert a["rating"] == 4.5 and a["review_count"] == 12 and a["is_active"] is True
    assert ISO.match(a["created_at"])
    assert b["category"] == "catering"  # normalised by the model
    assert str(uuid.UUID(b["id"], version=4)) == b["id"] and b["id"] != ID1


def test_jsonl_ndjson_suffix_and_explicit_format(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "v.ndjson", [good()])
    assert [d["business_name"] for d in load_vendor_file(p)] == ["Lotus Test Hall"]
    q = write_jsonl(tmp_path / "v.txt", [good()])
    assert [n for n, _ in read_vendor_file(q, "jsonl")] == [1]
    assert [n for n, _ in read_vendor_file(q, "NDJSON")] == [1]


def test_jsonl_with_bom(tmp_path: Path) -> None:
    p = tmp_path / "v.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps(good(id=ID1)).encode() + b"\r\n")
    docs = list(load_vendor_file(p))
    assert len(docs) == 1 and docs[0]["id"] == ID1


def test_id_is_normalised_and_whitespace_stripped(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "v.jsonl", [good(id=ID1.upper(), business_name="  Padded Name  ")])
    (doc,) = load_vendor_file(p)
    assert doc["id"] == ID1
    assert doc["business_name"] == "Padded Name"


def test_json_array_and_vendors_object(tmp_path: Path) -> None:
    arr = tmp_path / "a.json"
    arr.write_text(json.dumps([good(id=ID1), good(id=ID2, category="musicians")]), "utf-8")
    assert [n for n, _ in read_vendor_file(arr)] == [1, 2]
    docs = list(load_vendor_file(arr))
    assert [d["id"] for d in docs] == [ID1, ID2]
    assert docs[1]["category"] == "musicians"

    obj = tmp_path / "o.json"
    obj.write_bytes(b"\xef\xbb\xbf" + json.dumps({"vendors": [good(price_range="$")]}).encode())
    (doc,) = load_vendor_file(obj)
    assert doc["price_range"] == "$"


def test_csv_good_file_with_bom_pipes_quotes_and_text_values(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_bytes(
        "\ufeffid,business_name,category,location,services,portfolio_images,rating,"
        "review_count,is_active,price_range,description\r\n"
        f'{ID1},"Malligai, Flowers & Co",decorations,"San Jose, CA",'
        'Jasmine | Garlands|Rangoli,,4.7,33,yes,$$,"Fresh garlands, ""strung"" daily."\r\n'
        ',Thalam Trio,musicians,Fremont CA,"[""Vocal"", ""Mridangam""]",'
        "https://example.com/a.jpg|https://example.com/b.jpg,,,0,$,\r\n".encode()
    )
    raw = list(read_vendor_file(p))
    assert [n for n, _ in raw] == [2, 3]
    assert "portfolio_images" not in raw[0][1]  # empty cell: not given
    assert "id" not in raw[1][1] and "rating" not in raw[1][1]
    assert raw[0][1]["rating"] == "4.7"  # text left for pydantic to coerce
    a, b = validate_rows(raw, source=p)
    assert a["id"] == ID1
    assert a["business_name"] == "Malligai, Flowers & Co"
    assert a["location"] == "San Jose, CA"
    assert a["services"] == ["Jasmine", "Garlands", "Rangoli"]
    assert a["description"] == 'Fresh garlands, "strung" daily.'
    assert a["portfolio_images"] == []
    assert a["rating"] == 4.7 and a["review_count"] == 33 and a["is_active"] is True
    assert b["services"] == ["Vocal", "Mridangam"]
    assert b["portfolio_images"] == ["https://example.com/a.jpg", "https://example.com/b.jpg"]
    assert b["rating"] == 0.0 and b["review_count"] == 0 and b["is_active"] is False
    assert b["description"] == ""


def test_csv_multiline_cell_reports_the_record_start_line(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text(
        "business_name,category,description\n"
        'One,venue,"first line\nsecond line"\n'
        "\n"
        ",,\n"
        "Two,nowhere,x\n",
        encoding="utf-8",
    )
    raw = list(read_vendor_file(p))
    assert [n for n, _ in raw] == [2, 6]  # blank line and all-empty row skipped
    assert raw[0][1]["description"] == "first line\nsecond line"
    msg = invalid(load_vendor_file, p)
    assert msg.startswith(f"{p}:line 6: category: unknown category 'nowhere'")


def test_csv_ignores_exported_document_columns(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text(
        "business_name,category,user_id,created_at\n"
        "Hall,venue,someone-else,2020-01-01T00:00:00.000000+00:00\n",
        encoding="utf-8",
    )
    (doc,) = load_vendor_file(p)
    assert doc["user_id"] == "system"
    assert doc["created_at"] != "2020-01-01T00:00:00.000000+00:00"


def test_validate_rows_without_source_and_default_label() -> None:
    docs = list(validate_rows([(7, good())]))
    assert docs[0]["business_name"] == "Lotus Test Hall"
    msg = invalid(validate_rows, [(7, good(category="dj"))])
    assert msg.startswith("line 7: category: unknown category 'dj'")


def test_validate_rows_does_not_mutate_input() -> None:
    row = good(id=ID1)
    before = dict(row)
    list(validate_rows([(1, row)]))
    assert row == before


# ------------------------------------------------------------------ bad rows


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"category": "dj"}, "category: unknown category 'dj'"),
        ({"price_range": "$$$$$"}, "price_range: bad price range '$$$$$'"),
        ({"rating": 7}, "rating: Input should be less than or equal to 5"),
        ({"id": "not-a-uuid"}, "id: id 'not-a-uuid' is not a UUID"),
        ({"review_count": -1}, "review_count: Input should be greater than or equal to 0"),
    ],
)
def test_jsonl_bad_field_names_the_exact_line(
    tmp_path: Path, override: dict, expected: str
) -> None:
    p = write_jsonl(tmp_path / "v.jsonl", [good(), good(), good(**override), good()])
    msg = invalid(load_vendor_file, p)
    assert msg.startswith(f"{p}:line 3: {expected}")
    assert "\n" not in msg and "(and" not in msg


def test_jsonl_missing_business_name(tmp_path: Path) -> None:
    row = good()
    del row["business_name"]
    p = write_jsonl(tmp_path / "v.jsonl", [good(), row])
    assert invalid(load_vendor_file, p) == f"{p}:line 2: business_name: Field required"


def test_jsonl_blank_business_name(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "v.jsonl", [good(business_name="   ")])
    assert invalid(load_vendor_file, p).startswith(f"{p}:line 1: business_name: ")


def test_error_counts_further_problems(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "v.jsonl", [good(category="dj", rating=9)])
    assert invalid(load_vendor_file, p).endswith("(and 1 more)")


def test_jsonl_bad_json_line(tmp_path: Path) -> None:
    p = tmp_path / "v.jsonl"
    p.write_text(json.dumps(good()) + "\n\n" + '{"business_name": "x",\n', encoding="utf-8")
    msg = invalid(read_vendor_file, p)
    assert msg.startswith(f"{p}:line 3: bad JSON: ")
    assert "line 1" not in msg


@pytest.mark.parametrize(
    ("line", "kind"),
    [("[1, 2]", "an array"), ('"text"', "a string"), ("42", "a number"), ("null", "null")],
)
def test_jsonl_non_object_line(tmp_path: Path, line: str, kind: str) -> None:
    p = tmp_path / "v.jsonl"
    p.write_text(json.dumps(good()) + "\n" + line + "\n", encoding="utf-8")
    assert invalid(read_vendor_file, p) == f"{p}:line 2: expected a JSON object, got {kind}"


def test_jsonl_bad_utf8(tmp_path: Path) -> None:
    p = tmp_path / "v.jsonl"
    good_line = json.dumps(good()).encode() + b"\n"
    p.write_bytes(good_line * 4 + b'{"business_name": "caf\xe9", "category": "venue"}\n')
    msg = invalid(read_vendor_file, p)
    assert msg.startswith(f"{p}:line 5: not valid UTF-8 (byte 0xe9")


def test_csv_bad_utf8(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_bytes(b"business_name,category\nOne,venue\nCaf\xff,venue\n")
    assert invalid(read_vendor_file, p).startswith(f"{p}:line 3: not valid UTF-8 (byte 0xff")


def test_json_bad_utf8_and_bad_json(tmp_path: Path) -> None:
    p = tmp_path / "v.json"
    p.write_bytes(b'[\n{"business_name": "a", "category": "venue"},\n{"x": "\xc3"}\n]')
    assert invalid(read_vendor_file, p).startswith(f"{p}:line 3: not valid UTF-8")
    q = tmp_path / "w.json"
    q.write_text('[\n{"business_name": "a"},\n{"x": }\n]', encoding="utf-8")
    assert invalid(read_vendor_file, q).startswith(f"{q}:line 3: bad JSON: ")


def test_json_items_are_reported_by_position(tmp_path: Path) -> None:
    p = tmp_path / "v.json"
    p.write_text(json.dumps([good(), good(), good(price_range="cheap")]), encoding="utf-8")
    assert invalid(load_vendor_file, p) == f"{p}:item 3: price_range: bad price range 'cheap' " + (
        "(use $, $$, $$$ or $$$$)"
    )
    q = tmp_path / "w.json"
    q.write_text(json.dumps({"vendors": [good(), "oops"]}), encoding="utf-8")
    assert invalid(read_vendor_file, q) == f"{q}:item 2: expected a JSON object, got a string"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"items": []}, 'or an object with a "vendors" array'),
        ({"vendors": {"a": 1}}, '"vendors" must be an array'),
        ("just text", "got a string"),
    ],
)
def test_json_wrong_top_level(tmp_path: Path, doc: object, expected: str) -> None:
    p = tmp_path / "v.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    msg = invalid(read_vendor_file, p)
    assert msg.startswith(f"{p}: ") and expected in msg


def test_csv_unknown_columns_are_named(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text("business_name,category,Website,fax\nOne,venue,x,y\n", encoding="utf-8")
    with pytest.raises(Invalid) as info:
        list(read_vendor_file(p))
    assert str(info.value).startswith(f"{p}:line 1: unknown columns 'website', 'fax' (known: ")
    assert info.value.hint


def test_csv_missing_required_header_column(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text("business_name,location\nOne,Fremont\n", encoding="utf-8")
    msg = invalid(read_vendor_file, p)
    assert msg == f"{p}:line 1: the header lacks required column category"


def test_csv_header_after_blank_lines_and_duplicate_column(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text("\n\nbusiness_name,category,category\n", encoding="utf-8")
    assert invalid(read_vendor_file, p) == f"{p}:line 3: column category given twice"


def test_csv_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_bytes(b"\xef\xbb\xbf")
    assert "needs a header row" in invalid(read_vendor_file, p)


def test_csv_wrong_cell_count_and_bad_rows(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text("business_name,category\nOne,venue\nTwo,venue,extra\n", encoding="utf-8")
    assert invalid(read_vendor_file, p) == f"{p}:line 3: 3 cells but the header has 2 columns"

    q = tmp_path / "w.csv"
    q.write_text(
        "business_name,category,rating,is_active\nOne,venue,4,true\nTwo,venue,7,no\n",
        encoding="utf-8",
    )
    assert invalid(load_vendor_file, q).startswith(
        f"{q}:line 3: rating: Input should be less than or equal to 5"
    )

    r = tmp_path / "x.csv"
    r.write_text("business_name,category\n,venue\n", encoding="utf-8")
    assert invalid(load_vendor_file, r) == f"{r}:line 2: business_name: Field required"

    s = tmp_path / "y.csv"
    s.write_text("business_name,category,services\nOne,venue,[broken\n", encoding="utf-8")
    assert invalid(read_vendor_file, s).startswith(f"{s}:line 2: services: bad JSON: ")

    t = tmp_path / "z.csv"
    t.write_text("business_name,category,is_active\nOne,venue,maybe\n", encoding="utf-8")
    assert invalid(load_vendor_file, t).startswith(f"{t}:line 2: is_active: ")


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    p = write_jsonl(
        tmp_path / "v.jsonl",
        [good(id=ID1), good(id=ID2), good(), good(id=ID1.upper())],
    )
    assert invalid(load_vendor_file, p) == (
        f"{p}:line 4: duplicate id '{ID1}' (already used on line 1)"
    )
    q = tmp_path / "v.json"
    q.write_text(json.dumps([good(id=ID2), good(id=ID2)]), encoding="utf-8")
    assert invalid(load_vendor_file, q) == (
        f"{q}:item 2: duplicate id '{ID2}' (already used on item 1)"
    )


def test_non_uuid_id_in_csv(tmp_path: Path) -> None:
    p = tmp_path / "v.csv"
    p.write_text(f"id,business_name,category\n{ID1},One,venue\nabc-123,Two,venue\n", "utf-8")
    assert invalid(load_vendor_file, p) == f"{p}:line 3: id: id 'abc-123' is not a UUID"


def test_errors_stop_at_the_first_bad_row(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "v.jsonl", [good(), good(category="dj"), good(rating=9)])
    seen: list[str] = []
    with pytest.raises(Invalid) as info:
        for doc in load_vendor_file(p):
            seen.append(doc["business_name"])
    assert seen == ["Lotus Test Hall"]
    assert ":line 2:" in str(info.value)


# ------------------------------------------------------------------ formats and files


def test_unknown_format_and_suffix_fail_at_call_time(tmp_path: Path) -> None:
    p = tmp_path / "v.xlsx"
    p.write_text("x", encoding="utf-8")
    with pytest.raises(Invalid) as info:
        read_vendor_file(p)  # not even iterated
    assert "'.xlsx'" in str(info.value) and info.value.hint
    with pytest.raises(Invalid, match="unknown import format 'xml'"):
        read_vendor_file(p, "xml")
    with pytest.raises(Invalid, match="no suffix"):
        read_vendor_file(tmp_path / "vendors")


def test_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "absent.jsonl"
    assert invalid(read_vendor_file, p).startswith(f"{p}: cannot read the file")


def test_jsonl_is_streamed(tmp_path: Path) -> None:
    """The first row arrives before a later broken line is read."""
    p = tmp_path / "v.jsonl"
    p.write_text(json.dumps(good()) + "\n" + "{broken\n", encoding="utf-8")
    it = read_vendor_file(p)
    n, row = next(it)
    assert n == 1 and row["business_name"] == "Lotus Test Hall"
    with pytest.raises(Invalid, match=r":line 2: bad JSON"):
        next(it)


# ------------------------------------------------------------------ demo catalog


def test_demo_catalog_validates_and_is_complete() -> None:
    raw = json.loads(CATALOG.read_text(encoding="utf-8"))
    assert isinstance(raw, list) and len(raw) >= 30
    docs = list(validate_rows(read_vendor_file(CATALOG), label="item", source=CATALOG))
    assert len(docs) == len(raw)
    # Ids are fixed in the file (stable across machines) and kept as given.
    assert [d["id"] for d in docs] == [r["id"] for r in raw]
    assert all(str(uuid.UUID(d["id"], version=4)) == d["id"] for d in docs)
    assert len({d["id"] for d in docs}) == len(docs)
    assert len({d["business_name"].lower() for d in docs}) == len(docs)
    per_category = Counter(d["category"] for d in docs)
    assert set(per_category) == set(CATEGORIES)
    assert all(count >= 5 for count in per_category.values())
    for r, d in zip(raw, docs, strict=True):
        assert "user_id" not in r and "created_at" not in r
        assert d["user_id"] == "system"
        assert d["price_range"] in PRICE_RANGES
        assert 3.8 <= d["rating"] <= 5.0 and round(d["rating"], 1) == d["rating"]
        assert 5 <= d["review_count"] <= 250
        assert 3 <= len(d["services"]) <= 5
        assert d["description"].count(". ") >= 1 and d["location"].endswith(", CA")
        assert d["price_estimate"].startswith("$")
        assert "555-01" in d["contact_phone"]
        assert re.search(r"@([a-z0-9-]+\.)*example\.(com|org)$", d["contact_email"])
        assert d["is_active"] is True and d["portfolio_images"] == []


def test_demo_catalog_ids_are_stable() -> None:
    """Loading twice gives the same ids (seeding stays idempotent)."""
    first = [d["id"] for d in load_vendor_file(CATALOG)]
    second = [d["id"] for d in load_vendor_file(CATALOG)]
    assert first == second
