"""`arangetram vendors images` against a real S3-compatible HTTP endpoint (moto's standalone
server on 127.0.0.1): the bytes, keys, headers and URLs that land, idempotent re-runs,
multipart, every refusal, and who may touch whose portfolio."""

from __future__ import annotations

import hashlib
import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from tests.conftest import no_traceback, one_error_line
from tests.media.conftest import (
    MIB,
    TEST_KEY,
    jpeg_bytes,
    png_bytes,
    s3_client,
    webp_bytes,
)

pytestmark = pytest.mark.service  # every test here talks to the moto server


def portfolio(run) -> list[str]:
    r = run("vendors", "images", "list")
    assert r.code == 0, r.err
    return [row["url"] for row in r.json()]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---- uploads that work --------------------------------------------------------------------------
def test_add_uploads_each_type_with_its_content_type(s3, world, files):
    data = {"a.jpg": jpeg_bytes(), "b.png": png_bytes(), "c.webp": webp_bytes()}
    paths = [str(files(n, d)) for n, d in data.items()]
    r = world.ven("vendors", "images", "add", *paths)
    assert r.code == 0, r.err
    no_traceback(r)
    rows = r.json()
    assert [row["status"] for row in rows] == ["uploaded"] * 3
    want = {
        "a.jpg": ("jpg", "image/jpeg"),
        "b.png": ("png", "image/png"),
        "c.webp": ("webp", "image/webp"),
    }
    keys = []
    for row, (name, body) in zip(rows, data.items(), strict=True):
        ext, ctype = want[name]
        key = f"{world.vid}/{sha(body)}.{ext}"
        keys.append(key)
        assert row["key"] == key and row["url"] == s3.url(key)
        assert row["content_type"] == ctype and row["size"] == len(body)
        obj = s3.get(key)
        assert obj["Body"].read() == body
        assert obj["ContentType"] == ctype
        assert obj["CacheControl"] == "public, max-age=31536000, immutable"
        assert obj["Metadata"] == {"sha256": sha(body)}
    assert s3.keys() == sorted(keys)
    assert portfolio(world.ven) == [s3.url(k) for k in keys]  # in the order given
    shown = world.ven("vendors", "mine").json()["portfolio_images"]
    assert shown == [s3.url(k) for k in keys]
    # anyone can list a vendor's portfolio by reference
    listed = world.fam("vendors", "images", "list", "--vendor", world.vid).json()
    assert [x["url"] for x in listed] == shown and [x["position"] for x in listed] == [1, 2, 3]
    assert world.fam("-q", "vendors", "images", "list", "--vendor", "Lens Studio").out.split() == (
        shown
    )


def test_rerun_is_idempotent(s3, world, files):
    a, b = jpeg_bytes(seed=10), png_bytes(seed=11)
    pa, pb = str(files("a.jpg", a)), str(files("b.png", b))
    assert world.ven("vendors", "images", "add", pa).code == 0
    first = s3.get(f"{world.vid}/{sha(a)}.jpg")
    time.sleep(1.1)  # LastModified has one-second resolution

    r = world.ven("vendors", "images", "add", pa, pb)
    assert r.code == 0, r.err
    assert [row["status"] for row in r.json()] == ["unchanged", "uploaded"]
    again = s3.get(f"{world.vid}/{sha(a)}.jpg")
    assert again["LastModified"] == first["LastModified"]  # not sent a second time
    assert again["ETag"] == first["ETag"]
    r = world.ven("vendors", "images", "add", pa, pb)
    assert [row["status"] for row in r.json()] == ["unchanged", "unchanged"]
    assert "0 images added" in r.err and "0 uploaded" in r.err
    urls = portfolio(world.ven)
    assert urls == [s3.url(f"{world.vid}/{sha(a)}.jpg"), s3.url(f"{world.vid}/{sha(b)}.png")]
    assert len(s3.keys()) == 2


def test_existing_object_is_reused_and_linked(s3, world, files):
    """The object is in storage (an earlier run whose URL was later unlinked with
    --keep-object): nothing is sent, the URL comes back."""
    data = jpeg_bytes(seed=12)
    p = str(files("a.jpg", data))
    url = world.ven("-q", "vendors", "images", "add", p).out.strip()
    assert world.ven("vendors", "images", "remove", url, "--keep-object").code == 0
    assert portfolio(world.ven) == [] and len(s3.keys()) == 1
    r = world.ven("vendors", "images", "add", p)
    assert r.code == 0 and r.json()[0]["status"] == "reused"
    assert portfolio(world.ven) == [url]


