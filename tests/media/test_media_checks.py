"""Image checks, sizes, S3 settings, URLs and error mapping: no network here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arangetram_cli.core.errors import (
    ArangetramError,
    AuthRequired,
    Forbidden,
    Invalid,
    NotFound,
    Unavailable,
)
from arangetram_cli.media.images import (
    JPEG,
    PNG,
    WEBP,
    BadImage,
    check_image,
    human_size,
    parse_size,
    sniff,
)
from arangetram_cli.media.s3 import translate
from arangetram_cli.media.s3_config import S3Config
from tests.media.conftest import jpeg_bytes, png_bytes, webp_bytes

VID = "0b5cbb53-0f73-4d4e-9f38-4b8e4c7a0c11"
SHA = "ab" * 32


# ---- sniffing and file checks -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (jpeg_bytes(), JPEG),
        (b"\xff\xd8\xff\xdb" + b"\0" * 20, JPEG),
        (png_bytes(), PNG),
        (webp_bytes(), WEBP),
        (b"GIF89a" + b"\0" * 20, None),
        (b"RIFF\x10\0\0\0WAVEfmt ", None),  # RIFF, but audio
        (b"\x89PNG\r\n\x1a", None),  # truncated signature
        (b"\xff\xd8", None),
        (b"hello, I am a text file", None),
        (b"", None),
    ],
)
def test_sniff_by_magic_bytes(data, kind):
    assert sniff(data[:12]) is kind


def test_check_image_accepts_each_type_by_content(tmp_path: Path):
    for name, data, kind in [
        ("a.jpg", jpeg_bytes(), JPEG),
        ("no-extension", png_bytes(), PNG),
        ("misnamed.png", webp_bytes(), WEBP),  # the name is not what decides
    ]:
        p = tmp_path / name
        p.write_bytes(data)
        img = check_image(p)
        assert img.kind is kind and img.size == len(data)
        import hashlib

        assert img.sha256 == hashlib.sha256(data).hexdigest()
        assert not img.changed()


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda p: p.write_text("not an image at all"), "not a JPEG, PNG or WebP image"),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(jpeg_bytes(5000)), "over the 4 KiB limit"),
    ],
    ids=["text", "empty", "directory", "missing", "too-large"],
)
def test_check_image_refusals(tmp_path: Path, setup, reason):
    p = tmp_path / "photo.jpg"
    setup(p)
    with pytest.raises(BadImage) as e:
        check_image(p, max_bytes=4096)
    assert reason in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_check_image_unreadable(tmp_path: Path):
    p = tmp_path / "locked.jpg"
    p.write_bytes(jpeg_bytes())
    p.chmod(0)
    with pytest.raises(BadImage, match="permission denied"):
        check_image(p)


def test_changed_notices_an_edit(tmp_path: Path):
    p = tmp_path / "a.jpg"
    p.write_bytes(jpeg_bytes())
    img = check_image(p)
    p.write_bytes(jpeg_bytes(4096))
    assert img.changed()
    p.unlink()
    assert img.changed()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2000000", 2_000_000),
        ("10MiB", 10 * 1024**2),
        ("10 MiB", 10 * 1024**2),
        ("10M", 10 * 1024**2),
        ("10MB", 10_000_000),
        ("500k", 500 * 1024),
        ("1.5KiB", 1536),
        ("1g", 1024**3),
    ],
)
def test_parse_size(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize("text", ["", "ten", "10 parsecs", "-5", "0", "1e9"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_human_size():
    assert human_size(5) == "5 bytes"
    assert human_size(1536) == "1.5 KiB"
    assert human_size(10 * 1024**2) == "10 MiB"
    assert human_size(3 * 1024**3) == "3 GiB"


# ---- settings ---------------------------------------------------------------------------------
def test_config_defaults_and_normalisation(tmp_path: Path):
    cfg = S3Config.load({}, cwd=tmp_path)
    assert cfg.bucket is None and cfg.max_bytes == 10 * 1024**2
    assert cfg.multipart_bytes == 8 * 1024**2
    cfg = S3Config.load(
        {
            "ARANGETRAM_S3_BUCKET": "pics",
            "ARANGETRAM_S3_PREFIX": "/portfolio",
            "ARANGETRAM_S3_ENDPOINT_URL": "http://minio.local:9000/",
            "ARANGETRAM_S3_PUBLIC_URL": "https://cdn.example.com/m/",
            "ARANGETRAM_S3_MAX_BYTES": "2MiB",
            "ARANGETRAM_S3_MULTIPART_BYTES": "5MiB",
        },
        cwd=tmp_path,
    )
    assert cfg.prefix == "portfolio/"
    assert cfg.endpoint_url == "http://minio.local:9000"
    assert cfg.public_url == "https://cdn.example.com/m"
    assert cfg.max_bytes == 2 * 1024**2 and cfg.multipart_bytes == 5 * 1024**2


def test_config_reads_a_trusted_dotenv_under_the_environment(tmp_path: Path):
    from arangetram_cli.config import dotenv_for, read_env_file, write_trust

    dotenv = tmp_path / ".env"
    dotenv.write_text("ARANGETRAM_S3_BUCKET=from-dotenv\nARANGETRAM_S3_PREFIX=p\n")
    env = {"ARANGETRAM_CONFIG_DIR": str(tmp_path / "config")}
    assert S3Config.load(env, cwd=tmp_path).bucket is None  # not trusted: not read
    _, resolved = read_env_file(dotenv)
    write_trust(tmp_path / "config", {str(resolved): dotenv_for(tmp_path, env).sha256})
    assert S3Config.load(env, cwd=tmp_path).bucket == "from-dotenv"
    cfg = S3Config.load({**env, "ARANGETRAM_S3_BUCKET": "from-env"}, cwd=tmp_path)
    assert cfg.bucket == "from-env" and cfg.prefix == "p/"


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("ARANGETRAM_S3_ENDPOINT_URL", "minio:9000", "http:// or https://"),
        ("ARANGETRAM_S3_PUBLIC_URL", "cdn.example.com", "http:// or https://"),
        ("ARANGETRAM_S3_MAX_BYTES", "lots", "not a size"),
        ("ARANGETRAM_S3_MULTIPART_BYTES", "1MiB", "at least 5 MiB"),
    ],
)
def test_config_refuses_bad_values(tmp_path: Path, name, value, needle):
    with pytest.raises(Invalid) as e:
        S3Config.load({name: value}, cwd=tmp_path)
    assert needle in str(e.value) and name in str(e.value)


def test_no_bucket_names_the_variables():
    with pytest.raises(Invalid) as e:
        S3Config().require_bucket()
    msg = str(e.value)
    for name in ("ARANGETRAM_S3_BUCKET", "ARANGETRAM_S3_ENDPOINT_URL", "ARANGETRAM_S3_PUBLIC_URL"):
        assert name in msg


# ---- keys and URLs ------------------------------------------------------------------------------
class _Img:
    sha256 = SHA

    class kind:
        ext = "jpg"


def test_keys_are_per_vendor_and_content_addressed():
    cfg = S3Config(bucket="pics", prefix="p/")
    assert cfg.key_for(_Img, VID) == f"p/{VID}/{SHA}.jpg"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cfg", "region", "url"),
    [
        (
            S3Config(bucket="pics", public_url="https://cdn.example.com/m"),
            None,
            "https://cdn.example.com/m/k/x.jpg",
        ),
        (
            S3Config(bucket="pics", endpoint_url="http://127.0.0.1:9000"),
            "us-east-1",
            "http://127.0.0.1:9000/pics/k/x.jpg",
        ),
        (S3Config(bucket="pics"), "us-east-1", "https://pics.s3.amazonaws.com/k/x.jpg"),
        (S3Config(bucket="pics"), None, "https://pics.s3.amazonaws.com/k/x.jpg"),
        (S3Config(bucket="pics"), "eu-west-2", "https://pics.s3.eu-west-2.amazonaws.com/k/x.jpg"),
        (
            S3Config(bucket="pics.example.com"),
            "ap-south-1",
            "https://s3.ap-south-1.amazonaws.com/pics.example.com/k/x.jpg",
        ),
    ],
    ids=["public", "endpoint", "aws-us-east-1", "aws-no-region", "aws-regional", "dotted"],
)
def test_url_forms(cfg, region, url):
    assert cfg.url_for("k/x.jpg", region) == url


def test_url_quotes_odd_prefixes():
    cfg = S3Config(bucket="pics", public_url="https://cdn.example.com", prefix="my pics/")
    url = cfg.url_for(f"my pics/{VID}/{SHA}.png")
    assert url == f"https://cdn.example.com/my%20pics/{VID}/{SHA}.png"
    assert cfg.key_of(url, VID) == f"my pics/{VID}/{SHA}.png"


def test_key_of_only_claims_this_vendors_content_keys():
    cfg = S3Config(bucket="pics", endpoint_url="http://127.0.0.1:9000", prefix="p/")
    ours = f"http://127.0.0.1:9000/pics/p/{VID}/{SHA}.webp"
    assert cfg.key_of(ours, VID) == f"p/{VID}/{SHA}.webp"
    other_vendor = "1" * 8 + VID[8:]
    assert cfg.key_of(ours, other_vendor) is None
    assert cfg.key_of(f"http://127.0.0.1:9000/pics/p/{VID}/notes.txt", VID) is None
    assert cfg.key_of(f"http://127.0.0.1:9000/pics/{VID}/{SHA}.jpg", VID) is None  # no prefix
    assert cfg.key_of(f"http://127.0.0.1:9000/other/p/{VID}/{SHA}.jpg", VID) is None
    assert cfg.key_of("https://img.example.com/1.jpg", VID) is None
    assert S3Config().key_of(ours, VID) is None  # no bucket: nothing is ours


# ---- error mapping ------------------------------------------------------------------------------
def _client_error(code: str, status: int, message: str = "msg"):
    from botocore.exceptions import ClientError

    body = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(body, "PutObject")


@pytest.mark.parametrize(
    ("exc", "kind", "needle"),
    [
        (lambda: _client_error("AccessDenied", 403), Forbidden, "AccessDenied"),
        (lambda: _client_error("InvalidAccessKeyId", 403), Forbidden, "InvalidAccessKeyId"),
        (lambda: _client_error("403", 403, ""), Forbidden, "refused"),
        (lambda: _client_error("NoSuchBucket", 404), NotFound, "does not exist"),
        (lambda: _client_error("SlowDown", 503), Unavailable, "SlowDown"),
        (lambda: _client_error("InternalError", 500), Unavailable, "InternalError"),
        (lambda: _client_error("EntityTooLarge", 400), ArangetramError, "EntityTooLarge"),
    ],
)
def test_translate_client_errors(exc, kind, needle):
    got = translate(exc(), S3Config(bucket="pics"), "upload")
    assert type(got) is kind and needle in got.message and "\n" not in got.message


def test_translate_transport_errors():
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import (
        ConnectionClosedError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    cfg = S3Config(bucket="pics", endpoint_url="http://127.0.0.1:1")
    e = translate(EndpointConnectionError(endpoint_url="http://127.0.0.1:1/pics"), cfg, "upload")
    assert isinstance(e, Unavailable) and "cannot reach S3 at http://127.0.0.1:1" in e.message
    e = translate(ConnectionClosedError(endpoint_url="http://127.0.0.1:1/pics"), cfg, "upload")
    assert isinstance(e, Unavailable)
    e = translate(ReadTimeoutError(endpoint_url="http://127.0.0.1:1/pics"), cfg, "upload")
    assert isinstance(e, Unavailable)
    e = translate(NoCredentialsError(), cfg, "upload")
    assert isinstance(e, AuthRequired) and "AWS_ACCESS_KEY_ID" in (e.hint or "")
    # boto3's upload wrapper hides the ClientError in its cause
    try:
        try:
            raise _client_error("AccessDenied", 403)
        except Exception as inner:
            raise S3UploadFailedError("Failed to upload x: AccessDenied") from inner
    except S3UploadFailedError as outer:
        assert isinstance(translate(outer, cfg, "upload"), Forbidden)
    assert translate(ValueError("not ours"), cfg, "upload") is None
