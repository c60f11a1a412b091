"""One image URL check (core/urls.py) on every path that stores one: the check itself, the
vendor models, the importer's fast path, `vendors create/update --image` and `seed --file`.
(The HTTP routes: tests/server/test_image_urls_http.py.)"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from arangetram_cli.core import urls
from arangetram_cli.core.import_fast import fast_vendor_fields
from arangetram_cli.core.models import VendorIn, VendorSeedIn, VendorUpdateIn
from arangetram_cli.core.urls import allow_store_origins, check_image_url, image_url_problem
from tests.conftest import one_error_line

GOOD = [
    "https://images.example.com/a.jpg",
    "HTTPS://Images.Example.com/A.JPG",
    "https://img.example.com:8443/p/a.jpg?w=300&h=200#top",
    "https://[2001:db8::1]/a.png",
    "https://例え.jp/写真.jpg",
    "https://cdn.example.com/a%20b.jpg",
]
BAD = {
    "javascript:alert(1)": "not javascript:",
    "JaVaScRiPt:alert(document.cookie)": "not javascript:",
    "javascript://example.com/%0aalert(1)": "not javascript:",
    "data:text/html,<script>alert(1)</script>": "percent-encode",
    "data:image/png;base64,iVBORw0KGgo=": "not data:",
    "file:///etc/passwd": "not file:",
    "vbscript:msgbox(1)": "not vbscript:",
    "ftp://example.com/a.jpg": "not ftp:",
    "http://example.com/a.jpg": "http:// only for the configured S3 store",
    "https://user:hunter2@example.com/a.jpg": "user name or password",
    "https://user@example.com/a.jpg": "user name or password",
    "https://@example.com/a.jpg": "user name or password",
    "//example.com/a.jpg": "must start with https://",
    "https:/example.com/a.jpg": "must start with https://",
    "https:example.com": "must start with https://",
    "example.com/a.jpg": "must start with https://",
    "https:///a.jpg": "no host",
    "https://example.com:99999/a.jpg": "bad host or port",
    "https://[bad/a.jpg": "bad host or port",
    "https://example.com/a b.jpg": "control character or a space",
    "https://example.com/\x1b[2J.jpg": "control character",
    "https://example.com/a\tb.jpg": "control character",
    "https://example.com/a\x7f.jpg": "control character",
    "https://example.com/\u202egpj.exe": "invisible",
    "https://exa\u200bmple.com/a.jpg": "invisible",
    "https://example.com/\x85.jpg": "invisible",
    'https://example.com/a.jpg"onerror="alert(1)': "percent-encode",
    'https://example.com/a.jpg" onerror="alert(1)': "space",
    "https://evil.example\\@good.example/a.jpg": "percent-encode",
    "https://example.com/<svg>": "percent-encode",
    "https://example.com/" + "a" * 2000: "more than 2000",
    "": "empty",
}


@pytest.fixture(autouse=True)
def no_store_origins() -> Iterator[None]:
    before = urls.store_origins()
    allow_store_origins()
    yield
    urls._store_origins = before


@pytest.mark.parametrize("url", GOOD)
def test_good_urls_pass_unchanged(url: str) -> None:
    assert image_url_problem(url) is None
    assert check_image_url(url) == url


@pytest.mark.parametrize(("url", "why"), BAD.items(), ids=[repr(u[:40]) for u in BAD])
def test_bad_urls_are_refused_with_a_reason(url: str, why: str) -> None:
    problem = image_url_problem(url)
    assert problem is not None and why in problem, problem
    with pytest.raises(ValueError, match="image URL"):
        check_image_url(url)


def test_the_refusal_never_echoes_a_password() -> None:
    with pytest.raises(ValueError) as e:
        check_image_url("https://alice:Hunter2pw@example.com/a.jpg")
    assert "Hunter2pw" not in str(e.value)


def test_http_passes_only_on_the_configured_store() -> None:
    url = "http://minio.local:9000/bucket/v/abc.jpg"
    assert image_url_problem(url) is not None
    allow_store_origins("http://MINIO.local:9000", "http://cdn.lan/media")
    assert image_url_problem(url) is None
    assert image_url_problem("http://minio.local:9000/other/x.jpg") is None  # same origin
    assert image_url_problem("http://cdn.lan/x.jpg") is None
    for other in (
        "http://minio.local:9001/bucket/a.jpg",  # another port
        "http://minio.local.evil.example:9000/a.jpg",
        "http://user:pw@minio.local:9000/a.jpg",  # credentials, even there
        "javascript://minio.local:9000/%0aalert(1)",
    ):
        assert image_url_problem(other) is not None, other
    allow_store_origins()  # settings without a store: back to https only
    assert image_url_problem(url) is not None


@pytest.mark.parametrize("model", [VendorIn, VendorSeedIn])
def test_vendor_models_refuse_bad_urls(model: type) -> None:
    base = {"business_name": "Hall", "category": "venue"}
    for url in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"):
        with pytest.raises(ValidationError, match="image URL"):
            model.model_validate({**base, "portfolio_images": ["https://ok.example/a.jpg", url]})
    ok = model.model_validate({**base, "portfolio_images": ["  https://ok.example/a.jpg "]})
    assert ok.portfolio_images == ["https://ok.example/a.jpg"]  # stripped, as other text
    with pytest.raises(ValidationError, match="image URL"):
        VendorUpdateIn.model_validate({"portfolio_images": ["javascript:alert(1)"]})
    assert VendorUpdateIn.model_validate({"portfolio_images": None}).portfolio_images is None


def test_the_fast_path_agrees_on_urls() -> None:
    row = {"business_name": "Hall", "category": "venue"}
    assert fast_vendor_fields({**row, "portfolio_images": GOOD[:3]}) is not None
    for url in BAD:
        assert fast_vendor_fields({**row, "portfolio_images": [url]}) is None, url


# ---- the CLI ---------------------------------------------------------------------------------
def _vendor_login(cli) -> None:
    r = cli(
        "auth",
        "register",
        "--vendor",
        "--email",
        "v@example.com",
        "--name",
        "V",
        "--password-stdin",
        input="a long password\n",
    )
    assert r.code == 0, r.err


HALL = ["vendors", "create", "--name", "Hall", "--category", "venue", "--price-range", "$$"]
HALL += ["--location", "Fremont, CA"]


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "file:///etc/passwd",
        "http://user:pw@example.com/a.jpg",
        "https://user:pw@example.com/a.jpg",
    ],
)
def test_cli_create_and_update_refuse_bad_urls(cli, bad: str) -> None:
    _vendor_login(cli)
    r = cli(*HALL, "--image", "https://ok.example/a.jpg", "--image", bad)
    one_error_line(r, 2, "image URL")
    assert "pw@" not in r.err
    assert cli("vendors", "mine").code == 4  # nothing was created
    good = cli(*HALL, "--image", "https://ok.example/a.jpg")
    assert good.code == 0, good.err
    assert good.json()["portfolio_images"] == ["https://ok.example/a.jpg"]
    r = cli("vendors", "update", "--image", bad)
    one_error_line(r, 2, "image URL")
    assert cli("vendors", "mine").json()["portfolio_images"] == ["https://ok.example/a.jpg"]
    r = cli("vendors", "update", "--image", "https://ok.example/b.jpg")
    assert r.code == 0 and r.json()["portfolio_images"] == ["https://ok.example/b.jpg"]


def _write_rows(path: Path, fmt: str, rows: list[dict]) -> None:
    if fmt == "json":
        path.write_text(json.dumps(rows))
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["business_name", "category", "portfolio_images"])
            w.writerows([r["business_name"], "venue", r["portfolio_images"][0]] for r in rows)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "https://u:p@h/a"]
)
def test_seed_file_refuses_a_row_with_a_bad_url(cli, tmp_path: Path, fmt: str, bad: str) -> None:
    good = {
        "business_name": "Good Hall",
        "category": "venue",
        "portfolio_images": ["https://a.b/c"],
    }
    path = tmp_path / f"vendors.{fmt}"
    _write_rows(path, fmt, [good, {**good, "business_name": "Bad", "portfolio_images": [bad]}])
    r = cli("seed", "--file", str(path))
    one_error_line(r, 2, {"json": "item 2", "jsonl": "line 2", "csv": "line 3"}[fmt])
    assert "image URL" in r.err
    assert cli("vendors", "list", "--search", "Hall").json() == []  # all or nothing
    _write_rows(path, fmt, [good])
    ok = cli("seed", "--file", str(path))
    assert ok.code == 0, ok.err
    listed = cli("vendors", "list", "--search", "Good Hall").json()
    assert listed[0]["portfolio_images"] == ["https://a.b/c"]


def test_the_demo_catalog_still_loads(cli) -> None:
    r = cli("seed")
    assert r.code == 0, r.err
    assert len(cli("vendors", "list", "--all").json()) >= 30


@settings(max_examples=3000, deadline=None, database=None)
@given(
    st.builds(
        lambda scheme, host, rest: scheme + host + rest,
        st.sampled_from(["https://", "http://", "HTTPS://", "https:/", ""]),
        st.text(st.characters(codec="ascii"), max_size=12),
        st.text(st.characters(codec="ascii"), max_size=20)
        | st.text(max_size=6)
        | st.sampled_from(["/a.jpg", ":443/a", "@h/a", "/a@b", "?#", "#", ":99999"]),
    )
)
def test_the_quick_path_accepts_only_what_the_full_check_accepts(url: str) -> None:
    """image_url_problem answers plain https URLs by a regular expression; the full parse
    must agree with every URL that expression lets through."""
    if urls._plain_https(url):
        assert urls._problem(url) is None, url
    assert (image_url_problem(url) is None) == (len(url) <= 2000 and urls._problem(url) is None)
