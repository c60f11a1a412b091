"""Import speed: `arangetram seed --file` of a synthetic catalog, JSONL and CSV, into SQLite.

Each run is the real CLI in a fresh subprocess with its own empty data and config dirs,
started by a small wrapper process that reports the command's wall time and peak RSS
(`getrusage(RUSAGE_CHILDREN).ru_maxrss` taken in the wrapper, so every figure belongs to one
run). Reported per format and size: the median wall time of N runs, vendors/s end to end
(start-up included) and net of the fixed cost (the same command on a file with no rows), and
the largest peak RSS seen. Peak RSS at 10k and 100k side by side shows whether memory
depends on the file size. Runs are interleaved so machine noise hits all cases alike.

The floor: a bare sqlite3 program (no validation, no CLI), run the same way, that reads the
same file with the standard library (json.loads per line, csv.reader), stages the rows into
a TEMP table and publishes them with the store's bulk method into the same schema (the FTS
trigger and, for big imports, the listing indexes dropped and built again, the new rows
indexed for FTS by one INSERT ... SELECT with the same FTS5 settings). `ratio` is the CLI's
rate over the floor's: how much of the time is the tool's own.

Target: >= 30,000 vendors/s into SQLite at 100k vendors.

The helpers `isolated_env`, `cli` and `measure` are shared with benchmarks/listing.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks import synth

TARGET_RATE = 30_000

# Runs the command, optionally counting its stdout lines, then prints one JSON line with the
# wall time and the command's peak RSS (ru_maxrss of the children of this fresh process).
_WRAPPER = r"""
import json, resource, subprocess, sys, time
count = sys.argv[1] == "count"
cmd = sys.argv[2:]
t0 = time.perf_counter()
if count:
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = 0
    while chunk := p.stdout.read(1 << 20):
        lines += chunk.count(b"\n")
    err = p.stderr.read()
    code = p.wait()
else:
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines, err, code = None, r.stderr, r.returncode
wall = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_CHILDREN)
rss_kib = use.ru_maxrss  # KiB on Linux
print(json.dumps({"code": code, "wall": wall, "rss_kib": rss_kib, "lines": lines,
                  "cpu": use.ru_utime + use.ru_stime,
                  "stderr": err.decode("utf-8", "replace")[-2000:]}))
"""


def schema_sql() -> str:
    """The store's whole schema as one script (every migration step)."""
    from arangetram_cli.store.sqlite.schema import MIGRATIONS as _MIGRATIONS
    from arangetram_cli.store.sqlite.schema import SCHEMA_VERSION

    steps = " ".join(_MIGRATIONS[v] for v in range(1, SCHEMA_VERSION + 1))
    return f"{steps}\nPRAGMA user_version = {SCHEMA_VERSION};"


def floor_cmd(schema: Path, db: Path, fmt: str, path: Path) -> list[str]:
    """The floor's command line (benchmarks/floor.py), with the store's FTS5 settings."""
    from arangetram_cli.store.sqlite.bulk import _IMPORT_FTS
    from benchmarks import floor

    fts = json.dumps(_IMPORT_FTS)  # run as a script: only the standard library is loaded
    return [sys.executable, floor.__file__, str(schema), str(db), fmt, str(path), fts]


