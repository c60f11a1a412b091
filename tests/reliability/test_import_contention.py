"""SQLite contention: a busy database is one clear line and exit 6, never exit 1; a big
`seed --file` stages its rows without the write lock, so other writers go on while it reads
the file, readers never see half an import, and `kill -9` while it stages leaves the
database (rows and schema) exactly as it was."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import isolated_env
from tests.reliability.test_crash_safety import check_database, file_vendors, write_vendor_file

pytestmark = pytest.mark.reliability

HINT = "(another arangetram is writing; try again)"
ROWS = 100_000


def run(env: dict[str, str], cwd: Path, *args: str, **extra_env: str):
    return subprocess.run(
        [sys.executable, "-m", "arangetram_cli", *args],
        env={**env, **extra_env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def start(env: dict[str, str], cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "arangetram_cli", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_busy_line(proc: subprocess.CompletedProcess, db: Path) -> None:
    """Exit 6 and exactly one stderr line naming the database, with the hint."""
    assert proc.returncode == 6, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines == [f"error: the database {db} is busy {HINT}"], proc.stderr


def schema(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        conn.close()


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A database with the demo catalog and a logged-in guest; its path."""
    env = isolated_env(tmp_path)
    db = tmp_path / "shared.db"
    env["ARANGETRAM_DB"] = str(db)
    assert run(env, tmp_path, "seed").returncode == 0
    guest = run(env, tmp_path, "auth", "guest")
    assert guest.returncode == 0, guest.stderr
    return env, db


