"""Every HTTP route that stores a vendor's image URLs refuses what core/urls.py refuses
(`javascript:`, `data:`, `file:`, credentials, plain http elsewhere than the S3 store), on a
real `arangetram serve`; good https URLs still go through. The remote CLI gets the same
answer as a usage error."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import isolated_env
from tests.server.support import PASSWORD, Served

pytestmark = pytest.mark.service

BAD = [
    "javascript:alert(document.cookie)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "https://admin:Hunter2pw@images.example.com/a.jpg",
    "http://images.example.com/a.jpg",
    "https://images.example.com/\x1b]52;c;cm0gLXJmIH4K\x07.jpg",
]
GOOD = "https://images.example.com/ok.jpg"


def _vendor_user(http: httpx.Client) -> dict[str, str]:
    body = {
        "email": f"img-{uuid.uuid4().hex[:10]}@example.com",
        "name": "V",
        "password": PASSWORD,
        "user_type": "vendor",
    }
    r = http.post("/api/auth/register", json=body)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _profile(**fields: object) -> dict[str, object]:
    return {
        "business_name": f"Studio {uuid.uuid4().hex[:8]}",
        "category": "photographer",
        "description": "stage photography",
        "location": "Fremont, CA",
        "price_range": "$$",
        "price_estimate": "$1,000",
        **fields,
    }


@pytest.mark.parametrize("bad", BAD, ids=[b.split(":")[0] + str(i) for i, b in enumerate(BAD)])
def test_every_route_that_stores_image_urls_refuses_bad_ones(http: httpx.Client, bad: str) -> None:
    h = _vendor_user(http)
    r = http.post("/api/vendors", json=_profile(portfolio_images=[GOOD, bad]), headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][:2] == ["body", "portfolio_images"]
    assert "Hunter2pw" not in r.text
    assert http.get("/api/vendors/my/profile", headers=h).status_code == 404  # not created

    made = http.post("/api/vendors", json=_profile(portfolio_images=[GOOD]), headers=h)
    assert made.status_code == 200, made.text
    vid = made.json()["id"]
    put = http.put(f"/api/vendors/{vid}", json={"portfolio_images": [bad]}, headers=h)
    assert put.status_code == 422, put.text
    add = http.post(f"/api/v1/vendors/{vid}/images", json={"urls": [bad]}, headers=h)
    assert add.status_code == 400, add.text
    assert "image URL" in add.json()["detail"] and "Hunter2pw" not in add.text
    assert http.get(f"/api/vendors/{vid}").json()["portfolio_images"] == [GOOD]  # unchanged


def test_good_urls_still_go_through_every_route(http: httpx.Client) -> None:
    h = _vendor_user(http)
    made = http.post("/api/vendors", json=_profile(portfolio_images=[GOOD]), headers=h)
    assert made.status_code == 200 and made.json()["portfolio_images"] == [GOOD]
    vid = made.json()["id"]
    other = "https://cdn.example.org/p/b.webp?w=400#x"
    put = http.put(f"/api/vendors/{vid}", json={"portfolio_images": [other]}, headers=h)
    assert put.status_code == 200 and put.json()["portfolio_images"] == [other]
    add = http.post(f"/api/v1/vendors/{vid}/images", json={"urls": [GOOD]}, headers=h)
    assert add.status_code == 200 and add.json()["portfolio_images"] == [other, GOOD]


def test_the_remote_cli_reports_the_refusal_as_bad_input(served: Served, tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    env["NO_PROXY"] = "127.0.0.1"

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "arangetram_cli", "--api-url", served.url, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
        )

    email = f"rv-{uuid.uuid4().hex[:10]}@example.com"
    reg = cli("auth", "register", "--vendor", "--email", email, "--name", "V", "--password-stdin",
              stdin=PASSWORD + "\n")  # fmt: skip
    assert reg.returncode == 0, reg.stderr
    create = ["vendors", "create", "--name", f"Remote {uuid.uuid4().hex[:6]}", "--category"]
    create += ["venue", "--price-range", "$$", "--location", "Fremont, CA"]
    r = cli(*create, "--image", "javascript:alert(1)")
    assert r.returncode == 2, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "https://" in errors[0], r.stderr
    ok = cli(*create, "--image", GOOD)
    assert ok.returncode == 0, ok.stderr
    r = cli("vendors", "update", "--image", "data:text/html,x")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
