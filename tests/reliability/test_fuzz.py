"""Input fuzzing with hypothesis: generated command lines, flag values, seed files and HTTP
bodies. Whatever comes in:

* the CLI exits with a documented code other than 1 (1 means an unhandled exception), prints
  no traceback, and a refusal is exactly one non-empty ``error:`` line on stderr;
* a refused command leaves the store unchanged: nothing committed (`PRAGMA data_version`),
  or else every row of every table, read with sqlite3, as it was;
* a successful command that prints JSON prints valid JSON;
* the server never answers 500 (nor any 5xx but the AI endpoints' documented 503), and a
  refused request commits nothing.

Reproducible: every test runs with a fixed seed (``ARANGETRAM_FUZZ_SEED`` changes it) and
hypothesis' example database off. ``ARANGETRAM_FUZZ_SCALE=10`` runs ten times the examples
for a deeper local session. CI runs ``CASES`` examples in total (over 2,000).

New commands are picked up by listing them in ``COMMANDS`` (their flags are read from the
command tree itself); new endpoints are picked up automatically from the OpenAPI schema.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import string
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.conftest import SCRUB, isolated_env
from tests.media.conftest import (  # noqa: F401  (moto_endpoint: a session fixture)
    AWS_SCRUB,
    jpeg_bytes,
    moto_endpoint,
    png_bytes,
    s3_client,
    test_aws_env,
)
from tests.reliability.hostile import HOSTILE, READABLE

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]

SECRET = "fuzz-jwt-secret-" + "f" * 40
PASSWORD = "correct horse battery"
FUZZ_SEED = int(os.environ.get("ARANGETRAM_FUZZ_SEED", "20270612"))
SCALE = float(os.environ.get("ARANGETRAM_FUZZ_SCALE", "1"))

settings.register_profile(
    "arangetram-reliability",
    deadline=None,
    database=None,  # no .hypothesis directory; the fixed seed makes runs repeatable
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
PROFILE = settings.get_profile("arangetram-reliability")

# examples per test in CI (times ARANGETRAM_FUZZ_SCALE)
CASES = {
    "command_lines": 700,
    "flag_values": 500,
    "seed_files": 300,
    "http_bodies": 500,
    "http_fields": 300,
}
assert sum(CASES.values()) >= 2000


def fuzz(name: str):
    """The settings and the fixed seed of one fuzz test."""

    def wrap(fn):
        n = max(1, round(CASES[name] * SCALE))
        return seed(FUZZ_SEED)(settings(PROFILE, max_examples=n)(fn))

    return wrap


LLM_VARS = (
    "ARANGETRAM_LLM_PROVIDER",
    "ARANGETRAM_LLM_BASE_URL",
    "ARANGETRAM_LLM_API_KEY",
    "GEMINI_API_KEY",
    "OPENAI_API_KEY",
    "EMERGENT_LLM_KEY",
    "OLLAMA_HOST",
)
DOCUMENTED_EXITS = {0, 2, 3, 4, 5, 6, 7}  # 1 = unhandled exception; 130 needs a Ctrl-C


# ---- the store ---------------------------------------------------------------------------
def snapshot(db: Path) -> dict[str, list[str]]:
    """Every row of every table, in a stable order (read-only)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(map(repr, conn.execute(f'SELECT * FROM "{n}"'))) for n in names}
    finally:
        conn.close()


def describe_change(before: dict[str, list[str]], after: dict[str, list[str]]) -> str:
    out = []
    for table in sorted(set(before) | set(after)):
        b, a = set(before.get(table, [])), set(after.get(table, []))
        if a != b:
            out.append(f"{table}: +{len(a - b)} -{len(b - a)} rows")
    return "; ".join(out)


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # files for `vendors images add`


@dataclass(frozen=True)
class Bucket:
    """The S3-compatible bucket (moto's server) that portfolio uploads go to."""

    endpoint: str
    name: str
    client: Any

    def put(self, vendor_id: str) -> str:
        import hashlib

        data = jpeg_bytes(1024, seed=99)
        key = f"{vendor_id}/{hashlib.sha256(data).hexdigest()}.jpg"
        self.client.put_object(Bucket=self.name, Key=key, Body=data, ContentType="image/jpeg")
        return f"{self.endpoint}/{self.name}/{key}"


PAST_DATE = "2025-03-08"


def sample_files(tmp: Path) -> list[str]:
    """A JPEG, a PNG, a text file named .jpg, an empty file, a folder, a missing file."""
    base = tmp / "files"
    base.mkdir(exist_ok=True)
    (base / "stage.jpg").write_bytes(jpeg_bytes(3000, seed=5))
    (base / "hall.png").write_bytes(png_bytes(2500, seed=6))
    (base / "notes.jpg").write_text("not a picture")
    (base / "empty.webp").write_bytes(b"")
    return [str(base / n) for n in ("stage.jpg", "hall.png", "notes.jpg", "empty.webp")] + [
        str(base),
        str(base / "missing.jpg"),
    ]


