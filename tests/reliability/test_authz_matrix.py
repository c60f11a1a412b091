"""The authorization matrix: every mutating command/endpoint and every own-only read, times
every kind of caller, in local mode and in remote mode, against one explicit table.

How it works
------------
* ``MATRIX`` (below) is the expected answer of each (action, actor) as ``EXIT/STATUS``: the
  CLI's exit code (0 ok, 2 bad input, 3 not logged in or forbidden, 4 not found, 5 conflict)
  and the HTTP status of the REST endpoint. ``-`` means "not applicable in that mode".
* The rule for 404 versus 403 (no oracle): an object the caller may not see is "not found"
  (4/404), exactly like an id that does not exist, by full id and by prefix, so ids cannot
  be probed. Events are their owner's alone; a booking is seen by its two parties (the
  family that sent it and the booked vendor's owner); vendors, their portfolios and reviews
  are public. 403 (exit 3) is kept only where the caller can see the object but may not do
  this to it: someone else's vendor profile or review, or a party making the other party's
  move (the family accepting its own request, the vendor cancelling it).
  ``REMOTE_CLI`` lists the few places where the CLI in remote mode (``--api-url``) answers
  differently from local mode.
* Every case runs in a fresh *world* (an owner with an event, a vendor with a profile on that
  event and a pending booking, a past event of the owner's with an accepted booking of that
  vendor and the owner's review of it, an image in that vendor's portfolio, a conversation of
  the owner's with the assistant, a second user, a second vendor, a vendor without a profile,
  a guest and a deleted account), built straight in the store, so cases never affect each
  other. Image rows run against a real S3-compatible endpoint (moto's server): the local CLI
  uploads with test-only credentials, the remote CLI through the server's presigned URLs.
* Three modes: ``local`` (the CLI in-process over a SQLite file, ``ARANGETRAM_TOKEN`` set per
  actor), ``remote`` (the same CLI with ``--api-url`` to a real ``arangetram serve``) and
  ``http`` (plain HTTP requests to that server).
* Besides the code, every case checks: a refused action commits nothing to the database
  (sqlite3's `PRAGMA data_version`; row counts for the report) and, for image rows, leaves
  the bucket's objects as they were; the owner's private ids and
  email appear in no output of someone who may not see them, no bcrypt hash is ever
  printed, and the CLI never prints a token (``auth token`` aside) nor a traceback.
* After every case the world's documents keep their owners (event, vendor profile), the
  booking its parties and the vendor the rating of its reviews: the ``steal.*`` rows send
  those fields.
* On failure the test prints every surprise as one line: action, actor, mode, expected, got,
  and the error line or HTTP detail.

Extending it
------------
A new command or endpoint is a new row: add an ``Action`` to ``ACTIONS`` (how to run it as a
CLI command and/or as an HTTP request, given the world) and a line to ``MATRIX`` with the
expected answer for each actor. A new kind of caller is a new column: add it to ``ACTORS``,
give it a token in ``build_world``, and add a cell to every row (the parser checks widths).
"""

from __future__ import annotations

import base64
import functools
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest

from tests.media.conftest import (  # noqa: F401  (moto_endpoint: a session fixture)
    AWS_SCRUB,
    jpeg_bytes,
    moto_endpoint,
    s3_client,
    test_aws_env,
)
from tests.server.support import SECRET, Served, serve_env, start_serve

pytestmark = pytest.mark.reliability

PASSWORD = "correct horse battery"
PAST_DATE = "2025-03-08"  # the date of the world's events that have happened
LATER = "2027-07-01"  # the other family's event
QUESTION = "Which halls in Fremont seat 300?"
OTHER_SECRET = "not-the-server-secret-" + "z" * 40

ACTORS = (  # column names of MATRIX (five letters at most, to keep the table narrow)
    "owner",  # the family that owns the event and the booking
    "other",  # another family
    "vndr",  # the vendor whose profile is on the event and is booked
    "wrong",  # another vendor, with a profile of its own
    "newv",  # a vendor account without a profile yet
    "guest",  # a guest session
    "anon",  # no token at all
    "exprd",  # the owner's token, past its exp
    "forgd",  # the owner's claims signed with another secret
    "none",  # the owner's claims with `alg: none` and no signature
    "tampr",  # the vendor's token with the payload swapped to the owner's id
    "deltd",  # a valid token of an account that was deleted since
)

