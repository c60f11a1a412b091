"""Races: concurrent changes are never lost and uniqueness holds, on the embedded SQLite store
(real CLI processes sharing one database file) and through `arangetram serve` (threads
sending HTTP requests to a real server at the same moment).

Each race runs in rounds. Before every round all workers report ready and then wait for one
"go" signal, so their requests really overlap; the invariants are checked per round:
8 workers adding different vendors to one event lose none, two registrations of one email
make exactly one account (the other gets a conflict), two vendor profiles for one account
cannot both be created, and two answers to one booking request cannot both win.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import isolated_env
from tests.server.support import SECRET, Served, served  # noqa: F401  (session fixture)

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

PASSWORD = "correct horse battery"
WORKERS = 8  # processes / threads adding vendors to one event
PER_WORKER = 4  # rounds of the add-vendor race (one vendor per worker per round)
PAIR_ROUNDS = 6  # rounds of the two-worker races

# One CLI worker process: import everything first, then for each round say "ready", wait for
# "go", and run that round's command through the real entry point (arangetram_cli main).
WORKER = r"""
import io, json, os, sys, time
from pathlib import Path

from arangetram_cli.cli.app import main
import arangetram_cli.cli.auth, arangetram_cli.cli.events, arangetram_cli.cli.vendors
import arangetram_cli.cli.bookings, arangetram_cli.planner.local, arangetram_cli.store.sqlite
import arangetram_cli.core.models, arangetram_cli.core.security, bcrypt, jwt, questionary

sync, name, rounds = Path(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])
real_stdin, codes = sys.stdin, []
for n, call in enumerate(rounds):
    (sync / f"ready.{name}.{n}").touch()
    deadline = time.monotonic() + 60
    while not (sync / f"go.{n}").exists():
        if time.monotonic() > deadline:
            sys.exit(99)
        time.sleep(0.0005)
    os.environ.update(call.get("env", {}))
    sys.argv = ["arangetram", *call["args"]]
    sys.stdin = io.StringIO(call["stdin"]) if call.get("stdin") is not None else real_stdin
    try:
        main()
    except SystemExit as e:
        codes.append(e.code if isinstance(e.code, int) else 1)
    else:
        codes.append(0)
(sync / f"codes.{name}").write_text(json.dumps(codes))
"""


def run_rounds(
    tmp: Path, env: dict[str, str], plans: dict[str, list[dict[str, Any]]]
) -> dict[str, list[int]]:
    """Start one CLI process per plan; release each round only when every process is ready
    for it. Returns each process's exit codes, round by round."""
    sync = tmp / f"sync-{uuid.uuid4().hex[:6]}"
    sync.mkdir()
    procs = {}
    for name, rounds in plans.items():
        log = (sync / f"log.{name}").open("wb")
        procs[name] = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(sync), name, json.dumps(rounds)],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
    try:
        n_rounds = max(len(r) for r in plans.values())
        for n in range(n_rounds):
            waiting = [name for name, r in plans.items() if n < len(r)]
            deadline = time.monotonic() + 90
            while not all((sync / f"ready.{name}.{n}").exists() for name in waiting):
                dead = [name for name, p in procs.items() if p.poll() not in (None, 0)]
                assert not dead, f"worker {dead} died: {(sync / f'log.{dead[0]}').read_text()}"
                assert time.monotonic() < deadline, f"round {n}: workers never got ready"
                time.sleep(0.002)
            (sync / f"go.{n}").touch()
        for p in procs.values():
            p.wait(120)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    out = {}
    for name, p in procs.items():
        log = (sync / f"log.{name}").read_text(errors="replace")
        assert p.returncode == 0, f"worker {name} exited {p.returncode}:\n{log}"
        assert "Traceback" not in log, log
        out[name] = json.loads((sync / f"codes.{name}").read_text())
    return out


def planner(store: Any, token: str | None = None) -> Any:
    from arangetram_cli.planner.local import LocalPlanner

    return LocalPlanner(store, SECRET, token=token)


def system_vendors(store: Any, n: int, tag: str) -> list[str]:
    from arangetram_cli.core.models import new_id, now_iso

    docs = [
        {
            "id": new_id(),
            "user_id": "system",
            "business_name": f"Race vendor {tag} {i}",
            "category": "musicians",
            "description": "",
            "location": "San Jose, CA",
            "price_range": "$$",
            "price_estimate": "",
            "services": [],
            "portfolio_images": [],
            "contact_phone": "",
            "contact_email": "",
            "rating": 0.0,
            "review_count": 0,
            "is_active": True,
            "created_at": now_iso(),
        }
        for i in range(n)
    ]
    store.vendors.insert_many(docs)
    return [d["id"] for d in docs]


def account(store: Any, tag: str, kind: str = "user") -> dict[str, Any]:
    return planner(store).register(f"{kind}-{tag}@example.com", kind.title(), PASSWORD, kind)


def one_winner(codes: list[int], win: int, lose: int, what: str) -> None:
    assert sorted(codes) == sorted([win, lose]), f"{what}: {codes} (want one {win}, one {lose})"


