"""Portfolio uploads to S3 or any S3-compatible store (MinIO, Cloudflare R2, Backblaze B2,
Wasabi, Ceph...). boto3 is imported only here, and only when an uploader is made.

Settings (environment, then a trusted ./.env): ARANGETRAM_S3_BUCKET (required for uploads),
ARANGETRAM_S3_PREFIX, ARANGETRAM_S3_ENDPOINT_URL (a non-AWS store), ARANGETRAM_S3_PUBLIC_URL
(the base of the URLs stored in portfolios, e.g. a CDN), ARANGETRAM_S3_MAX_BYTES,
ARANGETRAM_S3_MULTIPART_BYTES. Credentials and region come from boto3's own chain
(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws, SSO, instance roles...).

Keys are content-addressed: `{prefix}{vendor_id}/{sha256}.{ext}`. The same bytes give the
same key, so a re-run finds the object (HEAD, same size) and sends nothing again. Keys are
per vendor (a deliberate choice over one global `{prefix}{sha256}.{ext}` namespace): two
vendors who upload the same picture get two objects, so one of them removing it from their
portfolio can delete the object without breaking the other's, and a server handing out
presigned uploads can confine each vendor to their own folder.

Rollback rule: when adding the URL to the portfolio fails after an upload, the object is
deleted only if this run created it (HEAD said 404 just before the PUT). An object that was
there already, or whose existence HEAD could not tell (403 without s3:ListBucket), is
kept: it may back a URL stored by an earlier run. The one gap: two runs uploading the same
new file for the same vendor at the same moment, one of which then fails to add its URL,
may delete the object the other one just linked; a re-run of the survivor puts it back.

The seam for remote mode: commands talk to an `Uploader`. `BotoUploader` signs requests
with local credentials. `PresignedUploader` sends the bytes to URLs a server presigned
(PUT, or POST with form fields), so a client without S3 credentials can upload; the server
decides the key and the final URL, and removes objects itself.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from arangetram_cli.config import env_with_dotenv
from arangetram_cli.core.errors import (
    ArangetramError,
    AuthRequired,
    Forbidden,
    Invalid,
    NotFound,
    Unavailable,
)
from arangetram_cli.core.urls import allow_store_origins
from arangetram_cli.media.images import (
    DEFAULT_MAX_BYTES,
    SNIFF_BYTES,
    BadImage,
    LocalImage,
    human_size,
    parse_size,
    sniff,
)

MIN_PART_BYTES = 5 * 1024 * 1024  # S3: every part but the last is at least 5 MiB
DEFAULT_MULTIPART_BYTES = 8 * 1024 * 1024  # boto3's default threshold and part size
CACHE_CONTROL = "public, max-age=31536000, immutable"  # content-addressed: never changes

ENV_BUCKET = "ARANGETRAM_S3_BUCKET"
ENV_PREFIX = "ARANGETRAM_S3_PREFIX"
ENV_ENDPOINT = "ARANGETRAM_S3_ENDPOINT_URL"
ENV_PUBLIC = "ARANGETRAM_S3_PUBLIC_URL"
ENV_MAX = "ARANGETRAM_S3_MAX_BYTES"
ENV_MULTIPART = "ARANGETRAM_S3_MULTIPART_BYTES"
ENV_VARS = (ENV_BUCKET, ENV_PREFIX, ENV_ENDPOINT, ENV_PUBLIC, ENV_MAX, ENV_MULTIPART)

Progress = Callable[[int], None]  # called with each chunk's byte count (negative on a retry)

# S3 error codes that mean "these credentials may not do this".
_ACCESS_CODES = {
    "AccessDenied",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "TokenRefreshRequired",
    "AccountProblem",
    "403",
}
_BUSY_CODES = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "503", "500"}


# ---- settings -------------------------------------------------------------------------------
@dataclass(frozen=True)
class S3Config:
    bucket: str | None = None
    prefix: str = ""
    endpoint_url: str | None = None
    public_url: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    multipart_bytes: int = DEFAULT_MULTIPART_BYTES

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> S3Config:
        """From the environment, then ./.env if the user trusted it (config.py, the
        precedence of every other setting)."""

        values = env_with_dotenv(ENV_VARS, environ=environ, cwd=cwd)

        def pick(name: str) -> str | None:
            value = (values.get(name) or "").strip()
            return value or None

        endpoint = pick(ENV_ENDPOINT)
        if endpoint and not endpoint.startswith(("http://", "https://")):
            raise Invalid(f"{ENV_ENDPOINT} must be an http:// or https:// URL, not '{endpoint}'")
        public = pick(ENV_PUBLIC)
        if public and not public.startswith(("http://", "https://")):
            raise Invalid(f"{ENV_PUBLIC} must be an http:// or https:// URL, not '{public}'")
        allow_store_origins(endpoint, public)  # image URLs on this store may be http://
        prefix = (pick(ENV_PREFIX) or "").lstrip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        multipart = _size(pick(ENV_MULTIPART), ENV_MULTIPART, DEFAULT_MULTIPART_BYTES)
        if multipart < MIN_PART_BYTES:
            raise Invalid(f"{ENV_MULTIPART} must be at least 5 MiB (S3's smallest part)")
        return cls(
            bucket=pick(ENV_BUCKET),
            prefix=prefix,
            endpoint_url=endpoint.rstrip("/") if endpoint else None,
            public_url=public.rstrip("/") if public else None,
            max_bytes=_size(pick(ENV_MAX), ENV_MAX, DEFAULT_MAX_BYTES),
            multipart_bytes=multipart,
        )

    def require_bucket(self) -> str:
        if not self.bucket:
            raise Invalid(
                f"no S3 bucket configured: set {ENV_BUCKET} (and, for MinIO, R2 and other "
                f"S3-compatible stores, {ENV_ENDPOINT} and {ENV_PUBLIC})",
                hint="credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE",
            )
        return self.bucket

    @property
    def where(self) -> str:
        return self.endpoint_url or "AWS S3"

    def key_for(self, image: LocalImage, vendor_id: str) -> str:
        return f"{self.prefix}{vendor_id}/{image.sha256}.{image.kind.ext}"

    def url_for(self, key: str, region: str | None = None) -> str:
        """The URL stored in the portfolio: ARANGETRAM_S3_PUBLIC_URL/key, else the
        path-style URL of a custom endpoint, else AWS's virtual-hosted URL."""
        qkey = quote(key, safe="/-_.~")
        if self.public_url:
            return f"{self.public_url}/{qkey}"
        bucket = self.require_bucket()
        if self.endpoint_url:
            return f"{self.endpoint_url}/{bucket}/{qkey}"
        regional = region and region not in ("us-east-1", "aws-global")
        host = f"s3.{region}.amazonaws.com" if regional else "s3.amazonaws.com"
        if "." in bucket:  # a dotted name breaks the TLS wildcard of virtual hosts
            return f"https://{host}/{bucket}/{qkey}"
        return f"https://{bucket}.{host}/{qkey}"

    def key_of(self, url: str, vendor_id: str, region: str | None = None) -> str | None:
        """The object key behind url when url is exactly the canonical URL (`url_for`) of one
        of this vendor's content keys in the configured bucket, else None. Any other spelling
        of the same object (a query, a fragment, another scheme or host case, an AWS regional
        or path-style host) is not recognised here: `points_into` says such a URL is ours."""
        if not self.bucket:
            return None
        base = self.url_for("", region)
        if not url.startswith(base):
            return None
        key = unquote(url[len(base) :])
        shape = rf"{re.escape(self.prefix)}{re.escape(vendor_id)}/[0-9a-f]{{64}}\.(jpg|png|webp)"
        if not re.fullmatch(shape, key) or self.url_for(key, region) != url:
            return None
        return key

    def canonical_hint(self, vendor_id: str, region: str | None = None) -> str:
        """The shape of this vendor's canonical URLs, for messages."""
        return self.url_for(f"{self.prefix}{vendor_id}/", region) + "<sha256>.<jpg|png|webp>"

    def points_into(self, url: str, region: str | None = None) -> bool:
        """Whether url addresses the configured bucket or the public/endpoint base, however
        it is spelled: the scheme and any query, fragment, user info or default port are
        ignored, the host is compared case-insensitively and the path after decoding and
        resolving dot segments. On *.amazonaws.com (AWS, or an AWS endpoint) any
        `{bucket}.` host and any `/{bucket}/` path on an `s3...` host count too. A URL for
        which this is true may only be linked in its canonical form (`key_of`)."""
        if not self.bucket:
            return False
        target = _loc(url)
        if target is None:
            return True  # unparseable but aimed at... something: refuse rather than guess
        host, port, path = target
        bases = [self.public_url, self.endpoint_url, self.url_for("", region)]
        for base in bases:
            loc = _loc(base) if base else None
            if loc is None:
                continue
            bhost, bport, bpath = loc
            bpath = bpath.rstrip("/")
            if (host, port) == (bhost, bport) and (path == bpath or path.startswith(bpath + "/")):
                return True
        endpoint = _loc(self.endpoint_url) if self.endpoint_url else None
        on_aws = endpoint is None or endpoint[0].endswith(".amazonaws.com")
        if on_aws and host.endswith(".amazonaws.com"):
            bucket = self.bucket.lower()
            if host.startswith(bucket + "."):
                return True
            first = host.split(".", 1)[0]
            path_style = first == "s3" or first.startswith("s3-")
            lpath = path.lower()
            if path_style and (lpath == f"/{bucket}" or lpath.startswith(f"/{bucket}/")):
                return True
        return False


