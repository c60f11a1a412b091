"""Synthetic catalogs: realistic vendors, users, events and bookings, deterministic by seed.

Vendors spread over the six categories and ~30 Bay Area cities (weighted toward where the
families are), with price ranges and estimates that fit the category, services from a
per-category pool, ratings rounded to a tenth (so many ties, and some brand-new vendors at
0.0 with no reviews) and a few paused listings. Events come in proportion (1 per 10 vendors
by default), each with a few bookings (3 by default) to distinct active vendors.

    python -m benchmarks synth [--vendors N] [--seed S] [--out DIR] [--quick]

writes vendors.jsonl, vendors.csv (services `|`-separated, as `arangetram seed --file` reads
them), users.jsonl, events.jsonl and bookings.jsonl, and prints counts, sizes and speed.
From code: `iter_vendors`, `make_catalog`, `write_vendor_files` and `fill_store`.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arangetram_cli.core.import_fast import SEED_FIELDS

Doc = dict[str, Any]

CATEGORIES = ("venue", "catering", "photographer", "videographer", "decorations", "musicians")
_CATEGORY_WEIGHTS = (12, 22, 20, 12, 16, 18)

# (city, area code, weight): the South Bay and the Tri-Valley have most of the dance schools.
CITIES = (
    ("San Jose", "408", 14),
    ("Fremont", "510", 12),
    ("Sunnyvale", "408", 8),
    ("Santa Clara", "408", 8),
    ("Cupertino", "408", 6),
    ("Milpitas", "408", 6),
    ("Mountain View", "650", 5),
    ("Pleasanton", "925", 5),
    ("Dublin", "925", 5),
    ("San Ramon", "925", 5),
    ("Palo Alto", "650", 3),
    ("Los Altos", "650", 2),
    ("Saratoga", "408", 2),
    ("Campbell", "408", 2),
    ("Los Gatos", "408", 1),
    ("Livermore", "925", 3),
    ("Union City", "510", 3),
    ("Newark", "510", 2),
    ("Hayward", "510", 2),
    ("Castro Valley", "510", 1),
    ("Danville", "925", 2),
    ("Walnut Creek", "925", 2),
    ("Oakland", "510", 2),
    ("Berkeley", "510", 1),
    ("San Francisco", "415", 3),
    ("San Mateo", "650", 2),
    ("Foster City", "650", 2),
    ("Redwood City", "650", 2),
    ("Menlo Park", "650", 1),
    ("Morgan Hill", "408", 1),
)
CITY_NAMES = tuple(c[0] for c in CITIES)
_CITY_WEIGHTS = tuple(c[2] for c in CITIES)

PRICE_RANGES = ("$", "$$", "$$$", "$$$$")
_PRICE_WEIGHTS = (20, 40, 28, 12)
PRICE_ORDER = {p: i + 1 for i, p in enumerate(PRICE_RANGES)}

_WORDS = (
    "Lotus",
    "Nataraja",
    "Mayuri",
    "Saraswati",
    "Kaveri",
    "Ganga",
    "Shruti",
    "Laya",
    "Tala",
    "Raga",
    "Abhinaya",
    "Natya",
    "Kalakshetra",
    "Sangeetha",
    "Jasmine",
    "Marigold",
    "Peacock",
    "Mohini",
    "Bhairavi",
    "Kalyani",
    "Hamsadhwani",
    "Golden Gate",
    "Bay",
    "Silicon Valley",
    "Mission",
    "Peninsula",
    "Sunrise",
    "Moonlight",
    "Chandra",
    "Surya",
    "Tejas",
    "Deepam",
    "Kolam",
    "Rangoli",
    "Mallige",
    "Thillana",
    "Varnam",
    "Padam",
    "Alarippu",
    "Jathiswaram",
    "Tarangam",
    "Nritya",
    "Swara",
    "Gopuram",
    "Tamarind",
    "Banyan",
    "Saffron",
    "Kumkum",
    "Veena",
    "Bansuri",
    "Mridanga",
    "Yamuna",
    "Godavari",
    "Sahyadri",
    "Nilgiri",
    "Malabar",
    "Coromandel",
    "Chola",
    "Pallava",
    "Vijaya",
    "Ananda",
    "Shanti",
    "Kiran",
    "Priya",
    "Meera",
)
_SUFFIXES = {
    "venue": (
        "Hall",
        "Auditorium",
        "Performing Arts Center",
        "Community Hall",
        "Theater",
        "Cultural Center",
        "Event Center",
    ),
    "catering": ("Kitchen", "Caterers", "Catering", "Bhavan", "Tiffins", "Kitchens", "Feast Co."),
    "photographer": ("Photography", "Studios", "Clicks", "Frames", "Lens Works", "Portraits"),
    "videographer": ("Films", "Video", "Cinematics", "Media", "Productions", "Motion"),
    "decorations": ("Decor", "Decorations", "Events", "Florals", "Designs", "Stage Craft"),
    "musicians": ("Ensemble", "Orchestra", "Music Academy", "Troupe", "Carnatic Group", "Sangeet"),
}
_SERVICES = {
    "venue": (
        "Sprung wood stage",
        "Two green rooms",
        "Theatrical lighting with operator",
        "Lobby for reception",
        "Sound system",
        "Wheelchair access",
        "Ample parking",
        "Kitchen for caterers",
        "Rehearsal slot",
        "Orchestra pit",
        "Projector and screen",
        "Security staff",
    ),
    "catering": (
        "South Indian thali",
        "Dosa counter",
        "Chaat station",
        "Mini tiffin",
        "Filter coffee",
        "Payasam and sweets",
        "Jain options",
        "Vegan options",
        "Buffet service",
        "Plated dinner",
        "Lunch boxes for artists",
        "Kids menu",
    ),
    "photographer": (
        "Stage photography",
        "Portrait session",
        "Costume shoot",
        "Candid coverage",
        "Album design",
        "Same-day previews",
        "Two photographers",
        "Printed album",
        "Online gallery",
        "Drone stills",
    ),
    "videographer": (
        "Multi-camera recording",
        "Live stream",
        "Highlight reel",
        "4K master",
        "Drone footage",
        "Same-day edit",
        "Teaser trailer",
        "Blu-ray and USB copies",
        "Audio from the mixer",
    ),
    "decorations": (
        "Stage backdrop",
        "Flower garlands",
        "Kolam at the entrance",
        "Brass lamps",
        "LED backdrop",
        "Photo booth",
        "Lobby decor",
        "Table centerpieces",
        "Entrance arch",
        "Thoranam",
    ),
    "musicians": (
        "Nattuvangam",
        "Vocal",
        "Mridangam",
        "Violin",
        "Flute",
        "Veena",
        "Rehearsals included",
        "Sound check",
        "Tanpura",
        "Ghatam",
        "Morsing",
    ),
}
_DESCRIPTIONS = {
    "venue": (
        "A {seats}-seat hall with a sprung wood stage that is kind to a dancer's knees.",
        "Green rooms behind the wings keep costume changes between Varnam and Padam quick.",
        "Lighting rig with an operator who has run many recitals.",
        "The lobby fits a reception for the whole audience.",
    ),
    "catering": (
        "South Indian and North Indian menus for {seats} guests.",
        "Dosa, idli and vada made fresh at the counter.",
        "We feed the artists during rehearsals too.",
        "Sweets and filter coffee at the interval.",
    ),
    "photographer": (
        "Stage photography from the first Pushpanjali to the Mangalam.",
        "Costume portrait sessions a week before the recital.",
        "Fast shutter work that freezes every adavu.",
        "Albums delivered within {weeks} weeks.",
    ),
    "videographer": (
        "Multi-camera recording with a close-up on the abhinaya.",
        "A highlight reel the family can share the same week.",
        "Audio taken straight from the orchestra's mixer.",
        "Delivery in 4K within {weeks} weeks.",
    ),
    "decorations": (
        "Stage backdrops with a temple gopuram and brass lamps.",
        "Fresh jasmine and marigold garlands for the stage and lobby.",
        "Kolam and rangoli at the entrance.",
        "LED lighting that follows the mood of each piece.",
    ),
    "musicians": (
        "A complete Carnatic orchestra: nattuvangam, vocal, mridangam, violin and flute.",
        "Rehearsals with the dancer are part of the package.",
        "Our vocalist has sung for {seats} recitals.",
        "We adapt the repertoire to the bani of the school.",
    ),
}
# Estimate ranges in dollars per price tier and category (low end of "$" .. high of "$$$$").
_ESTIMATE_BASE = {
    "venue": 1500,
    "catering": 1200,
    "photographer": 800,
    "videographer": 900,
    "decorations": 600,
    "musicians": 1000,
}

_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    # a version-4 UUID in canonical form (version nibble 4, variant bits 10)
    var = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{var}{h[17:20]}-{h[20:]}"


_DAYS: dict[int, str] = {}


def _ts(seconds: float) -> str:
    """_EPOCH + seconds in the web app's timestamp format (microseconds and offset)."""
    day, rest = divmod(seconds, 86400.0)
    day = int(day)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = (_EPOCH + dt.timedelta(days=day)).strftime("%Y-%m-%d")
    us = int(rest * 1e6)
    s, us = divmod(us, 1_000_000)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{date}T{h:02d}:{m:02d}:{s:02d}.{us:06d}+00:00"