# fmt: off
MATRIX = """
action               owner other vndr  wrong newv  guest anon  exprd forgd none  tampr deltd
auth.register        0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200
auth.login           0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200
auth.guest           0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200
auth.whoami          0/200 0/200 0/200 0/200 0/200 0/200 3/401 3/401 3/401 3/401 3/401 3/404
vendors.create       3/403 3/403 5/400 5/400 0/200 3/403 3/401 3/401 3/401 3/401 3/401 3/401
vendors.update       3/403 3/403 0/200 3/403 3/403 3/403 3/401 3/401 3/401 3/401 3/401 3/401
vendors.mine         4/404 4/404 0/200 0/200 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.create        0/200 0/200 0/200 0/200 0/200 0/200 3/401 3/401 3/401 3/401 3/401 3/401
events.list          0/200 0/200 0/200 0/200 0/200 0/200 3/401 3/401 3/401 3/401 3/401 3/401
events.list.v1       -/200 -/200 -/200 -/200 -/200 -/200 -/401 -/401 -/401 -/401 -/401 -/401
events.show          0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.update        0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.update.status 0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.add-vendor    0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.remove-vendor 0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
bookings.create      0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
bookings.respond     3/403 4/404 0/200 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
bookings.list        0/200 0/200 0/200 0/200 0/200 0/200 3/401 3/401 3/401 3/401 3/401 3/401
bookings.list.vendor 4/404 4/404 0/200 0/200 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
seed                 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200 0/200
seed.v1              -/200 -/200 -/200 -/200 -/200 -/200 -/200 -/200 -/200 -/200 -/200 -/200
seed.file            0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-
steal.event          -/200 -/404 -/404 -/404 -/404 -/404 -/401 -/401 -/401 -/401 -/401 -/401
steal.vendor         -/403 -/403 -/200 -/403 -/403 -/403 -/401 -/401 -/401 -/401 -/401 -/401
steal.booking        -/403 -/404 -/200 -/404 -/404 -/404 -/401 -/401 -/401 -/401 -/401 -/401
register.as-guest    -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422
register.as-admin    -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422 -/422
auth.logout          0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-
config.set           0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-   0/-
bookings.decline     3/403 4/404 0/200 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
bookings.show        0/200 4/404 0/200 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
bookings.inbox       4/404 4/404 0/200 0/200 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
bookings.list.v1     -/200 -/200 -/200 -/200 -/200 -/200 -/401 -/401 -/401 -/401 -/401 -/401
bookings.cancel      0/200 4/404 3/403 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
bookings.complete    0/200 4/404 0/200 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
bookings.guest-done  4/404 4/404 0/200 4/404 4/404 0/200 3/401 3/401 3/401 3/401 3/401 3/401
bookings.too-early   4/404 5/409 5/409 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
vendors.review       0/200 3/403 3/403 3/403 3/403 3/403 3/401 3/401 3/401 3/401 3/401 3/401
vendors.review.unbkd 3/403 3/403 3/403 3/403 3/403 3/403 3/401 3/401 3/401 3/401 3/401 3/401
steal.review         -/200 -/403 -/403 -/403 -/403 -/403 -/401 -/401 -/401 -/401 -/401 -/401
reviews.reply        3/403 3/403 0/200 3/403 3/403 3/403 3/401 3/401 3/401 3/401 3/401 3/401
images.add           3/403 3/403 0/200 3/403 3/403 3/403 3/401 3/401 3/401 3/401 3/401 3/401
images.add.own       4/-   4/-   0/-   0/-   4/-   4/-   3/-   3/-   3/-   3/-   3/-   3/-
images.presign       -/403 -/403 -/200 -/403 -/403 -/403 -/401 -/401 -/401 -/401 -/401 -/401
images.remove        3/403 3/403 0/200 3/403 3/403 3/403 3/401 3/401 3/401 3/401 3/401 3/401
recommend.event      0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
recommend.public     0/200 0/200 0/200 0/200 0/200 0/200 0/401 0/401 0/401 0/401 0/401 0/401
ask.event            0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
ask                  0/200 0/200 0/200 0/200 0/200 0/200 0/401 3/401 3/401 3/401 3/401 3/401
ask.show             0/-   4/-   4/-   4/-   4/-   4/-   4/-   3/-   3/-   3/-   3/-   3/-
tasks.list           0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
tasks.add            0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
tasks.done           0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
tasks.remove         0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
tasks.template       0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
budget.show          0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
budget.whatif        0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
budget.add           0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
budget.pay           0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
budget.set           0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.plan          0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.calendar      0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.export        0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.import        0/200 0/200 0/200 0/200 0/200 0/200 3/401 3/401 3/401 3/401 3/401 3/401
events.members       0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.share         0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.unshare       0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.leave         5/409 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
events.rsvp-note     0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
guests.list          0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
guests.add           0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
guests.update        0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
guests.remove        0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
guests.import        0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
guests.links         0/200 4/404 4/404 4/404 4/404 4/404 3/401 3/401 3/401 3/401 3/401 3/401
tasks.mine           0/200 0/200 0/200 0/200 0/200 0/200 3/401 3/401 3/401 3/401 3/401 3/401
"""
# fmt: on

# Where the CLI in remote mode answers differently from local mode: action -> exit code for
# every actor (or a dict actor -> code).
REMOTE_CLI: dict[str, int | dict[str, int]] = {
    "seed.file": 2,  # the REST API has no import endpoint: a usage error, for everybody
    # `ask` keeps conversations in the local store, also in remote mode: the one the world
    # made on the server is nobody's here
    "ask.show": {"owner": 4},
    # `arangetram serve`'s assistant needs a valid login (docs/remote.md); local mode asks
    # the user's own provider, so it does not
    "ask": {"anon": 3},
    "recommend.public": {a: 3 for a in ("anon", "exprd", "forgd", "none", "tampr", "deltd")},
}

# Ids (by world key) that only some actors may ever see in an output.
PRIVATE = {
    "event": {"owner", "vndr"},  # the vendor sees the event embedded in its requests
    "booking": {"owner", "vndr"},
    "owner_email": {"owner", "vndr"},
    "conv": {"owner"},  # an `ask` conversation is its owner's alone
}
BCRYPT = re.compile(r"\$2[aby]\$\d\d\$")
JWT_LIKE = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")


@dataclass(frozen=True)
class Expect:
    exit: int | None
    status: int | None


def parse_matrix(text: str) -> dict[str, dict[str, Expect]]:
    lines = [ln.split() for ln in text.strip().splitlines() if ln.strip()]
    header, rows = lines[0], lines[1:]
    assert tuple(header[1:]) == ACTORS, f"MATRIX columns {header[1:]} != ACTORS {ACTORS}"
    table: dict[str, dict[str, Expect]] = {}
    for row in rows:
        action, cells = row[0], row[1:]
        assert len(cells) == len(ACTORS), f"MATRIX row {action}: {len(cells)} cells"
        assert action not in table, f"MATRIX row {action} given twice"
        parsed = {}
        for actor, cell in zip(ACTORS, cells, strict=True):
            code, _, status = cell.partition("/")
            parsed[actor] = Expect(
                None if code == "-" else int(code), None if status in ("-", "") else int(status)
            )
        table[action] = parsed
    return table


# ---- the world ---------------------------------------------------------------------------
@dataclass
class World:
    ids: dict[str, str]
    tokens: dict[str, str | None]
    tag: str
    private: dict[str, str] = field(default_factory=dict)


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _alg_none(claims: dict[str, Any]) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def _tampered(token: str, claims: dict[str, Any]) -> str:
    head, _, sig = token.split(".")
    return f"{head}.{_b64(claims)}.{sig}"


@dataclass(frozen=True)
class Bucket:
    """The S3-compatible bucket (moto's server) behind portfolio images, in every mode."""

    endpoint: str
    name: str
    client: Any

    def put(self, vendor_id: str, tag: str) -> str:
        """An object as `vendors images add` would have stored it; its portfolio URL."""
        import hashlib

        data = jpeg_bytes(1024, seed=int(tag, 16))
        key = f"{vendor_id}/{hashlib.sha256(data).hexdigest()}.jpg"
        self.client.put_object(Bucket=self.name, Key=key, Body=data, ContentType="image/jpeg")
        return f"{self.endpoint}/{self.name}/{key}"

    def keys(self, w: World) -> list[str]:
        """The objects of the world's two vendor profiles."""
        out = []
        for vid in (w.ids["v1"], w.ids["v2"]):
            listed = self.client.list_objects_v2(Bucket=self.name, Prefix=f"{vid}/")
            out += [o["Key"] for o in listed.get("Contents", [])]
        return sorted(out)

    def settings(self) -> dict[str, str]:
        return {"ARANGETRAM_S3_BUCKET": self.name, "ARANGETRAM_S3_ENDPOINT_URL": self.endpoint}


