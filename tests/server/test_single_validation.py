"""One validation per request: a route validates its body with the core input model (FastAPI,
a 422 when it is bad) and hands that model to the planner's `*_checked` method, which does not
validate it again. The planner's own validation (local mode) goes through the model's
`model_validate`, which FastAPI does not call: counted here, it must stay at zero on the
server, and be one per call in local mode."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from arangetram_cli.core import models
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.server.app import create_app
from arangetram_cli.store.sqlite import SqliteStore
from tests.server.support import PASSWORD, SECRET

INPUT_MODELS = (
    models.RegisterIn,
    models.LoginIn,
    models.GuestIn,
    models.VendorIn,
    models.VendorUpdateIn,
    models.EventIn,
    models.EventUpdateIn,
    models.BookingIn,
    models.BookingRespondIn,
    models.CancelIn,
    models.CompleteIn,
    models.ReviewIn,
    models.ReplyIn,
)


@pytest.fixture
def validations(monkeypatch) -> Counter:
    """How often each input model's model_validate ran."""
    calls: Counter = Counter()
    original = BaseModel.model_validate.__func__  # type: ignore[attr-defined]

    def spy(model: type[BaseModel]) -> None:
        def counted(cls: type[BaseModel], *a: Any, **kw: Any) -> Any:
            calls[cls.__name__] += 1
            return original(cls, *a, **kw)

        monkeypatch.setattr(model, "model_validate", classmethod(counted))

    for model in INPUT_MODELS:
        spy(model)
    return calls


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    app = create_app(lambda: SqliteStore(tmp_path / "one.db"), SECRET, auth_rate=None)
    with TestClient(app) as c:
        yield c


def ok(r: Any) -> dict:
    assert r.status_code == 200, r.text
    return r.json()


def account(c: TestClient, email: str, user_type: str = "user") -> dict[str, str]:
    body = {"email": email, "name": "N", "password": PASSWORD, "user_type": user_type}
    ok(c.post("/api/auth/register", json=body))
    token = ok(c.post("/api/auth/login", json={"email": email, "password": PASSWORD}))["token"]
    return {"Authorization": f"Bearer {token}"}


def test_each_route_validates_its_body_once(client, validations):
    c = client
    family = account(c, "family@example.com")
    vendor = account(c, "vendor@example.com", "vendor")
    ok(c.post("/api/auth/guest"))
    ok(c.post("/api/auth/guest", json={"name": "Visitor"}))
    hall = {"business_name": "Hall", "category": "venue"}
    v = ok(c.post("/api/vendors", json=hall, headers=vendor))
    ok(c.put(f"/api/vendors/{v['id']}", json={"location": "Fremont"}, headers=vendor))
    past = {"event_name": "E", "event_date": "2020-05-01"}  # a review needs the event done
    e = ok(c.post("/api/events", json=past, headers=family))
    ok(c.put(f"/api/events/{e['id']}", json={"guest_count": 80}, headers=family))
    b = ok(
        c.post("/api/bookings", json={"event_id": e["id"], "vendor_id": v["id"]}, headers=family)
    )
    ok(c.put(f"/api/bookings/{b['id']}", json={"status": "accepted"}, headers=vendor))
    ok(c.post(f"/api/v1/bookings/{b['id']}/complete", json={"message": "Done"}, headers=family))
    review = ok(c.put(f"/api/v1/vendors/{v['id']}/review", json={"rating": 5}, headers=family))
    ok(c.post(f"/api/v1/reviews/{review['id']}/reply", json={"text": "Thanks"}, headers=vendor))
    future = {"event_name": "F", "event_date": "2030-05-01"}
    e2 = ok(c.post("/api/events", json=future, headers=family))
    b2 = ok(
        c.post("/api/bookings", json={"event_id": e2["id"], "vendor_id": v["id"]}, headers=family)
    )
    ok(c.post(f"/api/v1/bookings/{b2['id']}/cancel", headers=family))
    assert validations == Counter()  # FastAPI's validation only

    # a bad body is still FastAPI's 422, and the planner never sees it
    r = c.post("/api/events", json={"event_name": "E", "event_date": "soon"}, headers=family)
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == "bad date 'soon' (use YYYY-MM-DD)"
    assert validations == Counter()


def test_local_mode_validates_once_per_call(tmp_path, validations):
    """The counter sees the planner's validation: the raw-data methods validate, once."""
    p = LocalPlanner(SqliteStore(tmp_path / "local.db"), SECRET)
    p.register("family@example.com", "F", PASSWORD)
    event = p.create_event({"event_name": "E", "event_date": "2030-05-01"})
    p.update_event(event["id"], {"guest_count": 80})
    assert validations == Counter(RegisterIn=1, EventIn=1, EventUpdateIn=1)