def build_template(db: Path, bucket: Bucket) -> World:
    """The demo catalog plus a family with an event and a pending booking, a vendor with a
    profile on it (with an image in its portfolio), a second vendor and a vendor account
    without a profile; a past event of the family's with an accepted booking of that vendor,
    the family's review of it, and the family's conversation with the assistant."""
    from arangetram_cli.ai.history import Conversations
    from arangetram_cli.core.models import new_id
    from arangetram_cli.planner.local import LocalPlanner
    from arangetram_cli.store.conversations import conversations
    from arangetram_cli.store.sqlite import SqliteStore

    store = SqliteStore(db)
    try:

        def p(token: str | None = None) -> LocalPlanner:
            return LocalPlanner(store, SECRET, token=token)

        p().seed_demo()
        owner = p().register("owner@example.com", "Owner", PASSWORD)
        vendor = p().register("vendor@example.com", "Vendor", PASSWORD, "vendor")
        wrongv = p().register("wrongv@example.com", "Wrongv", PASSWORD, "vendor")
        newv = p().register("newv@example.com", "Newv", PASSWORD, "vendor")
        v1 = p(vendor["token"]).create_vendor(
            {"business_name": "Natya Hall", "category": "venue", "location": "Fremont, CA"}
        )
        v2 = p(wrongv["token"]).create_vendor(
            {"business_name": "Kala Studio", "category": "photographer", "price_range": "$"}
        )
        mine = p(owner["token"])
        event = mine.create_event({"event_name": "Debut", "event_date": "2027-06-12"})
        mine.add_event_vendor(event["id"], v1["id"])
        booking = mine.create_booking(event["id"], v1["id"], "Free?")
        mine.share_event(event["id"], "newv@example.com", "viewer")  # planning together
        mine.add_guest(event["id"], {"name": "The Raos", "party": 2, "email": "rao@example.com"})
        past = {**event, "id": new_id(), "event_name": "Rehearsal", "event_date": PAST_DATE}
        store.events.insert(past)
        done = {**booking, "id": new_id(), "event_id": past["id"], "event_date": PAST_DATE}
        store.bookings.insert({**done, "status": "accepted"})
        review = mine.review_vendor(v1["id"], 4, "Lovely hall")
        image = bucket.put(v1["id"])
        store.vendors.add_images(v1["id"], [image])
        conv = Conversations(conversations(store), owner["user"]["id"]).start("Halls")
        names = [v["business_name"] for v in store.vendors.search(_all(), limit=5)]
    finally:
        store.close()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    ids = {"event": event["id"], "v1": v1["id"], "v2": v2["id"], "booking": booking["id"]}
    ids.update(owner=owner["user"]["id"], done=done["id"], review=review["id"], conv=conv["id"])
    ids["image"] = image
    tokens = {
        "owner": owner["token"],
        "vendor": vendor["token"],
        "newv": newv["token"],
        "anon": None,
        "junk": "not.a.token",
    }
    return World(ids, tokens, [*names, "Natya Hall", "Kala Studio"], sample_files(db.parent))


def _all() -> Any:
    from arangetram_cli.store.base import VendorQuery

    return VendorQuery()


# ---- the CLI lab -------------------------------------------------------------------------
@dataclass
class Result:
    code: int
    out: str
    err: str
    unhandled: BaseException | None

    def json_doc(self) -> Any:
        return json.loads(self.out)


class Lab:
    """A private HOME, config dir and database; every example starts from the same state.

    The database is copied back from the template only after something was committed to it
    (seen through `PRAGMA data_version` on a connection of our own), so the many refused
    examples cost no copy and no full snapshot."""

    def __init__(self, tmp: Path, bucket: Bucket) -> None:
        self.tmp = tmp
        self.template = tmp / "template.db"
        self.db = tmp / "work.db"
        self.config = tmp / "config"
        self.bucket = bucket
        self.world = build_template(self.template, bucket)
        self.pristine = snapshot(self.template)
        self.watch: sqlite3.Connection | None = None
        self.version = -1
        self.dirty = True

    def _version(self) -> int:
        assert self.watch is not None
        return self.watch.execute("PRAGMA data_version").fetchone()[0]

    def reset(self) -> None:
        if self.watch is not None:
            self.watch.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.db)
        self.watch = sqlite3.connect(self.db)
        self.version = self._version()
        self.dirty = False

    def run(self, args: list[str], stdin: str | None, actor: str) -> Result:
        from typer.testing import CliRunner

        from arangetram_cli.cli.app import app

        if self.dirty:
            self.reset()
        if self.config.exists():
            shutil.rmtree(self.config)
        env = {"ARANGETRAM_TOKEN": self.world.tokens.get(actor)}
        r = CliRunner().invoke(app, args, input=stdin, env=env, catch_exceptions=True)
        self.dirty = self._version() != self.version
        unhandled = r.exception if not isinstance(r.exception, SystemExit | None) else None
        return Result(r.exit_code, r.stdout, r.stderr, unhandled)

    def check(self, args: list[str], r: Result, *, json_out: bool = False) -> None:
        """The invariants of every command line."""
        shown = f"arangetram {' '.join(map(repr, args))[:600]}"
        assert r.unhandled is None, f"{shown}: unhandled {r.unhandled!r}\n{r.err[-2000:]}"
        assert r.code in DOCUMENTED_EXITS, f"{shown}: exit {r.code}\n{r.err[-2000:]}"
        asked_help = any(a in ("-h", "--help", "--version") for a in args)
        if "--debug" not in args:
            assert "Traceback" not in r.err + r.out, f"{shown}: traceback\n{r.err[-2000:]}"
        # messages and errors quote what was typed: escaped, never acting on the terminal
        raw = TERMINAL_CONTROLS.search(r.err)
        assert raw is None, f"{shown}: raw {raw.group()!r} on stderr\n{r.err[-2000:]}"
        # `vendors images add` reports each bad file on its own `error:` line, sends the good
        # ones and links them, then exits 2 (docs/images.md)
        per_file = "images" in args and "add" in args
        if r.code != 0:
            errors = [ln for ln in r.err.splitlines() if ln.startswith("error:")]
            if per_file:
                assert errors, f"{shown}: no error line\n{r.err[-2000:]}"
            else:
                assert len(errors) == 1, f"{shown}: {len(errors)} error lines\n{r.err[-2000:]}"
            for line in errors:
                what = line.removeprefix("error:").strip()
                if per_file and ": " in what:  # error: PATH: reason
                    what = what.rsplit(": ", 1)[1].strip()
                assert what and not what.startswith("("), f"{shown}: says nothing: {line!r}"
            after = snapshot(self.db) if self.dirty else self.pristine
            if per_file and r.code == 2 and after != self.pristine:
                changed = describe_change(self.pristine, after)
                assert changed.startswith("vendors:") and ";" not in changed, (
                    f"{shown}: partial upload changed more than the portfolio: {changed}"
                )
            elif after != self.pristine:
                pytest.fail(
                    f"{shown}: refused (exit {r.code}) but the store changed: "
                    f"{describe_change(self.pristine, after)}\n{r.err[-500:]}"
                )
        elif json_out and r.out.strip() and not asked_help:
            try:
                json.loads(r.out)
            except ValueError:
                pytest.fail(f"{shown}: exit 0 but stdout is not JSON: {r.out[:300]!r}")


