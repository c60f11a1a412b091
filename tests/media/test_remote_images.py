"""Portfolio images in remote mode: the CLI has no bucket and no S3 credentials; a real
`arangetram serve` (its own ARANGETRAM_S3_* settings and test credentials) presigns uploads to
the moto server, links the URLs and deletes its own objects."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import no_traceback
from tests.media.conftest import AWS_SCRUB, jpeg_bytes, png_bytes, s3_client, test_aws_env
from tests.server.support import PASSWORD, Served, serve_env, start_serve

pytestmark = pytest.mark.service


@pytest.fixture
def bucket(moto_endpoint: str) -> str:
    name = f"remote-{uuid.uuid4().hex[:16]}"
    s3_client(moto_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def images_server(tmp_path: Path, moto_endpoint: str, bucket: str) -> Iterator[Served]:
    tmp = tmp_path / "serve"
    tmp.mkdir()
    env = serve_env(
        tmp,
        ARANGETRAM_S3_BUCKET=bucket,
        ARANGETRAM_S3_ENDPOINT_URL=moto_endpoint,
        **test_aws_env(tmp),
    )
    served = start_serve(tmp, env=env)
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def remote(cli, env, images_server, monkeypatch):
    for k in (*AWS_SCRUB, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # nothing local
        monkeypatch.delenv(k, raising=False)

    def run(*args, **kw):
        return cli("--api-url", images_server.url, *args, **kw)

    return run


def vendor_profile(run, profile: str) -> str:
    email = f"{profile}-{uuid.uuid4().hex[:8]}@example.com"
    r = run(
        "-p", profile, "auth", "register", "--email", email, "--name", profile, "--vendor",
        "--password-stdin", input=PASSWORD + "\n",
    )  # fmt: skip
    assert r.code == 0, r.err
    r = run(
        "-p", profile, "vendors", "create", "--name", f"{profile} studio",
        "--category", "photographer", "--location", "Fremont, CA", "--price-range", "$$",
    )  # fmt: skip
    assert r.code == 0, r.err
    return r.json()["id"]


def test_upload_through_the_servers_presign(remote, moto_endpoint, bucket, tmp_path):
    s3 = s3_client(moto_endpoint)
    vid = vendor_profile(remote, "ven")
    other = vendor_profile(remote, "ven2")
    data, pic = jpeg_bytes(4096, seed=7), png_bytes(3000, seed=8)
    (tmp_path / "a.jpg").write_bytes(data)
    (tmp_path / "b.png").write_bytes(pic)

    r = remote(
        "-p", "ven", "vendors", "images", "add", str(tmp_path / "a.jpg"), str(tmp_path / "b.png")
    )
    assert r.code == 0, r.err
    key = f"{vid}/{hashlib.sha256(data).hexdigest()}.jpg"
    key2 = f"{vid}/{hashlib.sha256(pic).hexdigest()}.png"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert keys == sorted([key, key2])
    obj = s3.get_object(Bucket=bucket, Key=key)
    assert obj["Body"].read() == data and obj["ContentType"] == "image/jpeg"
    assert s3.get_object(Bucket=bucket, Key=key2)["ContentType"] == "image/png"
    url = f"{moto_endpoint}/{bucket}/{key}"
    listed = remote("vendors", "images", "list", "--vendor", vid).json()
    assert [row["url"] for row in listed] == [url, f"{moto_endpoint}/{bucket}/{key2}"]

    again = remote("-p", "ven", "vendors", "images", "add", str(tmp_path / "a.jpg"))
    assert again.code == 0 and again.json()[0]["status"] == "unchanged", again.err

    # another vendor may neither upload into nor change this portfolio
    denied = remote(
        "-p", "ven2", "vendors", "images", "add", "--vendor", vid, str(tmp_path / "a.jpg")
    )  # fmt: skip
    assert denied.code == 3, denied.err
    no_traceback(denied)
    assert remote("-p", "ven2", "vendors", "images", "remove", "--vendor", vid, url).code == 3
    assert other

    r = remote("-p", "ven", "vendors", "images", "remove", url)
    assert r.code == 0, r.err
    assert r.json()["deleted_object"] == f"s3://{bucket}/{key}"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [key2]


def _vendor(http: httpx.Client, name: str) -> tuple[dict[str, str], str]:
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    reg = http.post(
        "/api/auth/register",
        json={"email": email, "name": name, "password": PASSWORD, "user_type": "vendor"},
    ).json()
    h = {"Authorization": f"Bearer {reg['token']}"}
    v = http.post(
        "/api/vendors",
        json={
            "business_name": f"{name} {uuid.uuid4().hex[:6]}",
            "category": "photographer",
            "description": "d",
            "location": "Fremont, CA",
            "price_range": "$$",
            "price_estimate": "$1,000",
        },
        headers=h,
    ).json()
    return h, v["id"]


def test_presign_rules_over_http(images_server, moto_endpoint, bucket):
    s3 = s3_client(moto_endpoint)
    data = jpeg_bytes(1500, seed=11)
    sha = hashlib.sha256(data).hexdigest()
    with httpx.Client(base_url=images_server.url, timeout=10) as http:
        owner, vid = _vendor(http, "owner")
        intruder, _ = _vendor(http, "intruder")
        body = {"sha256": sha, "size": len(data), "content_type": "image/jpeg", "ext": "jpg"}
        path = f"/api/v1/vendors/{vid}/images/presign"
        assert http.post(path, json=body, headers=intruder).status_code == 403
        assert http.post(path, json=body).status_code == 401
        bad = http.post(path, json={**body, "content_type": "text/html"}, headers=owner)
        assert bad.status_code == 400
        assert http.post(path, json={**body, "ext": "png"}, headers=owner).status_code == 400
        big = http.post(path, json={**body, "size": 10**10}, headers=owner)
        assert big.status_code == 400 and "limit" in big.json()["detail"]

        t = http.post(path, json=body, headers=owner).json()
        assert t["method"] == "PUT" and not t["exists"] and t["key"] == f"{vid}/{sha}.jpg"
        put = httpx.put(t["url"], content=data, headers=t["headers"], timeout=10)
        assert put.status_code == 200, put.text
        assert http.post(path, json=body, headers=owner).json()["exists"] is True
        obj = s3.get_object(Bucket=bucket, Key=t["key"])
        assert obj["Body"].read() == data and obj["ContentType"] == "image/jpeg"

        images = f"/api/v1/vendors/{vid}/images"
        added = http.post(images, json={"urls": [t["public_url"]]}, headers=owner)
        assert added.status_code == 200 and added.json()["portfolio_images"] == [t["public_url"]]
        assert http.post(images, json={"urls": ["x"]}, headers=intruder).status_code == 403
        params = {"url": t["public_url"]}
        assert http.delete(images, params=params, headers=intruder).status_code == 403
        gone = http.delete(images, params=params, headers=owner).json()
        assert gone["portfolio_images"] == []
        assert gone["deleted_object"] == f"s3://{bucket}/{t['key']}"
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_link_checks_the_bytes_a_presigned_put_sent(images_server, moto_endpoint, bucket):
    """A presigned URL fixes the key and the Content-Type, not the bytes: the server checks the
    object before linking it, and deletes one that is not what its key says."""
    s3 = s3_client(moto_endpoint)
    data, other = jpeg_bytes(1500, seed=21), jpeg_bytes(1500, seed=22)
    sha = hashlib.sha256(data).hexdigest()
    body = {"sha256": sha, "size": len(data), "content_type": "image/jpeg", "ext": "jpg"}
    with httpx.Client(base_url=images_server.url, timeout=10) as http:
        owner, vid = _vendor(http, "owner")
        images = f"/api/v1/vendors/{vid}/images"
        t = http.post(f"/api/v1/vendors/{vid}/images/presign", json=body, headers=owner).json()

        def link() -> httpx.Response:
            return http.post(images, json={"urls": [t["public_url"]]}, headers=owner)

        missing = link()  # presigned, never uploaded
        assert missing.status_code == 400 and "was not uploaded" in missing.json()["detail"]

        for wrong, why in (
            (b"<html><script>alert(1)</script></html>", "not a JPG image"),
            (other, "do not match the SHA-256"),
        ):
            put = httpx.put(t["url"], content=wrong, headers=t["headers"], timeout=10)
            assert put.status_code == 200  # the store took it...
            refused = link()  # ...the server does not
            assert refused.status_code == 400, refused.text
            assert why in refused.json()["detail"] and "deleted" in refused.json()["detail"]
            assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
            assert http.get(f"/api/vendors/{vid}").json()["portfolio_images"] == []

        assert httpx.put(t["url"], content=data, headers=t["headers"], timeout=10).is_success
        ok = link()
        assert ok.status_code == 200 and ok.json()["portfolio_images"] == [t["public_url"]]
        assert s3.get_object(Bucket=bucket, Key=t["key"])["Body"].read() == data
