"""Portfolio uploads to S3 or any S3-compatible store (MinIO, Cloudflare R2, Backblaze B2,
Wasabi, Ceph...) with boto3 and local credentials. boto3 is imported only here, and only when
an uploader is made. The settings, the key scheme and the URLs of objects are in
media/s3_config.py; uploads through URLs a server presigned are in media/presigned.py.

Rollback rule: when adding the URL to the portfolio fails after an upload, the object is
deleted only if this run created it (HEAD said 404 just before the PUT). An object that was
there already, or whose existence HEAD could not tell (403 without s3:ListBucket), is
kept: it may back a URL stored by an earlier run. The one gap: two runs uploading the same
new file for the same vendor at the same moment, one of which then fails to add its URL,
may delete the object the other one just linked; a re-run of the survivor puts it back.

The seam for remote mode: commands talk to an `Uploader`. `BotoUploader` signs requests
with local credentials. `PresignedUploader` (media/presigned.py) sends the bytes to URLs a
server presigned (PUT, or POST with form fields), so a client without S3 credentials can
upload; the server decides the key and the final URL, and removes objects itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from arangetram_cli.core.errors import (
    ArangetramError,
    AuthRequired,
    Forbidden,
    Invalid,
    NotFound,
    Unavailable,
)
from arangetram_cli.media.images import (
    SNIFF_BYTES,
    BadImage,
    ImageType,
    LocalImage,
    human_size,
    sniff,
)
from arangetram_cli.media.s3_config import (
    CACHE_CONTROL,
    ENV_BUCKET,
    ENV_ENDPOINT,
    S3Config,
    checksum_sha256,
)

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
def one_line(text: str, limit: int = 240) -> str:
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
        detail = one_line(f"{code}: {err.get('Message')}" if err.get("Message") else code)
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
            f"cannot reach S3 at {cfg.where}: {one_line(str(e))}",
            hint=f"check the network and {ENV_ENDPOINT}",
        )
    if isinstance(e, bx.BotoCoreError | S3UploadFailedError):
        return Unavailable(f"S3 at {cfg.where} could not {doing}: {one_line(str(e))}")
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

    def presign_put(
        self, vendor_id: str, sha256: str, kind: ImageType, size: int, *, expires: int
    ) -> dict[str, Any]:
        """A presigned PUT of exactly these bytes to the vendor's content-addressed key:
        {method, url, key, public_url, headers, exists, expires_in, created}, or with
        exists=True and no url when an object of this size is already there.

        Signed (SigV4 X-Amz-SignedHeaders): content-type, cache-control, content-length and
        x-amz-checksum-sha256. S3 refuses a body of another length or digest, so the URL can
        only ever write these exact bytes, even when replayed after the link."""
        key = self.cfg.object_key(vendor_id, sha256, kind.ext)
        public = self.cfg.url_for(key, self.region)
        state = self._state(key, size)
        if state == PRESENT:
            return {"method": "PUT", "url": "", "key": key, "public_url": public, "exists": True}
        checksum = checksum_sha256(sha256)
        headers = {
            "Content-Type": kind.content_type,
            "Cache-Control": CACHE_CONTROL,
            "x-amz-checksum-sha256": checksum,
        }
        try:
            url = self._client.generate_presigned_url(
                "put_object",
                Params={
                    "Bucket": self.cfg.bucket,
                    "Key": key,
                    "ContentType": kind.content_type,
                    "CacheControl": CACHE_CONTROL,
                    "ChecksumSHA256": checksum,
                    "ContentLength": size,
                },
                ExpiresIn=expires,
            )
        except Exception as e:
            raise self._fail(e, "presign an upload") from None
        return {
            "method": "PUT",
            "url": url,
            "key": key,
            "public_url": public,
            "headers": headers,  # send all of them, and exactly `size` bytes
            "exists": False,
            "expires_in": expires,
            "created": state == MISSING,
        }

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