@pytest.fixture(scope="module")
def bucket(moto_endpoint: str) -> Bucket:  # noqa: F811
    client = s3_client(moto_endpoint)
    name = f"fuzz-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    return Bucket(moto_endpoint, name, client)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, bucket: Bucket) -> Iterator[Lab]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as mp:
        for k in (*SCRUB, *AWS_SCRUB):
            mp.delenv(k, raising=False)
        for k, v in isolated_env(tmp).items():
            mp.setenv(k, v)
        # uploads (the CLI's, and the server's presigned ones) go to moto's server, with
        # test-only credentials
        for k, v in test_aws_env(tmp).items():
            mp.setenv(k, v)
        mp.setenv("ARANGETRAM_S3_BUCKET", bucket.name)
        mp.setenv("ARANGETRAM_S3_ENDPOINT_URL", bucket.endpoint)
        mp.setenv("JWT_SECRET", SECRET)
        mp.setenv("ARANGETRAM_DB", str(tmp / "work.db"))
        mp.setenv("ARANGETRAM_CONFIG_DIR", str(tmp / "config"))
        for k in LLM_VARS:  # never reach a real AI provider from a fuzz test
            mp.delenv(k, raising=False)
        mp.chdir(tmp)  # no stray .env
        # Build the root once: Typer's runner rebuilds it for every call. The root caches
        # the lazily built command groups (whole, or slimmed to the one subcommand a command
        # line names); the whole ones are dropped before every run, so each run builds its
        # group exactly as a fresh process would.
        import typer.testing
        from typer.main import get_command

        from arangetram_cli.cli.app import LAZY, app

        root, build = get_command(app), getattr(typer.testing, "_get_command", None)

        def fresh(a: Any) -> Any:
            if a is not app:
                return build(a)
            for name in LAZY:
                root.commands.pop(name, None)  # type: ignore[attr-defined]
            return root

        if build is not None:  # a private helper: without it, runs are only slower
            mp.setattr(typer.testing, "_get_command", fresh)
        yield Lab(tmp, bucket)


# ---- value strategies --------------------------------------------------------------------
ODD_DATES = [
    "2027-02-30",
    "2027-13-01",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "2027-1-1",
    "20270612",
    "2027-06-12T10:00",
    "２０２７-０６-１２",
    " 2027-06-12 ",
    "-2027-06-12",
    "2027/06/12",
    "12/06/2027",
    "2027-W24-1",
    "2027-163",
    "2027-06-12\n",
    "+2027-06-12",
]
NUMBERS = ["-1", "0", "1", "-0", "1e9", "nan", "inf", "0x10", "1_000", "٣", "１２", "3.5", "+7"]
HUGE = [str(2**31), str(2**63 - 1), str(2**63), str(2**64), str(-(2**63) - 1), "9" * 30]
NUMBER = st.one_of(
    st.sampled_from(NUMBERS),
    st.sampled_from(HUGE),
    st.integers(-(2**70), 2**70).map(str),
    st.integers(-3, 1001).map(str),
)
# What must never reach a terminal unescaped (arangetram_cli/sanitize.py)
TERMINAL_CONTROLS = re.compile("[\x1b\x07\x08\x80-\x9f\u202a-\u202e\u2066-\u2069\u200b]")
WEIRD = [
    "",
    " ",
    "'; DROP TABLE vendors;--",
    '"',
    '""',
    "%",
    "_",
    "[",
    "(a+)+$",
    "\\",
    "*",
    "NEAR(a b)",
    "a OR b",
    "\x00",
    "\u202e",
    "\ufeff",
    "../../etc/passwd",
    "-",
    "--",
    "-h",
    "$",
    "$$$$",
    "$$$$$",
    "€€",
    "venue",
    "VENUE ",
    "accept",
    "declined",
    "confirmed",
    "json",
    "csv",
    "table",
    "x" * 20_000,
    "é" * 5_000,
    "🎭" * 100,
    *HOSTILE,  # terminal escapes, bidi, invisible characters, Rich markup, formulas
    *READABLE,
]


def values(world: World) -> st.SearchStrategy[str]:
    ids = list(world.ids.values())
    refs = ids + [i[:4] for i in ids] + [i[:8].upper() for i in ids] + world.names
    refs += world.paths
    return st.one_of(
        st.text(max_size=20),
        st.text(alphabet=string.printable, max_size=12),
        st.sampled_from(WEIRD),
        NUMBER,
        st.sampled_from(ODD_DATES),
        st.dates().map(str),
        st.sampled_from(refs),
        st.sampled_from(ids).map(lambda i: i + "x"),
    )


# ---- 1. command lines --------------------------------------------------------------------
# Real subcommands. `serve` stays out (it starts a server), and so does `config set-key` (a
# stored key would make `ask` call a real provider). `ask` runs with no provider configured
# (the offline planner answers, or a named provider fails at once), uploads go to moto's
# server, and the config directory is removed after every run (`config set/unset/use`).
COMMANDS = [
    ("auth", "register"),
    ("auth", "login"),
    ("auth", "guest"),
    ("auth", "whoami"),
    ("auth", "token"),
    ("auth", "logout"),
    ("vendors", "list"),
    ("vendors", "show"),
    ("vendors", "categories"),
    ("vendors", "mine"),
    ("vendors", "create"),
    ("vendors", "update"),
    ("events", "create"),
    ("events", "list"),
    ("events", "show"),
    ("events", "update"),
    ("events", "add-vendor"),
    ("events", "remove-vendor"),
    ("bookings", "create"),
    ("bookings", "list"),
    ("bookings", "respond"),
    ("bookings", "inbox"),
    ("bookings", "show"),
    ("bookings", "cancel"),
    ("bookings", "complete"),
    ("vendors", "recommend"),
    ("vendors", "review"),
    ("vendors", "reviews", "list"),
    ("vendors", "reviews", "reply"),
    ("vendors", "images", "add"),
    ("vendors", "images", "list"),
    ("vendors", "images", "remove"),
    ("ask",),
    ("seed",),
    ("config", "set"),
    ("config", "unset"),
    ("config", "use"),
    ("config", "show"),
    ("config", "path"),
    ("config", "profiles"),
    ("tasks", "list"),
    ("tasks", "add"),
    ("tasks", "done"),
    ("tasks", "reopen"),
    ("tasks", "update"),
    ("tasks", "remove"),
    ("tasks", "apply-template"),
    ("budget", "show"),
    ("budget", "add"),
    ("budget", "pay"),
    ("budget", "update"),
    ("budget", "remove"),
    ("budget", "set"),
    ("events", "plan"),
    ("events", "calendar"),
    ("events", "export"),
    ("events", "import"),
    ("events", "share"),
    ("events", "members"),
    ("events", "unshare"),
    ("events", "leave"),
    ("events", "transfer"),
    ("events", "rsvp-note"),
    ("guests", "list"),
    ("guests", "add"),
    ("guests", "update"),
    ("guests", "remove"),
    ("guests", "import"),
    ("guests", "links"),
    ("config",),
    ("tasks",),
    ("budget",),
    ("vendors",),
    ("events",),
    ("bookings",),
    ("guests",),
    ("vendors", "reviews"),
    ("vendors", "images"),
    ("nosuch",),
]
GLOBAL_PIECES = [
    ["--json"],
    ["-q"],
    ["--quiet"],
    ["--no-color"],
    ["--debug"],
    ["-o", "json"],
    ["-o", "jsonl"],
    ["-o", "csv"],
    ["-o", "table"],
    ["-o", "wide"],
    ["--wide"],
    ["--csv-raw"],
    ["-o", "xml"],
    ["-ojson"],
    ["--output=csv"],
    ["--profile", "other"],
    ["-p", "bad name!"],
    ["--version"],
    ["--help"],
]


