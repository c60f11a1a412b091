"""The guest list: validation, contacts-CSV import, headcount, RSVP tokens.

A guest document: id, event_id, user_id (the event's owner when added), name, email, phone,
party (people on the invitation, 1..50), children (of them, 0..party), group ("Dance
school"), rsvp (pending|yes|no|maybe), message (the guest's own words: hostile text),
token_hash (sha256 of the RSVP link's token, or None: no link issued), token_issued_at,
responded_at, history [{at, rsvp, party, children, message, by}], created_at, updated_at.

RSVP links: a token is `secrets.token_urlsafe(24)` (192 bits); only its sha256 is stored,
so a link can be printed once, when it is issued. `guests links` issues links for guests
who have none and, with --rotate, new ones for all (the old links stop working). A link
expires the day after the event.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Iterable
from typing import Any

from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.identity import email_key as email_key  # its home: core.identity
from arangetram_cli.core.values import check_text, event_day, new_id
from arangetram_cli.core.values import csv_safe as csv_safe  # its home: core.values

Doc = dict[str, Any]
RSVP = ("pending", "yes", "no", "maybe")
ANSWERS = ("yes", "no", "maybe")
MAX_PARTY = 50
MAX_GUESTS = 5000  # per event (and per import file)
MAX_HISTORY = 50  # changes kept per guest
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
_PHONE = re.compile(r"^[0-9+().\-\s/x#*]{3,40}$")
LIMITS = {"name": 200, "email": 254, "phone": 40, "group": 100, "message": 1000, "notes": 1000}


def clean_text(value: Any, what: str, *, required: bool = False) -> str:
    """A guest's field (core.values.check_text): one line, but a message keeps its lines."""
    text = check_text(value, what, LIMITS[what], one_line=what != "message")
    if required and not text:
        raise Invalid(f"{what} is empty (give the guest's name)")
    return text


def check_email(value: Any) -> str:
    text = clean_text(value, "email")
    if text and not _EMAIL.match(text):
        raise Invalid(f"not an email address: '{text[:80]}'")
    return text


def check_phone(value: Any) -> str:
    text = clean_text(value, "phone")
    if text and not _PHONE.match(text):
        raise Invalid(f"not a phone number: '{text[:40]}'")
    return text


def check_party(value: Any, what: str = "party size") -> int:
    try:
        n = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value))
    except ValueError:
        raise Invalid(f"{what} must be a whole number, not '{str(value)[:20]}'") from None
    if not 1 <= n <= MAX_PARTY:
        raise Invalid(f"{what} must be between 1 and {MAX_PARTY}, not {n}")
    return n


def check_children(value: Any, party: int) -> int:
    try:
        n = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value))
    except ValueError:
        raise Invalid(f"children must be a whole number, not '{str(value)[:20]}'") from None
    if not 0 <= n <= party:
        raise Invalid(f"children must be between 0 and the party size ({party}), not {n}")
    return n


def check_rsvp(value: Any, *, answers_only: bool = False) -> str:
    allowed = ANSWERS if answers_only else RSVP
    v = str(value or "").strip().lower()
    if v not in allowed:
        raise Invalid(f"rsvp must be one of {'|'.join(allowed)}, not '{str(value)[:20]}'")
    return v


def guest_fields(data: Doc, current: Doc | None = None) -> Doc:
    """The fields of a guest to add (current None) or change, validated."""
    out: Doc = {}
    if current is None or data.get("name") is not None:
        out["name"] = clean_text(data.get("name"), "name", required=True)
    for key, check in (("email", check_email), ("phone", check_phone)):
        if data.get(key) is not None:
            out[key] = check(data[key])
    if data.get("group") is not None:
        out["group"] = clean_text(data["group"], "group")
    if data.get("notes") is not None:
        out["notes"] = clean_text(data["notes"], "notes")
    party = (current or {}).get("party", 1)
    if data.get("party") is not None:
        party = out["party"] = check_party(data["party"])
    if data.get("children") is not None:
        out["children"] = check_children(data["children"], party)
    elif current is not None and "party" in out and int(current.get("children") or 0) > party:
        out["children"] = party
    if data.get("rsvp") is not None:
        out["rsvp"] = check_rsvp(data["rsvp"])
    return out


