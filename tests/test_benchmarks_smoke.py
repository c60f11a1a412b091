"""The benchmarks still run (tiny sizes) and print their figures; no timing is asserted.

One real behavioural check: listing the bookings sent to a vendor costs the same number of
SQL statements at 10 requests as at 1,200 (more than one 500-id chunk of each lookup).
"""

from __future__ import annotations

import re

import pytest

from benchmarks import import_speed, listing, search, startup, synth


def test_synth_quick_writes_and_reports(env, capsys):
    synth.main(["--quick"])
    out = capsys.readouterr().out
    assert re.search(r"synthetic catalog, seed 0: 1,000 vendors in [\d.]+ s", out)
    for name in ("vendors.jsonl", "vendors.csv", "users.jsonl", "events.jsonl", "bookings.jsonl"):
        assert re.search(rf"{re.escape(name)}\s+[\d,]+ rows", out), name


def test_synth_is_deterministic_and_importable(tmp_path):
    from arangetram_cli.core.importer import load_vendor_file

    a, b = list(synth.iter_vendors(50, seed=3)), list(synth.iter_vendors(50, seed=3))
    assert a == b
    assert a != list(synth.iter_vendors(50, seed=4))
    assert {v["category"] for v in synth.iter_vendors(300)} == set(synth.CATEGORIES)
    jsonl, csv_path = tmp_path / "v.jsonl", tmp_path / "v.csv"
    synth.write_vendor_files(iter(a), jsonl=jsonl, csv_path=csv_path)

    def strip(doc):
        return {k: v for k, v in doc.items() if k != "created_at"}

    expected = [strip(v) for v in a]
    assert [strip(d) for d in load_vendor_file(jsonl)] == expected
    assert [strip(d) for d in load_vendor_file(csv_path)] == expected


def test_search_quick_prints_tables(env, capsys):
    search.main(["--quick"])
    out = capsys.readouterr().out
    for kind in search.KINDS:
        assert re.search(rf"^\s+2,000 {kind}\s+[\d,]+\s+[\d.]+\s+[\d.]+", out, re.M), kind
        assert re.search(rf"^\s+{kind}\s+[\d.]+ ->\s+[\d.]+ ms\s+ratio", out, re.M), kind
    assert "mongomock_ng" in out and "NOT a performance figure" in out
    for n in ("200", "2,000"):  # the load through the Store, the floor and the ratio
        assert re.search(rf"^\s+{n}\s+[\d.]+\s+[\d,]+\s+[\d,]+\s+[\d.]+$", out, re.M), n


@pytest.mark.slow
def test_import_speed_quick_prints_rates(env, capsys):
    import_speed.main(["--quick"])
    out = capsys.readouterr().out
    for fmt in ("jsonl", "csv"):
        for n in ("1,000", "3,000"):
            # wall, vendors/s, net/s, floor/s, ratio, peak RSS
            assert re.search(
                rf"^\s+{fmt}\s+{n}\s+[\d.]+\s+[\d,]+\s+\S+\s+[\d,]+\s+[\d.]+\s+[\d.]+\s",
                out,
                re.M,
            )


@pytest.mark.slow
def test_listing_quick_prints_figures(env, capsys):
    listing.main(["--quick", "--no-mongomock"])
    out = capsys.readouterr().out
    assert re.search(r"^\s+1,500\s+[\d,]+\s+[\d.]+\s+[\d,]+\s+[\d.]+", out, re.M)
    assert re.search(r"^\s+1,200\s+\d+\s+[\d.]+\s+1,200\s+2,401", out, re.M)
    assert "query count constant across sizes: yes" in out


def test_vendor_bookings_query_count_is_constant(env):
    counts = {n: q for n, q, _, _ in listing.sqlite_booking_queries([10, 1200])}
    assert counts[10] == counts[1200], counts


@pytest.mark.slow
@pytest.mark.service
def test_startup_quick_measures_every_setting(env, capsys):
    """Logged in on the default settings: headless, with a Secret Service (or the printed
    reason it was skipped), and ARANGETRAM_CREDENTIALS=file; each with a CPU ratio."""
    startup.main(["--quick"])
    out = capsys.readouterr().out
    row = r"\s+\d+ ms\s+\d+ ms\s+\d+\.\d\d\s+\d+\.\d\d$"
    assert re.search(rf"^\s+typer hello-world{row}", out, re.M)
    assert re.search(rf"^\s+typer \+ sqlite3 floor{row}", out, re.M)
    settings = ["headless", "file"]
    if "secret-service: skipped" not in out:
        settings.append("secret-service")
    for setting in settings:
        for group in ("events", "bookings"):
            assert re.search(rf"^\s+{group} list --json \({setting}\){row}", out, re.M), out