_NOT_SLUG = str.maketrans("", "", " .-'&")


def _slug(text: str) -> str:
    return text.lower().translate(_NOT_SLUG)[:24]


def _pick(r: Any, seq: tuple[Any, ...]) -> Any:
    return seq[int(r() * len(seq))]


def _sample(r: Any, seq: tuple[Any, ...], k: int) -> list[Any]:
    """k distinct items of seq (a partial Fisher-Yates shuffle driven by r())."""
    pool = list(seq)
    n = len(pool)
    for i in range(k):
        j = i + int(r() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def iter_vendors(n: int, seed: int = 0) -> Iterator[Doc]:
    """`n` vendor documents (the contract's shape, user_id "system"), the same for a seed."""
    rng = random.Random(f"vendors-{seed}")
    r = rng.random
    cats = rng.choices(CATEGORIES, _CATEGORY_WEIGHTS, k=n)
    cities = rng.choices(range(len(CITIES)), _CITY_WEIGHTS, k=n)
    prices = rng.choices(PRICE_RANGES, _PRICE_WEIGHTS, k=n)
    for i in range(n):
        cat, (city, area, _), price = cats[i], CITIES[cities[i]], prices[i]
        w1, w2 = _sample(r, _WORDS, 2)
        suffix = _pick(r, _SUFFIXES[cat])
        style = r()
        if style < 0.5:
            name = f"{w1} {suffix}"
        elif style < 0.8:
            name = f"{w1} {w2} {suffix}"
        else:
            name = f"{city} {w1} {suffix}"
        parts = _sample(r, _DESCRIPTIONS[cat], 2 if r() < 0.5 else 3)
        description = " ".join(parts)
        if "{" in description:
            description = description.format(seats=100 + 50 * int(r() * 16), weeks=2 + int(r() * 7))
        if r() < 0.4:
            description += f" Serving {city} and the rest of the Bay Area."
        base = _ESTIMATE_BASE[cat] * PRICE_ORDER[price]
        lo = round(base * (0.8 + 0.4 * r()), -2)
        hi = round(lo * (1.4 + 0.8 * r()), -2)
        new = r() < 0.12
        rating = 0.0 if new else round(min(5.0, max(2.5, rng.triangular(3.0, 5.0, 4.7))), 1)
        reviews = 0 if new else max(1, int(rng.lognormvariate(3.3, 1.0)))
        vid = _uuid(rng)
        images = (
            [f"https://images.example.com/{vid[:8]}/{k}.jpg" for k in range(1 + int(r() * 4))]
            if r() < 0.3
            else []
        )
        yield {
            "id": vid,
            "user_id": "system",
            "business_name": name,
            "category": cat,
            "description": description,
            "location": f"{city}, CA",
            "price_range": price,
            "price_estimate": f"${lo:,.0f} - ${hi:,.0f}",
            "services": _sample(r, _SERVICES[cat], 2 + int(r() * 5)),
            "portfolio_images": images,
            "contact_phone": f"({area}) 555-{int(r() * 10000):04d}",
            "contact_email": f"hello@{_slug(name)}{i}.example.com",
            "rating": rating,
            "review_count": reviews,
            "is_active": r() >= 0.06,
            "created_at": _ts(i * 60 + r()),
        }


@dataclass
class People:
    """Users, events and bookings that go with a vendor catalog."""

    users: list[Doc] = field(default_factory=list)
    events: list[Doc] = field(default_factory=list)
    bookings: list[Doc] = field(default_factory=list)


def make_people(
    active_vendor_ids: list[str],
    n_events: int,
    *,
    bookings_per_event: int = 3,
    seed: int = 0,
) -> People:
    """Families (one per ~1.5 events), their events, and `bookings_per_event` requests per
    event to distinct active vendors (also listed in the event's selected_vendors)."""
    rng = random.Random(f"people-{seed}")
    out = People()
    n_users = max(1, round(n_events / 1.5)) if n_events else 0
    for u in range(n_users):
        out.users.append(
            {
                "id": _uuid(rng),
                "email": f"family{u}@example.com",
                "name": f"Family {u}",
                "password": "",
                "user_type": "user",
                "created_at": _ts(u * 300),
            }
        )
    k = min(bookings_per_event, len(active_vendor_ids))
    for e in range(n_events):
        user = out.users[e % n_users] if e < n_users else rng.choice(out.users)
        date = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(900))
        created = e * 600 + rng.random()
        chosen = rng.sample(active_vendor_ids, k) if k else []
        event = {
            "id": _uuid(rng),
            "user_id": user["id"],
            "event_name": f"{user['name']} Arangetram",
            "event_date": date.isoformat(),
            "event_time": rng.choice(("10:00", "14:00", "16:30", "17:00")),
            "guest_count": rng.randrange(100, 700, 25),
            "budget": rng.choices(PRICE_RANGES, _PRICE_WEIGHTS)[0],
            "location_preference": f"{rng.choices(CITY_NAMES, _CITY_WEIGHTS)[0]}, CA",
            "special_requirements": "",
            "selected_vendors": chosen,
            "status": rng.choices(("planning", "confirmed", "completed"), (6, 3, 1))[0],
            "created_at": _ts(created),
        }
        out.events.append(event)
        for j, vid in enumerate(chosen):
            status = rng.choices(("pending", "accepted", "declined"), (5, 4, 1))[0]
            made = created + 3600 * (j + 1)
            out.bookings.append(
                {
                    "id": _uuid(rng),
                    "event_id": event["id"],
                    "vendor_id": vid,
                    "user_id": user["id"],
                    "message": "We would love to have you for our daughter's Arangetram.",
                    "event_date": event["event_date"],
                    "status": status,
                    "created_at": _ts(made),
                    "updated_at": _ts(made + (0 if status == "pending" else 86400)),
                }
            )
    return out