def test_same_content_under_two_names_goes_once(s3, world, files):
    data = png_bytes(seed=13)
    r = world.ven(
        "vendors", "images", "add", str(files("one.png", data)), str(files("two.png", data))
    )
    assert r.code == 0, r.err
    assert len(r.json()) == 1 and "same content" in r.err
    assert s3.keys() == [f"{world.vid}/{sha(data)}.png"]
    assert len(portfolio(world.ven)) == 1


def test_keeps_urls_already_in_the_portfolio_in_place(s3, world, files):
    world.ven("vendors", "update", "--image", "https://img.example.com/old.jpg")
    data = webp_bytes(seed=14)
    assert world.ven("vendors", "images", "add", str(files("n.webp", data))).code == 0
    assert portfolio(world.ven) == [
        "https://img.example.com/old.jpg",
        s3.url(f"{world.vid}/{sha(data)}.webp"),
    ]


def test_public_url_and_prefix(s3, world, files):
    s3.set(prefix="portfolio", public_url="https://cdn.example.com/media/")
    data = jpeg_bytes(seed=15)
    r = world.ven("vendors", "images", "add", str(files("a.jpg", data)))
    assert r.code == 0, r.err
    key = f"portfolio/{world.vid}/{sha(data)}.jpg"
    assert s3.keys() == [key]
    assert portfolio(world.ven) == [f"https://cdn.example.com/media/{key}"]
    # and remove maps the public URL back to the object
    r = world.ven("vendors", "images", "remove", f"https://cdn.example.com/media/{key}")
    assert r.code == 0, r.err
    assert r.json()["deleted_object"] == f"s3://{s3.bucket}/{key}"
    assert s3.keys() == []


def test_multipart_above_the_threshold(s3, world, files):
    s3.set(multipart_bytes="5MiB")
    big = jpeg_bytes(6 * MIB + 12345, seed=16)
    small = png_bytes(MIB, seed=17)
    r = world.ven(
        "vendors",
        "images",
        "add",
        "--max-size",
        "8MiB",
        str(files("big.jpg", big)),
        str(files("small.png", small)),
    )
    assert r.code == 0, r.err
    big_obj = s3.get(f"{world.vid}/{sha(big)}.jpg")
    assert big_obj["ETag"].strip('"').endswith("-2")  # two parts: 5 MiB + the rest
    assert big_obj["Body"].read() == big
    assert big_obj["ContentType"] == "image/jpeg"
    small_obj = s3.get(f"{world.vid}/{sha(small)}.png")
    assert "-" not in small_obj["ETag"]  # one PUT
    uploads = s3.client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", [])
    assert uploads == []  # none left open
    # idempotent for multipart objects too (HEAD by size, not by ETag)
    again = world.ven("vendors", "images", "add", "--max-size", "8MiB", str(files("b2.jpg", big)))
    assert again.json()[0]["status"] == "unchanged"


def test_default_size_limit_comes_from_the_environment(s3, world, files):
    s3.set(max_bytes="3k")
    r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes(4000))))
    one_error_line(r, 2, "over the 3 KiB limit")
    assert s3.keys() == []
    # the flag wins over the variable
    r = world.ven(
        "vendors", "images", "add", "--max-size", "5k", str(files("b.jpg", jpeg_bytes(4000)))
    )
    assert r.code == 0, r.err


# ---- bad files ----------------------------------------------------------------------------------
def test_bad_files_one_line_each_and_the_good_ones_still_go(s3, world, files, tmp_path):
    good = png_bytes(seed=20)
    paths = {
        "text": files("notes.jpg", b"just some text, honestly"),
        "empty": files("empty.png", b""),
        "large": files("huge.webp", webp_bytes(70_000)),
        "missing": tmp_path / "nowhere.jpg",
        "dir": tmp_path / "in",
        "good": files("good.png", good),
    }
    r = world.ven("vendors", "images", "add", "--max-size", "64k", *map(str, paths.values()))
    no_traceback(r)
    assert r.code == 2, r.err
    errors = [ln for ln in r.err.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 5, r.err
    reasons = {
        "text": "not a JPEG, PNG or WebP image",
        "empty": "is empty",
        "large": "over the 64 KiB limit",
        "missing": "no such file",
        "dir": "is a directory",
    }
    for what, reason in reasons.items():
        line = [e for e in errors if e.startswith(f"error: {paths[what]}: ")]
        assert len(line) == 1 and reason in line[0], (what, errors)
    key = f"{world.vid}/{sha(good)}.png"
    assert s3.keys() == [key]
    assert portfolio(world.ven) == [s3.url(key)]
    assert [row["file"] for row in r.json()] == [str(paths["good"])]


def test_only_bad_files_send_nothing_and_need_no_login(s3, cli, files):
    r = cli("vendors", "images", "add", str(files("fake.png", b"<html>not a png</html>")))
    one_error_line(r, 2, "fake.png: is not a JPEG, PNG or WebP image")
    assert s3.keys() == []


# ---- configuration and service failures ----------------------------------------------------------
def test_no_bucket_configured_says_what_to_set(s3, world, files):
    s3.set(bucket=None)
    r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes())))
    one_error_line(r, 2, "no S3 bucket configured")
    assert "ARANGETRAM_S3_BUCKET" in r.err and "ARANGETRAM_S3_ENDPOINT_URL" in r.err
    assert portfolio(world.ven) == []


