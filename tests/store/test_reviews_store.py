"""The reviews repository and the booking history (store/base.py), on every adapter: one
review per user and vendor, the vendor's rating and review_count kept exact (also under
concurrent writers), the one-time reply, history appended with the status change, and the
SQLite schema migration that adds the table to existing files."""

from __future__ import annotations

import sqlite3
import threading
import uuid

import pytest

from arangetram_cli.core.lifecycle import combine_rating
from arangetram_cli.store.sqlite import SCHEMA_VERSION, SqliteStore
from arangetram_cli.store.sqlite.schema import MIGRATIONS as _MIGRATIONS
from tests.store.test_store_contract import booking_doc, ts, vendor_doc


def review_doc(vendor_id: str, user_id: str, rating: int, n: int = 0, **kw) -> dict:
    return {
        "id": kw.pop("id", None) or str(uuid.uuid4()),
        "vendor_id": vendor_id,
        "user_id": user_id,
        "user_name": f"Family {user_id}",
        "rating": rating,
        "text": f"rated {rating}",
        "created_at": ts(n),
        "updated_at": ts(n),
        "reply": None,
        **kw,
    }


def figures(store, vendor_id: str) -> tuple[float, int]:
    v = store.vendors.get(vendor_id)
    return v["rating"], v["review_count"]


def test_upsert_inserts_then_replaces(store):
    store.vendors.insert(vendor_doc(id="v1", rating=0.0, review_count=0))
    first = store.reviews.upsert(review_doc("v1", "u1", 3, 1, id="r1"))
    assert first == review_doc("v1", "u1", 3, 1, id="r1")
    assert list(first) == list(review_doc("v1", "u1", 3, 1, id="r1"))  # same shape everywhere
    assert figures(store, "v1") == (3.0, 1)

    again = store.reviews.upsert(
        review_doc("v1", "u1", 5, 9, id="r-ignored", text="better", user_name="Renamed")
    )
    assert again["id"] == "r1" and again["created_at"] == ts(1)  # the first one, replaced
    assert (again["rating"], again["text"], again["user_name"]) == (5, "better", "Renamed")
    assert again["updated_at"] == ts(9)
    assert store.reviews.get("r1") == again and store.reviews.get("r-ignored") is None
    assert store.reviews.get_by_user("v1", "u1") == again
    assert store.reviews.count_by_vendor("v1") == 1
    assert figures(store, "v1") == (5.0, 1)
    assert store.reviews.upsert(review_doc("missing", "u1", 4)) is None
    assert store.reviews.count_by_vendor("missing") == 0


def test_listing_newest_first_with_paging(store):
    store.vendors.insert(vendor_doc(id="v1"))
    store.vendors.insert(vendor_doc(id="v2"))
    for n in range(5):
        store.reviews.upsert(review_doc("v1", f"u{n}", 1 + n % 5, n, id=f"r{n}"))
    store.reviews.upsert(review_doc("v2", "u0", 4, 10, id="other"))
    store.reviews.upsert(review_doc("v1", "u1", 2, 20))  # an edit moves it to the top
    assert [r["id"] for r in store.reviews.list_by_vendor("v1")] == ["r1", "r4", "r3", "r2", "r0"]
    assert [r["id"] for r in store.reviews.list_by_vendor("v1", offset=1, limit=2)] == ["r4", "r3"]
    assert store.reviews.list_by_vendor("v1", limit=0) == []
    assert store.reviews.count_by_vendor("v1") == 5
    assert store.reviews.vendors_with_reviews(["v1", "v2", "v3"]) == {"v1", "v2"}
    assert store.reviews.ids_with_prefix("r", 10) == ["r0", "r1", "r2", "r3", "r4"]
    for r in store.reviews.list_by_vendor("v1"):
        assert "_id" not in r


def test_reply_is_a_compare_and_set(store):
    store.vendors.insert(vendor_doc(id="v1"))
    store.reviews.upsert(review_doc("v1", "u1", 4, id="r1"))
    replied = store.reviews.set_reply("r1", {"text": "Thank you", "at": ts(5)})
    assert replied["reply"] == {"text": "Thank you", "at": ts(5)}
    assert store.reviews.set_reply("r1", {"text": "Again", "at": ts(6)}) is None
    assert store.reviews.get("r1")["reply"]["text"] == "Thank you"
    assert store.reviews.set_reply("missing", {"text": "x", "at": ts(6)}) is None
    # an edit of the review keeps the answer
    edited = store.reviews.upsert(review_doc("v1", "u1", 2, 7))
    assert edited["reply"] == {"text": "Thank you", "at": ts(5)}


