"""What LocalPlanner's services share: paging bounds, request validation (pydantic models
turned into Invalid), visibility and text folding, the public shape of a user, the catalog."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from arangetram_cli.core.errors import (
    Invalid,
)
from arangetram_cli.core.urls import check_image_url
from arangetram_cli.core.values import CATEGORIES, LIST_LIMIT
from arangetram_cli.store.base import (
    Doc,
    Visible,
)

PUBLIC_USER_FIELDS = ("id", "email", "name", "user_type")


MAX_PORTFOLIO_IMAGES = LIST_LIMIT  # as VendorIn.portfolio_images


MAX_PAGE_NUMBER = 2**63 - 1  # SQLite and BSON integers: a larger offset is an overflow error


def checked_image_url(url: Any) -> str:
    """The one image URL check of core/urls.py (as the vendor models apply it)."""
    try:
        return check_image_url(url)
    except ValueError as e:
        raise Invalid(str(e)) from None


def check_page(offset: int, limit: int) -> None:
    """Paging bounds the stores can take (an offset past the end is just an empty page)."""
    for name, value, low in (("offset", offset, 0), ("limit", limit, 1)):
        if not low <= value <= MAX_PAGE_NUMBER:
            raise Invalid(f"{name} must be between {low} and {MAX_PAGE_NUMBER}, not {value}")


def validated(model: Any, data: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from arangetram_cli.core.models import first_error

    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise Invalid(first_error(e)) from None


LOGIN_HINT = "log in with it (any letter case works): arangetram auth login"


def admits(visible_to: Visible | None, doc: Doc) -> bool:
    return visible_to is None or any(doc.get(k) == v for k, v in visible_to.items())


def fold(value: Any) -> Any:
    """Text compared case-insensitively (other values as they are)."""
    return " ".join(value.split()).casefold() if isinstance(value, str) else value


def place_of(v: Doc) -> str:
    """`Fremont, CA` or `San Jose, CA, inactive`: how vendors of one name differ."""
    place = [str(v.get("location") or "no location")]
    if not v.get("is_active", True):
        place.append("inactive")
    return ", ".join(place)


def public_user(user: Doc) -> Doc:
    return {k: v for k, v in user.items() if k != "password"}


def categories() -> list[Doc]:
    return [
        {"id": cid, "name": name, "icon": icon, "description": desc}
        for cid, (name, icon, desc) in CATEGORIES.items()
    ]


def demo_catalog() -> list[Doc]:
    text = resources.files("arangetram_cli.core").joinpath("demo_catalog.json").read_text("utf-8")
    return json.loads(text)