def _loc(url: str) -> tuple[str, int | None, str] | None:
    """(host lower-cased, port or None for a default one, decoded and normalised path) of an
    absolute URL, whatever its scheme; None when it cannot be read."""

    text = url.strip().replace("\\", "/")  # browsers read a backslash as a slash
    if "://" not in text:
        return None
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".").lower()
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    if port in (80, 443):
        port = None
    path = unquote(parts.path or "/")
    path = posixpath.normpath(path) if path else "/"
    if path.startswith("//"):  # normpath keeps a leading double slash
        path = "/" + path.lstrip("/")
    return host, port, path


def checksum_sha256(sha256_hex: str) -> str:
    """S3's ChecksumSHA256 form of a hex digest: base64 of the 32 raw bytes."""

    return base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii")


def _size(text: str | None, name: str, default: int) -> int:
    if not text:
        return default
    try:
        return parse_size(text)
    except ValueError as e:
        raise Invalid(f"{name}: {e}") from None


# ---- the port -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Upload:
    key: str
    url: str  # what the portfolio stores
    created: bool  # this run wrote a new object (the only case a rollback deletes)
    sent: bool  # bytes went over the wire (False: the object was there already)


class Uploader(Protocol):
    """Puts images where portfolios can link to them."""

    def url_for(self, image: LocalImage, vendor_id: str) -> str:
        """The URL the image will have (known before any byte is sent)."""

    def upload(
        self, image: LocalImage, *, vendor_id: str, progress: Progress | None = None
    ) -> Upload:
        """Send the image unless an identical object exists. Raises BadImage when the file
        changed since it was checked, or an ArangetramError (Unavailable, Forbidden,
        NotFound, AuthRequired) with one line for a person."""

    def discard(self, upload: Upload) -> None:
        """Roll back: delete the object if this run created it; best effort, never raises
        for a missing object."""

    def delete_url(self, url: str, *, vendor_id: str) -> str | None:
        """Delete the object behind a portfolio URL if it is this vendor's object in the
        configured bucket; its key, or None when the URL is not one of ours."""