@dataclass(frozen=True)
class Spec:
    options: tuple[tuple[str, bool], ...]  # (name, takes a value)
    positionals: int
    leaf: bool = True  # False: a group, or a name the tree does not know


def command_specs() -> dict[tuple[str, ...], Spec]:
    """Each command's real options and positional count, read from the command tree."""
    from typer.main import get_command

    from arangetram_cli.cli.app import app

    root = get_command(app)
    ctx = root.context_class(root)
    out = {}
    for path in COMMANDS:
        cmd: Any = root
        for name in path:
            cmd = cmd.get_command(ctx, name) if hasattr(cmd, "get_command") else None
            if cmd is None:
                break
        if cmd is None or hasattr(cmd, "list_commands"):
            out[path] = Spec((), 0, leaf=False)
            continue
        options: list[tuple[str, bool]] = []
        positionals = 0
        for p in cmd.params:
            if type(p).__name__.endswith("Argument"):
                positionals += 1
                continue
            if p.name in ("install_completion", "show_completion"):
                continue
            takes = not getattr(p, "is_flag", False)
            options += [(o, takes) for o in (*p.opts, *p.secondary_opts)]
        out[path] = Spec(tuple(options), positionals)
    return out


@st.composite
def command_line(draw: Any, specs: dict, world: World) -> tuple[list[str], str | None, str]:
    path = draw(st.sampled_from(sorted(specs)))
    spec: Spec = specs[path]
    value = values(world)
    pieces: list[list[str]] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["option", "option", "option", "positional", "junk"]))
        if kind == "option" and spec.options:
            name, takes = draw(st.sampled_from(spec.options))
            if takes and draw(st.booleans()):
                pieces.append([name, draw(value)])
            elif takes and draw(st.integers(0, 4)) == 0:
                pieces.append([f"{name}={draw(value)}"])
            else:
                pieces.append([name])  # a flag, or a valued option left without its value
        elif kind == "positional" or (kind == "option" and not spec.options):
            pieces.append([draw(value)])
        else:
            pieces.append([draw(st.sampled_from(["--nope", "-Z", "--", "-", "---x"]))])
    if spec.positionals and draw(st.integers(0, 3)):
        pieces += [[draw(value)] for _ in range(spec.positionals)]
    after = [draw(st.sampled_from(GLOBAL_PIECES)) for _ in range(draw(st.integers(0, 2)))]
    before = [draw(st.sampled_from(GLOBAL_PIECES)) for _ in range(draw(st.integers(0, 1)))]
    order = draw(st.permutations(range(len(pieces))))
    args = [t for p in before for t in p] + list(path)
    args += [t for i in order for t in pieces[i]] + [t for p in after for t in p]
    stdin = draw(st.one_of(st.none(), st.just(PASSWORD + "\n"), st.text(max_size=80)))
    actor = draw(st.sampled_from(["owner", "vendor", "newv", "anon", "junk"]))
    return args, stdin, actor


def test_command_lines(lab: Lab) -> None:
    specs = command_specs()
    assert sum(s.leaf for s in specs.values()) == 69, "a command in COMMANDS is gone?"
    for path, spec in specs.items():  # each one runs (not 'No such command' for all)
        r = lab.run([*path, "--help"], None, "anon")
        assert r.code == (0 if spec.leaf or path != ("nosuch",) else 2), (path, r.err)

    @fuzz("command_lines")
    @given(case=command_line(specs, lab.world))
    def check(case: tuple[list[str], str | None, str]) -> None:
        args, stdin, actor = case
        lab.check(args, lab.run(args, stdin, actor))

    check()