@functools.cache
def _password_hash() -> str:
    from arangetram_cli.core.security import hash_password

    return hash_password(PASSWORD)


def build_world(store: Any, secret: str, s3: Bucket | None = None) -> World:
    """Everything the matrix needs, straight in the store (fast, and no CLI involved)."""
    from arangetram_cli.core.models import new_id, now_iso
    from arangetram_cli.core.security import create_token
    from arangetram_cli.planner.local import LocalPlanner

    tag = uuid.uuid4().hex[:10]

    def planner(token: str | None = None) -> LocalPlanner:
        return LocalPlanner(store, secret, token=token)

    def account(role: str, kind: str = "user") -> dict[str, Any]:
        # Inserted directly with one precomputed hash: bcrypt per account would dominate.
        user = {
            "id": new_id(),
            "email": f"{role}-{tag}@example.com",
            "name": role.title(),
            "password": _password_hash() if kind != "guest" else "",
            "user_type": kind,
            "created_at": now_iso(),
        }
        store.users.insert(user)
        return {"token": create_token(user["id"], kind, secret), "user": user}

    def profile(token: str, name: str) -> dict[str, Any]:
        return planner(token).create_vendor(
            {
                "business_name": f"{name} {tag}",
                "category": "venue",
                "location": "Fremont, CA",
                "price_range": "$$",
            }
        )

    owner, other = account("owner"), account("other")
    vendor, wrongv = account("vendor", "vendor"), account("wrongv", "vendor")
    newv = account("newv", "vendor")
    deleted = account("deleted")
    member = account("member")  # a viewer of the owner's event (planning together), no actor
    guest = account("guest", "guest")
    v1, v2 = profile(vendor["token"], "Natya Hall"), profile(wrongv["token"], "Kala Mandir")
    mine = planner(owner["token"])
    event = mine.create_event({"event_name": f"Debut {tag}", "event_date": "2027-06-12"})
    mine.add_event_vendor(event["id"], v1["id"])
    task = mine.add_task(event["id"], {"title": f"Book the hall {tag}"})  # the workspace
    item = mine.add_budget_item(event["id"], {"name": f"Hall {tag}", "quoted": 100000})
    mine.share_event(event["id"], member["user"]["email"], "viewer")
    guest_row = mine.add_guest(event["id"], {"name": f"The Raos {tag}", "party": 2})
    booking = mine.create_booking(event["id"], v1["id"], "Is 12 June free?")
    # An event that has happened, with an accepted booking of v1 (it may be completed, and
    # it lets the owner review v1), the owner's review of v1, and a conversation about it.
    # Written straight to the store: the planner refuses to plan events in the past.
    past = {
        **event,
        "id": new_id(),
        "event_name": f"Rehearsal {tag}",
        "event_date": PAST_DATE,
        "selected_vendors": [v1["id"]],
        "status": "confirmed",
    }
    store.events.insert(past)
    done = {
        **{k: v for k, v in booking.items() if k != "history"},
        "id": new_id(),
        "event_id": past["id"],
        "event_date": PAST_DATE,
        "status": "accepted",
    }
    store.bookings.insert(done)
    review = mine.review_vendor(v1["id"], 4, "Lovely hall")
    # The guest had v1 too, at an event that has happened (but guests may not review); the
    # other family has v1 for an event still to come (it may not complete it, nor review).
    gone = {**past, "id": new_id(), "user_id": guest["user"]["id"]}
    store.events.insert(gone)
    gdone = {**done, "id": new_id(), "event_id": gone["id"], "user_id": guest["user"]["id"]}
    store.bookings.insert(gdone)
    theirs = planner(other["token"])
    later_event = theirs.create_event({"event_name": f"Their debut {tag}", "event_date": LATER})
    early = theirs.create_booking(later_event["id"], v1["id"], "Is it free?")
    planner(vendor["token"]).respond_booking(early["id"], "accepted", "Yes")
    image = s3.put(v1["id"], tag) if s3 is not None else f"https://img.example/{tag}.jpg"
    assert store.vendors.add_images(v1["id"], [image])
    from arangetram_cli.ai.history import Conversations
    from arangetram_cli.store.conversations import conversations

    conv = Conversations(conversations(store), owner["user"]["id"]).start(f"Halls {tag}")
    assert store.users.delete(deleted["user"]["id"])

    claims = {"user_id": owner["user"]["id"], "user_type": "user"}
    later, past = int(time.time()) + 3600, int(time.time()) - 3600
    tokens: dict[str, str | None] = {
        "owner": owner["token"],
        "other": other["token"],
        "vndr": vendor["token"],
        "wrong": wrongv["token"],
        "newv": newv["token"],
        "guest": guest["token"],
        "anon": None,
        "exprd": jwt.encode({**claims, "exp": past}, secret, algorithm="HS256"),
        "forgd": jwt.encode({**claims, "exp": later}, OTHER_SECRET, algorithm="HS256"),
        "none": _alg_none({**claims, "exp": later}),
        "tampr": _tampered(vendor["token"], {**claims, "exp": later}),
        "deltd": deleted["token"],
    }
    ids = {
        "owner_id": owner["user"]["id"],
        "vendor_id": vendor["user"]["id"],
        "other_id": other["user"]["id"],
        "owner_email": owner["user"]["email"],
        "event": event["id"],
        "v1": v1["id"],
        "v2": v2["id"],
        "booking": booking["id"],
        "done": done["id"],
        "early": early["id"],
        "gdone": gdone["id"],
        "review": review["id"],
        "image": image,
        "conv": conv["id"],
        "task": task["id"],
        "item": item["id"],
        "guest_row": guest_row["id"],
        "member_email": member["user"]["email"],
        "other_email": other["user"]["email"],
    }
    private = {k: ids[k] for k in PRIVATE}
    return World(ids, tokens, tag, private)


