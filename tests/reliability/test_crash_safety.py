"""Crash safety: `kill -9` in the middle of a 100,000-vendor import leaves a database that
passes SQLite's integrity checks and holds none of the file's vendors (an import is all or
nothing), and running the same import again brings in exactly the file's vendors."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import isolated_env

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

ROWS = 100_000
KILL_AT_WAL_BYTES = 2_000_000  # the import's transaction is well under way


def write_vendor_file(path: Path, n: int) -> set[str]:
    """n valid vendor rows as JSON Lines, quickly (a plain loop; ids are valid UUID4s)."""
    categories = ("venue", "catering", "photographer", "videographer", "decorations", "musicians")
    ids = set()
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            vid = str(uuid.uuid4())
            ids.add(vid)
            f.write(
                f'{{"id": "{vid}", "business_name": "Crash Test Vendor {i}", '
                f'"category": "{categories[i % 6]}", "location": "San Jose, CA", '
                f'"price_range": "$$", "description": "Row {i} of a big import", '
                f'"services": ["Setup", "Cleanup"], "rating": {i % 50 / 10}}}\n'
            )
    return ids


def cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "arangetram_cli", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def check_database(db: Path) -> int:
    """SQLite's own checks (pages, indexes, the FTS index against its table); the vendor
    count."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        conn.execute("INSERT INTO vendors_fts(vendors_fts) VALUES ('integrity-check')")
        return conn.execute("SELECT count(*) FROM vendors").fetchone()[0]
    finally:
        conn.close()


def file_vendors(db: Path, ids: set[str]) -> int:
    conn = sqlite3.connect(db)
    try:
        conn.execute("CREATE TEMP TABLE wanted (id TEXT PRIMARY KEY)")
        conn.executemany("INSERT INTO wanted VALUES (?)", ((i,) for i in ids))
        sql = "SELECT count(*) FROM vendors JOIN wanted USING (id)"
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_kill_9_during_a_big_import(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    env["ARANGETRAM_DB"] = str(tmp_path / "crash.db")
    db = Path(env["ARANGETRAM_DB"])
    wal = Path(f"{db}-wal")

    seeded = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "seed"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    demo = json.loads(seeded.stdout)["vendor_count"]
    assert check_database(db) == demo

    big = tmp_path / "big.jsonl"
    ids = write_vendor_file(big, ROWS)
    assert len(ids) == ROWS

    # 1. start the import and kill it (SIGKILL: no cleanup of any kind) while it writes
    proc = cli(env, tmp_path, "seed", "--file", str(big))
    started = time.monotonic()
    seen = 0
    try:
        while time.monotonic() - started < 120:
            if proc.poll() is not None:
                break
            seen = wal.stat().st_size if wal.exists() else 0
            if seen >= KILL_AT_WAL_BYTES:
                break
            time.sleep(0.01)
        still_running = proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        out, err = proc.communicate()
    assert still_running, (
        f"the import ended before the kill (exit {proc.returncode}, WAL {seen} bytes): "
        f"{err[-500:]}; make the file bigger"
    )
    assert proc.returncode == -signal.SIGKILL
    assert seen >= KILL_AT_WAL_BYTES, f"killed after 120 s with only {seen} WAL bytes"

    # 2. the database is sound and holds none of the file's rows (all or nothing)
    assert check_database(db) == demo
    assert file_vendors(db, ids) == 0

    # the CLI opens it normally after the crash
    listed = subprocess.run(
        [sys.executable, "-m", "arangetram_cli", "-q", "vendors", "list", "--all"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.split()) == demo

    # 3. the same import again: exactly the file's vendors, nothing more
    again = cli(env, tmp_path, "seed", "--file", str(big))
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-2000:]
    assert json.loads(out)["inserted"] == ROWS
    assert check_database(db) == demo + ROWS
    assert file_vendors(db, ids) == ROWS
    assert "Traceback" not in err
