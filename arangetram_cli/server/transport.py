"""How `arangetram serve` runs uvicorn: the connection limits, the header timeout, the file
descriptor budget and logging that cannot flood the disk.

- `uvicorn_settings(limits)`: the keyword arguments for `uvicorn.run` (also used by
  `python -m benchmarks serve` for the framework floor, so both run the same way).
- `GuardedH11`: uvicorn's h11 protocol with two additions uvicorn lacks: a request's headers
  must arrive within `header_timeout` of its first byte (or of the connection), else the
  connection is closed (408 when part of a request came); and past `max_connections` open
  connections a new one gets a 503 and is closed at once, so idle or slow clients cannot use
  up the process's file descriptors.
- `LogStormFilter`: at most a few records of one kind per interval, then one line saying how
  many were dropped (a flood of accept errors when descriptors run out wrote 34 MB in
  seconds).
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any

import h11
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from arangetram_cli.server.limits import Limits

FD_RESERVE = 64  # descriptors kept for the store, log files and the thread pool


def _raw(status: str, detail: str, extra: str = "") -> bytes:
    body = b'{"detail": "' + detail.encode() + b'"}'
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n{extra}\r\n"
    )
    return head.encode() + body


_BUSY = _raw(
    "503 Service Unavailable", "Too many connections; try again shortly", "retry-after: 1\r\n"
)
_TIMEOUT = _raw("408 Request Timeout", "Request headers not received in time")
_HEAD_TOO_LARGE = _raw("431 Request Header Fields Too Large", "Request line and headers too large")


def fd_budget() -> int:
    """Raise the soft limit on open files to the hard one (at most 65536); the descriptors
    connections may use."""
    try:
        import resource  # noqa: PLC0415 (POSIX only)

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        return max(16, (65536 if soft == resource.RLIM_INFINITY else soft) - FD_RESERVE)
    except (ImportError, ValueError, OSError):
        return 1000


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with a header timeout and a cap on open connections (named by
    import string in uvicorn's settings, so `--workers` processes load it too; each reads
    the limits from the environment)."""

    _limits: tuple[float, int, int] | None = None
    _header_timer: Any = None

    @classmethod
    def limits(cls) -> tuple[float, int, int]:
        """(header timeout, connection cap, largest request line + headers)"""
        if cls._limits is None:
            lim = Limits.from_env()
            cap = min(lim.max_connections, fd_budget())
            cls._limits = (lim.header_timeout, cap, lim.max_header_bytes)
        return cls._limits

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits()[1]:
            transport.write(_BUSY)
            transport.close()
            return
        self._arm()

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.limits()[0], self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def data_received(self, data: bytes) -> None:
        if self.conn.their_state is h11.IDLE:
            self._arm()  # a request begins (or continues): its headers are on the clock
            # h11 bounds only a head that arrives in pieces; one that arrives whole is
            # measured here
            buffered = self.conn.trailing_data[0]
            tail = buffered[-3:]
            end = (tail + data).find(b"\r\n\r\n")
            size = len(buffered) + len(data) if end < 0 else len(buffered) - len(tail) + end + 4
            if size > self.limits()[2]:
                self.transport.write(_HEAD_TOO_LARGE)
                self.transport.close()
                return
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.SEND_BODY:
            # answered without reading the whole body (a GET with one): uvicorn would read
            # and drop the rest for as long as the client sends it; close instead
            self.transport.close()

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request of this connection is still being answered
        if self.conn.trailing_data[0]:
            self.transport.write(_TIMEOUT)
        self.transport.close()


class LogStormFilter(logging.Filter):
    """Lets through at most `burst` records with the same message template per `window`
    seconds; the first one after a quiet window says how many were dropped."""

    def __init__(self, burst: int = 5, window: float = 10.0, clock: Any = time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self._clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg)[:200])
        now = self._clock()
        start, count, dropped = self._seen.get(key, (now, 0, 0))
        if now - start >= self.window:
            if dropped:
                record.msg = f"{record.getMessage()} ({dropped} more like this were not logged)"
                record.args = ()
            start, count, dropped = now, 0, 0
        count += 1
        keep = count <= self.burst
        if len(self._seen) > 1000:
            self._seen.clear()
        self._seen[key] = (start, count, dropped + (not keep))
        return keep


def log_config(log_level: str) -> dict[str, Any]:
    """uvicorn's logging configuration with the storm filter on its error log, asyncio's
    (accept errors) and this server's own."""

    cfg = copy.deepcopy(LOGGING_CONFIG)
    storm = {"()": "arangetram_cli.server.transport.LogStormFilter"}
    cfg.setdefault("filters", {})["storm"] = storm
    cfg["handlers"]["default"].setdefault("filters", []).append("storm")
    for name in ("asyncio", "arangetram"):
        cfg["loggers"][name] = {
            "handlers": ["default"],
            "level": log_level.upper(),
            "propagate": False,
        }
    return cfg


def uvicorn_settings(limits: Limits, log_level: str = "info") -> dict[str, Any]:
    """uvicorn.run's keyword arguments for these limits (besides app, host, port, workers)."""
    max_conn = min(limits.max_connections, fd_budget())
    return {
        "http": "arangetram_cli.server.transport:GuardedH11",
        "h11_max_incomplete_event_size": limits.max_header_bytes,
        "timeout_keep_alive": limits.keep_alive,
        "limit_concurrency": max_conn + 1,  # + the one request past the cap that gets a 503
        "backlog": min(2048, max_conn),
        "log_level": log_level,
        "log_config": log_config(log_level),
        "proxy_headers": True,  # X-Forwarded-For from FORWARDED_ALLOW_IPS (default loopback)
        "server_header": False,
    }
