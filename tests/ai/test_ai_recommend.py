"""`vendors recommend` and the domain rules behind it (core/recommend.py)."""

from __future__ import annotations

import json
import uuid

import pytest

from arangetram_cli.core.errors import NotFound
from arangetram_cli.core.recommend import (
    Criteria,
    location_matches,
    rank_key,
    recommend,
    seats,
    wider_areas,
)
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.store.base import VendorQuery
from tests.ai.conftest import login
from tests.conftest import one_error_line

DATE = "2027-06-12"


def vendor(name: str, **kw) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "user_id": "system",
        "business_name": name,
        "category": kw.pop("category", "photographer"),
        "description": kw.pop("description", ""),
        "location": kw.pop("location", "Fremont, CA"),
        "price_range": kw.pop("price_range", "$$"),
        "price_estimate": kw.pop("price_estimate", "$1,000 - $2,000"),
        "services": [],
        "portfolio_images": [],
        "contact_phone": "",
        "contact_email": "",
        "rating": kw.pop("rating", 4.5),
        "review_count": kw.pop("review_count", 10),
        "is_active": kw.pop("is_active", True),
        "created_at": "2026-01-01T00:00:00.000000+00:00",
        **kw,
    }


def _mongomock_store():
    import mongomock_ng

    from arangetram_cli.store.mongo import MongoStore

    return MongoStore("mongodb://localhost/", client=mongomock_ng.MongoClient())


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("mongomock", id="mongomock", marks=pytest.mark.mongo),
    ]
)
def store(request, tmp_path):
    if request.param == "sqlite":
        from arangetram_cli.store.sqlite import SqliteStore

        s = SqliteStore(tmp_path / "r.db")
    else:
        import warnings

        warnings.filterwarnings("ignore", message=".*no-op in mongomock-ng")
        s = _mongomock_store()
    yield s
    s.close()


@pytest.fixture
def planner(store):
    return LocalPlanner(store, "x" * 40)


def book(store, vendor_id: str, status: str, date: str = DATE) -> None:
    store.bookings.insert(
        {
            "id": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "vendor_id": vendor_id,
            "user_id": str(uuid.uuid4()),
            "message": "",
            "event_date": date,
            "status": status,
            "created_at": "2026-01-01T00:00:00.000000+00:00",
            "updated_at": "2026-01-01T00:00:00.000000+00:00",
        }
    )


def names(result: dict, cat: str = "photographer") -> list[str]:
    return [v["business_name"] for v in result["recommendations"][cat]]


def test_ties_break_on_reviews_then_name(planner, store):
    store.vendors.insert_many(
        [
            vendor("beta", rating=4.8, review_count=50),
            vendor("Alpha", rating=4.8, review_count=50),
            vendor("Gamma", rating=4.8, review_count=90),
            vendor("Delta", rating=4.9, review_count=1),
            vendor("Eps", rating=4.8, review_count=5),
        ]
    )
    r = planner.recommend(categories=["photographer"], location="Fremont", budget="$$")
    assert names(r) == ["Delta", "Gamma", "Alpha"]
    gamma = r["recommendations"]["photographer"][1]
    assert "same rating as Alpha, more reviews" in gamma["reason"]
    r = planner.recommend(categories=["photographer"], location="Fremont", limit=5)
    assert names(r) == ["Delta", "Gamma", "Alpha", "beta", "Eps"]


def test_vendors_booked_on_the_date_are_left_out(planner, store):
    top = vendor("Top", rating=5.0)
    second = vendor("Second", rating=4.9)
    third = vendor("Third", rating=4.8)
    fourth = vendor("Fourth", rating=4.7)
    store.vendors.insert_many([top, second, third, fourth])
    book(store, top["id"], "accepted")  # another family has it that day
    book(store, second["id"], "pending")  # only asked: still free
    book(store, third["id"], "declined")
    book(store, fourth["id"], "accepted", date="2027-06-13")
    assert store.bookings.vendors_booked_on(DATE, [v["id"] for v in (top, second, third)]) == {
        top["id"]
    }
    r = planner.recommend(categories=["photographer"], event_date=DATE, location="Fremont")
    assert names(r) == ["Second", "Third", "Fourth"]
    assert any("already booked on 2027-06-12: Top" in n for n in r["notes"])
    other_day = planner.recommend(categories=["photographer"], event_date="2027-07-01")
    assert names(other_day)[0] == "Top"


def test_many_booked_vendors_still_fill_the_list(planner, store):
    vs = [vendor(f"V{i:02d}", rating=5.0 - i / 100) for i in range(30)]
    store.vendors.insert_many(vs)
    for v in vs[:20]:
        book(store, v["id"], "accepted")
    r = planner.recommend(categories=["photographer"], event_date=DATE, location="")
    assert names(r) == ["V20", "V21", "V22"]


def test_area_budget_activity_and_seats(planner, store):
    store.vendors.insert_many(
        [
            vendor("In Milpitas", location="Milpitas, CA"),
            vendor("In Seattle", location="Seattle, WA", rating=5.0),
            vendor("Too dear", price_range="$$$", rating=5.0),
            vendor("Paused", is_active=False, rating=5.0),
            vendor("Small hall", category="venue", description="A cosy 150-seat hall."),
            vendor("Big hall", category="venue", description="A 1,200-seat theatre.", rating=4.0),
        ]
    )
    r = planner.recommend(
        categories=["photographer", "venue"], location="Bay Area", budget="$$", guest_count=300
    )
    assert names(r) == ["In Milpitas"]
    assert "Milpitas is in the Bay Area" in r["recommendations"]["photographer"][0]["reason"]
    assert names(r, "venue") == ["Big hall"]
    assert "seats 1200 for 300 guests" in r["recommendations"]["venue"][0]["reason"]
    assert any("fewer seats than 300 guests: Small hall" in n for n in r["notes"])
    nowhere = planner.recommend(categories=["catering"], location="Seattle")
    assert nowhere["recommendations"] == {"catering": []}
    assert any("catering: no active vendor in Seattle" in n for n in nowhere["notes"])


