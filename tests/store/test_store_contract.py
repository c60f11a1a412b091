"""The Store contract (arangetram_cli/store/base.py), run against every adapter.

The SQLite adapter is the reference; every test here runs unchanged against it, MongoStore
over mongomock_ng, and (with ARANGETRAM_TEST_MONGO_URL) a real MongoDB.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from arangetram_cli.core.errors import Conflict, Unavailable
from arangetram_cli.store.base import VendorQuery, prices_up_to
from arangetram_cli.store.sqlite import SqliteStore

T0 = datetime(2026, 2, 7, 10, 0, tzinfo=UTC)


def ts(n: int) -> str:
    """A contract timestamp n seconds after T0 (ISO order == time order)."""
    return (T0 + timedelta(seconds=n)).isoformat(timespec="microseconds")


def new_id() -> str:
    return str(uuid.uuid4())


def user_doc(**kw):
    uid = kw.pop("id", None) or new_id()
    return {
        "id": uid,
        "email": kw.pop("email", f"{uid[:8]}@example.com"),
        "name": "Meera Raman",
        "password": "$2b$12$abcdefghijklmnopqrstuu5u6u7u8u9u0u1u2u3u4u5u6u7u8u9u0u",
        "user_type": "user",
        "created_at": ts(0),
        **kw,
    }


def vendor_doc(**kw):
    return {
        "id": kw.pop("id", None) or new_id(),
        "user_id": "system",
        "business_name": "Lotus Hall",
        "category": "venue",
        "description": "A hall with a proscenium stage",
        "location": "Fremont, CA",
        "price_range": "$$",
        "price_estimate": "$2,000 - $3,500",
        "services": ["stage", "green room"],
        "portfolio_images": ["https://img.example.com/1.jpg"],
        "contact_phone": "+1 510 555 0100",
        "contact_email": "hall@example.com",
        "rating": 4.5,
        "review_count": 12,
        "is_active": True,
        "created_at": ts(0),
        **kw,
    }


def event_doc(**kw):
    return {
        "id": kw.pop("id", None) or new_id(),
        "user_id": "u1",
        "event_name": "Priya's Arangetram",
        "event_date": "2026-08-15",
        "event_time": "",
        "guest_count": 100,
        "budget": "$$",
        "location_preference": "Bay Area",
        "special_requirements": "",
        "selected_vendors": [],
        "status": "planning",
        "created_at": ts(0),
        **kw,
    }


def booking_doc(**kw):
    doc_id = kw.pop("id", None) or new_id()
    return {
        "id": doc_id,
        "event_id": f"e-{doc_id}",  # one pending request per event and vendor (a unique index)
        "vendor_id": "v1",
        "user_id": "u1",
        "message": "Are you free?",
        "event_date": "2026-08-15",
        "status": "pending",
        "created_at": ts(0),
        "updated_at": ts(0),
        **kw,
    }


LEAKS = ("_id", "owner_key")


def assert_clean(docs):
    for d in docs:
        for key in LEAKS:
            assert key not in d, f"{key} leaked into {d}"


def ids(docs):
    return [d["id"] for d in docs]


# ---------------------------------------------------------------------------- store


def test_store_identity_and_ping(store):
    assert store.kind in ("sqlite", "mongo")
    assert isinstance(store.location, str) and store.location
    store.ping()  # reachable: no exception
    for repo in ("users", "vendors", "events", "bookings"):
        assert getattr(store, repo) is not None


# ---------------------------------------------------------------------------- users


def test_user_round_trip_with_additive_fields(store):
    doc = user_doc(phone_verified=True, prefs={"lang": "ta", "tags": ["a", "b"]}, score=None)
    original = copy.deepcopy(doc)
    store.users.insert(doc)
    assert doc == original, "insert must not modify the caller's document"
    got = store.users.get(doc["id"])
    assert got == original
    assert_clean([got])
    assert store.users.get_by_email(doc["email"]) == original
    assert store.users.get(new_id()) is None
    assert store.users.get_by_email("nobody@example.com") is None


def test_user_missing_contract_fields_get_defaults(store):
    uid = new_id()
    store.users.insert(
        {
            "id": uid,
            "email": "g@example.com",
            "name": "Guest",
            "user_type": "guest",
            "created_at": ts(1),
        }
    )
    got = store.users.get(uid)
    assert got["password"] == ""
    assert got["user_type"] == "guest"


def test_duplicate_email_is_a_conflict(store):
    first = user_doc(email="amma@example.com")
    store.users.insert(first)
    second = user_doc(email="amma@example.com", name="Someone Else")
    with pytest.raises(Conflict) as e:
        store.users.insert(second)
    assert str(e.value) == "Email already registered"
    assert store.users.get(second["id"]) is None
    assert store.users.get_by_email("amma@example.com")["id"] == first["id"]
    # a different email is fine
    store.users.insert(user_doc(email="appa@example.com"))


def test_duplicate_user_id_is_a_conflict(store):
    doc = user_doc()
    store.users.insert(doc)
    with pytest.raises(Conflict) as e:
        store.users.insert(user_doc(id=doc["id"], email="other@example.com"))
    assert "Email" not in str(e.value)
    assert store.users.get(doc["id"])["email"] == doc["email"]
    assert store.users.get_by_email("other@example.com") is None


def test_user_delete(store):
    doc = user_doc(email="del@example.com")
    store.users.insert(doc)
    assert store.users.delete(doc["id"]) is True
    assert store.users.get(doc["id"]) is None
    assert store.users.delete(doc["id"]) is False
    store.users.insert(user_doc(email="del@example.com"))  # the email is free again


def test_users_get_many(store):
    docs = [user_doc() for _ in range(5)]
    for d in docs:
        store.users.insert(d)
    wanted = [docs[0]["id"], docs[3]["id"], "missing", docs[0]["id"]]
    got = store.users.get_many(wanted)
    assert set(got) == {docs[0]["id"], docs[3]["id"]}
    assert got[docs[3]["id"]] == docs[3]
    assert_clean(got.values())
    assert store.users.get_many([]) == {}


def test_get_many_in_large_chunks(store):
    docs = [user_doc() for _ in range(1200)]
    for d in docs:
        store.users.insert(d)
    got = store.users.get_many(d["id"] for d in docs)
    assert set(got) == {d["id"] for d in docs}


# ---------------------------------------------------------------------------- ids_with_prefix

PREFIX_IDS = ["abc-1", "abc-2", "abd-1", "ab%_x", "ab.c", "b-1", "ABC-3"]


def _insert_with_id(store, repo, doc_id, n):
    if repo == "users":
        store.users.insert(user_doc(id=doc_id, email=f"p{n}@example.com"))
    elif repo == "vendors":
        store.vendors.insert(vendor_doc(id=doc_id))
    elif repo == "events":
        store.events.insert(event_doc(id=doc_id))
    else:
        store.bookings.insert(booking_doc(id=doc_id))


@pytest.mark.parametrize("repo", ["users", "vendors", "events", "bookings"])
def test_ids_with_prefix(store, repo):
    for n, i in enumerate(PREFIX_IDS):
        _insert_with_id(store, repo, i, n)
    r = getattr(store, repo)
    assert r.ids_with_prefix("abc", limit=10) == ["abc-1", "abc-2"]  # case-sensitive
    assert r.ids_with_prefix("abc") == ["abc-1", "abc-2"]  # default limit 2
    assert r.ids_with_prefix("ab", limit=10) == ["ab%_x", "ab.c", "abc-1", "abc-2", "abd-1"]
    assert r.ids_with_prefix("ab", limit=3) == ["ab%_x", "ab.c", "abc-1"]
    assert r.ids_with_prefix("ab%", limit=10) == ["ab%_x"]  # literal, not a pattern
    assert r.ids_with_prefix("ab.", limit=10) == ["ab.c"]
    assert r.ids_with_prefix("abc-1", limit=10) == ["abc-1"]
    assert r.ids_with_prefix("zzz", limit=10) == []
    assert r.ids_with_prefix("", limit=100) == sorted(PREFIX_IDS)
    assert r.ids_with_prefix("ab", limit=1) == ["ab%_x"]


# ---------------------------------------------------------------------------- duplicate ids


@pytest.mark.parametrize("repo", ["vendors", "events", "bookings"])
def test_duplicate_id_is_a_conflict(store, repo):
    make = {"vendors": vendor_doc, "events": event_doc, "bookings": booking_doc}[repo]
    r = getattr(store, repo)
    doc = make()
    r.insert(doc)
    with pytest.raises(Conflict):
        r.insert(make(id=doc["id"], created_at=ts(99)))
    assert r.get(doc["id"]) == doc


# ---------------------------------------------------------------------------- vendors: documents


def test_vendor_round_trip_with_additive_fields(store):
    doc = vendor_doc(
        user_id="owner-1",
        instagram="@lotushall",
        languages=["Tamil", "Telugu"],
        geo={"lat": 37.5, "lng": -121.9},
    )
    original = copy.deepcopy(doc)
    store.vendors.insert(doc)
    assert doc == original
    got = store.vendors.get(doc["id"])
    assert got == original
    assert isinstance(got["is_active"], bool)
    assert isinstance(got["services"], list)
    views = [
        got,
        store.vendors.get_by_user("owner-1"),
        *store.vendors.get_many([doc["id"]]).values(),
        *store.vendors.find_by_name("Lotus Hall"),
        *store.vendors.search(VendorQuery()),
        *store.vendors.iter_search(VendorQuery()),
        store.vendors.update(doc["id"], {"contact_phone": "+1 408 555 0199"}),
    ]
    assert all(v is not None for v in views)
    assert_clean(views)
    assert all(v["id"] == doc["id"] for v in views)
    assert store.vendors.get(new_id()) is None


def test_vendor_missing_fields_get_defaults(store):
    vid = new_id()
    store.vendors.insert(
        {
            "id": vid,
            "user_id": "system",
            "business_name": "Bare",
            "category": "venue",
            "created_at": ts(0),
        }
    )
    got = store.vendors.get(vid)
    assert got["services"] == [] and got["portfolio_images"] == []
    assert got["is_active"] is True
    assert got["rating"] == 0.0 and got["review_count"] == 0
    assert got["description"] == ""
    assert store.vendors.search(VendorQuery(search="bare"))[0]["id"] == vid


def test_one_vendor_profile_per_owner(store):
    first = vendor_doc(user_id="owner-1", business_name="First")
    store.vendors.insert(first)
    second = vendor_doc(user_id="owner-1", business_name="Second")
    with pytest.raises(Conflict) as e:
        store.vendors.insert(second)
    assert str(e.value) == "Vendor profile already exists"
    assert store.vendors.get(second["id"]) is None
    assert store.vendors.count_all() == 1
    assert store.vendors.get_by_user("owner-1")["id"] == first["id"]
    store.vendors.insert(vendor_doc(user_id="owner-2"))  # another owner is fine
    assert store.vendors.count_all() == 2


def test_many_system_vendors_allowed(store):
    docs = [vendor_doc(business_name=f"Seed {n}", created_at=ts(10 - n)) for n in range(5)]
    for d in docs:
        store.vendors.insert(d)
    assert store.vendors.count_all() == 5
    # get_by_user returns the earliest created
    assert store.vendors.get_by_user("system")["id"] == docs[4]["id"]
    assert store.vendors.get_by_user("nobody") is None


def test_vendor_update(store):
    doc = vendor_doc(user_id="owner-1", note="keep me")
    store.vendors.insert(doc)
    out = store.vendors.update(
        doc["id"], {"business_name": "Lotus Grand Hall", "is_active": False, "tier": "gold"}
    )
    expected = {**doc, "business_name": "Lotus Grand Hall", "is_active": False, "tier": "gold"}
    assert out == expected
    assert store.vendors.get(doc["id"]) == expected
    assert_clean([out])
    # the new name is what search sees now
    assert (
        store.vendors.search(VendorQuery(search="grand", active_only=False))[0]["id"] == doc["id"]
    )
    assert store.vendors.search(VendorQuery(search="grand")) == []  # now inactive
    assert store.vendors.update(new_id(), {"business_name": "x"}) is None
    # the id cannot be changed by an update
    store.vendors.update(doc["id"], {"id": "other", "rating": 3.0})
    assert store.vendors.get(doc["id"])["rating"] == 3.0
    assert store.vendors.get("other") is None


def test_vendor_update_owner_keeps_uniqueness(store):
    a = vendor_doc(user_id="owner-1", business_name="A")
    b = vendor_doc(user_id="owner-2", business_name="B")
    store.vendors.insert(a)
    store.vendors.insert(b)
    with pytest.raises(Conflict):
        store.vendors.update(b["id"], {"user_id": "owner-1"})
    assert store.vendors.get(b["id"])["user_id"] == "owner-2"
    # hand A to "system": owner-1 may then create a new profile
    out = store.vendors.update(a["id"], {"user_id": "system"})
    assert out["user_id"] == "system"
    assert_clean([out])
    store.vendors.insert(vendor_doc(user_id="owner-1", business_name="A2"))
    assert store.vendors.get_by_user("owner-1")["business_name"] == "A2"


def test_find_by_name(store):
    a = vendor_doc(id="v-b", business_name="A+ Catering (SJ)")
    b = vendor_doc(id="v-a", business_name="a+ catering (sj)")
    c = vendor_doc(id="v-c", business_name="A+ Catering (SJ) Deluxe")
    d = vendor_doc(id="v-d", business_name="AA Catering (SJ)", is_active=False)
    for v in (a, b, c, d):
        store.vendors.insert(v)
    assert ids(store.vendors.find_by_name("A+ CATERING (sj)")) == ["v-a", "v-b"]
    assert ids(store.vendors.find_by_name("  a+ catering (sj)  ")) == ["v-a", "v-b"]
    assert store.vendors.find_by_name("A+ Catering") == []  # exact, not a substring
    assert store.vendors.find_by_name(".+ Catering (SJ)") == []  # literal, not a pattern
    assert ids(store.vendors.find_by_name("aa catering (SJ)")) == ["v-d"]  # inactive too
    assert_clean(store.vendors.find_by_name("A+ Catering (SJ)"))


def test_vendors_get_many(store):
    docs = [vendor_doc(business_name=f"V{n}") for n in range(4)]
    for d in docs:
        store.vendors.insert(d)
    got = store.vendors.get_many([docs[1]["id"], docs[2]["id"], "nope"])
    assert set(got) == {docs[1]["id"], docs[2]["id"]}
    assert got[docs[2]["id"]] == docs[2]
    assert store.vendors.get_many(iter([])) == {}


# ---------------------------------------------------------------------------- vendors: search

CATALOG = [
    vendor_doc(
        id="v01",
        business_name="Lotus Hall",
        category="venue",
        description="Grand stage for an Arangetram",
        location="Fremont, CA",
        price_range="$$$",
        rating=4.8,
    ),
    vendor_doc(
        id="v02",
        business_name="Nritya Photography",
        category="photographer",
        description="Candid shots [studio] (a+)+$ always",
        location="San Jose, CA",
        price_range="$$",
        rating=4.5,
    ),
    vendor_doc(
        id="v03",
        business_name="100% Pure Veg_Catering",
        category="catering",
        description='Say "hello": it\'s 50% off',
        location="Sunnyvale, CA",
        price_range="$",
        rating=4.0,
    ),
    vendor_doc(
        id="v04",
        business_name="Melody Orchestra",
        category="musicians",
        description="Mridangam .* violin",
        location="Fremont, CA",
        price_range="$$$$",
        rating=4.9,
    ),
    vendor_doc(
        id="v05",
        business_name="Hidden Decor",
        category="decorations",
        description="lotus theme",
        location="Fremont, CA",
        price_range="$$",
        rating=5.0,
        is_active=False,
    ),
    vendor_doc(
        id="v06",
        business_name="Stage Lights",
        category="decorations",
        description=r"Files at C:\stage\lights",
        location="Milpitas, CA",
        price_range="$",
        rating=3.5,
    ),
    vendor_doc(
        id="v07",
        business_name="Bay Caterers",
        category="catering",
        description="South Indian thali",
        location="fremont, ca",
        price_range="$$",
        rating=4.0,
    ),
    vendor_doc(
        id="v08",
        business_name="NYC Mridangam",
        category="musicians",
        description="percussion",
        location="New York, NY",
        price_range="$$",
        rating=4.2,
    ),
]


@pytest.fixture
def catalog(store):
    for v in CATALOG:
        store.vendors.insert(copy.deepcopy(v))
    return store


def oracle(q: VendorQuery) -> list[str]:
    """The contract's meaning of a VendorQuery, in plain Python."""

    def ok(v):
        if q.active_only and not v["is_active"]:
            return False
        if q.category and v["category"] != q.category:
            return False
        if q.price_range and v["price_range"] != q.price_range:
            return False
        if q.max_price_range and v["price_range"] not in prices_up_to(q.max_price_range):
            return False
        if q.search:
            s = q.search.lower()
            if s not in v["business_name"].lower() and s not in v["description"].lower():
                return False
        return not (q.location and q.location.lower() not in v["location"].lower())

    hits = sorted(
        (v for v in CATALOG if ok(v)),
        key=lambda v: (-v["rating"], v["business_name"].lower(), v["id"]),
    )
    return [v["id"] for v in hits]