# ---- the actions -------------------------------------------------------------------------
Cli = Callable[[World, Path], tuple[list[str], str | None]]
Http = Callable[[World], tuple[str, str, Any]]
NO_BODY = object()


@dataclass(frozen=True)
class Action:
    name: str
    cli: Cli | None = None  # (args, stdin) for the CLI
    http: Http | None = None  # (method, path, json body or NO_BODY)
    shows: frozenset[str] = frozenset()  # PRIVATE keys this action may show anybody
    s3: bool = False  # touches the bucket: its objects are checked too


def _vendor_file(w: World, tmp: Path) -> tuple[list[str], str | None]:
    path = tmp / f"vendors-{uuid.uuid4().hex[:8]}.jsonl"
    row = {
        "id": str(uuid.uuid4()),
        "business_name": f"Imported {w.tag}",
        "category": "catering",
        "location": "San Jose, CA",
        "price_range": "$",
    }
    path.write_text(json.dumps(row) + "\n")
    return ["seed", "--file", str(path)], None


def _new_email(w: World) -> str:
    return f"new-{w.tag}-{uuid.uuid4().hex[:6]}@example.com"


def _image_file(w: World, tmp: Path) -> Path:
    path = tmp / f"stage-{uuid.uuid4().hex[:8]}.jpg"
    path.write_bytes(jpeg_bytes(2048, seed=int(w.tag, 16) + 1))
    return path


def _chat(event: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": QUESTION}],
        "offline": True,
        "stream": False,
    }
    return {**body, "event_id": event} if event else body


NEW_EVENT = {"event_name": "Another debut", "event_date": "2027-09-01"}
PLAN_DOC = {
    "format": "arangetram-plan",
    "version": 1,
    "event": {"event_name": "Imported debut", "event_date": "2027-09-01"},
    "tasks": [{"title": "Book the hall", "due_date": "2027-03-01", "status": "open"}],
    "budget_items": [{"name": "Hall", "estimate_cents": 250000}],
}


def _ws(w: World) -> str:
    return f"/api/v1/events/{w.ids['event']}"


def _plan_file(tmp: Path) -> Path:
    path = tmp / f"plan-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(PLAN_DOC))
    return path


NEW_VENDOR = {
    "business_name": "Fresh Studio",
    "category": "photographer",
    "location": "Cupertino, CA",
    "price_range": "$$$",
}

