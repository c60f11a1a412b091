"""Catalog scale: vendor search latency at 1k, 10k and 100k vendors, through the Store port.

Each query kind is run the way `LocalPlanner.list_vendors` runs it: `search_page(q,
limit=50)`, the first page and the number of all matches (SQLite finds text matches once for
both); `search` and `count` are also timed alone. Kinds: text (name/description), location,
category, price, combined (all four), listing (the unfiltered first page) and count (the unfiltered
count alone). Each kind cycles through a few realistic values; rounds are interleaved across
kinds so machine noise hits all alike. Reported: p50 and p95 (ms) of the whole page, the p50
of its search and count parts, and the ratio p50(largest) / p50(smallest) per kind.

Targets (SQLite): p50 at 100k no more than 3x the p50 at 1k; p50 under 50 ms at 100k.

The Mongo adapter runs over mongomock_ng (an in-memory Python stand-in) at 1k and 10k: those
rows check that the queries work at size; they are not performance figures. With
ARANGETRAM_TEST_MONGO_URL set, a real MongoDB (a throw-away database) is measured too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arangetram_cli.store.base import VendorQuery
from benchmarks import synth

PAGE = 50  # LocalPlanner.list_vendors' page size
TARGET_RATIO = 3.0
TARGET_MS = 50.0

KINDS: dict[str, list[VendorQuery]] = {
    "text": [VendorQuery(search=s) for s in ("mridangam", "Lotus", "jasmine", "portrait", "dosa")],
    "location": [
        VendorQuery(location=s) for s in ("San Jose", "fremont", "Dublin", "Mountain View", "Los")
    ],
    "category": [VendorQuery(category=c) for c in synth.CATEGORIES],
    "price": [VendorQuery(price_range=p) for p in synth.PRICE_RANGES],
    "combined": [
        VendorQuery(category="catering", location="San Jose", price_range="$$", search="dosa"),
        VendorQuery(category="venue", location="Fremont", price_range="$$$", search="stage"),
        VendorQuery(
            category="musicians", location="Sunnyvale", price_range="$$", search="mridangam"
        ),
        VendorQuery(category="photographer", location="cupertino", price_range="$", search="album"),
    ],
    "listing": [VendorQuery()],
    "count": [VendorQuery()],  # the count alone
}


@dataclass
class Row:
    backend: str
    size: int
    kind: str
    matches: int  # median over the kind's variants
    page: list[float]  # seconds per search_page (the page and the total)
    search: list[float]
    count: list[float]


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def run_kinds(store: Any, backend: str, size: int, rounds: int) -> list[Row]:
    """Time every kind `rounds` times (after one warm-up round), interleaved."""
    rows = {k: Row(backend, size, k, 0, [], [], []) for k in KINDS}
    for k, qs in KINDS.items():
        rows[k].matches = int(statistics.median(store.vendors.count(q) for q in qs))
    clock = time.perf_counter
    for r in range(rounds + 1):
        for kind, qs in KINDS.items():
            q = qs[r % len(qs)]
            t0 = clock()
            if kind == "count":
                store.vendors.count(q)
                t1 = t2 = t3 = clock()
            else:
                store.vendors.search_page(q, offset=0, limit=PAGE)  # what list_vendors runs
                t1 = clock()
                # its two parts on their own, for the diagnosis
                store.vendors.search(q, offset=0, limit=PAGE)
                t2 = clock()
                store.vendors.count(q)
                t3 = clock()
            if r == 0:
                continue  # warm-up
            row = rows[kind]
            row.page.append(t1 - t0)
            row.search.append(t2 - t1)
            row.count.append(t3 - t2)
    return list(rows.values())


def _print_table(title: str, rows: list[Row]) -> None:
    print(title)
    print(
        f"  {'vendors':>8s} {'kind':9s} {'matches':>8s} {'p50 ms':>8s} {'p95 ms':>8s}"
        f" {'search p50':>11s} {'count p50':>10s}"
    )
    for r in rows:
        print(
            f"  {r.size:8,d} {r.kind:9s} {r.matches:8,d} {_pct(r.page, 50) * 1e3:8.2f}"
            f" {_pct(r.page, 95) * 1e3:8.2f} {_pct(r.search, 50) * 1e3:11.2f}"
            f" {_pct(r.count, 50) * 1e3:10.2f}"
        )


def _print_ratios(backend: str, rows: list[Row], *, targets: bool) -> None:
    sizes = sorted({r.size for r in rows})
    if len(sizes) < 2:
        return
    lo, hi = sizes[0], sizes[-1]
    by = {(r.size, r.kind): r for r in rows}
    print(
        f"{backend}: p50({hi:,}) / p50({lo:,}) per kind"
        + (
            f"   targets: ratio <= {TARGET_RATIO:g}x, p50 < {TARGET_MS:g} ms at {hi:,}"
            if targets
            else ""
        )
    )
    for kind in KINDS:
        a, b = _pct(by[(lo, kind)].page, 50), _pct(by[(hi, kind)].page, 50)
        ratio = b / a if a else float("inf")
        sa, sb = _pct(by[(lo, kind)].search, 50), _pct(by[(hi, kind)].search, 50)
        search_ratio = sb / sa if sa else float("inf")
        verdict = ""
        if targets:
            ok_ratio, ok_ms = ratio <= TARGET_RATIO, b * 1e3 < TARGET_MS
            verdict = (
                ("ratio ok" if ok_ratio else "RATIO MISSED")
                + ", "
                + ("time ok" if ok_ms else "TIME MISSED")
            )
        print(
            f"  {kind:9s} {a * 1e3:8.2f} -> {b * 1e3:8.2f} ms   ratio {ratio:6.1f}x"
            f"   (search alone {search_ratio:5.1f}x)   {verdict}"
        )


def _timed_fill(make: Callable[[], Any], size: int, seed: int) -> tuple[Any, float]:
    store = make()
    t0 = time.perf_counter()
    synth.fill_store(store, size, seed=seed)
    return store, time.perf_counter() - t0


@dataclass
class Load:
    size: int
    store: float  # seconds to load the catalog through the Store (insert_many)
    floor: float  # the same documents, bare sqlite3, same schema and bulk method


def bench_sqlite(sizes: list[int], rounds: int, seed: int) -> tuple[list[Row], list[Load]]:
    from arangetram_cli.store.sqlite import SqliteStore
    from arangetram_cli.store.sqlite.bulk import _IMPORT_FTS
    from benchmarks import floor
    from benchmarks.import_speed import schema_sql

    out: list[Row] = []
    loads: list[Load] = []
    with tempfile.TemporaryDirectory(prefix="arangetram-search-") as d:
        for size in sizes:
            t0 = time.perf_counter()
            floor.load(
                str(Path(d) / f"floor{size}.db"),
                schema_sql(),
                synth.iter_vendors(size, seed),
                _IMPORT_FTS,
            )
            floor_took = time.perf_counter() - t0
            store, took = _timed_fill(lambda s=size: SqliteStore(Path(d) / f"v{s}.db"), size, seed)
            print(f"  (sqlite: {size:,} vendors loaded in {took:.1f} s)", file=sys.stderr)
            loads.append(Load(size, took, floor_took))
            try:
                out += run_kinds(store, "sqlite", size, rounds)
            finally:
                store.close()
    return out, loads


def _print_loads(loads: list[Load]) -> None:
    print(
        "sqlite load of the synthetic catalog (documents made as they go in): through the "
        "Store's insert_many, and the floor (bare sqlite3, same schema and bulk method)"
    )
    print(f"  {'vendors':>8s} {'store s':>8s} {'vendors/s':>10s} {'floor/s':>10s} {'ratio':>6s}")
    for x in loads:
        rate, floor = x.size / x.store, x.size / x.floor
        print(f"  {x.size:8,d} {x.store:8.2f} {rate:10,.0f} {floor:10,.0f} {rate / floor:6.2f}")


def bench_mongomock(sizes: list[int], rounds: int, seed: int) -> list[Row]:
    import mongomock_ng

    from arangetram_cli.store.mongo import MongoStore

    out: list[Row] = []
    for size in sizes:
        # mongomock checks unique indexes by scanning, so inserting through the adapter is
        # quadratic (minutes at 10k). The documents go into the bare collection first (they
        # are already in the contract's shape); the adapter then builds its indexes over them.
        t0 = time.perf_counter()
        client = mongomock_ng.MongoClient()
        client["arangetram"]["vendors"].insert_many(list(synth.iter_vendors(size, seed)))
        store = MongoStore("mongodb://localhost/", client=client)
        took = time.perf_counter() - t0
        print(f"  (mongomock: {size:,} vendors loaded in {took:.1f} s)", file=sys.stderr)
        try:
            out += run_kinds(store, "mongomock", size, rounds)
        finally:
            store.close()
    return out


def bench_mongo(url: str, sizes: list[int], rounds: int, seed: int) -> list[Row]:
    from arangetram_cli.store.mongo import MongoStore

    out: list[Row] = []
    for size in sizes:
        db_name = f"arangetram_bench_{uuid.uuid4().hex[:12]}"
        store, took = _timed_fill(lambda n=db_name: MongoStore(url, db_name=n), size, seed)
        print(f"  (mongo: {size:,} vendors loaded in {took:.1f} s)", file=sys.stderr)
        try:
            out += run_kinds(store, "mongo", size, rounds)
        finally:
            store.client.drop_database(db_name)
            store.close()
    return out


def _sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks search",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--sizes", default="1000,10000,100000", help="SQLite catalog sizes")
    ap.add_argument("--rounds", type=int, default=40, help="timed runs per kind and size")
    ap.add_argument(
        "--mongomock-sizes",
        default="1000,10000",
        help="sizes for the mongomock_ng stand-in ('' to skip)",
    )
    ap.add_argument("--mongomock-rounds", type=int, default=5)
    ap.add_argument(
        "--mongo-sizes",
        default=None,
        help="sizes for a real MongoDB (ARANGETRAM_TEST_MONGO_URL); default --sizes",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="200 and 2,000 vendors, few rounds")
    args = ap.parse_args(argv)
    if args.quick:
        sizes, rounds, mm_sizes, mm_rounds = [200, 2000], 5, [200], 2
        mongo_sizes = [200, 2000]
    else:
        sizes, rounds = _sizes(args.sizes), args.rounds
        mm_sizes, mm_rounds = _sizes(args.mongomock_sizes), args.mongomock_rounds
        mongo_sizes = _sizes(args.mongo_sizes) if args.mongo_sizes else sizes

    print(
        f"vendor search through the Store port: search_page(limit={PAGE}), the page and its "
        f"total, as LocalPlanner.list_vendors (python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cpus)"
    )
    rows, loads = bench_sqlite(sizes, rounds, args.seed)
    _print_table(f"sqlite, {rounds} timed rounds per kind", rows)
    _print_ratios("sqlite", rows, targets=True)
    _print_loads(loads)

    if mm_sizes:
        with warnings.catch_warnings():  # aggregate's batchSize/allowDiskUse are no-ops there
            warnings.filterwarnings("ignore", message=".*no-op in mongomock-ng")
            mm = bench_mongomock(mm_sizes, mm_rounds, args.seed)
        _print_table(
            f"mongo adapter over mongomock_ng, {mm_rounds} rounds -- an in-memory STAND-IN: "
            "shows the queries work at size, NOT a performance figure",
            mm,
        )

    url = os.environ.get("ARANGETRAM_TEST_MONGO_URL")
    if url:
        real = bench_mongo(url, mongo_sizes, rounds, args.seed)
        _print_table(f"mongo (real server, ARANGETRAM_TEST_MONGO_URL), {rounds} rounds", real)
        _print_ratios("mongo", real, targets=True)
    else:
        print("mongo (real server): skipped, ARANGETRAM_TEST_MONGO_URL is not set")


if __name__ == "__main__":
    main()