SEARCHES = [
    "lotus",
    "LOTUS",
    "oTu",
    "[",
    "[studio]",
    "(a+)+$",
    ".*",
    "%",
    "_",
    "50% off",
    '"hello"',
    "it's",
    "'",
    "\\",
    ":\\s",
    "nr",
    "N",
    "a",
    "zzzz",
    "hall",
    "Hall g",
    "MRIDANGAM",
    "thali",
    "Sunnyvale",
    "^Lotus",
    "Lotus$",
    "a+",
]


@pytest.mark.parametrize("text", SEARCHES)
def test_search_text_is_a_literal_case_insensitive_substring(catalog, text):
    for active_only in (True, False):
        q = VendorQuery(search=text, active_only=active_only)
        assert ids(catalog.vendors.search(q)) == oracle(q), text
        assert catalog.vendors.count(q) == len(oracle(q))


def test_search_spot_checks(catalog):
    # guard the oracle against being vacuous
    s = catalog.vendors.search
    assert ids(s(VendorQuery(search="lotus"))) == ["v01"]
    assert ids(s(VendorQuery(search="lotus", active_only=False))) == ["v05", "v01"]
    assert ids(s(VendorQuery(search="["))) == ["v02"]
    assert ids(s(VendorQuery(search="(a+)+$"))) == ["v02"]
    assert ids(s(VendorQuery(search=".*"))) == ["v04"]
    assert ids(s(VendorQuery(search="%"))) == ["v03"]
    assert ids(s(VendorQuery(search="_"))) == ["v03"]
    assert ids(s(VendorQuery(search='"hello"'))) == ["v03"]
    assert ids(s(VendorQuery(search="\\"))) == ["v06"]
    assert ids(s(VendorQuery(search="nr"))) == ["v02"]
    assert ids(s(VendorQuery(search="mridangam"))) == ["v04", "v08"]
    assert s(VendorQuery(search="Sunnyvale")) == []  # search does not look at location
    assert s(VendorQuery(search="^Lotus")) == []
    assert len(s(VendorQuery(search="a"))) == 7


