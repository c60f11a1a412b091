"""The limits `arangetram serve` puts on its clients, read from the environment once at start.

Every limit has a default that a normal client never meets and an environment variable to
change it (docs/remote.md lists them). A bad value is a usage error when the server starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.rates import Rate, parse_rate
from arangetram_cli.media import images

MiB = 1024 * 1024


def parse_size(text: str, name: str) -> int:
    """A size as every setting reads it (media.images.parse_size: `524288`, `512k`, `2MiB`,
    `2M` binary, `2MB` decimal) -> bytes; at least 1 KiB."""
    try:
        value = images.parse_size(text)
    except ValueError:
        raise Invalid(f"{name} must be a size such as 1MiB or 524288, not '{text}'") from None
    if value < 1024:
        raise Invalid(f"{name} must be at least 1 KiB, not '{text}'")
    return value


def _env_size(name: str, default: int) -> int:
    text = os.environ.get(name)
    return default if text is None or not text.strip() else parse_size(text, name)


def _env_number(name: str, default: float, low: float, high: float) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise Invalid(f"{name} must be a number, not '{text}'") from None
    if not low <= value <= high:
        raise Invalid(f"{name} must be between {low:g} and {high:g}, not '{text}'")
    return value


def _env_rate(name: str, default: Rate | None) -> Rate | None:
    return parse_rate(os.environ.get(name), name, default)


AI_RATE = Rate(burst=10, per_minute=20)
AI_IP_RATE = Rate(burst=30, per_minute=60)
RSVP_RATE = Rate(burst=20, per_minute=30)  # per RSVP link; five times that per address


@dataclass(frozen=True)
class Limits:
    max_body: int = 1 * MiB  # ARANGETRAM_MAX_BODY: 413 past it, checked before parsing
    body_timeout: float = 30.0  # ARANGETRAM_BODY_TIMEOUT: a whole body within this, or 408
    header_timeout: float = 10.0  # ARANGETRAM_HEADER_TIMEOUT: a request's headers, or closed
    keep_alive: int = 5  # ARANGETRAM_KEEP_ALIVE: an idle keep-alive connection is closed
    max_header_bytes: int = 16 * 1024  # ARANGETRAM_MAX_HEADER: request line + headers
    max_connections: int = 1000  # ARANGETRAM_MAX_CONNECTIONS: 503 past it (per worker)
    ai_rate: Rate | None = AI_RATE  # ARANGETRAM_AI_RATE_LIMIT, per user
    ai_ip_rate: Rate | None = AI_IP_RATE  # ARANGETRAM_AI_IP_RATE_LIMIT, per address
    ai_guest_quota: int = 10  # ARANGETRAM_AI_GUEST_QUOTA: AI requests per guest per day
    ai_max_messages: int = 40  # ARANGETRAM_AI_MAX_MESSAGES: 422 past it
    ai_max_chars: int = 40_000  # ARANGETRAM_AI_MAX_CHARS: all messages' text, 413 past it
    rsvp_rate: Rate | None = RSVP_RATE  # ARANGETRAM_RSVP_RATE_LIMIT, per RSVP link

    @classmethod
    def from_env(cls) -> Limits:
        d = cls()
        return cls(
            max_body=_env_size("ARANGETRAM_MAX_BODY", d.max_body),
            body_timeout=_env_number("ARANGETRAM_BODY_TIMEOUT", d.body_timeout, 1, 3600),
            header_timeout=_env_number("ARANGETRAM_HEADER_TIMEOUT", d.header_timeout, 1, 3600),
            keep_alive=int(_env_number("ARANGETRAM_KEEP_ALIVE", d.keep_alive, 1, 3600)),
            max_header_bytes=_env_size("ARANGETRAM_MAX_HEADER", d.max_header_bytes),
            max_connections=int(
                _env_number("ARANGETRAM_MAX_CONNECTIONS", d.max_connections, 1, 1_000_000)
            ),
            ai_rate=_env_rate("ARANGETRAM_AI_RATE_LIMIT", d.ai_rate),
            ai_ip_rate=_env_rate("ARANGETRAM_AI_IP_RATE_LIMIT", d.ai_ip_rate),
            rsvp_rate=_env_rate("ARANGETRAM_RSVP_RATE_LIMIT", d.rsvp_rate),
            ai_guest_quota=int(
                _env_number("ARANGETRAM_AI_GUEST_QUOTA", d.ai_guest_quota, 0, 1_000_000)
            ),
            ai_max_messages=int(
                _env_number("ARANGETRAM_AI_MAX_MESSAGES", d.ai_max_messages, 1, 10_000)
            ),
            ai_max_chars=int(
                _env_number("ARANGETRAM_AI_MAX_CHARS", d.ai_max_chars, 100, 10_000_000)
            ),
        )
