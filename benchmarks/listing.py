"""Listing at scale: streaming `vendors list --all`, and the queries behind `bookings list
--as-vendor`.

1. `arangetram vendors list -o jsonl --all` over a 100k-vendor SQLite catalog (and 10k, to
   show that memory does not grow with the catalog): the real CLI in a fresh subprocess,
   its peak RSS (ru_maxrss, via a wrapper process) and rows/s (stdout lines counted by the
   wrapper). Target: peak RSS < 100 MB.
2. `LocalPlanner.list_vendor_bookings` (what `bookings list --as-vendor` runs) for a vendor
   with 10, 1,000 and 10,000 booking requests, in-process on SQLite: the SELECT statements
   on the store's connection are counted with `conn.set_trace_callback`. The count should be
   the same at every size; the web back end makes 2N+1 queries (one per booking for the
   user and one for the event, after the list). The Mongo adapter's read operations are
   counted too, over the mongomock_ng stand-in at 10, 1,000 and 2,500 requests (counts
   only; its timings mean nothing, and its `$in` is a scan, so 10,000 would take minutes).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import synth
from benchmarks.import_speed import cli, isolated_env, measure

TARGET_RSS_MB = 100
SECRET = "benchmark-secret-" + "x" * 32


# --------------------------------------------------------------------- vendors list --all


def bench_list_all(sizes: list[int], runs: int, seed: int) -> None:
    from arangetram_cli.store.base import VendorQuery
    from arangetram_cli.store.sqlite import SqliteStore

    print(
        f"vendors list -o jsonl --all: real CLI, fresh process per run, median of {runs} "
        f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus)"
    )
    print(
        f"  {'vendors':>8s} {'rows':>8s} {'wall s':>7s} {'rows/s':>9s} {'peak RSS MiB':>13s}"
        f"  target < {TARGET_RSS_MB} MB"
    )
    with tempfile.TemporaryDirectory(prefix="arangetram-listing-") as d:
        for size in sizes:
            tmp = Path(d) / f"v{size}"
            env = isolated_env(tmp)
            store = SqliteStore(tmp / "data" / "arangetram.db")  # the CLI's default path
            synth.fill_store(store, size, seed=seed)
            active = store.vendors.count(VendorQuery())  # what `vendors list` lists
            store.close()
            walls, rss = [], []
            for _ in range(runs):
                m = measure(
                    [*cli(), "vendors", "list", "-o", "jsonl", "--all"], env, count_lines=True
                )
                if m.lines != active:
                    raise RuntimeError(f"listed {m.lines} rows, expected {active}")
                walls.append(m.wall)
                rss.append(m.rss_mib)
            wall = statistics.median(walls)
            peak = max(rss)
            verdict = "met" if peak * 1.048576 < TARGET_RSS_MB else "MISSED"
            print(
                f"  {size:8,d} {active:8,d} {wall:7.2f} {active / wall:9,.0f} {peak:13.1f}"
                f"  {verdict}"
            )


# ------------------------------------------------------------- bookings list --as-vendor


def _vendor_with_bookings(store: Any, n: int, *, raw_db: Any = None) -> str:
    """A vendor account and profile with n booking requests from ~n/1.5 families (one event
    per request). Returns the vendor's user id. With raw_db (a pymongo-style database), the
    documents go straight into its bare collections instead of through the store."""
    vendor_user = {
        "id": "00000000-0000-4000-8000-00000000beef",
        "email": "vendor@example.com",
        "name": "The Vendor",
        "password": "",
        "user_type": "vendor",
        "created_at": "2025-01-01T00:00:00.000000+00:00",
    }
    (vendor,) = synth.iter_vendors(1, seed=n)
    vendor["user_id"] = vendor_user["id"]
    people = synth.make_people([vendor["id"]], n, bookings_per_event=1, seed=n)
    if raw_db is not None:
        raw_db["users"].insert_many([vendor_user, *people.users])
        raw_db["vendors"].insert_one({**vendor, "owner_key": vendor_user["id"]})
        raw_db["events"].insert_many(people.events)
        raw_db["bookings"].insert_many(people.bookings)
        return vendor_user["id"]
    store.users.insert(vendor_user)
    store.vendors.insert(vendor)
    synth.insert_people(store, people)
    return vendor_user["id"]


@contextmanager
def count_selects(conn: sqlite3.Connection) -> Iterator[list[int]]:
    box = [0]

    def trace(sql: str) -> None:
        if sql.lstrip()[:6].upper() == "SELECT":
            box[0] += 1

    conn.set_trace_callback(trace)
    try:
        yield box
    finally:
        conn.set_trace_callback(None)


class _CountingCollection:
    """Counts the read operations made on a pymongo-style collection."""

    READS = frozenset({"find", "find_one", "aggregate", "count_documents"})

    def __init__(self, inner: Any, box: list[int]) -> None:
        self._inner, self._box = inner, box

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name in self.READS:

            def counted(*a: Any, **k: Any) -> Any:
                self._box[0] += 1
                return attr(*a, **k)

            return counted
        return attr


def _planner(store: Any, user_id: str) -> Any:
    from arangetram_cli.core import security
    from arangetram_cli.planner.local import LocalPlanner

    return LocalPlanner(store, SECRET, token=security.create_token(user_id, "vendor", SECRET))


def sqlite_booking_queries(sizes: list[int]) -> list[tuple[int, int, float, int]]:
    """[(bookings, SELECT statements, seconds, rows returned)] per size."""
    from arangetram_cli.store.sqlite import SqliteStore

    out = []
    with tempfile.TemporaryDirectory(prefix="arangetram-bookings-") as d:
        for n in sizes:
            store = SqliteStore(Path(d) / f"b{n}.db")
            try:
                uid = _vendor_with_bookings(store, n)
                planner = _planner(store, uid)
                with count_selects(store.conn) as box:
                    t0 = time.perf_counter()
                    rows = planner.list_vendor_bookings()
                    took = time.perf_counter() - t0
                if len(rows) != n or any(r["user"] is None or r["event"] is None for r in rows):
                    raise RuntimeError(f"list_vendor_bookings returned {len(rows)} of {n}")
                out.append((n, box[0], took, len(rows)))
            finally:
                store.close()
    return out


def mongomock_booking_queries(sizes: list[int]) -> list[tuple[int, int, int]] | None:
    """[(bookings, read operations, rows)] per size over mongomock_ng, or None if the
    adapter's repositories do not expose their collection as `_c`."""
    import mongomock_ng

    from arangetram_cli.store.mongo import MongoStore

    out = []
    for n in sizes:
        # mongomock checks unique indexes by scanning, so inserting one document at a time
        # through the adapter is quadratic: the documents go into the bare collections and
        # the adapter builds its indexes over them.
        client = mongomock_ng.MongoClient()
        uid = _vendor_with_bookings(None, n, raw_db=client["arangetram"])
        store = MongoStore("mongodb://localhost/", client=client)
        try:
            box = [0]
            repos = [store.users, store.vendors, store.events, store.bookings]
            if not all(hasattr(r, "_c") for r in repos):
                return None
            for r in repos:
                r._c = _CountingCollection(r._c, box)
            rows = _planner(store, uid).list_vendor_bookings()
            out.append((n, box[0], len(rows)))
        finally:
            store.close()
    return out


