"""`arangetram serve` against the framework floor, per request.

Both servers run as real processes on 127.0.0.1 with one worker and the same uvicorn
settings: `arangetram serve` over a SQLite store with the demo catalog and a user with events,
and benchmarks/serve_floor.py, a minimal FastAPI app that answers the same paths with the very
bytes `arangetram serve` answered. The load comes from a raw asyncio keep-alive HTTP/1.1 client
(httpx saturates first and would hide the difference): C connections, each sending its next
request as soon as the previous answer is in. For each endpoint and round, each server gets a
short warm-up and then `--seconds` of load, in alternating order; the figures are medians over
the rounds: requests/s, p50/p99 latency, and CPU per request of the server process (utime +
stime from /proc/<pid>/stat over the measured window). The ratio is ours / floor (CPU per
request; the target is <= 1.3) and floor / ours (requests/s).

    python -m benchmarks serve [--rounds 5] [--seconds 2] [--connections 8] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.import_speed import isolated_env

SECRET = "benchmark-secret-" + "s" * 40
TARGET = 1.3
OURS = [sys.executable, "-m", "arangetram_cli", "serve"]
FLOOR = [sys.executable, "-m", "benchmarks.serve_floor"]
CLK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime, stime (fields 14, 15)


# ---- the load generator --------------------------------------------------------------------
@dataclass
class Load:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")


async def _connection(
    port: int, raw: bytes, stop: float, lat: list[float], counts: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    loop = asyncio.get_running_loop()
    try:
        while loop.time() < stop:
            t0 = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            counts[0 if head.startswith(b"HTTP/1.1 200") else 1] += 1
    finally:
        writer.close()


async def _load(port: int, raw: bytes, seconds: float, connections: int) -> Load:
    loop = asyncio.get_running_loop()
    lat: list[float] = []
    counts = [0, 0]
    start = loop.time()
    await asyncio.gather(
        *(_connection(port, raw, start + seconds, lat, counts) for _ in range(connections))
    )
    return Load(counts[0], counts[1], loop.time() - start, lat)


def load(port: int, raw: bytes, seconds: float, connections: int) -> Load:
    return asyncio.run(_load(port, raw, seconds, connections))


def request(path: str, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode()


# ---- the servers ----------------------------------------------------------------------------
def wait_up(port: int, proc: subprocess.Popen, path: str = "/api/vendors/none") -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"a server did not start (exit {proc.poll()})")


def prepare(tmp: Path) -> tuple[subprocess.Popen, int, dict[str, str], dict[str, bytes]]:
    """`arangetram serve` on a store with the demo catalog and a user with 10 events; the
    paths to measure and the bytes it answers on each."""
    import httpx

    env = {**isolated_env(tmp), "JWT_SECRET": SECRET, "ARANGETRAM_AUTH_RATE_LIMIT": "off"}
    port = free_port()
    ours = subprocess.Popen(
        [*OURS, "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_up(port, ours)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=10) as http:
        http.post("/api/seed").raise_for_status()
        reg = http.post(
            "/api/auth/register",
            json={"email": "bench@example.com", "name": "Bench", "password": "bench-password-1"},
        ).json()
        token = reg["token"]
        h = {"Authorization": f"Bearer {token}"}
        for i in range(10):
            http.post(
                "/api/events",
                json={"event_name": f"Recital {i}", "event_date": "2027-06-12"},
                headers=h,
            ).raise_for_status()
        vendor_id = http.get("/api/vendors").json()[0]["id"]
        paths = {
            "vendor": f"/api/vendors/{vendor_id}",
            "vendors": "/api/vendors?category=venue",
            "events": "/api/events",
        }
        bodies = {
            name: http.get(path, headers=h if name == "events" else None).content
            for name, path in paths.items()
        }
    return ours, port, {**paths, "token": token}, bodies


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks serve")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--quick", action="store_true", help="2 rounds of 1 s")
    args = ap.parse_args(argv or [])
    if args.quick:
        args.rounds, args.seconds = 2, 1.0
    rounds = max(1, min(args.rounds, 20))
    seconds = max(0.2, min(args.seconds, 10.0))
    conns = max(1, min(args.connections, 64))
    with tempfile.TemporaryDirectory(prefix="arangetram-serve-bench-") as d:
        tmp = Path(d)
        ours, our_port, paths, bodies = prepare(tmp)
        bodies_file = tmp / "bodies.json"
        bodies_file.write_text(json.dumps({k: v.decode() for k, v in bodies.items()}))
        floor_port = free_port()
        floor = subprocess.Popen(
            [*FLOOR, "--port", str(floor_port), "--bodies", str(bodies_file)],
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(floor_port, floor, "/api/events")
            run(ours, our_port, floor, floor_port, paths, rounds, seconds, conns)
        finally:
            for p in (ours, floor):
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def run(
    ours: subprocess.Popen,
    our_port: int,
    floor: subprocess.Popen,
    floor_port: int,
    paths: dict[str, str],
    rounds: int,
    seconds: float,
    conns: int,
) -> None:
    servers = {"serve": (ours, our_port), "floor": (floor, floor_port)}
    token = paths["token"]
    cases = [
        ("GET /api/vendors/{id}", request(paths["vendor"])),
        ("GET /api/vendors?category=venue", request(paths["vendors"])),
        ("GET /api/events (logged in)", request(paths["events"], token)),
    ]
    print(
        f"arangetram serve vs a minimal FastAPI app returning the same bytes (one worker each, "
        f"same uvicorn settings; {conns} keep-alive connections, {rounds} interleaved rounds of "
        f"{seconds:g} s, medians; python {sys.version.split()[0]}, {os.cpu_count()} cpus)"
    )
    print(
        f"  {'endpoint':34s} {'server':6s} {'req/s':>8s} {'p50 ms':>7s} {'p99 ms':>7s} "
        f"{'CPU us/req':>10s}"
    )
    for label, raw in cases:
        got: dict[str, list[tuple[float, float, float, float]]] = {k: [] for k in servers}
        errors = 0
        for r in range(rounds):
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for name in order:
                proc, port = servers[name]
                load(port, raw, min(0.3, seconds), conns)  # warm-up
                cpu0 = cpu_seconds(proc.pid)
                res = load(port, raw, seconds, conns)
                cpu = cpu_seconds(proc.pid) - cpu0
                errors += res.errors
                per = cpu / max(1, res.requests + res.errors) * 1e6
                got[name].append((res.rps, res.pct(0.5), res.pct(0.99), per))
        med = {
            name: tuple(statistics.median(x[i] for x in rows) for i in range(4))
            for name, rows in got.items()
        }
        for name in servers:
            rps, p50, p99, per = med[name]
            print(f"  {label:34s} {name:6s} {rps:8.0f} {p50:7.2f} {p99:7.2f} {per:10.0f}")
        cpu_ratio = med["serve"][3] / med["floor"][3]
        rps_ratio = med["serve"][0] / med["floor"][0]
        verdict = "ok" if cpu_ratio <= TARGET else f"over the {TARGET}x target"
        print(
            f"  {'':34s} ratio  CPU/request {cpu_ratio:.2f}x the floor ({verdict}), "
            f"requests/s {rps_ratio:.2f}x" + (f"; {errors} non-200 answers" if errors else "")
        )