@pytest.mark.parametrize(
    "q",
    [
        VendorQuery(location="fremont"),
        VendorQuery(location="FREMONT, CA"),
        VendorQuery(location=", CA"),
        VendorQuery(location="fr"),
        VendorQuery(location="Y"),
        VendorQuery(location="%"),
        VendorQuery(location="Fremont", active_only=False),
        VendorQuery(category="catering"),
        VendorQuery(category="Catering"),
        VendorQuery(category="catering", location="fremont"),
        VendorQuery(price_range="$$"),
        VendorQuery(price_range="$"),
        VendorQuery(max_price_range="$$"),
        VendorQuery(max_price_range="$"),
        VendorQuery(max_price_range="$$$$", active_only=False),
        VendorQuery(price_range="$$", max_price_range="$"),
        VendorQuery(search="a", location="ca", max_price_range="$$"),
        VendorQuery(search="mridangam", location="fremont", category="musicians"),
        VendorQuery(search="mridangam", category="catering"),
        VendorQuery(category="decorations", active_only=False),
        VendorQuery(),
        VendorQuery(active_only=False),
    ],
    ids=repr,
)
def test_search_filters(catalog, q):
    assert ids(catalog.vendors.search(q)) == oracle(q)
    assert catalog.vendors.count(q) == len(oracle(q))


