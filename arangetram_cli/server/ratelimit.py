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

from arangetram_cli.core import rates
from arangetram_cli.core.rates import Rate as Rate  # its home: core.rates

DEFAULT_AUTH_RATE = Rate(burst=10, per_minute=30)
AUTH_ENV = "ARANGETRAM_AUTH_RATE_LIMIT"


def parse_rate(text: str | None) -> Rate | None:
    """`ARANGETRAM_AUTH_RATE_LIMIT` (core.rates.parse_rate): "10/30" (burst/per minute), a
    single number for both, or "0"/"off" to disable. Unset: 10 at once, 30 a minute."""
    return rates.parse_rate(text, AUTH_ENV, DEFAULT_AUTH_RATE)


def rate_from_env() -> Rate | None:
    return parse_rate(os.environ.get(AUTH_ENV))


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
