"""The planning workspace on SQLite: how reading the checklist, the budget and the one-screen
plan grows with the size of a plan (a family's is ~25-60 tasks and ~20 budget lines; the
larger sizes show the per-event queries stay on their indexes), and what the store does per
read. Medians of interleaved rounds; figures, not assertions.

python -m benchmarks workspace [--quick]
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = [(25, 20), (250, 200), (2500, 2000)]  # (tasks, budget lines) on one event
OTHER_EVENTS = 200  # other families' events, each with the template, in the same tables
ROUNDS = 21


def _world(root: Path, tasks: int, lines: int) -> tuple[Any, list[str]]:
    import os

    os.environ.setdefault("ARANGETRAM_BCRYPT_ROUNDS", "4")
    from arangetram_cli.planner.local import LocalPlanner
    from arangetram_cli.store.sqlite import SqliteStore

    store = SqliteStore(root / f"w-{tasks}.db")
    p = LocalPlanner(store, "b" * 40)
    p.register(f"bench-{tasks}@example.com", "Bench", "correct horse battery")
    for i in range(OTHER_EVENTS):  # noise: other events' rows share the tables
        e = p.create_event({"event_name": f"Other {i}", "event_date": "2027-06-12"})
        p.apply_template(e["id"])
    event = p.create_event({"event_name": "Measured", "event_date": "2027-06-12"})
    from arangetram_cli.core import workspace as ws

    docs = [
        ws.new_task(event, event["user_id"], title=f"Task {i}", due_date="2027-01-01")
        for i in range(tasks)
    ]
    store.tasks.insert_many(docs)
    items = [
        ws.new_budget_item(event, event["user_id"], {"name": f"Line {i}", "estimate_cents": 1000})
        for i in range(lines)
    ]
    store.budget_items.insert_many(items)
    return p, [event["id"]]


def main(flags: list[str]) -> None:
    quick = "--quick" in flags
    sizes = SIZES[:1] if quick else SIZES
    rounds = 3 if quick else ROUNDS
    with tempfile.TemporaryDirectory() as tmp:
        worlds = {s: _world(Path(tmp), *s) for s in sizes}
        ops = {
            "tasks list": lambda p, e: p.list_tasks(e),
            "budget show": lambda p, e: p.get_budget(e),
            "events plan": lambda p, e: p.get_plan(e),
        }
        times: dict[tuple[str, tuple[int, int]], list[float]] = {}
        for _ in range(rounds):  # interleaved: every size and operation once per round
            for size, (p, (event_id,)) in worlds.items():
                for name, op in ops.items():
                    t0 = time.perf_counter()
                    op(p, event_id)
                    times.setdefault((name, size), []).append(time.perf_counter() - t0)
        print(f"planning workspace on SQLite, median of {rounds} interleaved rounds")
        print(f"(plus {OTHER_EVENTS} other events with the 25-task template in the same tables)")
        head = "".join(f"{f'{t} tasks/{b} lines':>22}" for t, b in sizes)
        print(f"{'operation':<14}{head}")
        for name in ops:
            cells = "".join(f"{statistics.median(times[name, s]) * 1000:>19.2f} ms" for s in sizes)
            print(f"{name:<14}{cells}")
        for p, _ in worlds.values():
            p.close()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