@pytest.mark.parametrize(
    "q",
    [
        VendorQuery(),
        VendorQuery(active_only=False),
        VendorQuery(search="a"),
        VendorQuery(search="a", active_only=False),
        VendorQuery(location="fremont"),
        VendorQuery(search="mridangam", location="fremont", category="musicians"),
        VendorQuery(search="a", location="ca", max_price_range="$$"),
        VendorQuery(search="zzzz"),
        VendorQuery(search="fr"),  # too short for the index
    ],
    ids=repr,
)
def test_search_page_is_the_page_and_the_total(catalog, q):
    want = oracle(q)
    for offset in (0, 1, 2, 3, len(want) - 1, len(want), len(want) + 5):
        for limit in (1, 2, 3, 100):
            if offset < 0:
                continue
            items, total = catalog.vendors.search_page(q, offset=offset, limit=limit)
            assert ids(items) == want[offset : offset + limit], (offset, limit)
            assert total == len(want), (offset, limit)


def test_search_filter_spot_checks(catalog):
    s = catalog.vendors.search
    assert ids(s(VendorQuery(location="fremont"))) == ["v04", "v01", "v07"]
    assert ids(s(VendorQuery(location="fremont", active_only=False))) == [
        "v05",
        "v04",
        "v01",
        "v07",
    ]
    assert ids(s(VendorQuery(max_price_range="$$"))) == ["v02", "v08", "v03", "v07", "v06"]
    assert ids(s(VendorQuery(price_range="$$", max_price_range="$"))) == []
    assert ids(s(VendorQuery(category="Catering"))) == []  # category is exact
    assert ids(s(VendorQuery(search="mridangam", location="fremont"))) == ["v04"]
    assert "v05" not in ids(s(VendorQuery()))
    assert "v05" in ids(s(VendorQuery(active_only=False)))


def test_count_and_count_all(catalog):
    assert catalog.vendors.count(VendorQuery()) == 7
    assert catalog.vendors.count(VendorQuery(active_only=False)) == 8
    assert catalog.vendors.count_all() == 8
    assert catalog.vendors.count(VendorQuery(search="zzzz")) == 0


def test_sort_order_with_ties(store):
    rows = [
        ("t1", "charlie", 4.0),
        ("t2", "Beta", 4.0),
        ("t3", "alpha", 4.0),
        ("t4", "Delta", 4.0),
        ("t9", "Same", 3.0),
        ("t7", "same", 3.0),
        ("t8", "SAME", 3.0),
        ("t5", "zeta", 4.5),
        ("t6", "Omega", 2.0),
        ("t0", "_under", 4.0),
    ]
    for vid, name, rating in rows:
        store.vendors.insert(vendor_doc(id=vid, business_name=name, rating=rating))
    got = ids(store.vendors.search(VendorQuery()))
    # rating desc; then name case-insensitively ("_" sorts before letters in ASCII); then id
    assert got == ["t5", "t0", "t3", "t2", "t1", "t4", "t7", "t8", "t9", "t6"]
    assert ids(store.vendors.iter_search(VendorQuery(), batch=2)) == got


def test_paging_covers_everything_exactly_once(store):
    for n in range(25):
        store.vendors.insert(
            vendor_doc(business_name=f"Vendor {n % 4}", rating=float(n % 3), id=f"p{n:02d}")
        )
    q = VendorQuery()
    full = ids(store.vendors.search(q, limit=1000))
    assert len(full) == 25
    pages = []
    for offset in range(0, 25, 7):
        pages.extend(ids(store.vendors.search(q, offset=offset, limit=7)))
    assert pages == full
    assert store.vendors.search(q, offset=25, limit=7) == []
    assert store.vendors.search(q, offset=100) == []
    assert store.vendors.search(q, limit=0) == []
    assert ids(store.vendors.search(q, offset=24, limit=7)) == full[24:]
    assert len(store.vendors.search(q)) == 25  # default limit 100
    # default limit is 100
    for n in range(25, 130):
        store.vendors.insert(vendor_doc(id=f"p{n:03d}", rating=1.0))
    assert len(store.vendors.search(q)) == 100
    assert store.vendors.count(q) == 130


def test_iter_search(catalog):
    q = VendorQuery(active_only=False)
    assert ids(catalog.vendors.iter_search(q, batch=3)) == oracle(q)
    assert ids(catalog.vendors.iter_search(q, batch=1)) == oracle(q)
    q2 = VendorQuery(location="fremont")
    assert ids(catalog.vendors.iter_search(q2)) == oracle(q2)
    assert list(catalog.vendors.iter_search(VendorQuery(search="zzzz"))) == []
    it = catalog.vendors.iter_search(q, batch=2)
    first = next(it)
    assert first["id"] == oracle(q)[0]
    assert_clean([first])


def test_iter_search_many(store):
    for n in range(250):
        store.vendors.insert(vendor_doc(id=f"i{n:03d}", business_name=f"V{n:03d}"))
    got = ids(store.vendors.iter_search(VendorQuery(), batch=64))
    assert got == [f"i{n:03d}" for n in range(250)]


# ---------------------------------------------------------------------------- vendors: insert_many

ID_CONFLICT = "a vendor id in the file already exists (use --upsert to update)"


def test_insert_many_inserts(store):
    docs = [vendor_doc(business_name=f"Bulk {n}", extra_n=n) for n in range(10)]
    assert store.vendors.insert_many(iter(copy.deepcopy(docs))) == (10, 0)
    assert store.vendors.count_all() == 10
    got = store.vendors.get_many(ids(docs))
    assert [got[d["id"]] for d in docs] == docs
    assert_clean(got.values())
    assert store.vendors.insert_many([]) == (0, 0)


def test_insert_many_is_all_or_nothing(store):
    existing = vendor_doc(business_name="Existing", rating=1.0)
    store.vendors.insert(existing)
    docs = [vendor_doc(business_name=f"New {n}") for n in range(6)]
    docs.insert(3, vendor_doc(id=existing["id"], business_name="Clash"))
    with pytest.raises(Conflict) as e:
        store.vendors.insert_many(docs)
    assert str(e.value) == ID_CONFLICT
    assert store.vendors.count_all() == 1
    assert store.vendors.get(existing["id"]) == existing
    assert store.vendors.get_many(ids(docs)) == {existing["id"]: existing}


