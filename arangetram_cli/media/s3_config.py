"""S3 settings and the URLs of stored objects (`S3Config`), shared by the boto3 uploader
(media/s3.py), the server that presigns uploads (server/images.py) and the CLI. Standard
library only: boto3 is imported by media/s3.py, and only when an uploader is made.

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
"""

from __future__ import annotations

import base64
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from arangetram_cli.config import env_with_dotenv
from arangetram_cli.core.errors import Invalid
from arangetram_cli.core.urls import allow_store_origins
from arangetram_cli.media.images import DEFAULT_MAX_BYTES, LocalImage, parse_size

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
        return self.object_key(vendor_id, image.sha256, image.kind.ext)

    def object_key(self, vendor_id: str, sha256: str, ext: str) -> str:
        """The one key shape: `{prefix}{vendor_id}/{sha256}.{ext}` (content-addressed)."""
        return f"{self.prefix}{vendor_id}/{sha256}.{ext}"

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