# ---- 2. flag values ----------------------------------------------------------------------
def base_lines(w: World) -> list[tuple[str, list[str], str | None]]:
    """Valid command lines (actor, args, stdin): one value at a time gets replaced."""
    e, v1, v2, b = w.ids["event"], w.ids["v1"], w.ids["v2"], w.ids["booking"]
    done, jpg = w.ids["done"], w.paths[0]
    pw = PASSWORD + "\n"
    return [
        (
            "anon",
            ["auth", "register", "--email", "n@example.com", "--name", "N", "--password-stdin"],
            pw,
        ),
        ("anon", ["auth", "login", "--email", "owner@example.com", "--password-stdin"], pw),
        ("anon", ["auth", "guest", "--name", "Visitor"], None),
        (
            "anon",
            [
                "vendors",
                "list",
                "-c",
                "venue",
                "-l",
                "fremont",
                "--price-range",
                "$$",
                "-s",
                "hall",
                "-n",
                "5",
                "--offset",
                "1",
            ],
            None,
        ),
        ("anon", ["vendors", "show", v1], None),
        (
            "newv",
            [
                "vendors",
                "create",
                "--name",
                "Nritya Studio",
                "--category",
                "decorations",
                "-d",
                "Flowers",
                "--location",
                "San Jose, CA",
                "--price-range",
                "$$",
                "--price-estimate",
                "$900",
                "--phone",
                "408",
                "--email",
                "s@example.com",
                "--service",
                "Backdrops",
                "--image",
                "https://img.example/a.jpg",
            ],
            None,
        ),
        (
            "vendor",
            [
                "vendors",
                "update",
                v1,
                "--name",
                "Natya Hall II",
                "-d",
                "New floor",
                "--location",
                "Milpitas, CA",
                "--price-range",
                "$$$",
                "--price-estimate",
                "$4,000",
                "--phone",
                "510",
                "--email",
                "n@example.com",
                "--service",
                "Wings",
                "--image",
                "https://img.example/b.jpg",
            ],
            None,
        ),
        (
            "owner",
            [
                "events",
                "create",
                "--name",
                "Arangetram",
                "--date",
                "2027-08-01",
                "--time",
                "5:30 PM",
                "--guests",
                "300",
                "--budget",
                "$$$",
                "--location",
                "San Jose",
                "--notes",
                "Vegetarian",
            ],
            None,
        ),
        (
            "owner",
            [
                "events",
                "update",
                e,
                "--name",
                "Renamed",
                "--date",
                "2027-08-02",
                "--time",
                "6 PM",
                "--guests",
                "250",
                "--budget",
                "$$",
                "--location",
                "Fremont",
                "--notes",
                "None",
                "--status",
                "confirmed",
            ],
            None,
        ),
        ("owner", ["events", "list", "-n", "5", "--offset", "0"], None),
        ("owner", ["events", "show", e], None),
        ("owner", ["events", "add-vendor", e, v2], None),
        ("owner", ["events", "remove-vendor", e, v1], None),
        ("owner", ["bookings", "create", "--event", e, "--vendor", v2, "-m", "Is it free?"], None),
        ("vendor", ["bookings", "respond", b, "accept", "-m", "Yes"], None),
        ("vendor", ["bookings", "respond", b, "decline"], None),
        ("vendor", ["bookings", "inbox", "--pending", "-o", "json"], None),
        ("owner", ["bookings", "list", "--status", "pending", "--event", e, "--upcoming"], None),
        ("owner", ["bookings", "show", b], None),
        ("owner", ["bookings", "cancel", b, "-r", "Plans changed"], None),
        ("vendor", ["bookings", "complete", done, "-m", "Thank you"], None),
        ("owner", ["vendors", "review", v1, "-r", "5", "-t", "Superb"], None),
        ("anon", ["vendors", "reviews", "list", v1, "-n", "5", "--offset", "0"], None),
        ("vendor", ["vendors", "reviews", "reply", w.ids["review"], "-t", "Thank you"], None),
        ("vendor", ["vendors", "images", "add", "--vendor", v1, "--max-size", "1MiB", jpg], None),
        ("vendor", ["vendors", "images", "list", "--vendor", v1], None),
        ("vendor", ["vendors", "images", "remove", "--vendor", v1, w.ids["image"]], None),
        (
            "owner",
            [
                "vendors",
                "recommend",
                "--event",
                e,
                "--date",
                "2027-06-12",
                "--guests",
                "300",
                "--budget",
                "$$",
                "-l",
                "Fremont",
                "-c",
                "venue",
                "-n",
                "3",
            ],
            None,
        ),
        ("owner", ["ask", "--offline", "--event", e, "Which halls seat 300?"], None),
        ("owner", ["ask", "--show", w.ids["conv"]], None),
        ("anon", ["ask", "--offline", "--history", "-n", "5"], None),
        ("anon", ["config", "set", "db_name", "fuzz"], None),
        (
            "owner",
            [
                "tasks",
                "add",
                "Order the salangai",
                "--event",
                e,
                "--due",
                "2027-01-05",
                "--category",
                "jewellery",
                "--notes",
                "100 bells",
                "--books",
                "decorations",
            ],
            None,
        ),
        ("owner", ["tasks", "add", "Fittings", "-e", e, "--before", "8w"], None),
        (
            "owner",
            ["tasks", "list", "-e", e, "--open", "--due-before", "2027-06-01", "-c", "x"],
            None,
        ),
        (
            "owner",
            [
                "budget",
                "add",
                "Costume silk",
                "-e",
                e,
                "--category",
                "costume",
                "--estimate",
                "$1,800",
                "--quoted",
                "2,000.50",
                "--paid",
                "500",
                "--due",
                "2027-02-01",
                "--notes",
                "two sets",
            ],
            None,
        ),
        ("owner", ["budget", "show", "-e", e, "--guests", "250", "--budget-amount", "9,000"], None),
        ("owner", ["budget", "set", "25000", "-e", e, "--currency", "INR"], None),
        ("owner", ["events", "plan", e], None),
        ("owner", ["events", "export", e], None),
        ("owner", ["events", "share", e, "wrongv@example.com", "--role", "planner"], None),
        ("newv", ["events", "members", e], None),
        ("owner", ["events", "unshare", e, "newv@example.com"], None),
        ("newv", ["events", "leave", e], None),
        ("owner", ["events", "transfer", e, "vendor@example.com"], None),
        ("owner", ["events", "rsvp-note", e, "Lunch after the recital"], None),
        ("newv", ["guests", "list", "-e", e, "--rsvp", "pending", "--group", "Family"], None),
        (
            "owner",
            [
                "guests",
                "add",
                "Meena",
                "-e",
                e,
                "--email",
                "m@example.com",
                "--phone",
                "+1 408 555 0100",
                "--party",
                "3",
                "--children",
                "1",
                "--group",
                "Family",
            ],
            None,
        ),
        ("owner", ["guests", "update", "The Raos", "-e", e, "--rsvp", "yes", "--party", "4"], None),
        ("owner", ["guests", "remove", "The Raos", "-e", e], None),
        ("owner", ["guests", "import", "-", "-e", e], "Name,Email,Party\nAnil,a@example.com,2\n"),
        ("owner", ["guests", "links", "-e", e, "--base-url", "https://r.example"], None),
    ]