def test_insert_many_all_or_nothing_across_batches(store):
    existing = vendor_doc(id="zzz-existing")
    store.vendors.insert(existing)
    docs = [vendor_doc(id=f"b{n:04d}") for n in range(1100)]
    docs.append(vendor_doc(id="zzz-existing", business_name="late clash"))
    with pytest.raises(Conflict):
        store.vendors.insert_many(docs)
    assert store.vendors.count_all() == 1
    assert store.vendors.get("zzz-existing")["business_name"] == existing["business_name"]


def test_insert_many_duplicate_id_within_the_file(store):
    dup = new_id()
    docs = [vendor_doc(), vendor_doc(id=dup), vendor_doc(), vendor_doc(id=dup)]
    with pytest.raises(Conflict):
        store.vendors.insert_many(docs)
    assert store.vendors.count_all() == 0


def test_insert_many_owner_conflicts_write_nothing(store):
    store.vendors.insert(vendor_doc(user_id="owner-1", business_name="Mine"))
    docs = [vendor_doc(), vendor_doc(user_id="owner-1"), vendor_doc()]
    with pytest.raises(Conflict):
        store.vendors.insert_many(docs)
    assert store.vendors.count_all() == 1
    docs = [vendor_doc(user_id="owner-9"), vendor_doc(), vendor_doc(user_id="owner-9")]
    with pytest.raises(Conflict):
        store.vendors.insert_many(docs)
    assert store.vendors.count_all() == 1
    # many "system" vendors and distinct owners in one file are fine
    docs = [
        vendor_doc(),
        vendor_doc(),
        vendor_doc(user_id="owner-2"),
        vendor_doc(user_id="owner-3"),
    ]
    assert store.vendors.insert_many(docs) == (4, 0)


def test_insert_many_upsert(store):
    old = [vendor_doc(business_name=f"Old {n}", legacy=True) for n in range(3)]
    for d in old:
        store.vendors.insert(d)
    changed = vendor_doc(id=old[1]["id"], business_name="Renamed", rating=2.5)
    fresh = [vendor_doc(business_name=f"Fresh {n}") for n in range(4)]
    docs = [fresh[0], changed, fresh[1], fresh[2], fresh[3]]
    assert store.vendors.insert_many(copy.deepcopy(docs), upsert=True) == (4, 1)
    assert store.vendors.count_all() == 7
    # an upsert replaces the whole document (the old additive field is gone)
    assert store.vendors.get(old[1]["id"]) == changed
    assert store.vendors.get(old[0]["id"]) == old[0]
    for d in fresh:
        assert store.vendors.get(d["id"]) == d
    # running the same file again updates everything
    assert store.vendors.insert_many(copy.deepcopy(docs), upsert=True) == (0, 5)
    assert store.vendors.count_all() == 7
    assert_clean(store.vendors.search(VendorQuery(), limit=100))


@pytest.mark.parametrize("between", [0, 1, 600], ids=lambda n: f"{n} rows between")
def test_insert_many_upsert_with_an_id_twice_keeps_the_last(store, between):
    """The same id twice in one upsert (the CLI's importer refuses that, the store does not):
    the last one wins, and the search index follows it, in one batch or across batches."""
    first = vendor_doc(id="twice", business_name="Alpha Decorators")
    others = [vendor_doc(business_name=f"Other {n}") for n in range(between)]
    last = {**first, "business_name": "Bravo Decorators"}
    docs = copy.deepcopy([first, *others, last])
    assert store.vendors.insert_many(docs, upsert=True) == (1 + between, 1)
    assert store.vendors.get("twice")["business_name"] == "Bravo Decorators"
    assert ids(store.vendors.search(VendorQuery(search="bravo"))) == ["twice"]
    assert store.vendors.search(VendorQuery(search="alpha")) == []
    store.vendors.update("twice", {"business_name": "Charlie Decorators"})
    assert ids(store.vendors.search(VendorQuery(search="charlie"))) == ["twice"]
    assert store.vendors.count(VendorQuery(search="decorators")) == 1


def test_insert_many_upsert_keeps_owner_rule(store):
    mine = vendor_doc(user_id="owner-1", business_name="Mine")
    store.vendors.insert(mine)
    # updating the owner's own profile by id is fine
    assert store.vendors.insert_many([{**mine, "rating": 4.9}], upsert=True) == (0, 1)
    assert store.vendors.get(mine["id"])["rating"] == 4.9
    with pytest.raises(Conflict):
        store.vendors.insert_many([vendor_doc(), vendor_doc(user_id="owner-1")], upsert=True)
    assert store.vendors.count_all() == 1


# ---------------------------------------------------------------------------- events


def test_event_round_trip(store):
    doc = event_doc(theme="Margam", helpers=[{"name": "Ravi", "role": "stage"}])
    original = copy.deepcopy(doc)
    store.events.insert(doc)
    assert doc == original
    got = store.events.get(doc["id"])
    assert got == original
    assert_clean([got])
    assert store.events.get(new_id()) is None
    many = store.events.get_many([doc["id"], "nope"])
    assert many == {doc["id"]: original}


def test_event_missing_fields_get_defaults(store):
    eid = new_id()
    store.events.insert(
        {
            "id": eid,
            "user_id": "u1",
            "event_name": "E",
            "event_date": "2026-09-01",
            "created_at": ts(0),
        }
    )
    got = store.events.get(eid)
    assert got["selected_vendors"] == []
    assert got["event_time"] == "" and got["special_requirements"] == ""
    assert store.events.add_vendor(eid, "v1") is True
    assert store.events.get(eid)["selected_vendors"] == ["v1"]


def test_events_list_by_user_newest_first_and_isolated(store):
    mine = [event_doc(user_id="u1", created_at=ts(n), event_name=f"E{n}") for n in range(6)]
    tie = [event_doc(id=f"tie-{c}", user_id="u1", created_at=ts(3)) for c in "ba"]
    theirs = [event_doc(user_id="u2", created_at=ts(n)) for n in range(4)]
    for d in mine + tie + theirs:
        store.events.insert(d)
    got = store.events.list_by_user("u1")
    expected = [
        mine[5]["id"],
        mine[4]["id"],
        *sorted([mine[3]["id"], "tie-a", "tie-b"]),
        mine[2]["id"],
        mine[1]["id"],
        mine[0]["id"],
    ]
    assert ids(got) == expected
    assert_clean(got)
    assert {d["user_id"] for d in got} == {"u1"}
    assert ids(store.events.list_by_user("u2")) == [d["id"] for d in reversed(theirs)]
    assert store.events.list_by_user("nobody") == []
    assert store.events.count_by_user("u1") == 8
    assert store.events.count_by_user("u2") == 4
    assert store.events.count_by_user("nobody") == 0
    # paging
    assert ids(store.events.list_by_user("u1", offset=2, limit=3)) == expected[2:5]
    assert ids(store.events.list_by_user("u1", offset=6, limit=10)) == expected[6:]
    assert store.events.list_by_user("u1", offset=8) == []
    assert store.events.list_by_user("u1", limit=0) == []