def bench_bookings(sizes: list[int], mongomock_sizes: list[int]) -> None:
    res = sqlite_booking_queries(sizes)
    print(
        "bookings list --as-vendor (LocalPlanner.list_vendor_bookings, in-process): "
        "SELECT statements on the SQLite store's connection"
    )
    print(f"  {'bookings':>8s} {'SELECTs':>8s} {'ms':>9s} {'rows':>7s} {'web back end 2N+1':>18s}")
    for n, q, took, rows in res:
        print(f"  {n:8,d} {q:8d} {took * 1e3:9.1f} {rows:7,d} {2 * n + 1:18,d}")
    counts = {q for _, q, _, _ in res}
    print(
        "  query count constant across sizes: "
        + ("yes" if len(counts) == 1 else f"NO ({', '.join(str(q) for _, q, _, _ in res)})")
    )
    if mongomock_sizes:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*no-op in mongomock-ng")
            mm = mongomock_booking_queries(mongomock_sizes)
        if mm is None:
            print("  mongo adapter: not counted (repositories have no `_c` collection)")
        else:
            print(
                "  mongo adapter over mongomock_ng (stand-in; read operations counted: find, "
                "find_one, aggregate, count_documents)"
            )
            for n, q, rows in mm:
                print(f"  {n:8,d} {q:8d} {'-':>9s} {rows:7,d}")
            mcounts = {q for _, q, _ in mm}
            print(
                "  mongo query count constant across sizes: "
                + ("yes" if len(mcounts) == 1 else "NO")
            )


def _sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks listing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--sizes", default="10000,100000", help="catalog sizes for vendors list")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bookings", default="10,1000,10000", help="bookings per vendor")
    ap.add_argument(
        "--mongomock-bookings",
        default="10,1000,2500",
        help="bookings per vendor for the mongomock_ng stand-in (its $in is a scan, so "
        "10,000 takes minutes); '' to skip",
    )
    ap.add_argument("--no-mongomock", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="small sizes, one run")
    args = ap.parse_args(argv)
    if args.quick:
        sizes, runs, bookings, mm = [300, 1500], 1, [10, 1200], [10, 1200]
    else:
        sizes, runs, bookings = _sizes(args.sizes), args.runs, _sizes(args.bookings)
        mm = _sizes(args.mongomock_bookings)
    bench_list_all(sizes, runs, args.seed)
    bench_bookings(bookings, [] if args.no_mongomock else mm)


if __name__ == "__main__":
    main()
