"""Vendors: listings and look-ups (id, prefix, exact name, with hints), profiles, portfolios."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from arangetram_cli.core import policy, refs
from arangetram_cli.core.errors import (
    Conflict,
    Invalid,
    NotFound,
)
from arangetram_cli.core.values import new_id, now_iso
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.local.base import LocalBase
from arangetram_cli.planner.local.common import (
    MAX_PORTFOLIO_IMAGES,
    categories,
    check_page,
    checked_image_url,
    fold,
    place_of,
    validated,
)
from arangetram_cli.store.base import (
    Doc,
    VendorQuery,
)

if TYPE_CHECKING:
    from arangetram_cli.core.models import VendorIn, VendorUpdateIn


class VendorsService(LocalBase):
    def categories(self) -> list[Doc]:
        return categories()

    def list_vendors(self, q: VendorQuery, *, offset: int = 0, limit: int = 50) -> Page:
        check_page(offset, limit)
        items, total = self.store.vendors.search_page(q, offset=offset, limit=limit)
        return Page(items, total, offset, limit)

    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]:
        return self.store.vendors.iter_search(q)

    def get_vendor(self, ref: str) -> Doc:
        """A vendor (public) by id, unique id prefix, or exact name (case-insensitive). A name
        that several vendors have is refused with the candidates' short ids and locations."""
        try:
            return self._resolve(self.store.vendors, ref, "Vendor")
        except NotFound:
            named = self.store.vendors.find_by_name(ref)
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise refs.ambiguous_name("Vendor", ref, named, place_of) from None
            raise self._vendor_not_found(ref) from None

    def _vendor_not_found(self, ref: str) -> NotFound:
        """ "Vendor not found" with the way forward: what a search for it finds, else names
        close to it among vendors sharing a word with it."""
        r = " ".join(ref.split())
        if not r:
            return refs.not_found("Vendor", r)
        matches, _ = self.store.vendors.search_page(VendorQuery(search=r), offset=0, limit=3)
        if matches:
            search = f"vendors list --search {r[:40]}"
            return refs.not_found(
                "Vendor", r, matches=matches, name_key="business_name", search=search
            )
        near: list[Doc] = []
        for word in sorted({w for w in r.split() if len(w) >= 3}, key=len, reverse=True)[:3]:
            found, _ = self.store.vendors.search_page(
                VendorQuery(search=word[:4]), offset=0, limit=50
            )
            near += found
        return refs.not_found(
            "Vendor",
            r,
            names=[str(v.get("business_name") or "") for v in near],
        )

    def _check_name_free(self, vendor: Doc, fields: Doc | None = None) -> None:
        """Refuse (Conflict) a business name another active vendor already has in the same
        category and location (both case-insensitive): such twins break name look-ups of
        the original for everyone. Checked on create and on any rename, move or
        reactivation; rows written before the rule (or by the web app) are left alone.
        Checked before the write, not by an index (existing catalogs hold such twins, and
        the web app writes them): two vendors taking one name at the same instant could
        both pass, and look-ups then list both with their ids."""
        after = {**vendor, **(fields or {})}
        if not after.get("is_active", True):
            return
        name = str(after.get("business_name") or "").strip()
        place = fold(after.get("location"))
        twins = [
            v
            for v in self.store.vendors.find_by_name(name)
            if v.get("id") != vendor.get("id")
            and v.get("is_active", True)
            and v.get("category") == after.get("category")
            and fold(v.get("location")) == place
        ]
        if twins:
            where = f" in {twins[0].get('location')}" if place else ""
            raise Conflict(
                f"another {after.get('category')} vendor{where} is already named "
                f"'{twins[0].get('business_name')}' ({str(twins[0].get('id'))[:8]})",
                hint="choose a business name that tells you apart (add your town or style)",
            )

    def my_vendor(self) -> Doc:
        user = self.current_user()
        vendor = self.store.vendors.get_by_user(user["id"])
        if vendor is None:
            raise NotFound("No vendor profile found")  # its hint: core.errors.HINTS
        return vendor

    def create_vendor(self, data: dict[str, Any]) -> Doc:
        from arangetram_cli.core.models import VendorIn

        policy.require_vendor_account(self.current_user())  # before a bad profile
        return self.create_vendor_checked(validated(VendorIn, data))

    def create_vendor_checked(self, body: VendorIn) -> Doc:
        """create_vendor with a VendorIn already validated (by the server's route)."""
        user = self.current_user()
        policy.require_vendor_account(user)
        policy.require_no_profile(self.store.vendors.get_by_user(user["id"]))
        vendor = {
            "id": new_id(),
            "user_id": user["id"],
            **body.model_dump(),
            "rating": 0.0,
            "review_count": 0,
            "is_active": True,
            "created_at": now_iso(),
        }
        self._check_name_free(vendor)
        self.store.vendors.insert(vendor)  # the unique index settles races
        return vendor

    def update_vendor(self, ref: str | None, data: dict[str, Any]) -> Doc:
        from arangetram_cli.core.models import VendorUpdateIn

        self.current_user()  # not logged in comes before a bad change
        return self.update_vendor_checked(ref, validated(VendorUpdateIn, data))

    def update_vendor_checked(self, ref: str | None, body: VendorUpdateIn) -> Doc:
        """update_vendor with a VendorUpdateIn already validated (by the server's route)."""
        user = self.current_user()
        vendor = self.my_vendor() if ref is None else self.get_vendor(ref)
        policy.require_owner(vendor, user)
        fields = body.model_dump(exclude_none=True)
        if not fields:
            return vendor
        if any(
            fold(fields[k]) != fold(vendor.get(k))
            for k in ("business_name", "location", "is_active")
            if k in fields
        ):
            self._check_name_free(vendor, fields)
        updated = self.store.vendors.update(vendor["id"], fields)
        if updated is None:
            raise NotFound("Vendor not found")
        return updated

    def _own_vendor(self, ref: str | None) -> Doc:
        user = self.current_user()
        vendor = self.my_vendor() if ref is None else self.get_vendor(ref)
        policy.require_owner(vendor, user)
        return vendor

    def add_vendor_images(self, ref: str | None, urls: Iterable[str]) -> Doc:
        """Append image URLs to a portfolio (the owner only; default: the caller's own
        profile). URLs already there keep their place and are not repeated; the update is
        one atomic store operation. With no urls, it checks the caller may change the
        portfolio and returns the vendor (the CLI asks this before uploading anything)."""
        vendor = self._own_vendor(ref)
        wanted = list(dict.fromkeys(checked_image_url(u) for u in urls))
        if not wanted:
            return vendor
        current = vendor.get("portfolio_images") or []
        fresh = [u for u in wanted if u not in current]
        if len(current) + len(fresh) > MAX_PORTFOLIO_IMAGES:
            raise Invalid(
                f"a portfolio holds at most {MAX_PORTFOLIO_IMAGES} images; "
                f"this one has {len(current)}, and {len(fresh)} more would not fit",
                hint="remove some first: arangetram vendors images remove URL",
            )
        updated = self.store.vendors.add_images(vendor["id"], wanted)
        if updated is None:
            raise NotFound("Vendor not found")
        return updated

    def remove_vendor_image(self, ref: str | None, url: str) -> Doc:
        """Take an image URL out of a portfolio (the owner only). NotFound when the
        portfolio does not hold it."""
        vendor = self._own_vendor(ref)
        if url not in (vendor.get("portfolio_images") or []):
            raise NotFound("Image not in the portfolio", hint="see: arangetram vendors images list")
        updated = self.store.vendors.remove_image(vendor["id"], url)
        if updated is None:
            raise NotFound("Vendor not found")
        return updated