def test_event_update(store):
    doc = event_doc(custom="x")
    store.events.insert(doc)
    out = store.events.update(
        doc["id"], {"status": "confirmed", "guest_count": 250, "venue_notes": "balcony"}
    )
    expected = {**doc, "status": "confirmed", "guest_count": 250, "venue_notes": "balcony"}
    assert out == expected
    assert store.events.get(doc["id"]) == expected
    assert store.events.update(new_id(), {"status": "confirmed"}) is None
    out = store.events.update(doc["id"], {"selected_vendors": ["a", "b"]})
    assert out["selected_vendors"] == ["a", "b"]


def test_add_and_remove_vendor(store):
    doc = event_doc()
    store.events.insert(doc)
    eid = doc["id"]
    assert store.events.add_vendor(eid, "v1") is True
    assert store.events.add_vendor(eid, "v2") is True
    assert store.events.add_vendor(eid, "v1") is True  # idempotent
    assert store.events.add_vendor(eid, "v3") is True
    assert store.events.get(eid)["selected_vendors"] == ["v1", "v2", "v3"]
    assert store.events.remove_vendor(eid, "v2") is True
    assert store.events.get(eid)["selected_vendors"] == ["v1", "v3"]
    assert store.events.remove_vendor(eid, "v2") is True  # idempotent
    assert store.events.get(eid)["selected_vendors"] == ["v1", "v3"]
    assert store.events.remove_vendor(eid, "v1") is True
    assert store.events.remove_vendor(eid, "v3") is True
    assert store.events.get(eid)["selected_vendors"] == []
    # the rest of the document is untouched
    assert store.events.get(eid) == doc


def test_add_and_remove_vendor_missing_event(store):
    missing = new_id()
    assert store.events.add_vendor(missing, "v1") is False
    assert store.events.remove_vendor(missing, "v1") is False
    assert store.events.get(missing) is None
    assert store.events.count_by_user("u1") == 0


def test_event_delete(store):
    doc, other = event_doc(user_id="u1"), event_doc(user_id="u1")
    store.events.insert(doc)
    store.events.insert(other)
    assert store.events.delete(doc["id"]) is True
    assert store.events.get(doc["id"]) is None
    assert store.events.delete(doc["id"]) is False  # gone already
    assert store.events.delete(new_id()) is False
    assert store.events.get(other["id"]) == other  # only that one
    assert store.events.count_by_user("u1") == 1


def test_concurrent_add_vendor_loses_nothing(store):
    doc = event_doc()
    store.events.insert(doc)
    per_thread, threads = 25, 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(t: int) -> None:
        own = SqliteStore(store.path) if store.kind == "sqlite" else store
        try:
            barrier.wait()
            for n in range(per_thread):
                assert own.events.add_vendor(doc["id"], f"t{t}-v{n}")
                assert own.events.add_vendor(doc["id"], "shared")
        except BaseException as e:
            errors.append(e)
        finally:
            if own is not store:
                own.close()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert not errors, errors
    selected = store.events.get(doc["id"])["selected_vendors"]
    expected = {f"t{t}-v{n}" for t in range(threads) for n in range(per_thread)} | {"shared"}
    assert len(selected) == len(expected)  # no duplicates
    assert set(selected) == expected  # nothing lost


# ---------------------------------------------------------------------------- bookings


def test_booking_round_trip(store):
    doc = booking_doc(response_message="See you then", history=[{"status": "pending"}])
    original = copy.deepcopy(doc)
    store.bookings.insert(doc)
    assert doc == original
    got = store.bookings.get(doc["id"])
    assert got == original
    assert_clean([got])
    assert store.bookings.get(new_id()) is None


def test_bookings_by_user_and_vendor(store):
    a = [booking_doc(user_id="u1", vendor_id="v1", created_at=ts(n)) for n in range(3)]
    b = [booking_doc(user_id="u1", vendor_id="v2", created_at=ts(10 + n)) for n in range(2)]
    c = [booking_doc(user_id="u2", vendor_id="v1", created_at=ts(20 + n)) for n in range(2)]
    for d in a + b + c:
        store.bookings.insert(d)
    by_u1 = store.bookings.list_by_user("u1")
    assert ids(by_u1) == [d["id"] for d in reversed(a + b)]
    assert_clean(by_u1)
    assert ids(store.bookings.list_by_user("u2")) == [d["id"] for d in reversed(c)]
    assert store.bookings.list_by_user("u3") == []
    by_v1 = store.bookings.list_by_vendor("v1")
    assert ids(by_v1) == [d["id"] for d in reversed(a + c)]
    assert ids(store.bookings.list_by_vendor("v2")) == [d["id"] for d in reversed(b)]
    assert store.bookings.list_by_vendor("v3") == []
    assert ids(store.bookings.list_by_user("u1", offset=1, limit=2)) == ids(by_u1)[1:3]
    assert ids(store.bookings.list_by_vendor("v1", offset=3, limit=9)) == ids(by_v1)[3:]
    assert store.bookings.list_by_user("u1", limit=0) == []


def test_bookings_by_event_oldest_first(store):
    docs = [booking_doc(event_id="e7", vendor_id=f"v{n}", created_at=ts(5 - n)) for n in range(3)]
    for d in [*docs, booking_doc(event_id="e8")]:
        store.bookings.insert(d)
    listed = store.bookings.list_by_event("e7")
    assert ids(listed) == [d["id"] for d in reversed(docs)]
    assert_clean(listed)
    assert store.bookings.list_by_event("nope") == []


def test_booking_update_and_compare_and_set(store):
    doc = booking_doc(note="x")
    store.bookings.insert(doc)
    bid = doc["id"]
    out = store.bookings.update(
        bid,
        {"status": "accepted", "updated_at": ts(5), "response_message": "Yes"},
        expect_status="pending",
    )
    expected = {**doc, "status": "accepted", "updated_at": ts(5), "response_message": "Yes"}
    assert out == expected
    assert store.bookings.get(bid) == expected
    # the status is no longer "pending": the second answer loses and changes nothing
    assert store.bookings.update(bid, {"status": "declined"}, expect_status="pending") is None
    assert store.bookings.get(bid) == expected
    # without expect_status the update always applies
    out = store.bookings.update(bid, {"message": "edited"})
    assert out["message"] == "edited" and out["status"] == "accepted"
    assert store.bookings.update(new_id(), {"status": "accepted"}) is None
    assert store.bookings.update(new_id(), {"status": "x"}, expect_status="pending") is None


