"""Helpers shared by tests/planner and tests/server: a real `arangetram serve` subprocess on
loopback, and tiny fake servers (counting requests) for the fault tests."""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import isolated_env

SECRET = "test-jwt-secret-" + "k" * 40
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_env(tmp: Path, **extra: str) -> dict[str, str]:
    from arangetram_cli.ai.client import LLM_ENV_VARS
    from arangetram_cli.media.s3_config import ENV_VARS as S3_ENV_VARS

    env = isolated_env(tmp)
    for k in (*LLM_ENV_VARS, *S3_ENV_VARS):  # no provider or bucket unless a test sets one
        env.pop(k, None)
    env.update(
        JWT_SECRET=SECRET,
        ARANGETRAM_AUTH_RATE_LIMIT="off",
        ARANGETRAM_AI_RATE_LIMIT="off",  # tests that check the limits set their own
        ARANGETRAM_AI_IP_RATE_LIMIT="off",
        ARANGETRAM_AI_GUEST_QUOTA="1000",
        PYTHONUNBUFFERED="1",
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


@dataclass
class Served:
    url: str
    proc: subprocess.Popen
    log: Path
    env: dict[str, str]
    db_path: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def store(self) -> Any:
        """The server's own SQLite store, opened beside it (WAL allows both)."""
        from arangetram_cli.store.sqlite import SqliteStore

        return SqliteStore(self.db_path)


def start_serve(
    tmp: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 30.0
) -> Served:
    """`python -m arangetram_cli serve` on 127.0.0.1 and a free port; waits for /api/health."""
    import httpx

    tmp.mkdir(parents=True, exist_ok=True)
    env = env or serve_env(tmp)
    for _ in range(3):  # a free port can be taken between probing and binding: try again
        port = free_port()
        log = tmp / f"serve-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "arangetram_cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    *args,
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=tmp,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    db = Path(env["ARANGETRAM_DATA_DIR"]) / "arangetram.db"
                    return Served(url, proc, log, env, db)
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        served = Served(url, proc, log, env, tmp)
        served.stop()
        text = log.read_text(errors="replace")
        if "address already in use" not in text.lower():
            raise RuntimeError(f"arangetram serve did not start:\n{text}")
    raise RuntimeError("arangetram serve found no free port")


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One real server per test session (per xdist worker), on a temporary SQLite store."""
    s = start_serve(tmp_path_factory.mktemp("served"))
    try:
        yield s
    finally:
        s.stop()


# ---- fake servers for fault tests ---------------------------------------------------------
Reply = tuple[int, Any, dict[str, str]]  # status, body (bytes/str/JSON-able), headers


@dataclass
class FakeServer:
    """An HTTP server whose answers a test chooses; it counts requests by (method, path)."""

    routes: dict[tuple[str, str], Callable[[Any], Reply]] = field(default_factory=dict)
    default: Reply = (404, {"detail": "Not Found"}, {})
    hits: Counter = field(default_factory=Counter)
    auth: list[str | None] = field(default_factory=list)
    agents: list[str | None] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def _answer(self) -> None:
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("content-length") or 0)
                self.body = self.rfile.read(length) if length else b""
                fake.hits[(self.command, path)] += 1
                fake.auth.append(self.headers.get("authorization"))
                fake.agents.append(self.headers.get("user-agent"))
                reply = fake.routes.get((self.command, path))
                status, body, headers = reply(self) if reply else fake.default
                raw = (
                    body
                    if isinstance(body, bytes)
                    else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
                )
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class SilentServer:
    """Accepts connections, reads the request, and never answers. Counts connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.requests: list[bytes] = []
        self._held: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            self._held.append(conn)
            conn.settimeout(2)
            with contextlib.suppress(OSError):
                self.requests.append(conn.recv(65536))

    def close(self) -> None:
        self._stop = True
        for c in self._held:
            c.close()
        self.sock.close()


def closed_port() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


def wait_until(cond: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()
