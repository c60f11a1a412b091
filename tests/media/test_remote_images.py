"""Portfolio images in remote mode: the CLI has no bucket and no S3 credentials; a real
`arangetram serve` (its own ARANGETRAM_S3_* settings and test credentials) presigns uploads to
the moto server, links the URLs and deletes its own objects."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

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
            # AWS S3 refuses these bodies (the URL signs their checksum and length); moto
            # checks neither signatures nor checksums, like a lax S3-compatible store
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


# ---- the holes a review found ---------------------------------------------------------------
@pytest.fixture
def serve_with(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """serve_with(**env) -> a fresh `arangetram serve` with these S3 settings (and test AWS
    credentials); serve_with(served, **env) restarts one on the same database."""
    started: list[Served] = []

    def start(previous: Served | None = None, **settings: str) -> Served:
        if previous is not None:
            previous.stop()
            tmp = Path(previous.env["ARANGETRAM_DATA_DIR"]).parent
            env = {**previous.env, **settings}
        else:
            tmp = tmp_path / f"serve{len(started)}"
            tmp.mkdir()
            env = serve_env(tmp, **test_aws_env(tmp), **settings)
        served = start_serve(tmp, env=env)
        started.append(served)
        return served

    try:
        yield start
    finally:
        for served in started:
            served.stop()


def _presign(http: httpx.Client, h: dict[str, str], vid: str, data: bytes) -> dict:
    body = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "content_type": "image/jpeg",
        "ext": "jpg",
    }
    r = http.post(f"/api/v1/vendors/{vid}/images/presign", json=body, headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def _put(t: dict, data: bytes, **headers: str) -> httpx.Response:
    return httpx.put(t["url"], content=data, headers={**t["headers"], **headers}, timeout=10)


def test_other_spellings_of_the_servers_objects_are_refused(images_server, moto_endpoint, bucket):
    """Only the canonical URL of the vendor's own key is verified; any other spelling of an
    address in the server's store (query, fragment, scheme, path tricks, another bucket on
    the endpoint, another vendor's key) is refused before anything is read or linked."""
    s3 = s3_client(moto_endpoint)
    junk = jpeg_bytes(1500, seed=31)
    with httpx.Client(base_url=images_server.url, timeout=10) as http:
        owner, vid = _vendor(http, "owner")
        _, other_vid = _vendor(http, "other")
        t = _presign(http, owner, vid, jpeg_bytes(1500, seed=30))
        assert _put(t, junk).status_code == 200  # moto takes bytes that do not match the key
        url = t["public_url"]
        assert url == f"{moto_endpoint}/{bucket}/{t['key']}"
        rest = url.split("://", 1)[1]
        sha = t["key"].rsplit("/", 1)[-1]
        images = f"/api/v1/vendors/{vid}/images"
        for spelling in (
            url + "?v=1",
            url + "#x",
            url + "?",
            "https://" + rest,
            url.replace(f"/{bucket}/", f"/{bucket}/./"),
            url.replace(f"/{bucket}/", f"//{bucket}/"),
            url.replace(f"/{bucket}/", f"/%{ord(bucket[0]):02X}{bucket[1:]}/"),
            url.replace(f"/{bucket}/", f"/x/../{bucket}/"),
            url.replace(sha, sha.upper()),
            f"{moto_endpoint}/another-bucket/{sha}",
            f"{moto_endpoint}/{bucket}/{other_vid}/{sha}",  # another vendor's canonical URL
        ):
            r = http.post(images, json={"urls": [spelling]}, headers=owner)
            assert r.status_code == 400, (spelling, r.text)
            detail = r.json()["detail"]
            assert "presign returned" in detail, detail
            assert f"{moto_endpoint}/{bucket}/{vid}/<sha256>.<jpg|png|webp>" in detail
        assert http.get(f"/api/vendors/{vid}").json()["portfolio_images"] == []
        assert s3.get_object(Bucket=bucket, Key=t["key"])["Body"].read() == junk  # unread

        # a refused spelling in a batch refuses the whole batch, before any object is read
        both = http.post(images, json={"urls": [url, url + "?v=2"]}, headers=owner)
        assert both.status_code == 400 and "presign returned" in both.json()["detail"]
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 1

        # the canonical spelling is verified: the junk is deleted and not linked
        refused = http.post(images, json={"urls": [url]}, headers=owner)
        assert refused.status_code == 400 and "do not match" in refused.json()["detail"]
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0

        # https URLs on other hosts are linked as they are, query and all; plain http
        # only on the configured store (core/urls.py)
        elsewhere = ["https://images.example.org/a.jpg?v=1#x", "https://127.0.0.2/a.jpg"]
        ok = http.post(images, json={"urls": elsewhere}, headers=owner)
        assert ok.status_code == 200 and ok.json()["portfolio_images"] == elsewhere
        plain = http.post(images, json={"urls": ["http://127.0.0.2/a.jpg"]}, headers=owner)
        assert plain.status_code == 400 and "https://" in plain.json()["detail"]


