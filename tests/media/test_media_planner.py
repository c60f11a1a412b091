"""LocalPlanner.add_vendor_images / remove_vendor_image: owner-only, validated, atomic."""

from __future__ import annotations

import pytest

from arangetram_cli.core.errors import AuthRequired, Forbidden, Invalid, NotFound
from arangetram_cli.planner.local import MAX_PORTFOLIO_IMAGES, LocalPlanner
from arangetram_cli.store.sqlite import SqliteStore

SECRET = "s" * 48


@pytest.fixture
def store(tmp_path, env):
    s = SqliteStore(tmp_path / "p.db")
    yield s
    s.close()


def vendor(store, email: str, name: str) -> tuple[LocalPlanner, dict]:
    p = LocalPlanner(store, SECRET)
    p.register(email, "Owner", "a long enough password", "vendor")
    v = p.create_vendor({"business_name": name, "category": "photographer"})
    return p, v


def test_owner_adds_and_removes(store):
    p, v = vendor(store, "a@example.com", "Lens")
    got = p.add_vendor_images(None, ["https://cdn.example/1.jpg", "https://cdn.example/2.png"])
    assert got["portfolio_images"] == ["https://cdn.example/1.jpg", "https://cdn.example/2.png"]
    got = p.add_vendor_images(
        v["id"][:8], ["https://cdn.example/2.png", "https://cdn.example/3.webp"]
    )
    assert got["portfolio_images"][-1] == "https://cdn.example/3.webp"
    assert len(got["portfolio_images"]) == 3
    assert p.add_vendor_images("Lens", [])["id"] == v["id"]  # the permission probe
    got = p.remove_vendor_image(None, "https://cdn.example/1.jpg")
    assert got["portfolio_images"] == ["https://cdn.example/2.png", "https://cdn.example/3.webp"]
    with pytest.raises(NotFound, match="not in the portfolio"):
        p.remove_vendor_image(None, "https://cdn.example/1.jpg")


def test_only_the_owner(store):
    p, v = vendor(store, "a@example.com", "Lens")
    other, _ = vendor(store, "b@example.com", "Other")
    p.add_vendor_images(None, ["https://cdn.example/1.jpg"])
    with pytest.raises(Forbidden, match="Not authorized"):
        other.add_vendor_images(v["id"], ["https://evil.example/x.jpg"])
    with pytest.raises(Forbidden, match="Not authorized"):
        other.add_vendor_images(v["id"], [])
    with pytest.raises(Forbidden, match="Not authorized"):
        other.remove_vendor_image(v["id"], "https://cdn.example/1.jpg")
    assert store.vendors.get(v["id"])["portfolio_images"] == ["https://cdn.example/1.jpg"]
    family = LocalPlanner(store, SECRET)
    family.register("f@example.com", "Fam", "a long enough password")
    with pytest.raises(NotFound, match="No vendor profile"):
        family.add_vendor_images(None, ["https://cdn.example/1.jpg"])
    with pytest.raises(AuthRequired):
        LocalPlanner(store, SECRET).add_vendor_images(v["id"], [])


@pytest.mark.parametrize(
    "url",
    ["", "ftp://x/y.jpg", "javascript:alert(1)", "https://x/a b.jpg", "https://x/\n", 42, None],
)
def test_urls_are_checked(store, url):
    p, v = vendor(store, "a@example.com", "Lens")
    with pytest.raises(Invalid):
        p.add_vendor_images(None, ["https://cdn.example/ok.jpg", url])
    assert store.vendors.get(v["id"])["portfolio_images"] == []  # all or nothing


def test_url_length_limit(store):
    p, _ = vendor(store, "a@example.com", "Lens")
    with pytest.raises(Invalid):
        p.add_vendor_images(None, ["https://cdn.example/" + "a" * 2000])


def test_portfolio_cap(store):
    p, v = vendor(store, "a@example.com", "Lens")
    urls = [f"https://cdn.example/{n}.jpg" for n in range(MAX_PORTFOLIO_IMAGES)]
    p.add_vendor_images(None, urls)
    assert p.add_vendor_images(None, urls[:5])["portfolio_images"] == urls  # nothing new: fine
    with pytest.raises(Invalid, match=f"at most {MAX_PORTFOLIO_IMAGES}"):
        p.add_vendor_images(None, ["https://cdn.example/one-more.jpg"])
    assert len(store.vendors.get(v["id"])["portfolio_images"]) == MAX_PORTFOLIO_IMAGES