def isolated_env(tmp: Path) -> dict[str, str]:
    """The CLI's environment for a benchmark: its own data and config dirs, no keyring."""
    env = dict(os.environ)
    for k in (
        "MONGO_URL",
        "DB_NAME",
        "ARANGETRAM_API_URL",
        "ARANGETRAM_TOKEN",
        "ARANGETRAM_PROFILE",
        "ARANGETRAM_DB",
        "JWT_SECRET",
    ):
        env.pop(k, None)
    env.update(
        ARANGETRAM_DATA_DIR=str(tmp / "data"),
        ARANGETRAM_CONFIG_DIR=str(tmp / "config"),
        ARANGETRAM_CREDENTIALS="file",
        ARANGETRAM_BCRYPT_ROUNDS="4",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def cli() -> list[str]:
    """The real CLI, as the `arangetram` script runs it, with this interpreter."""
    return [sys.executable, "-m", "arangetram_cli"]


@dataclass
class Measured:
    wall: float  # seconds
    rss_mib: float  # peak resident set of the command
    lines: int | None  # stdout lines, when counted
    cpu: float = 0.0  # seconds of CPU (user + system) the command used


def measure(cmd: list[str], env: dict[str, str], *, count_lines: bool = False) -> Measured:
    """Run cmd in a fresh wrapper process; its wall time and peak RSS (and stdout lines)."""
    r = subprocess.run(
        [sys.executable, "-c", _WRAPPER, "count" if count_lines else "quiet", *cmd],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(r.stdout.strip().splitlines()[-1])
    if out["code"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {out['code']}: {out['stderr']}")
    return Measured(out["wall"], out["rss_kib"] / 1024, out["lines"], out["cpu"])


def _db_count(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "arangetram.db") as c:
        return c.execute("SELECT count(*) FROM vendors").fetchone()[0]


def _fmt_rate(x: float) -> str:
    return f"{x:,.0f}" if x != float("inf") else "-"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks import_speed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--sizes", default="10000,100000", help="vendors per file, comma-separated")
    ap.add_argument("--formats", default="jsonl,csv")
    ap.add_argument("--runs", type=int, default=3, help="runs per case (median reported)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="1,000 and 3,000 vendors, one run")
    args = ap.parse_args(argv)
    sizes = [1000, 3000] if args.quick else [int(s) for s in args.sizes.split(",")]
    runs = 1 if args.quick else max(1, args.runs)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]

    with tempfile.TemporaryDirectory(prefix="arangetram-import-") as d:
        tmp = Path(d)
        files: dict[tuple[str, int], Path] = {}
        for n in [0, *sizes]:
            jsonl, csv_path = tmp / f"v{n}.jsonl", tmp / f"v{n}.csv"
            synth.write_vendor_files(
                synth.iter_vendors(n, args.seed), jsonl=jsonl, csv_path=csv_path
            )
            files[("jsonl", n)], files[("csv", n)] = jsonl, csv_path
        schema = tmp / "schema.sql"
        schema.write_text(schema_sql(), encoding="utf-8")
        cases = [(f, n) for n in [0, *sizes] for f in formats]
        walls: dict[tuple[str, int], list[float]] = {c: [] for c in cases}
        floors: dict[tuple[str, int], list[float]] = {c: [] for c in cases}
        cpus: dict[tuple[str, int], list[float]] = {c: [] for c in cases}
        floor_cpus: dict[tuple[str, int], list[float]] = {c: [] for c in cases}
        rss: dict[tuple[str, int], list[float]] = {c: [] for c in cases}
        k = 0
        for _ in range(runs):
            for case in cases:
                # the CLI and the floor side by side, so noise hits both alike
                k += 1
                run_dir = tmp / f"run{k}"
                env = isolated_env(run_dir)
                m = measure([*cli(), "seed", "--file", str(files[case])], env)
                got = _db_count(run_dir / "data")
                if got != case[1]:
                    raise RuntimeError(f"{case}: imported {got} vendors, expected {case[1]}")
                walls[case].append(m.wall)
                cpus[case].append(m.cpu)
                rss[case].append(m.rss_mib)
                floor_db = tmp / f"floor{k}.db"
                f = measure(floor_cmd(schema, floor_db, case[0], files[case]), env)
                with sqlite3.connect(floor_db) as c:
                    if c.execute("SELECT count(*) FROM vendors").fetchone()[0] != case[1]:
                        raise RuntimeError(f"{case}: the floor did not import every row")
                floors[case].append(f.wall)
                floor_cpus[case].append(f.cpu)
                for p in run_dir.glob("data/arangetram.db*"):
                    p.unlink()
                for p in tmp.glob(f"floor{k}.db*"):
                    p.unlink()

    print(
        f"import: arangetram seed --file into SQLite, median of {runs} run(s), fresh "
        f"process and empty database each (python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cpus)"
    )
    print(
        f"  {'format':6s} {'vendors':>9s} {'wall s':>8s} {'vendors/s':>10s} "
        f"{'net/s':>10s} {'floor/s':>10s} {'ratio':>6s} {'cpu s':>6s} {'cpu ratio':>9s} "
        f"{'peak RSS MiB':>13s}"
        f"  target >= {TARGET_RATE:,}/s"
    )
    for f, n in cases:
        med = statistics.median(walls[(f, n)])
        fixed = statistics.median(walls[(f, 0)])
        rate = n / med if n else float("inf")
        net = n / (med - fixed) if n and med > fixed else float("inf")
        floor = n / statistics.median(floors[(f, n)]) if n else float("inf")
        ratio = f"{rate / floor:6.2f}" if n else f"{'-':>6s}"
        cpu = statistics.median(cpus[(f, n)])
        cpu_ratio = statistics.median(floor_cpus[(f, n)]) / cpu if n else 0.0
        verdict = "" if not n else ("met" if rate >= TARGET_RATE else "MISSED")
        print(
            f"  {f:6s} {n:9,d} {med:8.2f} {_fmt_rate(rate):>10s} {_fmt_rate(net):>10s} "
            f"{_fmt_rate(floor):>10s} {ratio} {cpu:6.2f} {cpu_ratio:9.2f} "
            f"{max(rss[(f, n)]):13.1f}  {verdict}"
        )
    print("  (0 vendors: a file with no rows = start-up and fixed cost; net/s excludes it)")
    print(
        "  (floor: a bare sqlite3 program loading the same file into the same schema with "
        "the same bulk method, no validation; ratio = vendors/s over floor/s; cpu ratio = "
        "the floor's CPU seconds over the CLI's, steadier than wall time on a busy machine)"
    )


if __name__ == "__main__":
    main()
