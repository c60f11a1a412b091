"""Fixtures of the compatibility suite: the web app's contract double as a real uvicorn process
on 127.0.0.1 (its access log kept, so tests can tell which requests reached it), a provider
for its assistant whose answers a test chooses, and the CLI as a subprocess pointed at it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Run, isolated_env
from tests.server.support import SECRET, FakeServer, free_port

DOUBLE = Path(__file__).with_name("webapp_double.py")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Double:
    url: str
    proc: subprocess.Popen
    log: Path
    provider: FakeServer

    def requests(self, method: str, path: str) -> int:
        """How many `METHOD path` requests its access log shows (query strings ignored)."""
        pattern = re.compile(rf'"{method} {re.escape(path)}(\?[^ ]*)? HTTP/1\.1" \d{{3}}')
        return len(pattern.findall(self.log.read_text(errors="replace")))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_double(tmp: Path, provider: FakeServer) -> Double:
    import httpx

    env = {
        **isolated_env(tmp),
        "JWT_SECRET": SECRET,
        "DOUBLE_LLM_URL": f"{provider.url}/v1",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for _ in range(3):
        port = free_port()
        log = tmp / f"double-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, str(DOUBLE), "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp,
            )
        double = Double(f"http://127.0.0.1:{port}", proc, log, provider)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{double.url}/api/", timeout=1).status_code == 200:
                    return double
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        double.stop()
        if "address already in use" not in log.read_text(errors="replace").lower():
            raise RuntimeError(f"the web app double did not start:\n{log.read_text()}")
    raise RuntimeError("the web app double found no free port")


@pytest.fixture(scope="module")
def double(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Double]:
    """One seeded double per test module (tests use their own accounts and names)."""
    import httpx

    provider = FakeServer()
    d = start_double(tmp_path_factory.mktemp("double"), provider)
    try:
        assert httpx.post(f"{d.url}/api/seed", timeout=10).status_code == 200
        yield d
    finally:
        d.stop()
        provider.close()


@pytest.fixture
def web(sh: Callable[..., Run], double: Double) -> Callable[..., Run]:
    """The CLI, as a subprocess, in remote mode against the double."""

    def run(*args: str, **kw: object) -> Run:
        return sh("--api-url", double.url, *args, **kw)

    return run