def test_seeded_figures_count_as_earlier_reviews(store):
    store.vendors.insert(vendor_doc(id="v1", rating=4.8, review_count=10))
    store.reviews.upsert(review_doc("v1", "u1", 1))
    v = store.vendors.get("v1")
    assert (v["rating"], v["review_count"]) == (4.45, 11)
    assert (v["seed_rating"], v["seed_review_count"]) == (4.8, 10)  # captured once
    store.reviews.upsert(review_doc("v1", "u2", 5))
    store.reviews.upsert(review_doc("v1", "u1", 4))  # an edit
    assert figures(store, "v1") == (combine_rating(4.8, 10, 9, 2)) == (4.75, 12)
    assert store.reviews.recompute("v1")["review_count"] == 12  # idempotent
    assert figures(store, "v1") == (4.75, 12)
    assert store.reviews.recompute("missing") is None
    # a vendor written by the web app without the figures at all
    store.vendors.insert({"id": "bare", "user_id": "system", "business_name": "Bare"})
    store.reviews.upsert(review_doc("bare", "u1", 2))
    assert figures(store, "bare") == (2.0, 1)


def test_rating_is_rounded_to_two_decimals(store):
    store.vendors.insert(vendor_doc(id="v1", rating=0.0, review_count=0))
    for n, r in enumerate((5, 4, 4)):
        store.reviews.upsert(review_doc("v1", f"u{n}", r))
    assert figures(store, "v1") == (4.33, 3)


def test_history_is_appended_with_the_status_change(store):
    entry = {"at": ts(0), "by": "u1", "by_role": "user", "from": None, "to": "pending"}
    store.bookings.insert(booking_doc(id="b1", history=[entry]))
    move = {"at": ts(1), "by": "v", "by_role": "vendor", "from": "pending", "to": "accepted"}
    done = store.bookings.update(
        "b1",
        {"status": "accepted", "updated_at": ts(1)},
        expect_status="pending",
        push_history=move,
    )
    assert done["status"] == "accepted" and done["history"] == [entry, move]
    # a lost compare-and-set writes nothing, history included
    late = {**move, "to": "declined"}
    assert (
        store.bookings.update(
            "b1", {"status": "declined"}, expect_status="pending", push_history=late
        )
        is None
    )
    assert store.bookings.get("b1")["history"] == [entry, move]
    assert store.bookings.update("nope", {}, expect_status="pending", push_history=late) is None
    # a booking written by the web app has no history yet: the first move starts it
    store.bookings.insert(booking_doc(id="b2"))
    first = store.bookings.update("b2", {"status": "declined"}, push_history=late)
    assert first["history"] == [late]


def _atomic_find_and_modify(store) -> None:
    """mongomock_ng runs find_one_and_update as a find, then an update: two threads can both
    match the old status. A MongoDB server applies it to the document atomically (what the
    adapter relies on); give the stand-in that guarantee."""
    if store.kind != "mongo" or "mongomock" not in type(store.client).__module__:
        return
    coll = store.bookings._c
    real = coll.find_one_and_update
    lock = threading.Lock()

    def atomic(*args, **kwargs):
        with lock:
            return real(*args, **kwargs)

    coll.find_one_and_update = atomic


def test_concurrent_history_moves_have_one_winner(store):
    _atomic_find_and_modify(store)
    store.bookings.insert(booking_doc(id="b1", history=[]))
    barrier = threading.Barrier(8)
    results: list = [None] * 8

    def worker(t: int) -> None:
        own = SqliteStore(store.path) if store.kind == "sqlite" else store
        try:
            barrier.wait()
            entry = {"at": ts(t), "by": f"t{t}", "by_role": "vendor", "from": "pending"}
            results[t] = own.bookings.update(
                "b1", {"status": f"s{t}"}, expect_status="pending", push_history=entry
            )
        finally:
            if own is not store:
                own.close()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    final = store.bookings.get("b1")
    assert len(final["history"]) == 1 and final["status"] == winners[0]["status"]


def _own_store(store):
    """A separate store object on the same database (SQLite: its own connection to the file;
    Mongo: another adapter over the one shared client)."""
    if store.kind == "sqlite":
        return SqliteStore(store.path)
    from arangetram_cli.store.mongo import MongoStore

    return MongoStore(store.url, db_name=store.db.name, client=store.client)


@pytest.mark.parametrize("seed", [(0.0, 0), (4.8, 127)], ids=["new", "seeded"])
def test_concurrent_reviews_keep_rating_and_count_exact(store, seed):
    """8 writers, each its own store object, review one vendor at once and edit their
    reviews several times: the final figures are exactly those of the final reviews."""
    seed_rating, seed_count = seed
    store.vendors.insert(vendor_doc(id="v1", rating=seed_rating, review_count=seed_count))
    threads, edits = 8, 6
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    final: dict[str, int] = {}

    def worker(t: int) -> None:
        own = _own_store(store)
        try:
            barrier.wait()
            for n in range(edits):
                rating = 1 + (t * 7 + n * 3) % 5
                own.reviews.upsert(review_doc("v1", f"user-{t}", rating, n))
                final[f"user-{t}"] = rating
        except BaseException as e:
            errors.append(e)
        finally:
            own.close()

    for _round in range(3):
        pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for th in pool:
            th.start()
        for th in pool:
            th.join()
        assert not errors, errors
        assert store.reviews.count_by_vendor("v1") == threads
        expected = combine_rating(seed_rating, seed_count, sum(final.values()), threads)
        assert figures(store, "v1") == expected
        stored = {r["user_id"]: r["rating"] for r in store.reviews.list_by_vendor("v1")}
        assert stored == final