def test_booking_compare_and_set_has_one_winner(store):
    doc = booking_doc()
    store.bookings.insert(doc)
    threads = 8
    wins: list[int] = []
    barrier = threading.Barrier(threads)

    def worker(t: int) -> None:
        barrier.wait()
        out = store.bookings.update(
            doc["id"], {"status": "accepted", "winner": t}, expect_status="pending"
        )
        if out is not None:
            wins.append(t)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert len(wins) == 1
    assert store.bookings.get(doc["id"])["winner"] == wins[0]


# ---------------------------------------------------------------------------- Mongo specifics


@pytest.mark.mongo
def test_mongo_location_masks_password():
    import mongomock_ng

    from arangetram_cli.store.mongo import MongoStore, mask_url

    s = MongoStore(
        "mongodb://bob:s3cr%40t@db.example.com:27017/app?authSource=admin",
        client=mongomock_ng.MongoClient(),
    )
    assert s.kind == "mongo"
    assert "s3cr" not in s.location
    assert s.location == "mongodb://bob:***@db.example.com:27017/app?authSource=admin"
    assert (
        mask_url("mongodb+srv://u:p@c0.x.mongodb.net/") == "mongodb+srv://u:***@c0.x.mongodb.net/"
    )
    assert mask_url("mongodb://h1,h2/?replicaSet=r") == "mongodb://h1,h2/?replicaSet=r"
    s.close()


@pytest.mark.mongo
def test_mongo_documents_are_contract_shaped(mongomock_store):
    s = mongomock_store
    v = vendor_doc(user_id="owner-1")
    s.vendors.insert(v)
    s.vendors.insert(vendor_doc())
    raw = s.db.vendors.find_one({"id": v["id"]})
    assert raw["owner_key"] == "owner-1"  # the uniqueness helper lives in the database only
    assert {k for k in raw if k not in ("_id", "owner_key")} == set(v)
    system = s.db.vendors.find_one({"user_id": "system"})
    assert "owner_key" not in system
    names = {i["name"] for i in s.db.users.list_indexes()}
    assert {"users_id", "users_email"} <= names
    vnames = {i["name"]: i for i in s.db.vendors.list_indexes()}
    assert vnames["vendors_owner"]["unique"] is True
    assert vnames["vendors_owner"]["partialFilterExpression"] == {"owner_key": {"$exists": True}}


@pytest.mark.mongo
def test_mongo_indexes_are_idempotent(mongomock_store):
    from arangetram_cli.store.mongo import MongoStore

    again = MongoStore("mongodb://localhost/", client=mongomock_store.client)
    assert again.index_warnings == []
    again.users.insert(user_doc(email="x@example.com"))
    with pytest.raises(Conflict):
        mongomock_store.users.insert(user_doc(email="x@example.com"))


@pytest.mark.mongo
def test_mongo_owner_rule_sees_documents_written_by_the_web_app(mongomock_store):
    s = mongomock_store
    # the web back end writes vendors without owner_key
    s.db.vendors.insert_one(vendor_doc(user_id="owner-1", business_name="From web"))
    with pytest.raises(Conflict) as e:
        s.vendors.insert(vendor_doc(user_id="owner-1"))
    assert str(e.value) == "Vendor profile already exists"
    with pytest.raises(Conflict):
        s.vendors.insert_many([vendor_doc(user_id="owner-1")])
    assert s.vendors.count_all() == 1


def _race_on_bulk_write(store, conflicting):
    """Make another writer insert `conflicting` between the checks and the bulk write."""
    coll = store.vendors._c
    real = coll.bulk_write

    def racing(*args, **kwargs):
        coll.insert_one(dict(conflicting))
        return real(*args, **kwargs)

    coll.bulk_write = racing


@pytest.mark.mongo
@pytest.mark.parametrize("transactions", [False, True], ids=["undo", "transaction"])
def test_mongo_insert_many_rolls_back_a_lost_race(mongomock_store, transactions):
    s = mongomock_store
    s._txn = transactions
    docs = [vendor_doc(id=f"r{n}") for n in range(6)]
    _race_on_bulk_write(s, vendor_doc(id="r3", business_name="Raced in"))
    with pytest.raises(Conflict) as e:
        s.vendors.insert_many(docs)
    assert str(e.value) == ID_CONFLICT
    assert [d["id"] for d in s.db.vendors.find({}, {"id": 1})] == ["r3"]


@pytest.mark.mongo
@pytest.mark.parametrize("transactions", [False, True], ids=["undo", "transaction"])
def test_mongo_upsert_rolls_back_a_lost_race(mongomock_store, transactions):
    s = mongomock_store
    s._txn = transactions
    old = [vendor_doc(id=f"o{n}", business_name=f"Old {n}") for n in range(3)]
    for d in old:
        s.vendors.insert(d)
    docs = [
        vendor_doc(id="o0", business_name="New 0"),
        vendor_doc(id="n1"),
        vendor_doc(id="o1", business_name="New 1"),
        vendor_doc(id="n2", user_id="owner-7"),
    ]
    # another CLI writer (so with owner_key) creates owner-7's profile in between
    _race_on_bulk_write(s, vendor_doc(id="raced", user_id="owner-7", owner_key="owner-7"))
    with pytest.raises(Conflict) as e:
        s.vendors.insert_many(docs, upsert=True)
    assert str(e.value) == "Vendor profile already exists for one owner"
    for d in old:
        assert s.vendors.get(d["id"]) == d
    assert s.vendors.get("n1") is None and s.vendors.get("n2") is None
    assert s.vendors.count_all() == 4  # the three old ones and the raced one


@pytest.mark.mongo
def test_mongo_unreachable_is_unavailable_fast_and_one_line():
    from arangetram_cli.store.mongo import MongoStore

    url = "mongodb://127.0.0.1:1/"
    started = time.monotonic()
    with pytest.raises(Unavailable) as e:
        s = MongoStore(url)  # default settings
        s.ping()
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    msg = str(e.value)
    assert msg.startswith(f"cannot reach MongoDB at {url}: ")
    assert "\n" not in msg
    assert "Topology" not in msg and "configured timeouts" not in msg
    assert len(msg) < 300


@pytest.mark.mongo
def test_mongo_unreachable_hides_password():
    from arangetram_cli.store.mongo import MongoStore

    with pytest.raises(Unavailable) as e:
        MongoStore("mongodb://bob:hunter22@127.0.0.1:1/", timeout_ms=200)
    assert "hunter22" not in str(e.value)
    assert "mongodb://bob:***@127.0.0.1:1/" in str(e.value)


