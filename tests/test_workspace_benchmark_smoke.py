"""The workspace benchmark still runs (--quick) and prints its figures; no timing asserted."""

from __future__ import annotations

import re

from benchmarks import workspace


def test_workspace_benchmark_quick(env, capsys):
    workspace.main(["--quick"])
    out = capsys.readouterr().out
    for op in ("tasks list", "budget show", "events plan"):
        assert re.search(rf"^{op}\s+[\d.]+ ms$", out, re.M), out