# ------------------------------------------------------------------------------- files

# Columns of a vendor CSV, as core/importer.py reads them (services/images `|`-separated).
CSV_FIELDS = ("id", *SEED_FIELDS)


def _csv_row(v: Doc) -> list[Any]:
    row: list[Any] = []
    for f in CSV_FIELDS:
        value = v[f]
        if isinstance(value, list):
            value = "|".join(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        row.append(value)
    return row


def _seed_row(v: Doc) -> Doc:
    """A vendor as a seed file carries it (no user_id / created_at: the import sets those)."""
    return {k: v[k] for k in CSV_FIELDS}


def write_vendor_files(
    vendors: Iterable[Doc],
    *,
    jsonl: Path | None = None,
    csv_path: Path | None = None,
) -> list[tuple[str, bool]]:
    """Stream vendors into a JSONL and/or CSV seed file; returns [(id, is_active)]."""
    index: list[tuple[str, bool]] = []
    jf = open(jsonl, "w", encoding="utf-8") if jsonl else None  # noqa: SIM115
    cf = open(csv_path, "w", encoding="utf-8", newline="") if csv_path else None  # noqa: SIM115
    try:
        writer = csv.writer(cf) if cf else None
        if writer:
            writer.writerow(CSV_FIELDS)
        for v in vendors:
            index.append((v["id"], v["is_active"]))
            if jf:
                jf.write(json.dumps(_seed_row(v), ensure_ascii=False) + "\n")
            if writer:
                writer.writerow(_csv_row(v))
    finally:
        for fh in (jf, cf):
            if fh:
                fh.close()
    return index


def write_jsonl(path: Path, docs: Iterable[Doc]) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_catalog(
    out: Path,
    n_vendors: int,
    *,
    seed: int = 0,
    events_per_vendor: float = 0.1,
    bookings_per_event: int = 3,
) -> dict[str, Path]:
    """Write vendors.jsonl, vendors.csv, users.jsonl, events.jsonl, bookings.jsonl."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "vendors.jsonl": out / "vendors.jsonl",
        "vendors.csv": out / "vendors.csv",
        "users.jsonl": out / "users.jsonl",
        "events.jsonl": out / "events.jsonl",
        "bookings.jsonl": out / "bookings.jsonl",
    }
    index = write_vendor_files(
        iter_vendors(n_vendors, seed),
        jsonl=paths["vendors.jsonl"],
        csv_path=paths["vendors.csv"],
    )
    people = make_people(
        [vid for vid, active in index if active],
        round(n_vendors * events_per_vendor),
        bookings_per_event=bookings_per_event,
        seed=seed,
    )
    write_jsonl(paths["users.jsonl"], people.users)
    write_jsonl(paths["events.jsonl"], people.events)
    write_jsonl(paths["bookings.jsonl"], people.bookings)
    return paths


# ------------------------------------------------------------------------------- stores


def fill_store(
    store: Any,
    n_vendors: int,
    *,
    seed: int = 0,
    events_per_vendor: float = 0.0,
    bookings_per_event: int = 3,
) -> People:
    """Insert a synthetic catalog through the Store port (vendors via insert_many; users,
    events and bookings one by one, in one transaction on SQLite)."""
    index: list[tuple[str, bool]] = []

    def vendors() -> Iterator[Doc]:
        for v in iter_vendors(n_vendors, seed):
            index.append((v["id"], v["is_active"]))
            yield v

    store.vendors.insert_many(vendors())
    people = make_people(
        [vid for vid, active in index if active],
        round(n_vendors * events_per_vendor),
        bookings_per_event=bookings_per_event,
        seed=seed,
    )
    insert_people(store, people)
    return people


def insert_people(store: Any, people: People) -> None:
    write = getattr(store, "write", None)  # SQLite: one transaction instead of one per row
    if write is not None:
        with write():
            _insert_people(store, people)
    else:
        _insert_people(store, people)


def _insert_people(store: Any, people: People) -> None:
    for u in people.users:
        store.users.insert(u)
    for e in people.events:
        store.events.insert(e)
    for b in people.bookings:
        store.bookings.insert(b)


# --------------------------------------------------------------------------------- main


def _size(path: Path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.1f} kB"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks synth",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--vendors", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--events-per-vendor", type=float, default=0.1)
    ap.add_argument("--bookings-per-event", type=int, default=3)
    ap.add_argument(
        "--out", type=Path, help="directory for the files (default: a temp dir, removed afterwards)"
    )
    ap.add_argument("--quick", action="store_true", help="1,000 vendors")
    args = ap.parse_args(argv)
    n = 1000 if args.quick else args.vendors
    with tempfile.TemporaryDirectory() as d:
        out = args.out or Path(d)
        t0 = time.perf_counter()
        paths = write_catalog(
            out,
            n,
            seed=args.seed,
            events_per_vendor=args.events_per_vendor,
            bookings_per_event=args.bookings_per_event,
        )
        took = time.perf_counter() - t0
        print(
            f"synthetic catalog, seed {args.seed}: {n:,} vendors in {took:.2f} s "
            f"({n / took:,.0f} vendors/s, files included)"
        )
        for name, p in paths.items():
            with open(p, "rb") as fh:
                lines = sum(1 for _ in fh)
            rows = lines - 1 if name.endswith(".csv") else lines
            print(f"  {name:15s} {rows:9,d} rows  {_size(p):>9s}" + (f"  {p}" if args.out else ""))


if __name__ == "__main__":
    main()
