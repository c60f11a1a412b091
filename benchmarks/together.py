"""Planning together on SQLite: what the role check costs (the owner and a planner reading
the same event's checklist and plan), the guest list at family sizes (150-500 guests, and
5,000: the per-event cap), a contacts import of that many rows, and one RSVP answer (link
lookup by hash + compare-and-set). Medians of interleaved rounds; figures, not assertions.

python -m benchmarks together [--quick]
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = [150, 500, 5000]  # guests on the measured event
OTHER_EVENTS = 100  # other families' events sharing the tables, each shared with 3 people
ROUNDS = 15


def _csv(n: int, tag: str) -> str:
    rows = ["First Name,Last Name,E-mail Address,Mobile Phone,Group Membership"]
    rows += [
        f"Guest{i},{tag},g{i}-{tag}@example.com,+1 408 555 {i % 10000:04d},Family" for i in range(n)
    ]
    return "\n".join(rows) + "\n"


def _world(root: Path, guests: int) -> dict[str, Any]:
    import os

    os.environ.setdefault("ARANGETRAM_BCRYPT_ROUNDS", "4")
    from arangetram_cli.planner.local import LocalPlanner
    from arangetram_cli.store.sqlite import SqliteStore

    store = SqliteStore(root / f"t-{guests}.db")
    owner = LocalPlanner(store, "b" * 40)
    owner.register(f"owner-{guests}@example.com", "Owner", "correct horse battery")
    planner = LocalPlanner(store, "b" * 40)
    planner.register(f"aunt-{guests}@example.com", "Aunt", "correct horse battery")
    helpers = []
    for i in range(3):
        h = LocalPlanner(store, "b" * 40)
        h.register(f"h{i}-{guests}@example.com", "Helper", "correct horse battery")
        helpers.append(f"h{i}-{guests}@example.com")
    for i in range(OTHER_EVENTS):
        e = owner.create_event({"event_name": f"Other {i}", "event_date": "2027-06-12"})
        for email in helpers:
            owner.share_event(e["id"], email, "viewer")
    event = owner.create_event(
        {"event_name": "Measured", "event_date": "2027-06-12", "guest_count": guests}
    )
    owner.apply_template(event["id"])
    owner.share_event(event["id"], f"aunt-{guests}@example.com", "planner")
    owner.import_guests(event["id"], _csv(guests, "base"))
    link = owner.guest_links(event["id"], base_url="https://r.example")["links"][0]["token"]
    return {"owner": owner, "planner": planner, "event": event["id"], "token": link}


def main(flags: list[str]) -> None:
    quick = "--quick" in flags
    sizes = SIZES[:1] if quick else SIZES
    rounds = 3 if quick else ROUNDS
    answers = iter(["yes", "no", "maybe"] * 1000)
    with tempfile.TemporaryDirectory() as tmp:
        worlds = {n: _world(Path(tmp), n) for n in sizes}
        ops = {
            "tasks list, owner": lambda w: w["owner"].list_tasks(w["event"]),
            "tasks list, planner": lambda w: w["planner"].list_tasks(w["event"]),
            "events plan, owner": lambda w: w["owner"].get_plan(w["event"]),
            "events plan, planner": lambda w: w["planner"].get_plan(w["event"]),
            "guests list": lambda w: w["planner"].list_guests(w["event"]),
            "rsvp answer": lambda w: w["owner"].rsvp_answer(  # as the page does: look up, answer
                w["owner"].rsvp_lookup(w["token"]), next(answers), 2, "hi"
            ),
        }
        times: dict[tuple[str, int], list[float]] = {}
        imports: dict[int, list[float]] = {}
        for r in range(rounds):  # interleaved: every size and operation once per round
            for n, w in worlds.items():
                for name, op in ops.items():
                    t0 = time.perf_counter()
                    op(w)
                    times.setdefault((name, n), []).append(time.perf_counter() - t0)
                if r < 3:  # an import adds n guests: a few rounds only
                    ev = w["owner"].create_event(
                        {"event_name": f"Import {r}", "event_date": "2027-06-12"}
                    )
                    text = _csv(n, f"r{r}")
                    t0 = time.perf_counter()
                    w["owner"].import_guests(ev["id"], text)
                    imports.setdefault(n, []).append(time.perf_counter() - t0)
        print(f"planning together on SQLite, median of {rounds} interleaved rounds")
        print(f"(plus {OTHER_EVENTS} other events, each shared with 3 people)")
        head = "".join(f"{f'{n} guests':>16}" for n in sizes)
        print(f"{'operation':<22}{head}")
        for name in ops:
            cells = "".join(f"{statistics.median(times[name, n]) * 1000:>13.2f} ms" for n in sizes)
            print(f"{name:<22}{cells}")
        cells = "".join(f"{statistics.median(imports[n]) * 1000:>13.2f} ms" for n in sizes)
        print(f"{'guests import (CSV)':<22}{cells}")
        for n in sizes:
            own = statistics.median(times["tasks list, owner", n])
            mem = statistics.median(times["tasks list, planner", n])
            print(f"role check: planner/owner tasks list at {n} guests = {mem / own:.2f}x")
        for w in worlds.values():
            w["owner"].close()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