def test_a_held_write_lock_is_exit_6_with_a_hint(tmp_path: Path, seeded) -> None:
    env, db = seeded
    small = tmp_path / "small.jsonl"
    ids = write_vendor_file(small, 50)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding the lock
    try:
        writes = [
            ("events", "create", "--name", "Recital", "--date", "2027-06-12"),
            ("seed", "--file", str(small)),
            ("auth", "register", "--email", "a@example.com", "--name", "A", "--password-stdin"),
        ]
        for args in writes:
            got = subprocess.run(
                [sys.executable, "-m", "arangetram_cli", *args],
                env={**env, "ARANGETRAM_SQLITE_TIMEOUT_MS": "200"},
                cwd=tmp_path,
                input="long enough password\n",
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert_busy_line(got, db)
        # reading does not need the write lock
        listed = run(env, tmp_path, "-q", "vendors", "list", "--all")
        assert listed.returncode == 0, listed.stderr
        demo = len(listed.stdout.split())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # nothing of the refused writes got in; with the lock free the same commands work
    assert check_database(db) == demo
    assert file_vendors(db, ids) == 0
    assert run(env, tmp_path, "-q", "events", "list").stdout.split() == []
    ok = run(env, tmp_path, "seed", "--file", str(small))
    assert ok.returncode == 0, ok.stderr
    assert file_vendors(db, ids) == 50


@pytest.mark.parametrize("value", ["soon", "-1", "1e3", "99999999999"])
def test_a_bad_busy_timeout_is_a_usage_error(tmp_path: Path, seeded, value: str) -> None:
    env, _ = seeded
    got = run(env, tmp_path, "vendors", "list", ARANGETRAM_SQLITE_TIMEOUT_MS=value)
    assert got.returncode == 2, got.stderr
    assert got.stderr.splitlines() == [
        f"error: ARANGETRAM_SQLITE_TIMEOUT_MS must be a whole number of milliseconds, "
        f"got '{value}' (unset it for 5000 ms)"
    ]


def input_offset(pid: int, path: Path) -> int | None:
    """How far process `pid` has read `path` (its open descriptor's offset), or None when
    it does not have the file open (not yet, or any more)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            try:
                if os.readlink(fd) == str(path):
                    info = (Path(f"/proc/{pid}/fdinfo") / fd.name).read_text()
                    return int(info.split("pos:")[1].split()[0])
            except OSError:
                continue
    except OSError:
        return None
    return None


def wait_until_read(proc: subprocess.Popen, path: Path, fraction: float) -> bool:
    """Wait (bounded) until `proc` has read `fraction` of `path`; False if it never did."""
    size = path.stat().st_size
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        pos = input_offset(proc.pid, path)
        if pos is not None and pos >= size * fraction:
            return True
        time.sleep(0.005)
    return False


@pytest.mark.slow
def test_writers_and_readers_during_a_big_import(tmp_path: Path, seeded) -> None:
    """Writers started while a 100k-vendor import runs succeed (exit 0) or give up with
    exit 6 and the hint, never exit 1; a reader polling all along sees the vendor count
    before the import or after it, nothing in between."""
    env, db = seeded
    big = tmp_path / "big.jsonl"
    ids = write_vendor_file(big, ROWS)
    demo = check_database(db)

    seen: set[int] = set()
    stop = threading.Event()

    def reader() -> None:
        conn = sqlite3.connect(db, timeout=60)
        try:
            while not stop.is_set():
                seen.add(conn.execute("SELECT count(*) FROM vendors").fetchone()[0])
                time.sleep(0.002)
        finally:
            conn.close()

    polling = threading.Thread(target=reader)
    polling.start()
    importer = start(env, tmp_path, "seed", "--file", str(big))
    outcomes: list[tuple[int, str, bool]] = []  # exit code, stderr, import still running
    try:
        assert wait_until_read(importer, big, 0.05), "the import never started reading"
        n = 0
        while importer.poll() is None and n < 40:
            n += 1
            got = run(
                env, tmp_path, "-q", "events", "create", "--name", f"E{n}", "--date", "2027-06-12"
            )
            outcomes.append((got.returncode, got.stderr, importer.poll() is None))
        out, err = importer.communicate(timeout=600)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait(30)
        stop.set()
        polling.join(60)

    assert importer.returncode == 0, err[-2000:]
    assert json.loads(out)["inserted"] == ROWS
    assert outcomes, "no writer ran during the import"
    for code, stderr, _ in outcomes:
        assert code in (0, 6), stderr
        if code == 6:
            assert stderr.splitlines() == [f"error: the database {db} is busy {HINT}"]
        else:
            assert stderr == ""
    # the import did not keep the others out for its whole length
    assert any(code == 0 and running for code, _, running in outcomes), outcomes
    assert seen <= {demo, demo + ROWS} and demo in seen, sorted(seen)[:10]
    assert check_database(db) == demo + ROWS
    assert file_vendors(db, ids) == ROWS
    made = sum(1 for code, _, _ in outcomes if code == 0)
    listed = run(env, tmp_path, "-q", "events", "list")
    assert len(listed.stdout.split()) == made


@pytest.mark.slow
def test_kill_9_while_the_import_stages_its_rows(tmp_path: Path, seeded) -> None:
    """Killed while it reads and stages the file: the database, its schema and the
    temporary directory are exactly as before (the staging table lived in a temporary
    file that SQLite had already unlinked)."""
    env, db = seeded
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**env, "SQLITE_TMPDIR": str(scratch), "TMPDIR": str(scratch)}
    big = tmp_path / "big.jsonl"
    ids = write_vendor_file(big, ROWS)
    demo = check_database(db)
    before = schema(db)

    importer = start(env, tmp_path, "seed", "--file", str(big))
    try:
        reached = wait_until_read(importer, big, 0.4)
        os.kill(importer.pid, signal.SIGKILL)
    finally:
        importer.wait(30)
        _, err = importer.communicate()
    assert reached, f"the import ended before it read 40% of the file: {err[-500:]}"
    assert importer.returncode == -signal.SIGKILL

    assert check_database(db) == demo
    assert file_vendors(db, ids) == 0
    assert schema(db) == before
    assert list(scratch.iterdir()) == []
    # and the same import runs to the end afterwards
    again = run(env, tmp_path, "seed", "--file", str(big))
    assert again.returncode == 0, again.stderr[-2000:]
    assert check_database(db) == demo + ROWS
    assert schema(db) == before
