"""A rate limit as the server's settings spell it: "BURST/PER_MINUTE" ("10/30"), one number
for both ("7"), or "0"/"off"/"none"/"false" for none. One reader for every rate setting
(ARANGETRAM_AUTH_RATE_LIMIT, ARANGETRAM_AI_RATE_LIMIT, ARANGETRAM_AI_IP_RATE_LIMIT,
ARANGETRAM_RSVP_RATE_LIMIT); the buckets that spend it are server/ratelimit.py's."""

from __future__ import annotations

from dataclasses import dataclass

from arangetram_cli.core.errors import Invalid


@dataclass(frozen=True)
class Rate:
    burst: int  # requests allowed at once
    per_minute: float  # sustained refill

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


def parse_rate(text: str | None, name: str, default: Rate | None) -> Rate | None:
    """The rate `text` spells for the setting `name`; `default` when it is unset or blank,
    None when it says off. Invalid (a usage error) names the setting and shows the default."""
    if text is None or not text.strip():
        return default
    t = text.strip().lower()
    if t in ("0", "off", "none", "false"):
        return None
    try:
        burst, _, per = t.partition("/")
        rate = Rate(int(burst), float(per if "/" in t else burst))
    except ValueError:
        example = f"{default.burst}/{default.per_minute:g}" if default else "10/30"
        raise Invalid(f"{name} must look like {example}, not '{text}'") from None
    if rate.burst < 1 or not rate.per_minute > 0:
        raise Invalid(f"{name}: burst and rate must be positive")
    return rate