ACTIONS = [
    Action(
        "auth.register",
        cli=lambda w, t: (
            ["auth", "register", "--email", _new_email(w), "--name", "N", "--password-stdin"],
            PASSWORD + "\n",
        ),
        http=lambda w: (
            "POST",
            "/api/auth/register",
            {"email": _new_email(w), "name": "N", "password": PASSWORD},
        ),
    ),
    Action(
        "auth.login",
        cli=lambda w, t: (
            ["auth", "login", "--email", w.ids["owner_email"], "--password-stdin"],
            PASSWORD + "\n",
        ),
        http=lambda w: (
            "POST",
            "/api/auth/login",
            {"email": w.ids["owner_email"], "password": PASSWORD},
        ),
        shows=frozenset({"owner_email"}),  # whoever has the password may log in
    ),
    Action(
        "auth.guest",
        cli=lambda w, t: (["auth", "guest", "--name", "Visitor"], None),
        http=lambda w: ("POST", "/api/auth/guest", {"name": "Visitor"}),
    ),
    Action(
        "auth.whoami",
        cli=lambda w, t: (["auth", "whoami"], None),
        http=lambda w: ("GET", "/api/auth/me", NO_BODY),
    ),
    Action(
        "vendors.create",
        cli=lambda w, t: (
            [
                "vendors",
                "create",
                "--name",
                f"{NEW_VENDOR['business_name']} {w.tag}",
                "--category",
                NEW_VENDOR["category"],
                "--location",
                NEW_VENDOR["location"],
                "--price-range",
                NEW_VENDOR["price_range"],
            ],
            None,
        ),
        # the name is the world's own: one active vendor per name, category and location
        http=lambda w: (
            "POST",
            "/api/vendors",
            {**NEW_VENDOR, "business_name": f"{NEW_VENDOR['business_name']} {w.tag}"},
        ),
    ),
    Action(
        "vendors.update",
        cli=lambda w, t: (
            ["vendors", "update", w.ids["v1"], "-d", "Now with a sprung floor"],
            None,
        ),
        http=lambda w: (
            "PUT",
            f"/api/vendors/{w.ids['v1']}",
            {"description": "Now with a sprung floor"},
        ),
    ),
    Action(
        "vendors.mine",
        cli=lambda w, t: (["vendors", "mine"], None),
        http=lambda w: ("GET", "/api/vendors/my/profile", NO_BODY),
    ),
    Action(
        "events.create",
        cli=lambda w, t: (
            ["events", "create", "--name", NEW_EVENT["event_name"], "--date", "2027-09-01"],
            None,
        ),
        http=lambda w: ("POST", "/api/events", NEW_EVENT),
    ),
    Action(
        "events.list",
        cli=lambda w, t: (["events", "list"], None),
        http=lambda w: ("GET", "/api/events", NO_BODY),
    ),
    Action("events.list.v1", http=lambda w: ("GET", "/api/v1/events", NO_BODY)),
    Action(
        "events.show",
        cli=lambda w, t: (["events", "show", w.ids["event"]], None),
        http=lambda w: ("GET", f"/api/events/{w.ids['event']}", NO_BODY),
    ),
    Action(
        "events.update",
        cli=lambda w, t: (["events", "update", w.ids["event"], "--guests", "250"], None),
        http=lambda w: ("PUT", f"/api/events/{w.ids['event']}", {"guest_count": 250}),
    ),
    Action(
        "events.update.status",
        cli=lambda w, t: (["events", "update", w.ids["event"], "--status", "confirmed"], None),
        http=lambda w: ("PUT", f"/api/events/{w.ids['event']}", {"status": "confirmed"}),
    ),
    Action(
        "events.add-vendor",
        cli=lambda w, t: (["events", "add-vendor", w.ids["event"], w.ids["v2"]], None),
        http=lambda w: ("POST", f"/api/events/{w.ids['event']}/vendors/{w.ids['v2']}", NO_BODY),
    ),
    Action(
        "events.remove-vendor",
        cli=lambda w, t: (["events", "remove-vendor", w.ids["event"], w.ids["v1"]], None),
        http=lambda w: (
            "DELETE",
            f"/api/events/{w.ids['event']}/vendors/{w.ids['v1']}",
            NO_BODY,
        ),
    ),
    Action(
        "bookings.create",
        cli=lambda w, t: (
            ["bookings", "create", "--event", w.ids["event"], "--vendor", w.ids["v2"]],
            None,
        ),
        http=lambda w: (
            "POST",
            "/api/bookings",
            {"event_id": w.ids["event"], "vendor_id": w.ids["v2"], "message": "Free?"},
        ),
    ),
    Action(
        "bookings.respond",
        cli=lambda w, t: (["bookings", "respond", w.ids["booking"], "accept", "-m", "Yes"], None),
        http=lambda w: (
            "PUT",
            f"/api/bookings/{w.ids['booking']}",
            {"status": "accepted", "response_message": "Yes"},
        ),
    ),
    Action(
        "bookings.list",
        cli=lambda w, t: (["bookings", "list"], None),
        http=lambda w: ("GET", "/api/bookings/user", NO_BODY),
    ),
    Action(
        "bookings.list.vendor",
        cli=lambda w, t: (["bookings", "list", "--as-vendor"], None),
        http=lambda w: ("GET", "/api/bookings/vendor", NO_BODY),
    ),
    Action(
        "seed",
        cli=lambda w, t: (["seed"], None),
        http=lambda w: ("POST", "/api/seed", NO_BODY),
    ),
    Action("seed.v1", http=lambda w: ("POST", "/api/v1/seed", {})),
    Action("seed.file", cli=_vendor_file),
    # Escalation through fields the API must ignore: ownership, ratings, booking parties.
    Action(
        "steal.event",
        http=lambda w: (
            "PUT",
            f"/api/events/{w.ids['event']}",
            {"user_id": w.ids["other_id"], "id": w.ids["v2"], "event_name": "Mine now"},
        ),
    ),
    Action(
        "steal.vendor",
        http=lambda w: (
            "PUT",
            f"/api/vendors/{w.ids['v1']}",
            {
                "user_id": w.ids["other_id"],
                "id": w.ids["v2"],
                "rating": 5.0,
                "review_count": 999,
                "category": "catering",
                "business_name": "Still mine",
            },
        ),
    ),
    Action(
        "steal.booking",
        http=lambda w: (
            "PUT",
            f"/api/bookings/{w.ids['booking']}",
            {
                "status": "accepted",
                "user_id": w.ids["other_id"],
                "vendor_id": w.ids["v2"],
                "event_id": w.ids["v2"],
            },
        ),
    ),
    Action(
        "register.as-guest",
        http=lambda w: (
            "POST",
            "/api/auth/register",
            {"email": _new_email(w), "name": "G", "password": PASSWORD, "user_type": "guest"},
        ),
    ),
    Action(
        "register.as-admin",
        http=lambda w: (
            "POST",
            "/api/auth/register",
            {"email": _new_email(w), "name": "A", "password": PASSWORD, "user_type": "admin"},
        ),
    ),
    # Local state only: a login is neither needed nor checked.
    Action("auth.logout", cli=lambda w, t: (["auth", "logout"], None)),
    Action("config.set", cli=lambda w, t: (["config", "set", "db_name", "matrix"], None)),
    # The booking lifecycle (docs/lifecycle.md): `booking` is pending, `done` is accepted
    # and its event has happened.
    Action(
        "bookings.decline",
        cli=lambda w, t: (["bookings", "respond", w.ids["booking"], "decline", "-m", "No"], None),
        http=lambda w: (
            "PUT",
            f"/api/bookings/{w.ids['booking']}",
            {"status": "declined", "response_message": "No"},
        ),
    ),
    Action(
        "bookings.show",
        cli=lambda w, t: (["bookings", "show", w.ids["booking"]], None),
        http=lambda w: ("GET", f"/api/v1/bookings/{w.ids['booking']}", NO_BODY),
    ),
    Action(
        "bookings.inbox",
        cli=lambda w, t: (["bookings", "inbox"], None),
        http=lambda w: ("GET", "/api/v1/bookings?as_vendor=true", NO_BODY),
    ),
    Action("bookings.list.v1", http=lambda w: ("GET", "/api/v1/bookings", NO_BODY)),
    Action(
        "bookings.cancel",
        cli=lambda w, t: (["bookings", "cancel", w.ids["booking"], "-r", "Plans changed"], None),
        http=lambda w: (
            "POST",
            f"/api/v1/bookings/{w.ids['booking']}/cancel",
            {"reason": "Plans changed"},
        ),
    ),
    Action(
        "bookings.complete",
        cli=lambda w, t: (["bookings", "complete", w.ids["done"], "-m", "Thank you"], None),
        http=lambda w: (
            "POST",
            f"/api/v1/bookings/{w.ids['done']}/complete",
            {"message": "Thank you"},
        ),
    ),
    # Reviews: only a family whose accepted booking's event has passed; replies by the
    # reviewed vendor only.
    Action(
        "vendors.review",
        cli=lambda w, t: (["vendors", "review", w.ids["v1"], "-r", "5", "-t", "Superb"], None),
        http=lambda w: (
            "PUT",
            f"/api/v1/vendors/{w.ids['v1']}/review",
            {"rating": 5, "text": "Superb"},
        ),
    ),
    Action(
        "vendors.review.unbkd",  # a vendor nobody booked
        cli=lambda w, t: (["vendors", "review", w.ids["v2"], "-r", "1", "-t", "Awful"], None),
        http=lambda w: (
            "PUT",
            f"/api/v1/vendors/{w.ids['v2']}/review",
            {"rating": 1, "text": "Awful"},
        ),
    ),
    Action(
        "bookings.guest-done",  # guests are ordinary accounts in the lifecycle
        cli=lambda w, t: (["bookings", "complete", w.ids["gdone"]], None),
        http=lambda w: ("POST", f"/api/v1/bookings/{w.ids['gdone']}/complete", {}),
    ),
    Action(
        "bookings.too-early",  # accepted, but its event is still to come
        cli=lambda w, t: (["bookings", "complete", w.ids["early"]], None),
        http=lambda w: ("POST", f"/api/v1/bookings/{w.ids['early']}/complete", NO_BODY),
    ),
    Action(
        "steal.review",  # a review keeps its author, its vendor and the vendor's reply
        http=lambda w: (
            "PUT",
            f"/api/v1/vendors/{w.ids['v1']}/review",
            {
                "rating": 3,
                "text": "Changed my mind",
                "id": w.ids["booking"],
                "user_id": w.ids["other_id"],
                "vendor_id": w.ids["v2"],
                "user_name": "Somebody else",
                "reply": {"text": "Forged reply", "at": "2025-01-01T00:00:00+00:00"},
            },
        ),
    ),
    Action(
        "reviews.reply",
        cli=lambda w, t: (["vendors", "reviews", "reply", w.ids["review"], "-t", "Thanks"], None),
        http=lambda w: ("POST", f"/api/v1/reviews/{w.ids['review']}/reply", {"text": "Thanks"}),
    ),
    # Portfolio images (docs/images.md): the profile's owner only, through a real bucket.
    Action(
        "images.add",
        cli=lambda w, t: (
            ["vendors", "images", "add", "--vendor", w.ids["v1"], str(_image_file(w, t))],
            None,
        ),
        http=lambda w: (
            "POST",
            f"/api/v1/vendors/{w.ids['v1']}/images",
            {"urls": [f"https://img.example/{w.tag}/new.jpg"]},
        ),
        s3=True,
    ),
    Action(
        "images.add.own",  # no --vendor: the caller's own profile
        cli=lambda w, t: (["vendors", "images", "add", str(_image_file(w, t))], None),
        s3=True,
    ),
    Action(
        "images.presign",
        http=lambda w: (
            "POST",
            f"/api/v1/vendors/{w.ids['v1']}/images/presign",
            {"sha256": "ab" * 32, "size": 2048, "content_type": "image/jpeg", "ext": "jpg"},
        ),
        s3=True,
    ),
    Action(
        "images.remove",
        cli=lambda w, t: (
            ["vendors", "images", "remove", "--vendor", w.ids["v1"], w.ids["image"]],
            None,
        ),
        http=lambda w: (
            "DELETE",
            f"/api/v1/vendors/{w.ids['v1']}/images?url={quote(w.ids['image'], safe='')}",
            NO_BODY,
        ),
        s3=True,
    ),
    # The planning assistant: an event is its owner's to plan around; without one, anybody
    # locally, and any valid login (guests included) through `arangetram serve`.
    Action(
        "recommend.event",
        cli=lambda w, t: (["vendors", "recommend", "--event", w.ids["event"]], None),
        http=lambda w: ("POST", "/api/v1/ai/recommendations", {"event_id": w.ids["event"]}),
    ),
    Action(
        "recommend.public",
        cli=lambda w, t: (["vendors", "recommend", "--location", "Fremont"], None),
        http=lambda w: ("POST", "/api/ai/recommendations", {"location": "Fremont"}),
    ),
    Action(
        "ask.event",
        cli=lambda w, t: (["ask", "--offline", "--event", w.ids["event"], QUESTION], None),
        http=lambda w: ("POST", "/api/v1/ai/chat/completions", _chat(w.ids["event"])),
    ),
    Action(
        "ask",
        cli=lambda w, t: (["ask", "--offline", QUESTION], None),
        http=lambda w: ("POST", "/api/ai/chat", {"message": QUESTION}),
    ),
    Action("ask.show", cli=lambda w, t: (["ask", "--show", w.ids["conv"]], None)),
    # The planning workspace: the event's owner only; anybody else is told "not found".
    Action(
        "tasks.list",
        cli=lambda w, t: (["tasks", "list", "--event", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ws(w)}/tasks", NO_BODY),
    ),
    Action(
        "tasks.add",
        cli=lambda w, t: (["tasks", "add", "Sneaky", "--event", w.ids["event"]], None),
        http=lambda w: ("POST", f"{_ws(w)}/tasks", {"title": "Sneaky"}),
    ),
    Action(
        "tasks.done",
        cli=lambda w, t: (["tasks", "done", w.ids["task"], "--event", w.ids["event"]], None),
        http=lambda w: ("PUT", f"{_ws(w)}/tasks/{w.ids['task']}", {"status": "done"}),
    ),
    Action(
        "tasks.remove",
        cli=lambda w, t: (["tasks", "remove", w.ids["task"], "--event", w.ids["event"]], None),
        http=lambda w: ("DELETE", f"{_ws(w)}/tasks/{w.ids['task']}", NO_BODY),
    ),
    Action(
        "tasks.template",
        cli=lambda w, t: (["tasks", "apply-template", "--event", w.ids["event"]], None),
        http=lambda w: ("POST", f"{_ws(w)}/tasks/apply-template", None),
    ),
    Action(
        "budget.show",
        cli=lambda w, t: (["budget", "show", "--event", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ws(w)}/budget", NO_BODY),
    ),
    Action(
        "budget.whatif",
        cli=lambda w, t: (["budget", "--event", w.ids["event"], "--guests", "400"], None),
        http=lambda w: ("GET", f"{_ws(w)}/budget?guests=400", NO_BODY),
    ),
    Action(
        "budget.add",
        cli=lambda w, t: (
            ["budget", "add", "Gifts", "--estimate", "50", "-e", w.ids["event"]],
            None,
        ),
        http=lambda w: ("POST", f"{_ws(w)}/budget/items", {"name": "Gifts", "estimate": 5000}),
    ),
    Action(
        "budget.pay",
        cli=lambda w, t: (["budget", "pay", w.ids["item"], "100", "-e", w.ids["event"]], None),
        http=lambda w: (
            "POST",
            f"{_ws(w)}/budget/items/{w.ids['item']}/payments",
            {"amount": 10000},
        ),
    ),
    Action(
        "budget.set",
        cli=lambda w, t: (["budget", "set", "25000", "--event", w.ids["event"]], None),
        http=lambda w: ("PUT", f"{_ws(w)}/budget", {"amount": 2500000}),
    ),
    Action(
        "events.plan",
        cli=lambda w, t: (["events", "plan", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ws(w)}/plan", NO_BODY),
    ),
    Action(
        "events.calendar",
        cli=lambda w, t: (["events", "calendar", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ws(w)}/calendar.ics", NO_BODY),
    ),
    Action(
        "events.export",
        cli=lambda w, t: (["events", "export", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ws(w)}/export", NO_BODY),
    ),
    Action(
        "events.import",
        cli=lambda w, t: (["events", "import", str(_plan_file(t))], None),
        http=lambda w: ("POST", "/api/v1/plans/import", PLAN_DOC),
    ),
    # planning together (the roles themselves: tests/reliability/test_authz_roles.py)
    Action(
        "events.members",
        cli=lambda w, t: (["events", "members", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ws(w)}/members", NO_BODY),
    ),
    Action(
        "events.share",
        cli=lambda w, t: (["events", "share", w.ids["event"], w.ids["other_email"]], None),
        http=lambda w: ("POST", f"{_ws(w)}/members", {"email": w.ids["other_email"]}),
    ),
    Action(
        "events.unshare",
        cli=lambda w, t: (["events", "unshare", w.ids["event"], w.ids["member_email"]], None),
        http=lambda w: ("DELETE", f"{_ws(w)}/members/{w.ids['member_email']}", NO_BODY),
    ),
    Action(
        "events.leave",
        cli=lambda w, t: (["events", "leave", w.ids["event"]], None),
        http=lambda w: ("POST", f"{_ws(w)}/leave", NO_BODY),
    ),
    Action(
        "events.rsvp-note",
        cli=lambda w, t: (["events", "rsvp-note", w.ids["event"], "Lunch after"], None),
        http=lambda w: ("PUT", f"{_ws(w)}/rsvp-note", {"note": "Lunch after"}),
    ),
    Action(
        "guests.list",
        cli=lambda w, t: (["guests", "list", "--event", w.ids["event"]], None),
        http=lambda w: ("GET", f"{_ws(w)}/guests", NO_BODY),
    ),
    Action(
        "guests.add",
        cli=lambda w, t: (["guests", "add", "Sneaky", "--event", w.ids["event"]], None),
        http=lambda w: ("POST", f"{_ws(w)}/guests", {"name": "Sneaky"}),
    ),
    Action(
        "guests.update",
        cli=lambda w, t: (
            ["guests", "update", w.ids["guest_row"], "--rsvp", "yes", "-e", w.ids["event"]],
            None,
        ),
        http=lambda w: ("PUT", f"{_ws(w)}/guests/{w.ids['guest_row']}", {"rsvp": "yes"}),
    ),
    Action(
        "guests.remove",
        cli=lambda w, t: (["guests", "remove", w.ids["guest_row"], "-e", w.ids["event"]], None),
        http=lambda w: ("DELETE", f"{_ws(w)}/guests/{w.ids['guest_row']}", NO_BODY),
    ),
    Action(
        "guests.import",
        cli=lambda w, t: (["guests", "import", "-", "--event", w.ids["event"]], "Name\nAnil\n"),
        http=lambda w: ("POST", f"{_ws(w)}/guests/import", {"csv": "Name\nAnil\n"}),
    ),
    Action(
        "guests.links",
        cli=lambda w, t: (
            ["guests", "links", "--event", w.ids["event"], "--base-url", "https://r.example"],
            None,
        ),
        http=lambda w: ("POST", f"{_ws(w)}/guests/links", {}),
    ),
    Action(
        "tasks.mine",
        cli=lambda w, t: (["tasks", "list", "--mine"], None),
        http=lambda w: ("GET", "/api/v1/tasks/mine", NO_BODY),
    ),
]

EXPECTED = parse_matrix(MATRIX)
BY_NAME = {a.name: a for a in ACTIONS}
MODES = ("local", "remote", "http")


def test_matrix_and_actions_agree():
    assert sorted(EXPECTED) == sorted(BY_NAME), "every MATRIX row needs an Action and back"
    for name, row in EXPECTED.items():
        action = BY_NAME[name]
        has_exit = any(e.exit is not None for e in row.values())
        has_status = any(e.status is not None for e in row.values())
        assert has_exit == (action.cli is not None), f"{name}: CLI column vs Action.cli"
        assert has_status == (action.http is not None), f"{name}: HTTP column vs Action.http"
    for name in REMOTE_CLI:
        assert name in EXPECTED


def expected(action: str, actor: str, mode: str) -> int | None:
    e = EXPECTED[action][actor]
    if mode == "http":
        return e.status
    if mode == "remote" and action in REMOTE_CLI:
        o = REMOTE_CLI[action]
        return o if isinstance(o, int) else o.get(actor, e.exit)
    return e.exit


def cases() -> Iterator[Any]:
    for mode in MODES:
        for action in ACTIONS:
            if all(expected(action.name, a, mode) is None for a in ACTORS):
                continue
            marks = [pytest.mark.service] if mode != "local" else []
            yield pytest.param(mode, action.name, id=f"{mode}-{action.name}", marks=marks)


# ---- helpers -----------------------------------------------------------------------------
class Watch:
    """Notices any commit to a SQLite file by another connection (the CLI, the server):
    `PRAGMA data_version` changes exactly then. O(1), so it stays cheap on a big database."""

    def __init__(self, db: Path) -> None:
        self.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)

    def mark(self) -> tuple[int, dict[str, int]]:
        return self.conn.execute("PRAGMA data_version").fetchone()[0], self._counts()

    def _counts(self) -> dict[str, int]:
        names = [
            r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {n: self.conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}

    def changes(self, mark: tuple[int, dict[str, int]]) -> str:
        """'' when nothing was committed since `mark`, else what (row counts per table)."""
        version, counts = mark
        if self.conn.execute("PRAGMA data_version").fetchone()[0] == version:
            return ""
        now = self._counts()
        moved = [f"{n} {counts.get(n, 0)}->{c}" for n, c in now.items() if counts.get(n) != c]
        return "a commit: " + (", ".join(moved) or "rows changed in place")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Outcome:
    code: int
    text: str  # what to grep for leaks (stdout/body)
    err: str  # stderr, or the HTTP detail


def first_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    rest = lines or err.strip().splitlines()[-1:]
    return rest[0][:160] if rest else ""


def run_cli(args: list[str], stdin: str | None, token: str | None, extra: dict) -> Outcome:
    from typer.testing import CliRunner

    from arangetram_cli.cli.app import app

    env = {**extra, "ARANGETRAM_TOKEN": token}
    r = CliRunner().invoke(app, args, input=stdin, env=env, catch_exceptions=True)
    err = r.stderr
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        err += f"\nunhandled {type(r.exception).__name__}: {r.exception}"
    return Outcome(r.exit_code, r.stdout + "\n" + err, err)


def run_http(client: httpx.Client, w: World, action: Action, token: str | None) -> Outcome:
    method, path, body = action.http(w)  # type: ignore[misc]
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not NO_BODY:
        kwargs["json"] = body
    r = client.request(method, path, **kwargs)
    try:
        detail = r.json().get("detail", "") if r.status_code >= 400 else ""
    except (ValueError, AttributeError):
        detail = r.text[:160]
    return Outcome(r.status_code, r.text, str(detail))


def ownership(store: Any, w: World) -> list[str]:
    """Whatever anybody sent, the world's documents keep their owners, parties and figures."""
    event = store.events.get(w.ids["event"]) or {}
    vendor = store.vendors.get(w.ids["v1"]) or {}
    booking = store.bookings.get(w.ids["booking"]) or {}
    wrong = []
    if event.get("user_id") != w.ids["owner_id"]:
        wrong.append("the event changed owner")
    if vendor.get("user_id") != w.ids["vendor_id"] or vendor.get("category") != "venue":
        wrong.append("the vendor profile changed owner or category")
    # v1's figures are its reviews' (the world's one review, maybe rewritten by its author)
    reviews = store.reviews.list_by_vendor(w.ids["v1"], limit=100)
    authors = {r.get("user_id") for r in reviews}
    figures = (round(sum(r["rating"] for r in reviews) / len(reviews), 2), len(reviews))
    if authors != {w.ids["owner_id"]} or (vendor.get("rating"), vendor.get("review_count")) != (
        figures
    ):
        wrong.append("the vendor's rating or reviews changed")
    review = store.reviews.get(w.ids["review"]) or {}
    if review.get("user_name") != "Owner" or "Forged" in str(review.get("reply")):
        wrong.append("the review's author name or reply was forged")
    parties = (booking.get("user_id"), booking.get("vendor_id"), booking.get("event_id"))
    if parties != (w.ids["owner_id"], w.ids["v1"], w.ids["event"]):
        wrong.append("the booking changed parties")
    return wrong


def is_refusal(mode: str, code: int) -> bool:
    return code != 0 if mode != "http" else code >= 400


@pytest.fixture(scope="module")
def bucket(moto_endpoint: str) -> Bucket:  # noqa: F811
    client = s3_client(moto_endpoint)
    name = f"matrix-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=name)
    return Bucket(moto_endpoint, name, client)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, bucket: Bucket) -> Iterator[Served]:
    """`arangetram serve` with its own bucket settings and test-only AWS credentials."""
    tmp = tmp_path_factory.mktemp("matrix-serve")
    s = start_serve(tmp, env=serve_env(tmp, **bucket.settings(), **test_aws_env(tmp)))
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="module")
def remote_store(served: Served) -> Iterator[Any]:
    store = served.store()
    try:
        yield store
    finally:
        store.close()


@pytest.mark.parametrize(("mode", "action_name"), list(cases()))
def test_authorization(mode: str, action_name: str, request, env, tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: F401  (imported early: fail fast if missing)

    action = BY_NAME[action_name]
    s3: Bucket | None = request.getfixturevalue("bucket") if action.s3 else None
    nothing_local: dict[str, str | None] = {k: None for k in AWS_SCRUB}
    nothing_local.update(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    if mode == "local":
        from arangetram_cli.store.sqlite import SqliteStore

        db = tmp_path / "matrix.db"
        store = SqliteStore(db)
        extra = {"ARANGETRAM_DB": str(db), "JWT_SECRET": SECRET, **nothing_local}
        if s3 is not None:  # the CLI uploads itself, with test-only credentials
            extra.update(s3.settings(), **test_aws_env(tmp_path))
        client = None
    else:
        srv: Served = request.getfixturevalue("served")
        store = request.getfixturevalue("remote_store")
        db = srv.db_path
        # httpx loads the whole CA bundle for every client (~0.15 s), even for http://;
        # an empty CA directory makes each remote CLI run cheap (only loopback http here).
        certs = tmp_path / "no-certs"
        certs.mkdir()
        extra = {
            "JWT_SECRET": SECRET,
            "SSL_CERT_DIR": str(certs),
            "SSL_CERT_FILE": None,
            **nothing_local,  # the server presigns: no bucket, no credentials here
        }
        # verify=False: only loopback http here, and no CA bundle to load per client
        client = (
            httpx.Client(base_url=srv.url, timeout=30, verify=False) if mode == "http" else None
        )

    surprises: list[str] = []
    watch = None
    try:
        for actor in ACTORS:
            want = expected(action_name, actor, mode)
            if want is None:
                continue
            w = build_world(store, SECRET, s3)
            if watch is None:
                watch = Watch(db)
            before = watch.mark()
            objects = s3.keys(w) if s3 is not None else []
            token = w.tokens[actor]
            if mode == "http":
                assert client is not None
                got = run_http(client, w, action, token)
            else:
                assert action.cli is not None
                args, stdin = action.cli(w, tmp_path)
                if mode == "remote":
                    args = ["--api-url", srv.url, *args]
                got = run_cli(args, stdin, token, extra)
            problems = []
            if got.code != want:
                problems.append(f"expected {want}, got {got.code}")
            if is_refusal(mode, got.code):
                changed = watch.changes(before)
                if changed:
                    problems.append(f"refused but the store changed ({changed})")
                if s3 is not None and s3.keys(w) != objects:
                    problems.append("refused but the bucket changed")
            for key, viewers in PRIVATE.items():
                if actor in viewers or key in action.shows:
                    continue
                if w.private[key] in got.text:
                    problems.append(f"output shows the owner's {key}")
            if BCRYPT.search(got.text):
                problems.append("output shows a bcrypt hash")
            if mode != "http":
                if JWT_LIKE.search(got.text):
                    problems.append("the CLI printed a token")
                if "Traceback" in got.text:
                    problems.append("traceback")
            problems += ownership(store, w)
            if problems:
                surprises.append(
                    f"  {action_name:<22} {actor:<9} {mode:<7} {'; '.join(problems)}"
                    f"  [{first_error(got.err) if mode != 'http' else got.err}]"
                )
    finally:
        if watch is not None:
            watch.close()
        if client is not None:
            client.close()
        if mode == "local":
            store.close()
    assert not surprises, "authorization surprises:\n" + "\n".join(surprises)
