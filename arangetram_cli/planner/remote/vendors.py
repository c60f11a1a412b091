"""Vendors over the API: listings (paged on /api/v1, capped on the contract), look-ups,
profiles, portfolio images (presigned uploads through the server)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from arangetram_cli.core.errors import (
    NotFound,
)
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.remote.common import (
    checked,
    is_id,
    seg,
)
from arangetram_cli.planner.remote.plain import PlainContract
from arangetram_cli.store.base import Doc, VendorQuery


class VendorsApi(PlainContract):
    """Vendors over the API: listings (the strategy's: paged on /api/v1, capped on the
    contract), look-ups, profiles, portfolio images."""

    def categories(self) -> list[Doc]:
        data = self._get_doc("/api/categories", "categories")
        return self._list(data["categories"], "/api/categories")

    def list_vendors(self, q: VendorQuery, *, offset: int = 0, limit: int = 50) -> Page:
        return self.api.list_vendors(q, offset, limit)

    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]:
        yield from self.api.iter_vendors(q)

    def get_vendor(self, ref: str) -> Doc:
        r = ref.strip()
        if not r:
            raise NotFound("Vendor not found")
        if is_id(r):
            return self._get_doc(f"/api/vendors/{seg(r)}", "id")
        return self.api.resolve_vendor(r)

    def _vendor_id(self, ref: str) -> str:
        return ref.strip() if is_id(ref) else self.get_vendor(ref)["id"]

    def my_vendor(self) -> Doc:
        return self._get_doc("/api/vendors/my/profile", "id")

    def create_vendor(self, data: dict[str, Any]) -> Doc:
        body = checked("VendorIn", data)
        return self._dict(self._call("POST", "/api/vendors", body=body), "/api/vendors", "id")

    def update_vendor(self, ref: str | None, data: dict[str, Any]) -> Doc:
        data = checked("VendorUpdateIn", data, partial=True)
        vendor_id = self.my_vendor()["id"] if ref is None else self._vendor_id(ref)
        path = f"/api/vendors/{seg(vendor_id)}"
        return self._dict(self._call("PUT", path, body=data), path, "id")

    def _image_vendor_id(self, ref: str | None) -> str:
        return self.my_vendor()["id"] if ref is None else self._vendor_id(ref)

    def presign_image(self, image: Any, vendor_id: str) -> Any:
        """Where to send one image (media.presigned.PresignedTarget), presigned by the server
        with its own S3 settings and credentials."""
        from arangetram_cli.media.presigned import PresignedTarget

        self.api.image_uploads()
        path = f"/api/v1/vendors/{seg(vendor_id)}/images/presign"
        body = {
            "sha256": image.sha256,
            "size": image.size,
            "content_type": image.content_type,
            "ext": image.kind.ext,
        }
        doc = self._dict(self._call("POST", path, body=body), path, "url", "key", "public_url")
        headers = doc.get("headers") if isinstance(doc.get("headers"), dict) else None
        fields = doc.get("fields") if isinstance(doc.get("fields"), dict) else None
        return PresignedTarget(
            method=str(doc.get("method") or "PUT"),
            url=str(doc["url"]),
            key=str(doc["key"]),
            public_url=str(doc["public_url"]),
            fields=fields,
            headers=headers,
            exists=bool(doc.get("exists")),
        )

    def add_vendor_images(self, ref: str | None, urls: Iterable[str]) -> Doc:
        vendor_id = self._image_vendor_id(ref)
        wanted = list(dict.fromkeys(urls))
        return self.api.add_vendor_images(vendor_id, wanted)

    def remove_vendor_image(self, ref: str | None, url: str, *, keep_object: bool = False) -> Doc:
        """Unlink an image; on `arangetram serve` the server also deletes its own object
        (the answer's `deleted_object`) unless keep_object."""
        vendor_id = self._image_vendor_id(ref)
        return self.api.remove_vendor_image(vendor_id, url, keep_object)