def test_aws_spellings_of_the_bucket_are_refused(serve_with, moto_endpoint, bucket):
    """No ARANGETRAM_S3_ENDPOINT_URL: canonical URLs are AWS virtual-hosted ones (boto3 is
    pointed at moto through AWS_ENDPOINT_URL_S3). Regional, path-style, accelerate, other
    scheme and upper-case spellings of the same object are refused; the canonical one links."""
    served = serve_with(ARANGETRAM_S3_BUCKET=bucket, AWS_ENDPOINT_URL_S3=moto_endpoint)
    data = jpeg_bytes(2000, seed=41)
    with httpx.Client(base_url=served.url, timeout=10) as http:
        owner, vid = _vendor(http, "owner")
        t = _presign(http, owner, vid, data)
        key = t["key"]
        assert t["public_url"] == f"https://{bucket}.s3.amazonaws.com/{key}"
        assert _put(t, jpeg_bytes(2000, seed=42)).status_code == 200  # junk (moto takes it)
        images = f"/api/v1/vendors/{vid}/images"
        for spelling in (
            f"https://{bucket.upper()}.S3.AMAZONAWS.COM/{key}",
            f"http://{bucket}.s3.amazonaws.com/{key}",
            f"https://{bucket}.s3.amazonaws.com/{key}?versionId=1",
            f"https://{bucket}.s3.amazonaws.com./{key}",
            f"https://{bucket}.s3.us-east-1.amazonaws.com/{key}",
            f"https://{bucket}.s3-external-1.amazonaws.com/{key}",
            f"https://{bucket}.s3-accelerate.amazonaws.com/{key}",
            f"https://{bucket}.s3.dualstack.us-east-1.amazonaws.com/{key}",
            f"https://s3.amazonaws.com/{bucket}/{key}",
            f"https://s3.eu-west-1.amazonaws.com/{bucket}/{key}",
            f"https://s3-eu-west-1.amazonaws.com/{bucket.upper()}/{key}",
        ):
            r = http.post(images, json={"urls": [spelling]}, headers=owner)
            assert r.status_code == 400, (spelling, r.text)
            assert t["public_url"].rsplit("/", 1)[0] in r.json()["detail"]
        assert http.get(f"/api/vendors/{vid}").json()["portfolio_images"] == []

        assert _put(t, data).status_code == 200
        ok = http.post(images, json={"urls": [t["public_url"]]}, headers=owner)
        assert ok.status_code == 200 and ok.json()["portfolio_images"] == [t["public_url"]]
        # another bucket on AWS is someone else's hosting: linked as it is
        other = f"https://other-{bucket}.s3.amazonaws.com/{key}"
        assert http.post(images, json={"urls": [other]}, headers=owner).status_code == 200


def test_public_url_spellings(serve_with, moto_endpoint, bucket):
    served = serve_with(
        ARANGETRAM_S3_BUCKET=bucket,
        ARANGETRAM_S3_ENDPOINT_URL=moto_endpoint,
        ARANGETRAM_S3_PUBLIC_URL="https://Media.Example.com/cdn",
    )
    data = jpeg_bytes(1800, seed=51)
    with httpx.Client(base_url=served.url, timeout=10) as http:
        owner, vid = _vendor(http, "owner")
        t = _presign(http, owner, vid, data)
        url = t["public_url"]
        assert url == f"https://Media.Example.com/cdn/{t['key']}"
        assert _put(t, data).status_code == 200
        images = f"/api/v1/vendors/{vid}/images"
        for spelling in (
            url.replace("Media.Example.com", "media.example.com"),
            url.replace("https://", "http://"),
            url.replace("/cdn/", "/cdn/./"),
            url + "#top",
            url.replace("Media.Example.com", "Media.Example.com:443"),
            f"{moto_endpoint}/{bucket}/{t['key']}",  # the endpoint's own spelling
        ):
            r = http.post(images, json={"urls": [spelling]}, headers=owner)
            assert r.status_code == 400, (spelling, r.text)
        elsewhere = "https://media.example.com/cdn2/x.jpg"  # outside the public base
        ok = http.post(images, json={"urls": [url, elsewhere]}, headers=owner)
        assert ok.status_code == 200 and ok.json()["portfolio_images"] == [url, elsewhere]