def count(db: Path, sql: str, *args: Any) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchone()[0]
    finally:
        conn.close()


# ---- SQLite: real CLI processes on one database file -------------------------------------
@pytest.fixture
def cli_env(tmp_path: Path, env: dict[str, str]) -> Iterator[tuple[dict[str, str], Path, Any]]:
    """The workers' environment (isolated, like this process's: `env`), the database, and
    the store this process prepares the race in."""
    from arangetram_cli.store.sqlite import SqliteStore

    db = tmp_path / "race.db"
    workers = {**isolated_env(tmp_path), "JWT_SECRET": SECRET, "ARANGETRAM_DB": str(db)}
    store = SqliteStore(db)
    try:
        yield workers, db, store
    finally:
        store.close()


def test_sqlite_processes_adding_vendors_to_one_event_lose_none(cli_env, tmp_path):
    env, _, store = cli_env
    owner = account(store, uuid.uuid4().hex[:8])
    event = planner(store, owner["token"]).create_event(
        {"event_name": "Race", "event_date": "2027-06-12"}
    )
    vendors = system_vendors(store, WORKERS * PER_WORKER, "cli")
    env = {**env, "ARANGETRAM_TOKEN": owner["token"]}
    plans = {
        f"w{w}": [
            {"args": ["-q", "events", "add-vendor", event["id"], vendors[w * PER_WORKER + r]]}
            for r in range(PER_WORKER)
        ]
        for w in range(WORKERS)
    }
    codes = run_rounds(tmp_path, env, plans)
    assert all(c == 0 for cs in codes.values() for c in cs), codes
    selected = store.events.get(event["id"])["selected_vendors"]
    assert sorted(selected) == sorted(vendors), (
        f"lost {len(set(vendors) - set(selected))} of {len(vendors)} vendors"
    )
    assert len(selected) == len(set(selected))


def test_sqlite_processes_registering_one_email_make_one_account(cli_env, tmp_path):
    env, db, _ = cli_env
    emails = [f"race-{uuid.uuid4().hex[:8]}@example.com" for _ in range(PAIR_ROUNDS)]

    def plan(name: str) -> list[dict[str, Any]]:
        args = ["auth", "register", "--name", name, "--password-stdin", "--email"]
        return [{"args": [*args, e], "stdin": PASSWORD + "\n"} for e in emails]

    codes = run_rounds(tmp_path, env, {"a": plan("A"), "b": plan("B")})
    for n, email in enumerate(emails):
        one_winner([codes["a"][n], codes["b"][n]], 0, 5, f"register {email}")
        assert count(db, "SELECT count(*) FROM users WHERE email = ?", email) == 1


def test_sqlite_processes_cannot_create_two_profiles_for_one_vendor(cli_env, tmp_path):
    env, db, store = cli_env
    vendors = [account(store, uuid.uuid4().hex[:8], "vendor") for _ in range(PAIR_ROUNDS)]

    def plan(name: str) -> list[dict[str, Any]]:
        args = ["vendors", "create", "--category", "venue", "--location", "Fremont, CA"]
        args += ["--price-range", "$$", "--name"]
        return [
            # names differ per vendor: one active vendor per name, category and location
            {
                "args": [*args, f"Hall {name} {v['user']['id'][:8]}"],
                "env": {"ARANGETRAM_TOKEN": v["token"]},
            }
            for v in vendors
        ]

    codes = run_rounds(tmp_path, env, {"a": plan("A"), "b": plan("B")})
    for n, v in enumerate(vendors):
        one_winner([codes["a"][n], codes["b"][n]], 0, 5, f"profile for {v['user']['email']}")
        assert count(db, "SELECT count(*) FROM vendors WHERE user_id = ?", v["user"]["id"]) == 1


def test_sqlite_processes_answering_one_booking_cannot_both_win(cli_env, tmp_path):
    env, _, store = cli_env
    tag = uuid.uuid4().hex[:8]
    owner, vendor = account(store, tag), account(store, tag, "vendor")
    profile = planner(store, vendor["token"]).create_vendor(
        {"business_name": f"Hall {tag}", "category": "venue"}
    )
    family = planner(store, owner["token"])
    bookings = []
    for n in range(PAIR_ROUNDS):
        event = family.create_event({"event_name": f"E{n}", "event_date": "2027-06-12"})
        bookings.append(family.create_booking(event["id"], profile["id"])["id"])
    env = {**env, "ARANGETRAM_TOKEN": vendor["token"]}
    plans = {
        answer: [{"args": ["bookings", "respond", b, answer]} for b in bookings]
        for answer in ("accept", "decline")
    }
    codes = run_rounds(tmp_path, env, plans)
    for n, b in enumerate(bookings):
        one_winner([codes["accept"][n], codes["decline"][n]], 0, 5, f"answers to {b}")
        status = store.bookings.get(b)["status"]
        winner = "accepted" if codes["accept"][n] == 0 else "declined"
        assert status == winner, (status, winner)