def new_guest(event: Doc, fields: Doc, now: str) -> Doc:

    return {
        "id": new_id(),
        "event_id": event["id"],
        "user_id": event.get("user_id", ""),
        "name": fields["name"],
        "email": fields.get("email", ""),
        "phone": fields.get("phone", ""),
        "party": fields.get("party", 1),
        "children": fields.get("children", 0),
        "group": fields.get("group", ""),
        "notes": fields.get("notes", ""),
        "rsvp": fields.get("rsvp", "pending"),
        "message": "",
        "token_hash": None,
        "token_issued_at": "",
        "responded_at": "",
        "history": [],
        "created_at": now,
        "updated_at": now,
    }


# ---- headcount ----------------------------------------------------------------------------
def headcount(guests: Iterable[Doc]) -> Doc:
    """People, not invitations: confirmed (adults and children), maybe, pending, declined."""
    out = {
        "invitations": 0,
        "invited": 0,
        "confirmed": 0,
        "confirmed_adults": 0,
        "confirmed_children": 0,
        "maybe": 0,
        "pending": 0,
        "declined": 0,
        "answered": 0,
    }
    for g in guests:
        party = int(g.get("party") or 1)
        kids = min(int(g.get("children") or 0), party)
        out["invitations"] += 1
        out["invited"] += party
        rsvp = g.get("rsvp") or "pending"
        if rsvp != "pending":
            out["answered"] += 1
        if rsvp == "yes":
            out["confirmed"] += party
            out["confirmed_children"] += kids
            out["confirmed_adults"] += party - kids
        elif rsvp == "no":
            out["declined"] += party
        elif rsvp == "maybe":
            out["maybe"] += party
        else:
            out["pending"] += party
    return out


def filter_guests(guests: list[Doc], rsvp: str | None, group: str | None) -> list[Doc]:
    out = guests
    if rsvp:
        want = check_rsvp(rsvp)
        out = [g for g in out if (g.get("rsvp") or "pending") == want]
    if group:
        key = " ".join(group.split()).casefold()
        out = [g for g in out if str(g.get("group") or "").casefold() == key]
    return out


def guest_view(g: Doc) -> Doc:
    """A guest as shown to the family: never the token's hash."""
    out = {k: v for k, v in g.items() if k not in ("token_hash", "_id")}
    out["link"] = "issued" if g.get("token_hash") else "none"
    return out


# ---- contacts CSV -------------------------------------------------------------------------
# Header words (case and punctuation ignored) of Google, Outlook and Apple contacts exports.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "display name", "guest", "guest name", "contact"),
    "first": ("first name", "given name", "first"),
    "middle": ("middle name", "additional name"),
    "last": ("last name", "family name", "surname", "last"),
    "email": (
        "email",
        "e mail",
        "email address",
        "e mail address",
        "e mail 1 value",
        "email 1 value",
        "primary email",
        "home email",
        "e mail 1 address",
    ),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "mobile phone",
        "cell",
        "phone 1 value",
        "primary phone",
        "home phone",
        "telephone",
    ),
    "group": ("group", "groups", "group membership", "category", "categories", "labels", "list"),
    "party": ("party", "party size", "guests", "seats", "count", "people"),
    "children": ("children", "kids"),
    "notes": ("notes", "note"),
}


def _norm(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.casefold()).split())


def _columns(header: list[str]) -> dict[str, int]:
    where: dict[str, int] = {}
    for i, h in enumerate(header):
        n = _norm(h)
        for field, words in COLUMNS.items():
            if n in words and field not in where:
                where[field] = i
    if "name" not in where and "first" not in where and "last" not in where:
        raise Invalid(
            "guest file: no name column (expected Name, or First Name and Last Name, "
            f"in the first line; found: {', '.join(h[:30] for h in header[:8]) or 'nothing'})"
        )
    return where


