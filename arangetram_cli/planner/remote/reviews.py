"""Reviews over the API (an `arangetram serve` addition)."""

from __future__ import annotations

from arangetram_cli.planner.base import Page
from arangetram_cli.planner.remote.common import (
    seg,
)
from arangetram_cli.planner.remote.plain import PlainContract
from arangetram_cli.store.base import Doc


class ReviewsApi(PlainContract):
    """Reviews over the API (an `arangetram serve` addition)."""

    def review_vendor(self, ref: str, rating: int, text: str = "") -> Doc:
        self._reviews_endpoint()
        path = f"/api/v1/vendors/{seg(self._vendor_id(ref))}/review"
        body = {"rating": rating, "text": text}
        return self._dict(self._call("PUT", path, body=body), path, "id")

    def list_reviews(self, ref: str, *, offset: int = 0, limit: int = 50) -> Page:
        self._reviews_endpoint()
        path = f"/api/v1/vendors/{seg(self._vendor_id(ref))}/reviews"
        doc = self._dict(
            self._call("GET", path, params={"offset": offset, "limit": limit}), path, "items"
        )
        total = doc.get("total")
        return Page(
            self._list(doc["items"], path), total if isinstance(total, int) else None, offset, limit
        )

    def reply_review(self, ref: str, text: str) -> Doc:
        self._reviews_endpoint()
        path = f"/api/v1/reviews/{seg(ref.strip() or '-')}/reply"
        return self._dict(self._call("POST", path, body={"text": text}), path, "id")