# ---- through `arangetram serve`: threads, one real server --------------------------------
def race(n_threads: int, rounds: int, request: Any) -> list[list[Any]]:
    """Run request(thread, round, client) from n threads, every round released at once by a
    barrier. Returns the results as results[round][thread]."""
    barrier = threading.Barrier(n_threads)
    results: list[list[Any]] = [[None] * n_threads for _ in range(rounds)]
    errors: list[BaseException] = []

    def work(t: int) -> None:
        with httpx.Client(timeout=30, verify=False) as client:
            for r in range(rounds):
                try:
                    barrier.wait(60)
                    results[r][t] = request(t, r, client)
                except BaseException as e:
                    errors.append(e)
                    barrier.abort()
                    return

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(180)
    assert not errors, errors
    return results


@pytest.fixture
def server_store(served: Served, env: dict[str, str]) -> Iterator[Any]:  # noqa: F811
    store = served.store()
    try:
        yield store
    finally:
        store.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.service
def test_server_threads_adding_vendors_to_one_event_lose_none(served, server_store):  # noqa: F811
    owner = account(server_store, uuid.uuid4().hex[:8])
    event = planner(server_store, owner["token"]).create_event(
        {"event_name": "Race", "event_date": "2027-06-12"}
    )
    vendors = system_vendors(server_store, WORKERS * PER_WORKER, "http")

    def add(t: int, r: int, client: httpx.Client) -> int:
        v = vendors[t * PER_WORKER + r]
        url = f"{served.url}/api/events/{event['id']}/vendors/{v}"
        return client.post(url, headers=bearer(owner["token"])).status_code

    results = race(WORKERS, PER_WORKER, add)
    assert all(s == 200 for row in results for s in row), results
    selected = server_store.events.get(event["id"])["selected_vendors"]
    assert sorted(selected) == sorted(vendors), (
        f"lost {len(set(vendors) - set(selected))} of {len(vendors)} vendors"
    )


@pytest.mark.service
def test_server_threads_registering_one_email_make_one_account(served, server_store):  # noqa: F811
    emails = [f"race-{uuid.uuid4().hex[:8]}@example.com" for _ in range(PAIR_ROUNDS)]

    def register(t: int, r: int, client: httpx.Client) -> tuple[int, str]:
        body = {"email": emails[r], "name": f"T{t}", "password": PASSWORD}
        resp = client.post(f"{served.url}/api/auth/register", json=body)
        return resp.status_code, resp.json().get("detail", "")

    results = race(2, PAIR_ROUNDS, register)
    for r, email in enumerate(emails):
        one_winner([s for s, _ in results[r]], 200, 400, f"register {email}")
        assert "Email already registered" in [d for _, d in results[r]]
        assert server_store.users.get_by_email(email) is not None
        assert count(served.db_path, "SELECT count(*) FROM users WHERE email = ?", email) == 1


@pytest.mark.service
def test_server_threads_cannot_create_two_profiles_for_one_vendor(served, server_store):  # noqa: F811
    vendors = [account(server_store, uuid.uuid4().hex[:8], "vendor") for _ in range(PAIR_ROUNDS)]

    def create(t: int, r: int, client: httpx.Client) -> tuple[int, str]:
        name = f"Hall {t} {vendors[r]['user']['id'][:8]}"  # one per name, category, place
        body = {"business_name": name, "category": "venue", "location": "Fremont, CA"}
        resp = client.post(
            f"{served.url}/api/vendors", json=body, headers=bearer(vendors[r]["token"])
        )
        return resp.status_code, resp.json().get("detail", "")

    results = race(2, PAIR_ROUNDS, create)
    for r, v in enumerate(vendors):
        one_winner([s for s, _ in results[r]], 200, 400, f"profile for {v['user']['email']}")
        assert "Vendor profile already exists" in [d for _, d in results[r]]
        owned = "SELECT count(*) FROM vendors WHERE user_id = ?"
        assert count(served.db_path, owned, v["user"]["id"]) == 1


@pytest.mark.service
def test_server_threads_answering_one_booking_cannot_both_win(served, server_store):  # noqa: F811
    tag = uuid.uuid4().hex[:8]
    owner, vendor = account(server_store, tag), account(server_store, tag, "vendor")
    profile = planner(server_store, vendor["token"]).create_vendor(
        {"business_name": f"Hall {tag}", "category": "venue"}
    )
    family = planner(server_store, owner["token"])
    bookings = []
    for n in range(PAIR_ROUNDS):
        event = family.create_event({"event_name": f"E{n}", "event_date": "2027-06-12"})
        bookings.append(family.create_booking(event["id"], profile["id"])["id"])
    answers = ("accepted", "declined")

    def respond(t: int, r: int, client: httpx.Client) -> int:
        resp = client.put(
            f"{served.url}/api/bookings/{bookings[r]}",
            json={"status": answers[t]},
            headers=bearer(vendor["token"]),
        )
        return resp.status_code

    results = race(2, PAIR_ROUNDS, respond)
    for r, b in enumerate(bookings):
        one_winner(results[r], 200, 409, f"answers to {b}")
        assert server_store.bookings.get(b)["status"] == answers[results[r].index(200)]
