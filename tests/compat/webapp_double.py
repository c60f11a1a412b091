"""A contract double of the existing web back end (FastAPI over MongoDB), written from
shared/api-contract.md, for the compatibility suite.

It behaves like that back end, defects a client must live with included, and nothing more:
- emails are pydantic `EmailStr` (domain lowercased, local part as typed) and looked up with
  an exact, case-sensitive match;
- `search` and `location` go into `$regex` unescaped and case-insensitive (`[` or `(` is a
  500 from the database layer, as there);
- `POST /api/ai/chat` answers 200 with the fixed apology when its provider fails;
- tokens are PyJWT HS256 with a float `exp`, 7 days for everyone (guests too), signed with
  `JWT_SECRET`;
- no additive fields, no `/api/v1`, no `X-Arangetram-API` header; lists capped at 100;
  bookings do not check event ownership or the status; vendor lists are read-modify-write.

Storage is pymongo's API over `mongomock_ng` (or any pymongo Database passed in), with the
contract's collections and document shapes, so the CLI's Mongo adapter can share it.

Run as a process: `python webapp_double.py --port N` (env: JWT_SECRET; DOUBLE_LLM_URL, an
OpenAI-compatible base URL for its assistant: unset or failing gives the apology).
In-process: `DoubleServer(db).start()` runs uvicorn on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import bcrypt
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, EmailStr

APOLOGY = (
    "I apologize, but I'm having trouble processing your request. Please try again "
    "or browse our vendor categories directly."
)
CATEGORIES = [
    {"id": "venue", "name": "Venues", "icon": "building", "description": "Halls"},
    {"id": "catering", "name": "Catering", "icon": "utensils", "description": "Food"},
    {"id": "photographer", "name": "Photographers", "icon": "camera", "description": "Photos"},
    {"id": "videographer", "name": "Videographers", "icon": "video", "description": "Video"},
    {"id": "decorations", "name": "Decorations", "icon": "sparkles", "description": "Decor"},
    {"id": "musicians", "name": "Musicians", "icon": "music", "description": "Orchestra"},
]
PRICES = ["$", "$$", "$$$", "$$$$"]
NO_ID = {"_id": 0}


def now() -> str:
    return datetime.now(UTC).isoformat()


# ---- request models (the web app's, field for field) ---------------------------------------
class UserCreate(BaseModel):
    email: EmailStr
    name: str
    password: str
    user_type: str = "user"


class UserLogin(BaseModel):
    email: EmailStr
    password: str


class GuestCreate(BaseModel):
    name: str = "Guest"


class VendorCreate(BaseModel):
    business_name: str
    category: str
    description: str
    location: str
    price_range: str
    price_estimate: str
    services: list[str] = []
    portfolio_images: list[str] = []
    contact_phone: str = ""
    contact_email: str = ""


class VendorUpdate(BaseModel):
    business_name: str | None = None
    description: str | None = None
    location: str | None = None
    price_range: str | None = None
    price_estimate: str | None = None
    services: list[str] | None = None
    portfolio_images: list[str] | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    is_active: bool | None = None


class EventCreate(BaseModel):
    event_name: str
    event_date: str
    event_time: str = ""
    guest_count: int = 100
    budget: str = "$$"
    location_preference: str = "Bay Area"
    special_requirements: str = ""


class EventUpdate(BaseModel):
    event_name: str | None = None
    event_date: str | None = None
    event_time: str | None = None
    guest_count: int | None = None
    budget: str | None = None
    location_preference: str | None = None
    special_requirements: str | None = None
    selected_vendors: list[str] | None = None
    status: str | None = None


class BookingCreate(BaseModel):
    event_id: str
    vendor_id: str
    message: str = ""


class BookingUpdate(BaseModel):
    status: str
    response_message: str | None = None


class ChatIn(BaseModel):
    message: str
    event_context: dict[str, Any] | None = None


class RecommendIn(BaseModel):
    event_date: str
    guest_count: int = 100
    budget: str = "$$"
    location: str = "Bay Area"
    categories_needed: list[str] = []


def create_app(db: Any, secret: str, llm_url: str | None = None) -> FastAPI:
    """The web back end over a pymongo Database `db`."""
    app = FastAPI(title="web app double")
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )

    def token_for(user_id: str, user_type: str) -> str:
        exp = (datetime.now(UTC) + timedelta(days=7)).timestamp()  # a float, as there
        payload = {"user_id": user_id, "user_type": user_type, "exp": exp}
        return jwt.encode(payload, secret, algorithm="HS256")

    def current_user(authorization: str | None = Header(default=None)) -> dict[str, Any]:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise HTTPException(401, "Not authenticated")
        try:
            payload = jwt.decode(authorization[7:], secret, algorithms=["HS256"])
        except jwt.ExpiredSignatureError:
            raise HTTPException(401, "Token expired") from None
        except jwt.InvalidTokenError:
            raise HTTPException(401, "Invalid token") from None
        user = db.users.find_one({"id": payload.get("user_id")}, NO_ID)
        if user is None:
            raise HTTPException(404, "User not found")
        return user

    def optional_user(authorization: str | None = Header(default=None)) -> dict | None:
        try:
            return current_user(authorization) if authorization else None
        except HTTPException:
            return None

    def public(user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if k != "password"}

    def session(user: dict[str, Any]) -> dict[str, Any]:
        return {
            "token": token_for(user["id"], user["user_type"]),
            "user": {k: user[k] for k in ("id", "email", "name", "user_type")},
        }

    # ---- auth ---------------------------------------------------------------------------
    @app.get("/api/")
    def root() -> dict:
        return {"message": "Arangetram Planning API", "version": "1.0"}

    @app.post("/api/auth/register")
    def register(body: UserCreate) -> dict:
        if db.users.find_one({"email": body.email}):
            raise HTTPException(400, "Email already registered")
        hashed = bcrypt.hashpw(body.password.encode()[:72], bcrypt.gensalt(rounds=4))
        user = {
            "id": str(uuid.uuid4()),
            "email": body.email,
            "name": body.name,
            "password": hashed.decode(),
            "user_type": body.user_type,
            "created_at": now(),
        }
        db.users.insert_one(dict(user))
        return session(user)

    @app.post("/api/auth/login")
    def login(body: UserLogin) -> dict:
        user = db.users.find_one({"email": body.email}, NO_ID)
        ok = bool(user and user.get("password")) and bcrypt.checkpw(
            body.password.encode()[:72], user["password"].encode()
        )
        if not ok:
            raise HTTPException(401, "Invalid credentials")
        return session(user)

    @app.post("/api/auth/guest")
    def guest(body: GuestCreate) -> dict:
        uid = str(uuid.uuid4())
        user = {
            "id": uid,
            "email": f"guest_{uid[:8]}@arangetram.local",
            "name": body.name,
            "password": "",
            "user_type": "guest",
            "created_at": now(),
        }
        db.users.insert_one(dict(user))
        return {
            "token": token_for(uid, "guest"),
            "user": {"id": uid, "name": body.name, "user_type": "guest"},
        }

    @app.get("/api/auth/me")
    def me(user: dict = Depends(current_user)) -> dict:
        return public(user)

    # ---- vendors ------------------------------------------------------------------------
    @app.get("/api/vendors")
    def vendors(
        category: str | None = None,
        location: str | None = None,
        price_range: str | None = None,
        search: str | None = None,
    ) -> list:
        q: dict[str, Any] = {"is_active": True}
        if category:
            q["category"] = category
        if location:
            q["location"] = {"$regex": location, "$options": "i"}  # unescaped, as there
        if price_range:
            q["price_range"] = price_range
        if search:
            q["$or"] = [
                {"business_name": {"$regex": search, "$options": "i"}},
                {"description": {"$regex": search, "$options": "i"}},
            ]
        return list(db.vendors.find(q, NO_ID).limit(100))

    @app.get("/api/vendors/my/profile")
    def my_profile(user: dict = Depends(current_user)) -> dict:
        vendor = db.vendors.find_one({"user_id": user["id"]}, NO_ID)
        if vendor is None:
            raise HTTPException(404, "No vendor profile found")
        return vendor

    @app.get("/api/vendors/{vendor_id}")
    def vendor(vendor_id: str) -> dict:
        found = db.vendors.find_one({"id": vendor_id}, NO_ID)
        if found is None:
            raise HTTPException(404, "Vendor not found")
        return found

    @app.post("/api/vendors")
    def create_vendor(body: VendorCreate, user: dict = Depends(current_user)) -> dict:
        if user["user_type"] != "vendor":
            raise HTTPException(403, "Only vendors can create listings")
        if db.vendors.find_one({"user_id": user["id"]}):
            raise HTTPException(400, "Vendor profile already exists")
        doc = {
            "id": str(uuid.uuid4()),
            "user_id": user["id"],
            **body.model_dump(),
            "rating": 0.0,
            "review_count": 0,
            "is_active": True,
            "created_at": now(),
        }
        db.vendors.insert_one(dict(doc))
        return doc

    @app.put("/api/vendors/{vendor_id}")
    def update_vendor(
        vendor_id: str, body: VendorUpdate, user: dict = Depends(current_user)
    ) -> dict:
        found = db.vendors.find_one({"id": vendor_id})
        if found is None:
            raise HTTPException(404, "Vendor not found")
        if found["user_id"] != user["id"]:
            raise HTTPException(403, "Not authorized")
        fields = {k: v for k, v in body.model_dump().items() if v is not None}
        if fields:
            db.vendors.update_one({"id": vendor_id}, {"$set": fields})
        return db.vendors.find_one({"id": vendor_id}, NO_ID)

    # ---- events -------------------------------------------------------------------------
    def own_event(event_id: str, user: dict) -> dict:
        event = db.events.find_one({"id": event_id}, NO_ID)
        if event is None:
            raise HTTPException(404, "Event not found")
        if event["user_id"] != user["id"]:
            raise HTTPException(403, "Not authorized")
        return event

    @app.post("/api/events")
    def create_event(body: EventCreate, user: dict = Depends(current_user)) -> dict:
        doc = {
            "id": str(uuid.uuid4()),
            "user_id": user["id"],
            **body.model_dump(),
            "selected_vendors": [],
            "status": "planning",
            "created_at": now(),
        }
        db.events.insert_one(dict(doc))
        return doc

    @app.get("/api/events")
    def events(user: dict = Depends(current_user)) -> list:
        return list(db.events.find({"user_id": user["id"]}, NO_ID).limit(100))

    @app.get("/api/events/{event_id}")
    def event(event_id: str, user: dict = Depends(current_user)) -> dict:
        return own_event(event_id, user)

    @app.put("/api/events/{event_id}")
    def update_event(event_id: str, body: EventUpdate, user: dict = Depends(current_user)) -> dict:
        own_event(event_id, user)
        fields = {k: v for k, v in body.model_dump().items() if v is not None}
        if fields:
            db.events.update_one({"id": event_id}, {"$set": fields})
        return db.events.find_one({"id": event_id}, NO_ID)

    @app.post("/api/events/{event_id}/vendors/{vendor_id}")
    def add_vendor(event_id: str, vendor_id: str, user: dict = Depends(current_user)) -> dict:
        event = own_event(event_id, user)
        if db.vendors.find_one({"id": vendor_id}) is None:
            raise HTTPException(404, "Vendor not found")
        chosen = list(event.get("selected_vendors") or [])  # read, edit, write back
        if vendor_id not in chosen:
            chosen.append(vendor_id)
            db.events.update_one({"id": event_id}, {"$set": {"selected_vendors": chosen}})
        return {"message": "Vendor added to event"}

    @app.delete("/api/events/{event_id}/vendors/{vendor_id}")
    def remove_vendor(event_id: str, vendor_id: str, user: dict = Depends(current_user)) -> dict:
        event = own_event(event_id, user)
        chosen = [v for v in event.get("selected_vendors") or [] if v != vendor_id]
        db.events.update_one({"id": event_id}, {"$set": {"selected_vendors": chosen}})
        return {"message": "Vendor removed from event"}

    # ---- bookings -----------------------------------------------------------------------
    @app.post("/api/bookings")
    def create_booking(body: BookingCreate, user: dict = Depends(current_user)) -> dict:
        event = db.events.find_one({"id": body.event_id}, NO_ID)  # no owner check, as there
        if event is None:
            raise HTTPException(404, "Event not found")
        if db.vendors.find_one({"id": body.vendor_id}) is None:
            raise HTTPException(404, "Vendor not found")
        stamp = now()
        doc = {
            "id": str(uuid.uuid4()),
            "event_id": body.event_id,
            "vendor_id": body.vendor_id,
            "user_id": user["id"],
            "message": body.message,
            "event_date": event["event_date"],
            "status": "pending",
            "created_at": stamp,
            "updated_at": stamp,
        }
        db.bookings.insert_one(dict(doc))
        return doc

    @app.get("/api/bookings/user")
    def user_bookings(user: dict = Depends(current_user)) -> list:
        out = []
        for b in db.bookings.find({"user_id": user["id"]}, NO_ID).limit(100):
            b["vendor"] = db.vendors.find_one({"id": b["vendor_id"]}, NO_ID)
            b["event"] = db.events.find_one({"id": b["event_id"]}, NO_ID)
            out.append(b)
        return out

    @app.get("/api/bookings/vendor")
    def vendor_bookings(user: dict = Depends(current_user)) -> list:
        vendor = db.vendors.find_one({"user_id": user["id"]}, NO_ID)
        if vendor is None:
            raise HTTPException(404, "Vendor profile not found")
        out = []
        for b in db.bookings.find({"vendor_id": vendor["id"]}, NO_ID).limit(100):
            family = db.users.find_one({"id": b["user_id"]}, {"_id": 0, "password": 0})
            b["user"] = family
            b["event"] = db.events.find_one({"id": b["event_id"]}, NO_ID)
            out.append(b)
        return out

    @app.put("/api/bookings/{booking_id}")
    def respond(booking_id: str, body: BookingUpdate, user: dict = Depends(current_user)) -> dict:
        booking = db.bookings.find_one({"id": booking_id}, NO_ID)
        if booking is None:
            raise HTTPException(404, "Booking not found")
        vendor = db.vendors.find_one({"id": booking["vendor_id"]}, NO_ID)
        if vendor is None or vendor["user_id"] != user["id"]:
            raise HTTPException(403, "Not authorized")
        # any status string; response_message dropped (both defects of the web back end)
        db.bookings.update_one(
            {"id": booking_id}, {"$set": {"status": body.status, "updated_at": now()}}
        )
        return db.bookings.find_one({"id": booking_id}, NO_ID)

    # ---- AI -----------------------------------------------------------------------------
    @app.post("/api/ai/chat")
    def chat(body: ChatIn, user: dict | None = Depends(optional_user)) -> dict:
        import httpx

        try:
            if not llm_url:
                raise RuntimeError("no provider configured")
            r = httpx.post(
                f"{llm_url.rstrip('/')}/chat/completions",
                json={"model": "double", "messages": [{"role": "user", "content": body.message}]},
                timeout=10,
            )
            r.raise_for_status()
            return {"response": r.json()["choices"][0]["message"]["content"]}
        except Exception:
            return {"response": APOLOGY}

    @app.post("/api/ai/recommendations")
    def recommendations(body: RecommendIn, user: dict | None = Depends(optional_user)) -> dict:
        try:
            allowed = PRICES[: PRICES.index(body.budget) + 1] if body.budget in PRICES else PRICES
            cats = body.categories_needed or [c["id"] for c in CATEGORIES]
            out = {}
            for cat in cats:
                q = {
                    "category": cat,
                    "is_active": True,
                    "location": {"$regex": body.location, "$options": "i"},
                    "price_range": {"$in": allowed},
                }
                out[cat] = list(db.vendors.find(q, NO_ID).sort("rating", -1).limit(3))
            return {"recommendations": out}
        except Exception:
            raise HTTPException(500, "Failed to get recommendations") from None

    @app.get("/api/categories")
    def categories() -> dict:
        return {"categories": CATEGORIES}

    @app.post("/api/seed")
    def seed() -> dict:
        count = db.vendors.count_documents({})
        if count:
            return {"message": "Database already seeded", "vendor_count": count}
        import json
        from importlib import resources

        text = resources.files("arangetram_cli.core").joinpath("demo_catalog.json").read_text()
        docs = []
        for v in json.loads(text):
            doc = {k: v[k] for k in VendorCreate.model_fields if k in v}
            doc.update(
                id=str(uuid.uuid4()),
                user_id="system",
                rating=float(v.get("rating", 0.0)),
                review_count=int(v.get("review_count", 0)),
                is_active=True,
                created_at=now(),
            )
            docs.append(doc)
        db.vendors.insert_many(docs)
        return {"message": "Database seeded successfully", "vendor_count": len(docs)}

    return app


class DoubleServer:
    """The double on 127.0.0.1 in a thread of this process (a real HTTP listener), so a test
    can share its pymongo Database with the CLI's Mongo adapter."""

    def __init__(self, db: Any, secret: str, llm_url: str | None = None) -> None:
        import socket

        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        config = uvicorn.Config(
            create_app(db, secret, llm_url), host="127.0.0.1", port=port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> DoubleServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the web app double did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(10)


def main() -> None:
    import mongomock_ng
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    secret = os.environ["JWT_SECRET"]
    db = mongomock_ng.MongoClient()["arangetram"]
    app = create_app(db, secret, os.environ.get("DOUBLE_LLM_URL") or None)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()