def test_bucket_that_does_not_exist(s3, world, files):
    s3.set(bucket="no-such-bucket-here")
    r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes())))
    one_error_line(r, 4, "S3 bucket 'no-such-bucket-here' does not exist")
    assert portfolio(world.ven) == []


def test_upload_cut_off_mid_way(s3, world, files, dropping_endpoint):
    s3.set(endpoint_url=dropping_endpoint)
    started = time.monotonic()
    r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes(300_000))))
    one_error_line(r, 6, f"cannot reach S3 at {dropping_endpoint}")
    assert time.monotonic() - started < 30
    assert portfolio(world.ven) == []


def test_put_cut_off_behind_a_real_store(s3, world, files, faulty_proxy):
    """HEAD reaches the store (404), the PUT is cut mid-body: exit 6, nothing stored."""
    proxy = faulty_proxy(lambda method, path: method == "PUT")
    s3.set(endpoint_url=proxy.url)
    r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes(200_000))))
    one_error_line(r, 6, "cannot reach S3")
    assert proxy.dropped and s3.keys() == []
    assert portfolio(world.ven) == []


def test_multipart_upload_cut_off(s3, world, files, faulty_proxy):
    """Part 2 of a multipart upload is cut off: exit 6, no URL, no object, and no
    multipart upload left open in the bucket (boto3 aborts it)."""
    proxy = faulty_proxy(lambda method, path: method == "PUT" and "partNumber=2" in path)
    s3.set(endpoint_url=proxy.url, multipart_bytes="5MiB")
    good = png_bytes(seed=22)
    big = jpeg_bytes(6 * MIB, seed=21)
    r = world.ven(
        "vendors",
        "images",
        "add",
        "--max-size",
        "7MiB",
        str(files("good.png", good)),
        str(files("big.jpg", big)),
    )
    one_error_line(r, 6, "cannot reach S3")
    assert any("partNumber=2" in d for d in proxy.dropped)
    assert s3.client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", []) == []
    # the file before the failure made it, the cut one did not
    assert s3.keys() == [f"{world.vid}/{sha(good)}.png"]
    assert portfolio(world.ven) == [f"{proxy.url}/{s3.bucket}/{world.vid}/{sha(good)}.png"]


def test_endpoint_refusing_connections(s3, world, files, closed_port):
    s3.set(endpoint_url=closed_port)
    r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes())))
    one_error_line(r, 6, "cannot reach S3")
    assert portfolio(world.ven) == []


def test_network_failure_keeps_what_was_already_uploaded(s3, world, files, monkeypatch):
    """File 1 goes, the network dies on file 2: file 1's URL is stored, file 3 is not tried,
    one error line, exit 6."""
    from arangetram_cli.core.errors import Unavailable
    from arangetram_cli.media import s3 as media_s3

    real = media_s3.BotoUploader.upload
    calls = []

    def flaky(self, image, **kw):
        calls.append(image.path.name)
        if len(calls) == 2:
            raise Unavailable("cannot reach S3 at test: connection reset")
        return real(self, image, **kw)

    monkeypatch.setattr(media_s3.BotoUploader, "upload", flaky)
    one, two, three = jpeg_bytes(seed=30), jpeg_bytes(seed=31), jpeg_bytes(seed=32)
    r = world.ven(
        "vendors",
        "images",
        "add",
        str(files("1.jpg", one)),
        str(files("2.jpg", two)),
        str(files("3.jpg", three)),
    )
    one_error_line(r, 6, "connection reset")
    assert calls == ["1.jpg", "2.jpg"]
    assert portfolio(world.ven) == [s3.url(f"{world.vid}/{sha(one)}.jpg")]


