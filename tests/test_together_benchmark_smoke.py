"""The planning-together benchmark still runs (--quick) and prints its figures; no timing
asserted."""

from __future__ import annotations

import re

from benchmarks import together


def test_together_benchmark_quick(env, capsys):
    together.main(["--quick"])
    out = capsys.readouterr().out
    for op in ("tasks list, planner", "events plan, planner", "guests list", "rsvp answer"):
        assert re.search(rf"^{re.escape(op)}\s+[\d.]+ ms$", out, re.M), out
    assert re.search(r"^guests import \(CSV\)\s+[\d.]+ ms$", out, re.M), out