def test_an_event_gets_the_categories_it_lacks_and_only_its_owner_may_ask(planner, store):
    store.vendors.insert_many(
        [vendor("Hall", category="venue"), vendor("Band", category="musicians"), vendor("Cam")]
    )
    planner.register("owner@example.com", "Owner", "correct horse battery")
    ev = planner.create_event(
        {
            "event_name": "E",
            "event_date": DATE,
            "guest_count": 80,
            "location_preference": "Bay Area",
        }
    )
    planner.add_event_vendor(ev["id"], "Hall")
    planner.create_booking(ev["id"], "Band")  # pending: the category is in hand
    r = planner.recommend(ev["id"][:8])
    assert r["criteria"]["categories"] == [
        "photographer",
        "videographer",
        "catering",
        "decorations",
    ]
    assert r["criteria"]["guest_count"] == 80 and r["criteria"]["event_date"] == DATE
    assert names(r) == ["Cam"]
    explicit = planner.recommend(ev["id"], categories=["venue"])
    assert explicit["recommendations"] == {"venue": []}  # the chosen hall is not re-suggested
    stranger = LocalPlanner(store, "x" * 40)
    stranger.register("other@example.com", "Other", "correct horse battery")
    with pytest.raises(NotFound, match=r"^Event not found$"):
        stranger.recommend(ev["id"])


def test_pure_rules():
    assert location_matches("Pleasanton, CA", "Tri-Valley")
    assert location_matches("San Jose, CA", "bay area, ca")
    assert location_matches("San Jose, CA", "san jose")
    assert not location_matches("Fremont, CA", "South Bay")
    assert location_matches("anything", "")
    assert wider_areas("San Jose, CA") == ["South Bay", "Bay Area"]
    assert wider_areas("Bay Area") == [] and wider_areas("Seattle") == []
    assert seats({"category": "venue", "description": "an 800-seat theatre"}) == 800
    assert seats({"category": "catering", "description": "serves a 800-seat hall"}) is None
    ordered = sorted(
        [vendor("b", rating=4, review_count=3), vendor("A", rating=4, review_count=3)],
        key=rank_key,
    )
    assert [v["business_name"] for v in ordered] == ["A", "b"]


def test_recommend_without_a_store_works_over_any_listing():
    vs = [vendor("One", rating=4.1), vendor("Two", rating=4.2, price_range="$$$$")]

    def listing(q: VendorQuery):
        return [v for v in vs if v["category"] == q.category]

    r = recommend(listing, Criteria(categories=["photographer"], budget="$$$$", location=""))
    assert names(r) == ["Two", "One"]


# ---- the command --------------------------------------------------------------------------
def test_cli_recommend_for_an_event(cli):
    assert cli("seed").code == 0
    login(cli, "fam@example.com")
    ev = cli(
        "events", "create", "--name", "R", "--date", DATE, "--guests", "300",
        "--budget", "$$$", "--location", "San Jose",
    ).json()  # fmt: skip
    assert cli("events", "add-vendor", ev["id"], "Veenavani Center for the Arts").code == 0
    r = cli("vendors", "recommend", "--event", ev["id"][:8])
    assert r.code == 0, r.err
    doc = r.json()
    recs = doc["recommendations"]
    assert "venue" not in recs and set(recs) <= {
        "musicians",
        "photographer",
        "videographer",
        "catering",
        "decorations",
    }
    fitting = [v["business_name"] for v in recs["musicians"] if "fit" not in v]
    assert fitting == ["Sruthi Laya Ensemble"]
    from arangetram_cli.core.recommend import location_matches

    for cat, vs in recs.items():
        widened = f"{cat}: none in San Jose; these are in the South Bay" in doc["notes"]
        for v in vs:
            assert v["reason"] and v["estimated_cost"]
            if "fit" in v:  # a near miss, filled in by the CLI and labelled
                assert v["reason"].startswith(v["fit"] + ": ")
                continue
            if widened:
                assert "is in the South Bay" in v["reason"]
                assert location_matches(v["location"], "South Bay")
            else:
                assert v["location"].startswith("San Jose")
    assert recs["catering"] and recs["decorations"]  # none in San Jose itself
    out = cli("-o", "jsonl", "vendors", "recommend", "-e", ev["id"], "-c", "musicians").out
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["rank"], "fit" in r) for r in rows] == [(1, False), (2, True), (3, True)]
    args = ["vendors", "recommend", "-l", "Fremont", "-c", "venue", "--budget", "$$$"]
    ids = cli("-q", *args).out.split()
    fitting = [v["id"] for v in cli(*args).json()["recommendations"]["venue"] if "fit" not in v]
    assert len(fitting) == 2 and ids[:2] == fitting and all(len(i) == 36 for i in ids)
    table = cli("-o", "table", "vendors", "recommend", "-c", "catering", "--guests", "200")
    assert "Vazhai Ilai Caterers" in table.out and "for 200 guests" in table.out


def test_cli_recommend_bad_input(cli):
    one_error_line(cli("vendors", "recommend", "--category", "jugglers"), 2, "unknown category")
    one_error_line(cli("vendors", "recommend", "--budget", "cheap"), 2, "--budget")
    one_error_line(cli("vendors", "recommend", "--event", "abcd1234"), 3, "not logged in")
    one_error_line(cli("vendors", "recommend", "--date", "12/06/2027"), 2, "--date")
