"""Reviews: by families whose accepted booking's date has passed; one reply by the vendor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arangetram_cli.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
)
from arangetram_cli.core.lifecycle import (
    REVIEWABLE,
    event_passed,
)
from arangetram_cli.core.values import new_id, now_iso
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.local.base import LocalBase
from arangetram_cli.planner.local.common import (
    check_page,
    validated,
)
from arangetram_cli.store.base import (
    Doc,
)

if TYPE_CHECKING:
    from arangetram_cli.core.models import ReplyIn, ReviewIn


class ReviewsService(LocalBase):
    def review_vendor(self, ref: str, rating: int, text: str = "") -> Doc:
        """Write (or rewrite: one per user and vendor) a review. Only a family with an
        accepted (or completed) booking with this vendor whose event date has passed; not
        guests, not the vendor itself. Returns the review with the vendor's new figures
        under `vendor`."""
        from arangetram_cli.core.models import ReviewIn

        return self.review_vendor_checked(
            ref, validated(ReviewIn, {"rating": rating, "text": text})
        )

    def review_vendor_checked(self, ref: str, body: ReviewIn) -> Doc:
        """review_vendor with a ReviewIn already validated (by the server's route)."""
        user = self.current_user()
        vendor = self.get_vendor(ref)
        if user.get("user_type") == "guest":
            raise Forbidden(
                "Guest accounts cannot write reviews",
                hint="register an account: arangetram auth register",
            )
        if vendor.get("user_id") == user["id"]:
            raise Forbidden("You cannot review your own vendor profile")
        taken = [
            b
            for b in self.store.bookings.list_for(user_id=user["id"], vendor_id=vendor["id"])
            if b.get("status") in REVIEWABLE
        ]
        if not any(event_passed(b.get("event_date"), self._today()) for b in taken):
            name = vendor.get("business_name") or "this vendor"
            if taken:
                first = min(str(b.get("event_date") or "") for b in taken)
                raise Forbidden(f"You can review {name} after your event on {first}")
            raise Forbidden(
                f"Only families with an accepted booking with {name} can review it, "
                "after the event date"
            )
        now = now_iso()
        saved = self.store.reviews.upsert(
            {
                "id": new_id(),
                "vendor_id": vendor["id"],
                "user_id": user["id"],
                "user_name": user.get("name") or "",
                "rating": body.rating,
                "text": body.text,
                "created_at": now,
                "updated_at": now,
                "reply": None,
            }
        )
        after = self.store.vendors.get(vendor["id"])
        if saved is None or after is None:
            raise NotFound("Vendor not found")
        figures = ("id", "business_name", "rating", "review_count")
        return {**saved, "vendor": {k: after.get(k) for k in figures}}

    def list_reviews(self, ref: str, *, offset: int = 0, limit: int = 50) -> Page:
        """A vendor's reviews, most recently written first (public)."""
        check_page(offset, limit)
        vendor = self.get_vendor(ref)
        items = self.store.reviews.list_by_vendor(vendor["id"], offset=offset, limit=limit)
        if offset == 0 and len(items) < limit:
            total = len(items)
        else:
            total = self.store.reviews.count_by_vendor(vendor["id"])
        return Page(items, total, offset, limit)

    def reply_review(self, ref: str, text: str) -> Doc:
        """The reviewed vendor answers a review, once."""
        from arangetram_cli.core.models import ReplyIn

        return self.reply_review_checked(ref, validated(ReplyIn, {"text": text}))

    def reply_review_checked(self, ref: str, body: ReplyIn) -> Doc:
        """reply_review with a ReplyIn already validated (by the server's route)."""
        user = self.current_user()
        review = self._resolve(self.store.reviews, ref, "Review")
        vendor = self.store.vendors.get(review["vendor_id"])
        if vendor is None or vendor.get("user_id") != user["id"]:
            raise Forbidden("Only the reviewed vendor can reply to a review")
        once = "This review has a reply already; a vendor may answer a review once"
        if review.get("reply"):
            raise Conflict(once)
        updated = self.store.reviews.set_reply(review["id"], {"text": body.text, "at": now_iso()})
        if updated is None:  # answered in between
            raise Conflict(once)
        return updated