@pytest.mark.mongo
@pytest.mark.parametrize("url", ["mongodb://", "http://example.com", "mongodb://h/?w=banana"])
def test_mongo_bad_url_is_unavailable(url):
    from arangetram_cli.store.mongo import MongoStore

    started = time.monotonic()
    with pytest.raises(Unavailable) as e:
        MongoStore(url, timeout_ms=200).ping()
    assert time.monotonic() - started < 5
    assert str(e.value).startswith("cannot reach MongoDB at ")
    assert "\n" not in str(e.value)


@pytest.mark.mongo
def test_mongo_repo_calls_map_connection_errors(mongomock_store):
    from pymongo.errors import ServerSelectionTimeoutError

    s = mongomock_store

    def boom(*args, **kwargs):
        raise ServerSelectionTimeoutError(
            "h:1: [Errno 111] Connection refused, Timeout: 3s, Topology Description: <...>"
        )

    s.vendors._c.find_one = boom
    s.vendors._c.aggregate = boom
    with pytest.raises(Unavailable) as e:
        s.vendors.get("x")
    assert str(e.value) == (
        "cannot reach MongoDB at mongodb://localhost/: h:1: [Errno 111] Connection refused"
    )
    with pytest.raises(Unavailable):
        s.vendors.search(VendorQuery())
    with pytest.raises(Unavailable):
        list(s.vendors.iter_search(VendorQuery()))


@pytest.mark.mongo
def test_mongo_conversation_cursors_are_read_inside_the_guard(mongomock_store):
    """pymongo's find() touches no server until the cursor is read: a server lost then is
    Unavailable too, not a pymongo traceback."""
    from pymongo.errors import ServerSelectionTimeoutError

    class LostCursor:
        def sort(self, *args, **kwargs):
            return self

        def limit(self, *args, **kwargs):
            return self

        def __iter__(self):
            raise ServerSelectionTimeoutError("h:1: [Errno 111] Connection refused")

    convs = mongomock_store.conversations
    convs._c.find = lambda *args, **kwargs: LostCursor()
    with pytest.raises(Unavailable):
        convs.ids_with_prefix("owner", "abcd")


# ---------------------------------------------------------------------------- portfolio images


def test_add_images_appends_missing_in_order(store):
    doc = vendor_doc(portfolio_images=["https://img.example.com/1.jpg"])
    store.vendors.insert(doc)
    vid = doc["id"]
    got = store.vendors.add_images(
        vid,
        ["https://s3.example/b.png", "https://img.example.com/1.jpg", "https://s3.example/a.webp"],
    )
    want = [
        "https://img.example.com/1.jpg",
        "https://s3.example/b.png",
        "https://s3.example/a.webp",
    ]
    assert got["portfolio_images"] == want
    assert store.vendors.get(vid)["portfolio_images"] == want
    # again, with a duplicate inside the call: nothing doubles, order kept
    again = store.vendors.add_images(vid, ["https://s3.example/a.webp", "x://c", "x://c"])
    assert again["portfolio_images"] == [*want, "x://c"]
    # nothing to add: the vendor as it is
    assert store.vendors.add_images(vid, [])["portfolio_images"] == [*want, "x://c"]
    # the rest of the document is untouched, and it is returned whole like get()
    assert again == store.vendors.get(vid)
    assert {k: v for k, v in again.items() if k != "portfolio_images"} == {
        k: v for k, v in doc.items() if k != "portfolio_images"
    }


def test_add_images_to_an_empty_portfolio_and_unicode(store):
    doc = vendor_doc(portfolio_images=[])
    store.vendors.insert(doc)
    urls = ["https://cdn.example/நடனம்.jpg", 'https://cdn.example/q"uote.png']
    assert store.vendors.add_images(doc["id"], urls)["portfolio_images"] == urls
    assert store.vendors.get(doc["id"])["portfolio_images"] == urls


def test_remove_image(store):
    doc = vendor_doc(portfolio_images=["u1", "u2", "u1", "u3"])
    store.vendors.insert(doc)
    vid = doc["id"]
    assert store.vendors.remove_image(vid, "u1")["portfolio_images"] == ["u2", "u3"]
    assert store.vendors.remove_image(vid, "u1")["portfolio_images"] == ["u2", "u3"]  # idempotent
    assert store.vendors.remove_image(vid, "u2")["portfolio_images"] == ["u3"]
    assert store.vendors.remove_image(vid, "u3")["portfolio_images"] == []
    got = store.vendors.get(vid)
    assert got["portfolio_images"] == []
    assert {k: v for k, v in got.items() if k != "portfolio_images"} == {
        k: v for k, v in doc.items() if k != "portfolio_images"
    }


def test_image_updates_on_a_missing_vendor(store):
    missing = new_id()
    assert store.vendors.add_images(missing, ["u1"]) is None
    assert store.vendors.add_images(missing, []) is None
    assert store.vendors.remove_image(missing, "u1") is None
    assert store.vendors.get(missing) is None
    assert store.vendors.count_all() == 0


def test_image_updates_leave_other_vendors_alone(store):
    a, b = vendor_doc(portfolio_images=["u1"]), vendor_doc(portfolio_images=["u1"])
    store.vendors.insert_many([a, b])
    store.vendors.add_images(a["id"], ["u2"])
    store.vendors.remove_image(a["id"], "u1")
    assert store.vendors.get(a["id"])["portfolio_images"] == ["u2"]
    assert store.vendors.get(b["id"]) == b


def test_concurrent_add_images_loses_nothing(store):
    doc = vendor_doc(portfolio_images=[])
    store.vendors.insert(doc)
    threads = 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(t: int) -> None:
        own = SqliteStore(store.path) if store.kind == "sqlite" else store
        try:
            barrier.wait()
            for n in range(10):
                assert own.vendors.add_images(doc["id"], [f"https://s3/{t}-{n}.jpg", "shared"])
                if n % 3 == 0:
                    assert own.vendors.remove_image(doc["id"], f"https://s3/{t}-{n}.jpg")
        except BaseException as e:
            errors.append(e)
        finally:
            if own is not store:
                own.close()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert not errors, errors
    images = store.vendors.get(doc["id"])["portfolio_images"]
    expected = {f"https://s3/{t}-{n}.jpg" for t in range(threads) for n in range(10) if n % 3}
    assert len(images) == len(set(images))  # no duplicates
    assert set(images) == expected | {"shared"}  # nothing lost, nothing resurrected
    # each thread's own additions stay in the order it made them
    for t in range(threads):
        mine = [u for u in images if u.startswith(f"https://s3/{t}-")]
        assert mine == sorted(mine, key=lambda u: int(u.rsplit("-", 1)[1].split(".")[0]))