# ---- errors ---------------------------------------------------------------------------------
def _one_line(text: str, limit: int = 240) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def translate(e: BaseException, cfg: S3Config, doing: str) -> ArangetramError | None:
    """One clear line for a boto3/botocore failure; None when e is not one."""
    from boto3.exceptions import S3UploadFailedError
    from botocore import exceptions as bx

    seen = 0
    while isinstance(e, S3UploadFailedError) and seen < 5:  # it wraps the ClientError
        inner = e.__cause__ or e.__context__
        if inner is None:
            break
        e, seen = inner, seen + 1
    bucket = cfg.bucket or "?"
    if isinstance(e, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return AuthRequired(
            "no S3 credentials found",
            hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
        )
    if isinstance(e, bx.ClientError):
        err = e.response.get("Error", {})
        code = str(err.get("Code") or "")
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        detail = _one_line(f"{code}: {err.get('Message')}" if err.get("Message") else code)
        if code in _ACCESS_CODES or status == 403:
            return Forbidden(
                f"S3 refused to {doing} in bucket '{bucket}' at {cfg.where}: {detail}",
                hint="check the S3 credentials and the bucket's policy",
            )
        if code == "NoSuchBucket":
            return NotFound(
                f"S3 bucket '{bucket}' does not exist at {cfg.where}",
                hint=f"create it, or fix {ENV_BUCKET} / {ENV_ENDPOINT}",
            )
        if code in _BUSY_CODES or status >= 500:
            return Unavailable(f"S3 at {cfg.where} could not {doing}: {detail}")
        return ArangetramError(f"S3 refused to {doing}: {detail}")
    if isinstance(e, bx.HTTPClientError | bx.EndpointConnectionError):
        return Unavailable(
            f"cannot reach S3 at {cfg.where}: {_one_line(str(e))}",
            hint=f"check the network and {ENV_ENDPOINT}",
        )
    if isinstance(e, bx.BotoCoreError | S3UploadFailedError):
        return Unavailable(f"S3 at {cfg.where} could not {doing}: {_one_line(str(e))}")
    return None


# ---- boto3 ----------------------------------------------------------------------------------
MISSING, PRESENT, UNKNOWN = "missing", "present", "unknown"


class BotoUploader:
    """Uploads with boto3 and the local credential chain (multipart above
    ARANGETRAM_S3_MULTIPART_BYTES, retries, progress callbacks)."""

    def __init__(self, cfg: S3Config, *, client: Any = None) -> None:
        cfg.require_bucket()
        self.cfg = cfg
        self._client = client if client is not None else self._make_client(cfg)

    @staticmethod
    def _make_client(cfg: S3Config) -> Any:
        import boto3
        from botocore.config import Config

        options: dict[str, Any] = {
            "connect_timeout": 10,
            "read_timeout": 60,
            "user_agent_extra": "arangetram-cli",
            # SigV4 everywhere, presigned URLs included: botocore would otherwise presign
            # with SigV2 in us-east-1, which signs neither Content-Length nor the body's
            # checksum (a presigned PUT must pin both; see server/images.py).
            "signature_version": "s3v4",
        }
        if not (os.environ.get("AWS_MAX_ATTEMPTS") or os.environ.get("AWS_RETRY_MODE")):
            # boto3's own variables win when set; else a few quick retries, not legacy's 5
            options["retries"] = {"max_attempts": 3, "mode": "standard"}
        if cfg.endpoint_url:
            # Path-style URLs work on every S3-compatible store (MinIO needs them by
            # default), and checksums only where required: several of those stores reject
            # the CRC32 trailers newer boto3 sends by default.
            options["s3"] = {"addressing_style": "path"}
            options["request_checksum_calculation"] = "when_required"
            options["response_checksum_validation"] = "when_required"
        try:
            return boto3.session.Session().client(
                "s3", endpoint_url=cfg.endpoint_url, config=Config(**options)
            )
        except Exception as e:
            mapped = translate(e, cfg, "connect")
            if mapped is None:
                raise
            raise mapped from None

    @property
    def region(self) -> str | None:
        return getattr(self._client.meta, "region_name", None)

    def _fail(self, e: BaseException, doing: str) -> BaseException:
        return translate(e, self.cfg, doing) or e

    def url_for(self, image: LocalImage, vendor_id: str) -> str:
        return self.cfg.url_for(self.cfg.key_for(image, vendor_id), self.region)

    def _state(self, key: str, size: int) -> str:
        from botocore.exceptions import ClientError

        try:
            head = self._client.head_object(Bucket=self.cfg.bucket, Key=key)
        except ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = str(e.response.get("Error", {}).get("Code") or "")
            if status == 404 or code in ("404", "NoSuchKey", "NotFound"):
                return MISSING  # (a missing bucket also answers 404 here; the PUT will say)
            if status == 403 or code == "403":
                return UNKNOWN  # no s3:ListBucket: a missing key looks forbidden
            raise self._fail(e, "check the object") from None
        except Exception as e:
            raise self._fail(e, "check the object") from None
        return PRESENT if head.get("ContentLength") == size else MISSING

    def upload(
        self, image: LocalImage, *, vendor_id: str, progress: Progress | None = None
    ) -> Upload:
        from boto3.s3.transfer import TransferConfig

        key = self.cfg.key_for(image, vendor_id)
        url = self.cfg.url_for(key, self.region)
        before = self._state(key, image.size)
        if before == PRESENT:
            return Upload(key, url, created=False, sent=False)
        config = TransferConfig(
            multipart_threshold=self.cfg.multipart_bytes,
            multipart_chunksize=self.cfg.multipart_bytes,
            max_concurrency=4,
        )
        extra = {
            "ContentType": image.content_type,
            "CacheControl": CACHE_CONTROL,
            "Metadata": {"sha256": image.sha256},
        }
        try:
            f = image.path.open("rb")
        except OSError as e:
            raise BadImage(e.strerror or str(e)) from None
        with f:
            try:
                self._client.upload_fileobj(
                    f, self.cfg.bucket, key, ExtraArgs=extra, Callback=progress, Config=config
                )
            except Exception as e:
                raise self._fail(e, "upload") from None
        done = Upload(key, url, created=before == MISSING, sent=True)
        if image.changed():  # the bytes sent may not be the ones the key was made from
            self.discard(done)
            raise BadImage("changed while it was being uploaded; run again")
        return done

    def discard(self, upload: Upload) -> None:
        if not upload.created:
            return
        try:
            self._client.delete_object(Bucket=self.cfg.bucket, Key=upload.key)
        except Exception as e:
            raise self._fail(e, "delete the object") from None

    def delete_url(self, url: str, *, vendor_id: str) -> str | None:
        key = self.cfg.key_of(url, vendor_id, self.region)
        if key is None:
            return None
        try:
            self._client.delete_object(Bucket=self.cfg.bucket, Key=key)
        except Exception as e:
            raise self._fail(e, "delete the object") from None
        return key

    def _check_body(self, body: Any, want_sha: str, ext: str) -> str | None:
        digest, head, seen = hashlib.sha256(), b"", 0
        try:
            for chunk in body.iter_chunks(1 << 20):
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                seen += len(chunk)
                if seen > self.cfg.max_bytes:
                    return f"it is over the {human_size(self.cfg.max_bytes)} limit"
        except Exception as e:
            raise self._fail(e, "read the uploaded image") from None
        kind = sniff(head)
        if kind is None or kind.ext != ext:
            return f"its bytes are not a {ext.upper()} image"
        if digest.hexdigest() != want_sha:
            return "its bytes do not match the SHA-256 its name was presigned for"
        return None

    def verify(self, key: str) -> None:
        """Check an object a client sent through a presigned PUT before it is linked.

        The key names its content (`.../{sha256}.{ext}`), so the object must hash to it,
        start as an image of that type and stay within the size limit; one that does not is
        deleted. The presigned PUT signs the SHA-256 checksum and the length, so AWS S3
        refuses other bytes itself; this check also covers stores that do not verify
        checksums or signatures, and objects written by other means."""

        name = key.rsplit("/", 1)[-1]
        want_sha, _, ext = name.partition(".")
        try:
            obj = self._client.get_object(Bucket=self.cfg.bucket, Key=key)
        except Exception as e:
            from botocore.exceptions import ClientError

            code = e.response.get("Error", {}).get("Code") if isinstance(e, ClientError) else ""
            if code in ("NoSuchKey", "404", "NotFound"):
                raise Invalid(
                    f"{name} was not uploaded: presign, PUT the bytes, then link"
                ) from None
            raise self._fail(e, "read the uploaded image") from None
        with contextlib.closing(obj["Body"]):  # back to the pool (or dropped) on every path
            if obj.get("ContentLength", 0) > self.cfg.max_bytes:
                problem = f"it is over the {human_size(self.cfg.max_bytes)} limit"
            else:
                problem = self._check_body(obj["Body"], want_sha, ext)
        if problem is not None:
            self.discard(Upload(key, "", created=True, sent=True))
            raise Invalid(f"the uploaded object {name} was refused and deleted: {problem}")


# ---- presigned (remote mode) ------------------------------------------------------------------
@dataclass(frozen=True)
class PresignedTarget:
    """Where a server says to send one image. method "PUT": the bytes are the body, with
    `headers` (at least the Content-Type that was signed). method "POST": a multipart form
    of `fields` then the file (S3's browser-upload form). `exists`: the server found the
    object already (nothing is sent)."""

    method: str
    url: str
    key: str
    public_url: str
    fields: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    exists: bool = False


Presign = Callable[[LocalImage, str], PresignedTarget]


class PresignedUploader:
    """Uploads through URLs presigned by a server (remote mode: no S3 credentials here).
    `presign(image, vendor_id)` asks the server; the server names the key and the final URL,
    and deletes objects itself (discard and delete_url do nothing here)."""

    def __init__(self, presign: Presign, *, timeout: float = 60.0, transport: Any = None) -> None:
        self._presign = presign
        self._timeout = timeout
        self._transport = transport
        self._targets: dict[tuple[str, str], PresignedTarget] = {}

    def _target(self, image: LocalImage, vendor_id: str) -> PresignedTarget:
        key = (image.sha256, vendor_id)
        if key not in self._targets:
            self._targets[key] = self._presign(image, vendor_id)
        return self._targets[key]

    def url_for(self, image: LocalImage, vendor_id: str) -> str:
        return self._target(image, vendor_id).public_url

    def upload(
        self, image: LocalImage, *, vendor_id: str, progress: Progress | None = None
    ) -> Upload:
        import httpx

        t = self._target(image, vendor_id)
        if t.exists:
            return Upload(t.key, t.public_url, created=False, sent=False)

        def body() -> Any:
            with image.path.open("rb") as f:
                while chunk := f.read(256 * 1024):
                    if progress:
                        progress(len(chunk))
                    yield chunk

        where = t.url.split("?", 1)[0]
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as http:
                if t.method.upper() == "PUT":
                    # every header the server signed (Content-Type, Cache-Control, the
                    # x-amz-checksum-sha256 of the bytes...) must be sent as given; the
                    # length is signed too, so the body is sent with an exact Content-Length
                    headers = httpx.Headers(
                        {"Content-Type": image.content_type, "Content-Length": str(image.size)}
                    )
                    for name, value in (t.headers or {}).items():
                        headers[name] = str(value)  # case-insensitive: replaces, not adds
                    r = http.put(t.url, content=body(), headers=headers)
                else:  # the form is built in memory: presigned POST is for small files
                    data = image.path.read_bytes()
                    if progress:
                        progress(len(data))
                    files = {"file": (image.path.name, data, image.content_type)}
                    r = http.post(t.url, data=dict(t.fields or {}), files=files)
        except httpx.HTTPError as e:
            raise Unavailable(f"cannot upload to {where}: {_one_line(str(e))}") from None
        except OSError as e:
            raise BadImage(e.strerror or str(e)) from None
        if r.status_code == 403:
            raise Forbidden(f"the upload URL was refused (HTTP 403): {_s3_code(r.text)}")
        if r.status_code >= 500:
            raise Unavailable(f"upload to {where} failed: HTTP {r.status_code}")
        if r.status_code >= 300:
            raise ArangetramError(f"upload refused: HTTP {r.status_code} {_s3_code(r.text)}")
        if image.changed():
            raise BadImage("changed while it was being uploaded; run again")
        return Upload(t.key, t.public_url, created=True, sent=True)

    def discard(self, upload: Upload) -> None:
        return None

    def delete_url(self, url: str, *, vendor_id: str) -> str | None:
        return None


def _s3_code(xml: str) -> str:
    m = re.search(r"<Code>([^<]+)</Code>", xml or "")
    return m.group(1) if m else ""