NUMERIC_FLAGS = {
    "--guests",
    "--limit",
    "-n",
    "--offset",
    "--rating",
    "-r",
    "--estimate",
    "--quoted",
    "--paid",
    "--budget-amount",
    "--party",
    "--children",
}


def test_flag_values(lab: Lab) -> None:
    bases = base_lines(lab.world)
    for actor, args, stdin in bases:  # each base line works as it is
        r = lab.run(args, stdin, actor)
        assert r.code == 0, (args, r.err)

    @fuzz("flag_values")
    @given(data=st.data())
    def check(data: Any) -> None:
        actor, args, stdin = data.draw(st.sampled_from(bases), label="base")
        first = 3 if args[1] in ("images", "reviews") else 1 if args[0] == "ask" else 2
        slots = [i for i, a in enumerate(args) if i >= first and not a.startswith("-")]
        args = list(args)
        for i in data.draw(st.sets(st.sampled_from(slots), min_size=1, max_size=2)):
            if args[i - 1] in NUMERIC_FLAGS and data.draw(st.booleans()):
                args[i] = data.draw(NUMBER, label=f"number {i}")
            else:
                args[i] = data.draw(values(lab.world), label=f"value {i}")
        if stdin is not None and data.draw(st.booleans()):
            stdin = data.draw(st.text(max_size=100), label="stdin")
        # `ask` answers in plain text when piped (docs: Markdown on a terminal only)
        lab.check(args, lab.run(args, stdin, actor), json_out=args[0] != "ask")

    check()


# ---- 3. seed files -----------------------------------------------------------------------
CATEGORIES = ["venue", "catering", "photographer", "videographer", "decorations", "musicians"]
PRICES = ["$", "$$", "$$$", "$$$$"]
NAME = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() and "\x00" not in s) | (
    st.sampled_from([s[:200] for s in HOSTILE + READABLE])
)


@st.composite
def valid_row(draw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "business_name": draw(NAME),
        "category": draw(st.sampled_from(CATEGORIES)),
    }
    if draw(st.booleans()):
        row["id"] = str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4))
    optional = {
        "description": st.text(max_size=60) | st.sampled_from([s[:5000] for s in HOSTILE]),
        "location": st.text(max_size=30) | st.sampled_from([s[:200] for s in HOSTILE]),
        "price_range": st.sampled_from(PRICES),
        "price_estimate": st.text(max_size=20),
        "services": st.lists(st.text(alphabet=string.ascii_letters, min_size=1), max_size=3),
        "rating": st.floats(0, 5, allow_nan=False),
        "review_count": st.integers(0, 10_000),
        "is_active": st.booleans(),
        "contact_phone": st.text(alphabet=string.digits, max_size=12),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            row[key] = draw(strategy)
    return row


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def broken_row(draw: Any) -> Any:
    row = draw(valid_row())
    how = draw(
        st.sampled_from(
            ["drop", "wrong type", "bad category", "bad price", "bad id", "rating", "extra", "any"]
        )
    )
    if how == "drop":
        row.pop(draw(st.sampled_from(["business_name", "category"])))
    elif how == "wrong type":
        key = draw(st.sampled_from(sorted(row)))
        row[key] = draw(JSON)
    elif how == "bad category":
        row["category"] = draw(st.text(max_size=12))
    elif how == "bad price":
        row["price_range"] = draw(st.sampled_from(["$$$$$", "", "cheap", "€"]))
    elif how == "bad id":
        row["id"] = draw(st.sampled_from(["", "x", "1234", str(uuid.uuid4())[:-1], "NaN"]))
    elif how == "rating":
        row["rating"] = draw(st.sampled_from([-1, 5.01, 1e308, "five", None]))
    elif how == "extra":
        row[draw(st.text(min_size=1, max_size=10))] = draw(JSON)
    else:
        return draw(JSON)
    return row


def write_rows(path: Path, fmt: str, rows: list[Any], wrap: bool) -> None:
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    elif fmt == "json":
        doc: Any = {"vendors": rows} if wrap else rows
        path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    else:
        keys = sorted({k for r in rows if isinstance(r, dict) for k in r}) or ["business_name"]
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(keys)
        for r in rows:
            cells = r if isinstance(r, dict) else {}
            w.writerow(
                [
                    "|".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v)
                    for v in (cells.get(k) for k in keys)
                ]
            )
        path.write_text(buf.getvalue(), "utf-8")


def test_seed_files(lab: Lab) -> None:
    base_vendors = len(lab.pristine["vendors"])
    existing = [lab.world.ids["v1"], lab.world.ids["v2"]]

    @fuzz("seed_files")
    @given(data=st.data())
    def check(data: Any) -> None:
        fmt = data.draw(st.sampled_from(["jsonl", "jsonl", "json", "csv", "raw"]), label="format")
        good = data.draw(st.lists(valid_row(), max_size=6), label="good rows")
        bad = data.draw(st.lists(broken_row(), max_size=2), label="bad rows")
        rows: list[Any] = list(good)
        for row in bad:
            rows.insert(data.draw(st.integers(0, len(rows)), label="at"), row)
        clash = data.draw(st.sampled_from(["none", "none", "none", "existing", "twice"]))
        if clash == "existing" and rows and isinstance(rows[0], dict):
            rows[0]["id"] = data.draw(st.sampled_from(existing))
        elif clash == "twice" and len(rows) >= 2 and all(isinstance(r, dict) for r in rows[:2]):
            rows[1]["id"] = rows[0].setdefault("id", str(uuid.uuid4()))
        upsert = data.draw(st.booleans(), label="--upsert")
        override = data.draw(st.sampled_from([None, None, None, "json", "jsonl", "csv", "xml"]))
        if fmt == "raw":
            suffix = data.draw(st.sampled_from([".jsonl", ".json", ".csv", ".txt", ""]))
            path = lab.tmp / f"seed{suffix}"
            path.write_bytes(data.draw(st.binary(max_size=300), label="bytes"))
        else:
            path = lab.tmp / f"seed.{fmt}"
            write_rows(path, fmt, rows, wrap=data.draw(st.booleans(), label="wrapped"))
        args = ["seed", "--file", str(path)]
        args += ["--upsert"] if upsert else []
        args += ["--format", override] if override else []
        r = lab.run(args, None, "anon")
        lab.check(args, r, json_out=True)
        ids = [r["id"] for r in rows if isinstance(r, dict) and "id" in r]
        clean = (
            fmt in ("jsonl", "json")
            and not bad
            and clash == "none"
            and override in (None, fmt)
            and len(ids) == len(set(ids))
        )
        if clean:
            assert r.code == 0, (args, rows, r.err)
            assert r.json_doc()["inserted"] == len(rows)
        if r.code == 0:
            conn = sqlite3.connect(lab.db)
            count = conn.execute("SELECT count(*) FROM vendors").fetchone()[0]
            conn.close()
            assert count == base_vendors + r.json_doc()["inserted"], (args, r.out)

    check()