def _group(value: str) -> str:
    """Google's "Group Membership" is "* myContacts ::: Dance school": keep the real one."""
    parts = [p.strip().lstrip("*").strip() for p in re.split(r":::|;", value)]
    parts = [p for p in parts if p and p.casefold() not in ("mycontacts", "starred")]
    return parts[0] if parts else ""


def parse_contacts(text: str) -> tuple[list[tuple[int, Doc]], list[str]]:
    """Rows of a contacts CSV as (line number, guest fields), every row validated; the
    errors as "line N: ..." (the caller refuses the file when there are any)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise Invalid(
            "guest file is empty (expected a header line, then one guest a line)"
        ) from None
    except csv.Error as e:
        raise Invalid(f"guest file, line 1: {e}") from None
    cols = _columns(header)
    rows: list[tuple[int, Doc]] = []
    errors: list[str] = []
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            errors.append(f"line {reader.line_num}: {e}")
            break
        line_no = reader.line_num
        if not any(c.strip() for c in raw):
            continue

        def cell(field: str, raw: list[str] = raw) -> str:
            i = cols.get(field)
            return raw[i].strip() if i is not None and i < len(raw) else ""

        name = cell("name") or " ".join(
            p for p in (cell("first"), cell("middle"), cell("last")) if p
        )
        data: Doc = {"name": name, "email": cell("email"), "phone": cell("phone")}
        if cell("group"):
            data["group"] = _group(cell("group"))
        for key in ("party", "children", "notes"):
            if cell(key):
                data[key] = cell(key)
        try:
            rows.append((line_no, guest_fields(data)))
        except Invalid as e:
            errors.append(f"line {line_no}: {e.message}")
        if len(rows) > MAX_GUESTS:
            errors.append(f"line {line_no}: more than {MAX_GUESTS} guests in one file")
            break
    return rows, errors


def merge_rows(rows: list[tuple[int, Doc]]) -> tuple[list[tuple[int, Doc]], list[str]]:
    """Rows with the same email become one guest (the first row, blanks filled from the
    later ones); reported as "line 7 merged into line 3 (same email)"."""
    seen: dict[str, tuple[int, Doc]] = {}
    out: list[tuple[int, Doc]] = []
    merged: list[str] = []
    for line_no, fields in rows:
        key = email_key(fields.get("email") or "")
        if key and key in seen:
            first_line, first = seen[key]
            for k, v in fields.items():
                if v and not first.get(k):
                    first[k] = v
            merged.append(f"line {line_no} merged into line {first_line} (same email)")
            continue
        if key:
            seen[key] = (line_no, fields)
        out.append((line_no, fields))
    return out, merged


def to_csv(guests: list[Doc]) -> str:
    cols = ["Name", "Email", "Phone", "Group", "Party", "Children", "RSVP", "Message", "Id"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for g in guests:
        w.writerow(
            [
                csv_safe(g.get("name")),
                csv_safe(g.get("email")),
                csv_safe(g.get("phone")),
                csv_safe(g.get("group")),
                g.get("party", 1),
                g.get("children", 0),
                g.get("rsvp", "pending"),
                csv_safe(g.get("message")),
                g.get("id", ""),
            ]
        )
    return buf.getvalue()


# ---- RSVP tokens and the form's CSRF field ------------------------------------------------
def new_token() -> tuple[str, str]:
    """(token for the link, its sha256 to store)."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def csrf_value(secret: str, token_hash: str, nonce: str) -> str:
    """The form's hidden field: bound to this guest's link and this browser's cookie."""
    msg = f"rsvp-form|{token_hash}|{nonce}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def csrf_ok(secret: str, token_hash: str, nonce: str | None, value: str | None) -> bool:
    if not nonce or not value or len(nonce) > 200 or len(value) > 200:
        return False
    return hmac.compare_digest(csrf_value(secret, token_hash, nonce), value)


def link_expired(event: Doc, today: dt.date) -> bool:
    """A link works until the end of the event's day (then the RSVP is closed)."""
    day = event_day(event)
    return day is not None and today > day


def rsvp_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/rsvp/{token}"