# ---- the Mongo adapter's recomputation --------------------------------------------------
@pytest.mark.mongo
@pytest.mark.parametrize("transactions", [False, True], ids=["plain", "transaction"])
def test_mongo_stale_recomputation_never_lands_last(mongomock_store, transactions):
    """Writer A aggregates, writer B writes and recomputes in full, then A tries to set its
    stale figures: the version guard refuses them and the figures stay exact."""
    s = mongomock_store
    s._txn = transactions
    s.vendors.insert(vendor_doc(id="v1", rating=0.0, review_count=0))
    coll = s.reviews._c
    real = coll.aggregate
    raced = []

    def racing(*args, **kwargs):
        result = list(real(*args, **kwargs))  # A's view: only its own review
        if not raced:
            raced.append(True)
            s.reviews.upsert(review_doc("v1", "writer-b", 1))  # B, all the way through
        return iter(result)

    coll.aggregate = racing
    s.reviews.upsert(review_doc("v1", "writer-a", 5))
    assert raced
    assert figures(s, "v1") == (3.0, 2)
    assert "reviews_version" not in s.vendors.get("v1")


@pytest.mark.mongo
def test_mongo_reviews_have_a_unique_index(mongomock_store):
    info = mongomock_store.db.reviews.index_information()
    assert info["reviews_vendor_user"]["unique"] is True
    assert info["reviews_id"]["unique"] is True
    from pymongo.errors import DuplicateKeyError

    mongomock_store.db.reviews.insert_one(review_doc("v1", "u1", 3))
    with pytest.raises(DuplicateKeyError):
        mongomock_store.db.reviews.insert_one(review_doc("v1", "u1", 4))


# ---- SQLite schema versions ---------------------------------------------------------------
def test_sqlite_reviews_have_a_unique_index(tmp_path):
    s = SqliteStore(tmp_path / "t.db")
    s.vendors.insert(vendor_doc(id="v1"))
    s.reviews.upsert(review_doc("v1", "u1", 3))
    with pytest.raises(sqlite3.IntegrityError):
        s.conn.execute(
            "INSERT INTO reviews (id, vendor_id, user_id, user_name, rating, text, created_at, "
            "updated_at) VALUES ('x', 'v1', 'u1', 'n', 4, '', '', '')"
        )
    with pytest.raises(sqlite3.IntegrityError):  # the CHECK on the rating
        s.conn.execute(
            "INSERT INTO reviews (id, vendor_id, user_id, user_name, rating, text, created_at, "
            "updated_at) VALUES ('y', 'v1', 'u2', 'n', 6, '', '', '')"
        )
    s.close()


def test_sqlite_upgrades_a_version_1_file(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(f"BEGIN; {_MIGRATIONS[1]} PRAGMA user_version = 1; COMMIT;")
    conn.execute(
        "INSERT INTO vendors (id, user_id, business_name, category, description, location, "
        "price_range, price_estimate, services, portfolio_images, contact_phone, "
        "contact_email, rating, review_count, is_active, created_at) VALUES ('v1', 'system', "
        "'Old Hall', 'venue', '', '', '$$', '', '[]', '[]', '', '', 4.0, 3, 1, '')"
    )
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "reviews" not in tables
    conn.close()

    assert SCHEMA_VERSION >= 2  # 2 added the reviews
    s = SqliteStore(path)
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.vendors.get("v1")["business_name"] == "Old Hall"  # the data is kept
    s.reviews.upsert(review_doc("v1", "u1", 5))
    assert figures(s, "v1") == (4.25, 4)
    assert s.integrity_check() == "ok"
    s.close()
    again = SqliteStore(path)  # opening it again changes nothing
    assert again.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert again.reviews.count_by_vendor("v1") == 1
    again.close()


def test_sqlite_two_processes_upgrading_at_once(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(f"BEGIN; {_MIGRATIONS[1]} PRAGMA user_version = 1; COMMIT;")
    conn.close()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            barrier.wait()
            SqliteStore(path).close()
        except BaseException as e:
            errors.append(e)

    pool = [threading.Thread(target=open_it) for _ in range(4)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert not errors, errors
    s = SqliteStore(path)
    assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert s.reviews.count_by_vendor("v1") == 0
    s.close()