# ---- 4. HTTP bodies ----------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    path_params: tuple[str, ...]
    query: tuple[str, ...]
    fields: tuple[str, ...]  # property names of the JSON body (all schemas it may take)


def endpoints(app: Any) -> list[Endpoint]:
    """Every operation of the app's OpenAPI schema (new endpoints join automatically)."""
    spec = app.openapi()
    components = spec.get("components", {}).get("schemas", {})

    def props(schema: Any, seen: frozenset[str] = frozenset()) -> set[str]:
        if not isinstance(schema, dict):
            return set()
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            return set() if name in seen else props(components.get(name), seen | {name})
        out = set(schema.get("properties", {}))
        for key in ("anyOf", "allOf", "oneOf"):
            for sub in schema.get(key, []):
                out |= props(sub, seen)
        for sub in schema.get("properties", {}).values():
            out |= props(sub, seen)
        if "items" in schema:
            out |= props(schema["items"], seen)
        return out

    found = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            found.append(
                Endpoint(
                    method.upper(),
                    path,
                    tuple(p["name"] for p in params if p["in"] == "path"),
                    tuple(p["name"] for p in params if p["in"] == "query"),
                    tuple(sorted(props(body.get("schema")))),
                )
            )
    return found


class Watch:
    """Notices a commit by any other connection (PRAGMA data_version), cheaply."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, check_same_thread=False)

    def version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]


@dataclass
class Api:
    client: Any
    db: Path
    endpoints: list[Endpoint]
    watch: Watch


def serve_copy(lab: Lab, name: str) -> Iterator[Api]:
    """The app over its own copy of the template (its bucket: the lab's, on moto)."""
    from fastapi.testclient import TestClient

    from arangetram_cli.server.app import create_app
    from arangetram_cli.store.sqlite import SqliteStore

    db = lab.tmp / f"{name}.db"
    shutil.copyfile(lab.template, db)
    from arangetram_cli.server.limits import Limits

    no_ai_limits = Limits(ai_rate=None, ai_ip_rate=None, ai_guest_quota=1_000_000)
    app = create_app(lambda: SqliteStore(db), SECRET, auth_rate=None, limits=no_ai_limits)
    with TestClient(app, raise_server_exceptions=True) as client:
        client.get("/api/health")  # open the store before the first watched request
        yield Api(client, db, endpoints(app), Watch(db))


@pytest.fixture(scope="module")
def api(lab: Lab) -> Iterator[Api]:
    yield from serve_copy(lab, "api")


@pytest.fixture(scope="module")
def api_fields(lab: Lab) -> Iterator[Api]:
    yield from serve_copy(lab, "api-fields")


AUTH_HEADERS = [None, "Bearer not.a.token", "Basic Zm9vOmJhcg==", "Bearer ", "Bearer a.b.c"]


@st.composite
def http_request(draw: Any, api: Api, world: World) -> tuple[str, str, dict, dict, Any]:
    ep: Endpoint = draw(st.sampled_from(api.endpoints))
    ref = st.one_of(values(world), st.sampled_from(list(world.ids.values())))
    path = ep.path
    for name in ep.path_params:
        value = quote(draw(ref, label=name), safe="")
        path = re.sub(r"\{" + re.escape(name) + r"(:[^}]*)?\}", lambda _m, v=value: v, path)
    params = {}
    for name in ep.query:
        if draw(st.booleans()):
            params[name] = draw(
                st.one_of(values(world), NUMBER, st.sampled_from(["true", "false", "1", "no"])),
                label=name,
            )
    if draw(st.integers(0, 5)) == 0:
        params[draw(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8))] = "x"
    tokens = [t for t in world.tokens.values() if t] + AUTH_HEADERS
    auth = draw(st.sampled_from(tokens), label="auth")
    if auth and auth.count(".") == 2 and not auth.startswith(("Bearer", "Basic")):
        auth = f"Bearer {auth}"
    headers = {"Authorization": auth} if auth else {}
    field_value = st.one_of(JSON, values(world), st.sampled_from(list(world.ids.values())))
    body_kind = draw(st.sampled_from(["none", "json", "fields", "fields", "fields", "raw"]))
    if body_kind == "json":
        body: Any = ("json", draw(JSON, label="body"))
    elif body_kind == "fields":
        keys = list(ep.fields) or ["name", "email", "status"]
        doc = draw(st.dictionaries(st.sampled_from(keys), field_value, max_size=8), label="body")
        body = ("json", doc)
    elif body_kind == "raw":
        body = ("raw", draw(st.binary(max_size=200), label="raw body"))
    else:
        body = ("none", None)
    return ep.method, path, params, headers, body


def check_answer(api: Api, req: tuple[str, str, dict, dict, Any]) -> Any:
    """Send one request; the server's invariants. Returns the response."""
    method, path, params, headers, (kind, body) = req
    kwargs: dict[str, Any] = {"params": params, "headers": dict(headers)}
    if kind == "json":
        kwargs["content"] = json.dumps(body).encode()
        kwargs["headers"]["Content-Type"] = "application/json"
    elif kind == "raw":
        kwargs["content"] = body
        kwargs["headers"]["Content-Type"] = "application/json"
    before = api.watch.version()
    started = time.monotonic()
    r = api.client.request(method, path, **kwargs)
    shown = f"{method} {path} params={params!r} body={body!r}"[:800]
    assert time.monotonic() - started < 10, f"{shown}: took {time.monotonic() - started:.1f} s"
    assert r.status_code != 500, f"{shown}: 500 {r.text[:500]}"
    if r.status_code >= 500:
        assert r.status_code == 503 and path.startswith("/api/ai/"), (
            f"{shown}: {r.status_code} {r.text[:300]}"
        )
    if r.status_code >= 400:
        try:
            detail = r.json()["detail"]
        except (ValueError, KeyError, TypeError):
            pytest.fail(f"{shown}: {r.status_code} without a JSON detail: {r.text[:300]}")
        assert detail, f"{shown}: empty detail"
        assert api.watch.version() == before, f"{shown}: refused ({r.status_code}) but committed"
    return r