def test_presigned_put_signs_the_checksum_and_length(images_server, moto_endpoint, bucket):
    """The presigned PUT is SigV4 with content-length and x-amz-checksum-sha256 among its
    signed headers (so AWS S3 refuses any other body, also when the URL is replayed after
    the link), it lives 5 minutes, and the CLI's PresignedUploader sends every header.
    moto verifies neither signatures nor checksums: that S3 refuses is not provable here."""
    from arangetram_cli.media.images import check_image
    from arangetram_cli.media.presigned import PresignedTarget, PresignedUploader

    s3 = s3_client(moto_endpoint)
    data = jpeg_bytes(3000, seed=61)
    checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
    with httpx.Client(base_url=images_server.url, timeout=10) as http:
        owner, vid = _vendor(http, "owner")
        t = _presign(http, owner, vid, data)
    assert t["expires_in"] == 300
    assert t["headers"]["x-amz-checksum-sha256"] == checksum
    q = parse_qs(urlsplit(t["url"]).query)
    assert q["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and q["X-Amz-Expires"] == ["300"]
    signed = set(q["X-Amz-SignedHeaders"][0].split(";"))
    assert {"content-length", "x-amz-checksum-sha256", "content-type", "cache-control"} <= signed
    assert {h.lower() for h in t["headers"]} | {"content-length", "host"} == signed

    sent: list[httpx.Request] = []

    class Recording(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request)
            return super().handle_request(request)

    target = PresignedTarget(
        method=t["method"], url=t["url"], key=t["key"], public_url=t["public_url"],
        headers=t["headers"],
    )  # fmt: skip
    path = Path(images_server.env["ARANGETRAM_DATA_DIR"]).parent / "up.jpg"
    path.write_bytes(data)
    up = PresignedUploader(lambda image, v: target, transport=Recording())
    done = up.upload(check_image(path), vendor_id=vid)
    assert done.sent and done.key == t["key"]
    (req,) = sent
    assert req.headers["x-amz-checksum-sha256"] == checksum
    assert req.headers["content-length"] == str(len(data))
    assert req.headers["content-type"] == "image/jpeg"
    assert req.headers["cache-control"] == t["headers"]["Cache-Control"]
    assert len(req.headers.get_list("content-length")) == 1
    assert "transfer-encoding" not in req.headers
    assert s3.get_object(Bucket=bucket, Key=t["key"])["Body"].read() == data


def test_link_reads_each_new_object_once(serve_with, faulty_proxy, bucket):
    """The same URL sent 100 times is read once; a URL already linked is not read (nor
    deleted) again, even after the size limit was lowered below it."""
    gets: list[str] = []

    def count(method: str, path: str) -> bool:
        if method == "GET" and path.endswith(".jpg"):
            gets.append(path)
        return False  # forward everything

    proxy = faulty_proxy(count)
    served = serve_with(ARANGETRAM_S3_BUCKET=bucket, ARANGETRAM_S3_ENDPOINT_URL=proxy.url)
    data = jpeg_bytes(200 * 1024, seed=71)
    s3 = s3_client(proxy.url)
    with httpx.Client(base_url=served.url, timeout=30) as http:
        owner, vid = _vendor(http, "owner")
        t = _presign(http, owner, vid, data)
        assert _put(t, data).status_code == 200
        images = f"/api/v1/vendors/{vid}/images"
        r = http.post(images, json={"urls": [t["public_url"]] * 100}, headers=owner)
        assert r.status_code == 200 and r.json()["portfolio_images"] == [t["public_url"]]
        assert len(gets) == 1, gets
        again = http.post(images, json={"urls": [t["public_url"]] * 3}, headers=owner)
        assert again.status_code == 200 and len(gets) == 1

    served = serve_with(served, ARANGETRAM_S3_MAX_BYTES="100KiB")
    with httpx.Client(base_url=served.url, timeout=30) as http:
        relink = http.post(images, json={"urls": [t["public_url"]]}, headers=owner)
        assert relink.status_code == 200, relink.text
        assert relink.json()["portfolio_images"] == [t["public_url"]]
        assert len(gets) == 1
        assert s3.get_object(Bucket=bucket, Key=t["key"])["Body"].read() == data
