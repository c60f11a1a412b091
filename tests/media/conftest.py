"""Fixtures for portfolio uploads: a real S3-compatible HTTP endpoint (moto's standalone
server on 127.0.0.1, a free port), one fresh bucket per test, test-only AWS credentials
(real ones are never read), sample images, and a marketplace with vendors."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_journey import register, use_profile

# Every variable through which boto3 could find real credentials or another endpoint.
AWS_SCRUB = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_REGION",
    "AWS_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ARANGETRAM_S3_BUCKET",
    "ARANGETRAM_S3_PREFIX",
    "ARANGETRAM_S3_ENDPOINT_URL",
    "ARANGETRAM_S3_PUBLIC_URL",
    "ARANGETRAM_S3_MAX_BYTES",
    "ARANGETRAM_S3_MULTIPART_BYTES",
)
TEST_KEY = "testing-access-key"
TEST_SECRET = "testing-secret-key"
MIB = 1024 * 1024


def test_aws_env(tmp: Path) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": TEST_KEY,
        "AWS_SECRET_ACCESS_KEY": TEST_SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


test_aws_env.__test__ = False  # type: ignore[attr-defined]  (a helper, not a test)


@pytest.fixture
def aws_env(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The isolated environment plus test-only AWS settings, in this process and in the
    `env` dict that `sh` subprocesses get."""
    for k in AWS_SCRUB:
        monkeypatch.delenv(k, raising=False)
        env.pop(k, None)
    for k, v in test_aws_env(tmp_path).items():
        monkeypatch.setenv(k, v)
        env[k] = v
    return env


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str, key: str = TEST_KEY, secret: str = TEST_SECRET) -> Any:
    import boto3

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: Any
    env: dict[str, str]
    monkeypatch: pytest.MonkeyPatch

    def set(self, **values: str | None) -> None:
        """Set (or, with None, unset) ARANGETRAM_S3_* variables for in-process and `sh` runs."""
        for short, v in values.items():
            name = f"ARANGETRAM_S3_{short.upper()}"
            if v is None:
                self.monkeypatch.delenv(name, raising=False)
                self.env.pop(name, None)
            else:
                self.monkeypatch.setenv(name, v)
                self.env[name] = v

    def keys(self) -> list[str]:
        out = self.client.list_objects_v2(Bucket=self.bucket)
        return sorted(o["Key"] for o in out.get("Contents", []))

    def get(self, key: str) -> dict[str, Any]:
        return self.client.get_object(Bucket=self.bucket, Key=key)

    def body(self, key: str) -> bytes:
        return self.get(key)["Body"].read()

    def url(self, key: str) -> str:
        return f"{self.endpoint}/{self.bucket}/{key}"


@pytest.fixture
def s3(moto_endpoint: str, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> S3:
    """A fresh bucket on the moto server, configured as the upload target."""
    client = s3_client(moto_endpoint)
    bucket = f"portfolio-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)
    s = S3(moto_endpoint, bucket, client, aws_env, monkeypatch)
    s.set(bucket=bucket, endpoint_url=moto_endpoint)
    return s


# ---- sample files -------------------------------------------------------------------------
def jpeg_bytes(size: int = 2048, seed: int = 1) -> bytes:
    return _pad(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", size, seed)


def png_bytes(size: int = 2048, seed: int = 2) -> bytes:
    return _pad(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", size, seed)


def webp_bytes(size: int = 2048, seed: int = 3) -> bytes:
    return _pad(b"RIFF" + (size - 8).to_bytes(4, "little") + b"WEBPVP8 ", size, seed)


def _pad(head: bytes, size: int, seed: int) -> bytes:
    import random

    rng = random.Random(seed)
    return head + rng.randbytes(size - len(head))


@pytest.fixture
def files(tmp_path: Path) -> Callable[..., Path]:
    """files(name, data) writes a file under tmp_path/in and returns its path."""
    base = tmp_path / "in"
    base.mkdir()

    def make(name: str, data: bytes) -> Path:
        p = base / name
        p.write_bytes(data)
        return p

    return make


# ---- a marketplace ------------------------------------------------------------------------
@dataclass
class World:
    ven: Callable[..., Any]  # a vendor with a profile
    ven2: Callable[..., Any]  # another vendor with a profile
    fam: Callable[..., Any]  # a family: no vendor profile
    vid: str
    v2: str


def _profile(run: Callable[..., Any], name: str) -> str:
    r = run(
        "vendors",
        "create",
        "--name",
        name,
        "--category",
        "photographer",
        "--location",
        "Fremont, CA",
        "--price-range",
        "$$",
    )
    assert r.code == 0, r.err
    return r.json()["id"]


@pytest.fixture
def world(cli: Callable[..., Any], aws_env: dict[str, str]) -> World:
    ven, ven2, fam = (use_profile(cli, p) for p in ("ven", "ven2", "fam"))
    register(ven, "lens@example.com", vendor=True)
    register(ven2, "other-lens@example.com", vendor=True)
    register(fam, "family@example.com")
    return World(ven, ven2, fam, _profile(ven, "Lens Studio"), _profile(ven2, "Other Studio"))


# ---- endpoints that misbehave -----------------------------------------------------------------
@pytest.fixture
def dropping_endpoint() -> Iterator[str]:
    """An HTTP endpoint on 127.0.0.1 that answers HEAD with 404 (no such object yet) and
    drops every other request after reading part of it: an upload cut off mid-way."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(0.2)
    stop = threading.Event()
    seen: list[str] = []

    def handle(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            data = b""
            while True:  # requests on this (keep-alive) connection
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                method = head.split(b" ", 1)[0].decode()
                seen.append(method)
                if method != "HEAD":
                    break
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            conn.settimeout(0.3)
            conn.recv(4096)  # a little of the body (if any comes), then hang up
            conn.shutdown(socket.SHUT_RDWR)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        th.join(timeout=5)
        srv.close()
    assert "HEAD" in seen and any(m in ("PUT", "POST") for m in seen), seen


@dataclass
class Faulty:
    url: str
    dropped: list[str]


@pytest.fixture
def faulty_proxy(moto_endpoint: str) -> Iterator[Callable[[Callable[[str, str], bool]], Faulty]]:
    """faulty_proxy(drop) -> an HTTP proxy on 127.0.0.1 in front of the moto server that
    forwards every request except those where drop(method, path_and_query) is true: those
    get part of their body read, then the connection is cut (a network failure mid-upload)."""
    import http.client
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    upstream = urlsplit(moto_endpoint)
    servers: list[ThreadingHTTPServer] = []

    def start(drop: Callable[[str, str], bool]) -> Faulty:
        dropped: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive and 100-continue, as S3 speaks

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if drop(self.command, self.path):
                    dropped.append(f"{self.command} {self.path}")
                    self.rfile.read(min(length, 64 * 1024))
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("expect", "connection")
                }
                conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return Faulty(f"http://127.0.0.1:{srv.server_address[1]}", dropped)

    try:
        yield start
    finally:
        for srv in servers:
            srv.shutdown()
            srv.server_close()


@pytest.fixture
def closed_port() -> str:
    """A loopback port nobody listens on (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"
