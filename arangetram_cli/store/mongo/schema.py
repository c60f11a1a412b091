"""The indexes every collection needs (created at start, idempotent)."""

from __future__ import annotations

from pymongo import IndexModel


def collection_indexes() -> dict[str, list[IndexModel]]:
    def uid(coll: str) -> IndexModel:
        return IndexModel([("id", 1)], name=f"{coll}_id", unique=True)

    return {
        "users": [
            uid("users"),
            IndexModel([("email", 1)], name="users_email", unique=True),
            IndexModel(
                [("email_lower", 1)],
                name="users_email_lower",
                unique=True,
                partialFilterExpression={"email_lower": {"$exists": True}},
            ),
            # Finds the users without a key (`email_lower: null` matches a missing field;
            # the partial index above cannot): the start-up backfill and the look-up of
            # users the web app wrote since are index scans, not collection scans.
            IndexModel([("email_lower", 1), ("id", 1)], name="users_unkeyed"),
        ],
        "vendors": [
            uid("vendors"),
            IndexModel(
                [("owner_key", 1)],
                name="vendors_owner",
                unique=True,
                partialFilterExpression={"owner_key": {"$exists": True}},
            ),
            IndexModel([("user_id", 1), ("created_at", 1)], name="vendors_user"),
            IndexModel(
                [("is_active", 1), ("rating", -1), ("business_name", 1)], name="vendors_listing"
            ),
            IndexModel(
                [("category", 1), ("is_active", 1), ("rating", -1)], name="vendors_category"
            ),
        ],
        "events": [
            uid("events"),
            IndexModel([("user_id", 1), ("created_at", -1)], name="events_user"),
        ],
        "bookings": [
            uid("bookings"),
            IndexModel([("user_id", 1), ("created_at", -1)], name="bookings_user"),
            IndexModel([("vendor_id", 1), ("created_at", -1)], name="bookings_vendor"),
            IndexModel([("event_id", 1)], name="bookings_event"),
            IndexModel(  # one pending request per event and vendor (see mark_pending_duplicates)
                # status in the key: the same rule, and stand-ins that check the partial
                # filter only on the stored side (mongomock_ng) keep it too
                [("event_id", 1), ("vendor_id", 1), ("status", 1), ("pending_dup", 1)],
                name="bookings_one_pending",
                unique=True,
                partialFilterExpression={"status": "pending"},
            ),
        ],
        "reviews": [
            uid("reviews"),
            IndexModel([("vendor_id", 1), ("user_id", 1)], name="reviews_vendor_user", unique=True),
            IndexModel([("vendor_id", 1), ("updated_at", -1), ("id", 1)], name="reviews_recent"),
        ],
    }