def test_http_bodies(lab: Lab, api: Api) -> None:
    assert len(api.endpoints) >= 25, "the OpenAPI schema lost endpoints?"

    @fuzz("http_bodies")
    @given(req=http_request(api, lab.world))
    def check(req: tuple[str, str, dict, dict, Any]) -> None:
        check_answer(api, req)

    check()


# ---- 5. HTTP fields: valid requests to the newer endpoints, one or two parts changed ----
def base_requests(w: World) -> list[tuple[str, str, str, dict[str, Any], Any]]:
    """(actor, method, path, query, JSON body or None): each succeeds on the template, in
    this order (the lifecycle moves on: accept, then cancel; complete, then review)."""
    v1, b, done, review = w.ids["v1"], w.ids["booking"], w.ids["done"], w.ids["review"]
    sha = "ab" * 32
    chat = [{"role": "user", "content": "Which halls seat 300?"}]
    return [
        ("owner", "GET", f"/api/v1/bookings/{b}", {}, None),
        ("vendor", "GET", "/api/v1/bookings", {"as_vendor": "true", "status": "pending"}, None),
        ("owner", "GET", "/api/v1/bookings", {"event": w.ids["event"], "upcoming": "true"}, None),
        (
            "vendor",
            "PUT",
            f"/api/bookings/{b}",
            {},
            {"status": "accepted", "response_message": "Yes", "confirm_double_booking": True},
        ),
        ("owner", "POST", f"/api/v1/bookings/{b}/cancel", {}, {"reason": "Plans changed"}),
        ("vendor", "POST", f"/api/v1/bookings/{done}/complete", {}, {"message": "Thanks"}),
        ("owner", "PUT", f"/api/v1/vendors/{v1}/review", {}, {"rating": 5, "text": "Superb"}),
        ("anon", "GET", f"/api/v1/vendors/{v1}/reviews", {"offset": "0", "limit": "5"}, None),
        ("vendor", "POST", f"/api/v1/reviews/{review}/reply", {}, {"text": "Thank you"}),
        (
            "vendor",
            "POST",
            f"/api/v1/vendors/{v1}/images/presign",
            {},
            {"sha256": sha, "size": 2048, "content_type": "image/jpeg", "ext": "jpg"},
        ),
        (
            "vendor",
            "POST",
            f"/api/v1/vendors/{v1}/images",
            {},
            {"urls": ["https://img.example/stage.jpg"]},
        ),
        ("vendor", "DELETE", f"/api/v1/vendors/{v1}/images", {"url": w.ids["image"]}, None),
        (
            "owner",
            "POST",
            "/api/v1/ai/chat/completions",
            {},
            {"messages": chat, "event_id": w.ids["event"], "offline": True, "stream": False},
        ),
        (
            "owner",
            "POST",
            "/api/v1/ai/recommendations",
            {},
            {"event_id": w.ids["event"], "budget": "$$", "categories": ["venue"], "limit": 2},
        ),
        (  # `arangetram serve` answers its assistant to logged-in callers only
            "owner",
            "POST",
            "/api/ai/chat",
            {},
            {"message": "Which halls?", "event_context": {"guest_count": 300, "budget": "$$"}},
        ),
        (
            "owner",
            "POST",
            "/api/ai/recommendations",
            {},
            {"event_date": "2027-06-12", "location": "Fremont", "categories_needed": ["venue"]},
        ),
    ]


@st.composite
def changed_request(draw: Any, bases: list, world: World) -> tuple[str, str, dict, dict, Any]:
    actor, method, path, query, body = draw(st.sampled_from(bases), label="base")
    params, doc = dict(query), (dict(body) if isinstance(body, dict) else body)
    value = st.one_of(JSON, values(world), st.sampled_from(list(world.ids.values())))
    for _ in range(draw(st.integers(1, 2))):
        part = draw(st.sampled_from(["id", "field", "field", "drop", "extra", "query", "actor"]))
        if part == "id":
            ids = [seg for seg in path.split("/") if seg in world.ids.values()]
            if ids:
                old = draw(st.sampled_from(ids))
                new = quote(draw(values(world), label="id"), safe="")
                path = path.replace(old, new, 1)
        elif part in ("field", "drop") and isinstance(doc, dict) and doc:
            key = draw(st.sampled_from(sorted(doc)))
            if part == "drop":
                doc.pop(key)
            else:
                doc[key] = draw(value, label=key)
        elif part == "extra" and isinstance(doc, dict):
            doc[draw(st.sampled_from(["id", "user_id", "vendor_id", "status", "reply", "x"]))] = (
                draw(value, label="extra")
            )
        elif part == "query":
            key = draw(st.sampled_from([*params, "url", "as_vendor", "limit"]))
            params[key] = draw(st.one_of(values(world), NUMBER), label=key)
        else:
            actor = draw(st.sampled_from(sorted(world.tokens)), label="actor")
    token = world.tokens.get(actor)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return method, path, params, headers, ("json", doc) if doc is not None else ("none", None)


def test_http_fields(lab: Lab, api_fields: Api) -> None:
    bases = base_requests(lab.world)
    for actor, method, path, query, body in bases:  # each base request works as it is
        token = lab.world.tokens.get(actor)
        req = (method, path, query, {"Authorization": f"Bearer {token}"} if token else {})
        r = check_answer(api_fields, (*req, ("json", body) if body is not None else ("none", None)))
        assert r.status_code < 400, (method, path, r.status_code, r.text[:300])

    @fuzz("http_fields")
    @given(req=changed_request(bases, lab.world))
    def check(req: tuple[str, str, dict, dict, Any]) -> None:
        check_answer(api_fields, req)

    check()
