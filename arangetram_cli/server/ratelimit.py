"""A small in-process token bucket per client address (for the auth endpoints).

Each worker process keeps its own buckets: with `--workers N` the effective limit is up to N
times the configured one, which is still a bound. Buckets that have refilled completely are
dropped, so memory stays proportional to the clients seen in the last refill period.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from arangetram_cli.core.errors import Invalid


@dataclass(frozen=True)
class Rate:
    burst: int  # requests allowed at once
    per_minute: float  # sustained refill

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


DEFAULT_AUTH_RATE = Rate(burst=10, per_minute=30)


def parse_rate(text: str | None) -> Rate | None:
    """`ARANGETRAM_AUTH_RATE_LIMIT`: "BURST/PER_MINUTE" (e.g. "10/30"), a single number for
    both, or "0"/"off" to disable. Unset: the default (10 at once, 30 a minute)."""
    if text is None or not text.strip():
        return DEFAULT_AUTH_RATE
    t = text.strip().lower()
    if t in ("0", "off", "none", "false"):
        return None
    try:
        if "/" in t:
            burst, per = t.split("/", 1)
            rate = Rate(int(burst), float(per))
        else:
            rate = Rate(int(t), float(t))
    except ValueError:
        raise Invalid(
            f"ARANGETRAM_AUTH_RATE_LIMIT must look like 10/30 (burst/per minute), not '{text}'"
        ) from None
    if rate.burst < 1 or rate.per_minute <= 0:
        raise Invalid("ARANGETRAM_AUTH_RATE_LIMIT: burst and rate must be positive")
    return rate


def rate_from_env() -> Rate | None:
    return parse_rate(os.environ.get("ARANGETRAM_AUTH_RATE_LIMIT"))


class TokenBuckets:
    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)

    def take(self, key: str) -> float:
        """Spend one token for `key`. Returns 0 when allowed, else seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.rate.burst), now))
            tokens = min(float(self.rate.burst), tokens + (now - last) * self.rate.per_second)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > 10_000:
                    self._prune(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate.per_second

    def retry_after(self, wait: float) -> int:
        return max(1, math.ceil(wait))

    def _prune(self, now: float) -> None:
        full = [
            k
            for k, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self.rate.per_second >= self.rate.burst
        ]
        for k in full:
            del self._buckets[k]