def test_unknown_access_key_is_forbidden(s3, world, files, moto_endpoint):
    import requests

    try:
        requests.post(f"{moto_endpoint}/moto-api/reset-auth", data=b"0", timeout=10)
        r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes())))
    finally:
        requests.post(f"{moto_endpoint}/moto-api/reset-auth", data=b"inf", timeout=10)
    one_error_line(r, 3, "S3 refused to")
    assert "InvalidAccessKeyId" in r.err
    assert portfolio(world.ven) == [] and s3.keys() == []


def test_access_denied_by_policy_is_forbidden(s3, world, files, moto_endpoint, monkeypatch):
    """Valid credentials whose IAM policy allows reading but not writing the bucket."""
    import boto3
    import requests

    iam = boto3.session.Session().client(
        "iam",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id=TEST_KEY,
        aws_secret_access_key="x",
    )
    user = f"reader-{s3.bucket[-8:]}"
    iam.create_user(UserName=user)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": [f"arn:aws:s3:::{s3.bucket}", f"arn:aws:s3:::{s3.bucket}/*"],
            }
        ],
    }
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    try:
        requests.post(f"{moto_endpoint}/moto-api/reset-auth", data=b"0", timeout=10)
        r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes())))
    finally:
        requests.post(f"{moto_endpoint}/moto-api/reset-auth", data=b"inf", timeout=10)
    one_error_line(r, 3, "S3 refused to upload")
    assert "AccessDenied" in r.err
    assert portfolio(world.ven) == [] and s3.keys() == []


def test_no_credentials(s3, world, files, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    r = world.ven("vendors", "images", "add", str(files("a.jpg", jpeg_bytes())))
    one_error_line(r, 3, "no S3 credentials found")
    assert portfolio(world.ven) == []


# ---- rollback ------------------------------------------------------------------------------------
def test_failed_link_deletes_only_objects_this_run_created(s3, world, files, monkeypatch):
    from arangetram_cli.core.errors import Conflict
    from arangetram_cli.planner.local import LocalPlanner

    old, new = jpeg_bytes(seed=40), png_bytes(seed=41)
    p_old, p_new = str(files("old.jpg", old)), str(files("new.png", new))
    assert world.ven("vendors", "images", "add", p_old).code == 0
    real = LocalPlanner.add_vendor_images

    def refuse(self, ref, urls):
        urls = list(urls)
        if urls:
            raise Conflict("the portfolio changed under us")
        return real(self, ref, urls)

    monkeypatch.setattr(LocalPlanner, "add_vendor_images", refuse)
    r = world.ven("vendors", "images", "add", p_old, p_new)
    one_error_line(r, 5, "the portfolio changed under us")
    # the new object is gone; the old one (an earlier run's, still linked) stays
    assert s3.keys() == [f"{world.vid}/{sha(old)}.jpg"]
    monkeypatch.setattr(LocalPlanner, "add_vendor_images", real)
    assert portfolio(world.ven) == [s3.url(f"{world.vid}/{sha(old)}.jpg")]


# ---- remove --------------------------------------------------------------------------------------
def test_remove_unlinks_and_deletes_the_object(s3, world, files):
    a, b = jpeg_bytes(seed=50), png_bytes(seed=51)
    r = world.ven("-q", "vendors", "images", "add", str(files("a.jpg", a)), str(files("b.png", b)))
    url_a, url_b = r.out.split()
    r = world.ven("vendors", "images", "remove", url_a)
    assert r.code == 0, r.err
    out = r.json()
    assert out["removed"] == url_a and out["portfolio_images"] == [url_b]
    assert out["deleted_object"] == f"s3://{s3.bucket}/{world.vid}/{sha(a)}.jpg"
    assert s3.keys() == [f"{world.vid}/{sha(b)}.png"]
    assert portfolio(world.ven) == [url_b]
    # again: not in the portfolio any more
    one_error_line(world.ven("vendors", "images", "remove", url_a), 4, "not in the portfolio")


def test_remove_keep_object(s3, world, files):
    data = webp_bytes(seed=52)
    url = world.ven("-q", "vendors", "images", "add", str(files("a.webp", data))).out.strip()
    r = world.ven("vendors", "images", "remove", url, "--keep-object")
    assert r.code == 0 and r.json()["deleted_object"] is None
    assert s3.keys() == [f"{world.vid}/{sha(data)}.webp"] and portfolio(world.ven) == []


def test_remove_a_foreign_url_only_unlinks_it(s3, world, files):
    world.ven("vendors", "update", "--image", "https://img.example.com/1.jpg")
    # an object in the bucket that this tool did not name: never deleted through a URL
    s3.client.put_object(Bucket=s3.bucket, Key="site/logo.png", Body=png_bytes())
    world.ven("vendors", "update", "--image", s3.url("site/logo.png"))
    r = world.ven("vendors", "images", "remove", s3.url("site/logo.png"))
    assert r.code == 0 and r.json()["deleted_object"] is None
    assert "no object deleted" in r.err
    assert s3.keys() == ["site/logo.png"]


def test_remove_without_a_bucket_configured_still_unlinks(s3, world):
    world.ven("vendors", "update", "--image", "https://img.example.com/1.jpg")
    s3.set(bucket=None)
    r = world.ven("vendors", "images", "remove", "https://img.example.com/1.jpg")
    assert r.code == 0, r.err
    assert portfolio(world.ven) == []


def test_remove_when_storage_is_unreachable(s3, world, files, closed_port):
    data = jpeg_bytes(seed=53)
    url = world.ven("-q", "vendors", "images", "add", str(files("a.jpg", data))).out.strip()
    s3.set(endpoint_url=closed_port)
    # the URL names the old endpoint: with the new one configured, it is not "ours"
    r = world.ven("vendors", "images", "remove", url)
    assert r.code == 0 and r.json()["deleted_object"] is None
    # now the same endpoint, unreachable: the link goes, the failure is one line
    world.ven(
        "vendors", "update", "--image", f"{closed_port}/{s3.bucket}/{world.vid}/{sha(data)}.jpg"
    )
    r = world.ven(
        "vendors", "images", "remove", f"{closed_port}/{s3.bucket}/{world.vid}/{sha(data)}.jpg"
    )
    one_error_line(r, 6, "was not deleted")
    assert portfolio(world.ven) == []


# ---- who may do what -----------------------------------------------------------------------------
def test_another_vendor_cannot_add_to_my_portfolio(s3, world, files):
    r = world.ven2(
        "vendors", "images", "add", "--vendor", world.vid, str(files("a.jpg", jpeg_bytes()))
    )
    one_error_line(r, 3, "Not authorized")
    assert s3.keys() == []  # refused before any byte was sent
    assert portfolio(world.ven) == []
    r = world.ven2(
        "vendors",
        "images",
        "add",
        "--vendor",
        "Lens Studio",
        str(files("b.jpg", jpeg_bytes(seed=9))),
    )
    one_error_line(r, 3, "Not authorized")


def test_another_vendor_cannot_remove_from_my_portfolio(s3, world, files):
    data = jpeg_bytes(seed=60)
    url = world.ven("-q", "vendors", "images", "add", str(files("a.jpg", data))).out.strip()
    r = world.ven2("vendors", "images", "remove", url, "--vendor", world.vid)
    one_error_line(r, 3, "Not authorized")
    assert portfolio(world.ven) == [url]
    assert s3.keys() == [f"{world.vid}/{sha(data)}.jpg"]
    # without --vendor it is their own portfolio, which does not hold it
    one_error_line(world.ven2("vendors", "images", "remove", url), 4, "not in the portfolio")
    assert s3.keys() == [f"{world.vid}/{sha(data)}.jpg"]


def test_a_family_has_no_portfolio(s3, world, files):
    r = world.fam("vendors", "images", "add", str(files("a.jpg", jpeg_bytes())))
    one_error_line(r, 4, "No vendor profile found")
    one_error_line(world.fam("vendors", "images", "list"), 4, "No vendor profile found")
    one_error_line(
        world.fam("vendors", "images", "remove", "https://x.example/1.jpg"),
        4,
        "No vendor profile found",
    )
    assert s3.keys() == []


def test_not_logged_in(s3, cli, files):
    r = cli("vendors", "images", "add", str(files("a.jpg", jpeg_bytes())))
    one_error_line(r, 3, "not logged in")
    one_error_line(
        cli("vendors", "images", "remove", "https://x.example/1.jpg"), 3, "not logged in"
    )
    assert s3.keys() == []


# ---- a person at a terminal ----------------------------------------------------------------------
def test_progress_bar_on_a_terminal_and_none_when_piped(s3, world, files, sh, env):
    data = jpeg_bytes(2 * MIB, seed=70)
    path = str(files("portrait.jpg", data))
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "arangetram_cli",
            "--profile",
            "ven",
            "vendors",
            "images",
            "add",
            path,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**env, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed its side
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, seen.decode(errors="replace")
    text = seen.decode(errors="replace")
    assert "portrait.jpg" in text and "━" in text and "2.0/2.0 MiB" in text
    assert json.loads(out)[0]["status"] == "uploaded"  # stdout still carries only data
    # piped stderr: no bar, just the summary
    r = sh("--profile", "ven", "vendors", "images", "add", path)
    assert r.code == 0 and "━" not in r.err and "MiB/s" not in r.err


def test_sh_journey_with_env_settings(s3, world, files, sh):
    """As a subprocess: the settings come from the environment like any user's shell."""
    data = png_bytes(seed=71)
    r = sh("-q", "--profile", "ven", "vendors", "images", "add", str(files("x.png", data)))
    assert r.code == 0, r.err
    assert r.out.strip() == s3.url(f"{world.vid}/{sha(data)}.png")
    assert s3.body(f"{world.vid}/{sha(data)}.png") == data


# ---- the presigned seam (remote mode) ------------------------------------------------------------
@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_presigned_uploader(s3, tmp_path, method):
    from arangetram_cli.media.images import check_image
    from arangetram_cli.media.presigned import PresignedTarget, PresignedUploader

    data = webp_bytes(300_000, seed=80)
    (tmp_path / "p.webp").write_bytes(data)
    image = check_image(tmp_path / "p.webp")
    signer = s3_client(s3.endpoint)  # the server's credentials, not the client's

    def presign(img, vendor_id):
        key = f"{vendor_id}/{img.sha256}.{img.kind.ext}"
        public = f"https://cdn.example.com/{key}"
        if method == "PUT":
            url = signer.generate_presigned_url(
                "put_object",
                Params={"Bucket": s3.bucket, "Key": key, "ContentType": img.content_type},
                ExpiresIn=300,
            )
            return PresignedTarget("PUT", url, key, public)
        post = signer.generate_presigned_post(
            s3.bucket,
            key,
            Fields={"Content-Type": img.content_type},
            Conditions=[{"Content-Type": img.content_type}],
            ExpiresIn=300,
        )
        return PresignedTarget("POST", post["url"], key, public, fields=post["fields"])

    progress: list[int] = []
    up = PresignedUploader(presign).upload(image, vendor_id="v1", progress=progress.append)
    assert up.url == f"https://cdn.example.com/v1/{sha(data)}.webp" and up.sent
    assert sum(progress) == len(data)
    obj = s3.get(up.key)
    assert obj["Body"].read() == data and obj["ContentType"] == "image/webp"


@pytest.mark.parametrize(
    ("status", "kind"), [(403, "Forbidden"), (503, "Unavailable"), (400, "ArangetramError")]
)
def test_presigned_uploader_refused(tmp_path, status, kind):
    import httpx

    from arangetram_cli.core import errors
    from arangetram_cli.media.images import check_image
    from arangetram_cli.media.presigned import PresignedTarget, PresignedUploader

    (tmp_path / "p.png").write_bytes(png_bytes())
    image = check_image(tmp_path / "p.png")
    xml = "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    transport = httpx.MockTransport(lambda request: httpx.Response(status, text=xml))

    def presign(img, vendor_id):
        return PresignedTarget("PUT", "https://s3.example/b/k.png?X-Amz-Signature=x", "k.png", "u")

    with pytest.raises(getattr(errors, kind)) as e:
        PresignedUploader(presign, transport=transport).upload(image, vendor_id="v1")
    assert type(e.value) is getattr(errors, kind) and "\n" not in e.value.message
    assert "X-Amz-Signature" not in e.value.message  # the signed query is never shown


def test_presigned_uploader_unreachable(tmp_path, closed_port):
    from arangetram_cli.core.errors import Unavailable
    from arangetram_cli.media.images import check_image
    from arangetram_cli.media.presigned import PresignedTarget, PresignedUploader

    (tmp_path / "p.png").write_bytes(png_bytes())
    image = check_image(tmp_path / "p.png")
    target = PresignedTarget("PUT", f"{closed_port}/b/k.png?X-Amz-Signature=x", "k.png", "u")
    with pytest.raises(Unavailable) as e:
        PresignedUploader(lambda img, vid: target).upload(image, vendor_id="v1")
    assert "X-Amz-Signature" not in e.value.message
