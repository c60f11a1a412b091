"""Portfolio images through `arangetram serve` (additive, /api/v1): a client without S3
credentials asks the server to presign an upload, sends the bytes straight to the store, then
links the URL. The server uses ITS ARANGETRAM_S3_* settings and boto3's credential chain.

- POST /api/v1/vendors/{ref}/images/presign {sha256, size, content_type, ext} (owner only):
  a SigV4 presigned PUT for `{prefix}{vendor_id}/{sha256}.{ext}`, valid PRESIGN_SECONDS,
  signed with the Content-Type, Cache-Control, Content-Length (`size`) and
  x-amz-checksum-sha256 the client must send (`headers`; the length comes with the body),
  the object's final public URL, and `exists` when an object of that size is already there.
  503 when the server has no bucket configured.
- POST /api/v1/vendors/{ref}/images {urls} (owner only): link URLs (the portfolio's rules).
  A URL that points into the server's bucket or its public/endpoint base (in any spelling:
  query, fragment, scheme, host case, AWS regional or path-style hosts) must be exactly the
  canonical URL of one of this vendor's keys, or the request is refused (400). Such a URL is
  linked only when the object's bytes hash to the key's SHA-256, sniff as the key's image
  type and fit the size limit; otherwise the object is deleted and the request refused
  (400). URLs already in the portfolio are left alone (a re-link changes nothing); URLs on
  other hosts are linked as they are.
- DELETE /api/v1/vendors/{ref}/images?url=... (owner only): unlink, and delete the object
  when the URL is this vendor's own key in the server's bucket (`deleted_object`).
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from arangetram_cli.core.errors import ArangetramError, Invalid, Unavailable
from arangetram_cli.media.images import ALLOWED, human_size
from arangetram_cli.media.s3 import BotoUploader
from arangetram_cli.media.s3_config import S3Config
from arangetram_cli.server.deps import P
from arangetram_cli.store.base import Doc

log = logging.getLogger("arangetram.server")
PRESIGN_SECONDS = 300  # a presigned PUT can only ever write the signed bytes, but briefly
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PresignIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    sha256: str = Field(min_length=64, max_length=64)
    size: int = Field(gt=0)
    content_type: str = Field(max_length=100)
    ext: str = Field(max_length=10)


class UrlsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    urls: list[str] = Field(max_length=100)


router = APIRouter(prefix="/api/v1", tags=["v1 (additive)"])


def s3_config() -> Any:
    try:
        return S3Config.load()
    except Invalid as e:
        raise Unavailable(f"image uploads are misconfigured on this server: {e.message}") from None


@router.post("/vendors/{ref}/images/presign", summary="Presign an upload of one image")
def presign(ref: str, body: PresignIn, p: P) -> Doc:
    vendor = p.add_vendor_images(ref, [])  # the owner only (and the vendor must exist)
    kind = next((k for k in ALLOWED if k.content_type == body.content_type), None)
    if kind is None:
        allowed = ", ".join(k.content_type for k in ALLOWED)
        raise Invalid(f"content_type must be one of {allowed}, not '{body.content_type[:40]}'")
    if body.ext.lower().lstrip(".") != kind.ext:
        raise Invalid(f"ext must be '{kind.ext}' for {kind.content_type}")
    sha = body.sha256.lower()
    if not _SHA256.match(sha):
        raise Invalid("sha256 must be 64 hexadecimal digits")
    cfg = s3_config()
    if not cfg.bucket:
        raise Unavailable(
            "image uploads are not configured on this server (no ARANGETRAM_S3_BUCKET)",
            hint="the server's administrator must set ARANGETRAM_S3_BUCKET",
        )
    if body.size > cfg.max_bytes:
        raise Invalid(
            f"the image is {human_size(body.size)}, over this server's "
            f"{human_size(cfg.max_bytes)} limit"
        )
    return BotoUploader(cfg).presign_put(
        vendor["id"], sha, kind, body.size, expires=PRESIGN_SECONDS
    )


@router.post("/vendors/{ref}/images", summary="Add image URLs to a portfolio")
def add_images(ref: str, body: UrlsIn, p: P) -> Doc:
    vendor = p.add_vendor_images(ref, [])  # the owner only, before any object is read
    urls = list(dict.fromkeys(body.urls))  # each object is read once, however often it is sent
    cfg = s3_config()
    if cfg.bucket:
        linked = set(vendor.get("portfolio_images") or [])
        fresh = [u for u in urls if u not in linked]
        up = BotoUploader(cfg)
        keys = [_own_key(cfg, up.region, u, vendor["id"]) for u in fresh]  # refuse, then read
        for key in keys:  # our own keys came through a presigned PUT: check the bytes
            if key is not None:
                up.verify(key)
    return p.add_vendor_images(ref, urls)


def _own_key(cfg: Any, region: str | None, url: str, vendor_id: str) -> str | None:
    """The key to verify before linking url: None for a URL elsewhere (linked as today); a
    URL that points into this server's bucket or public/endpoint base in any spelling but
    the canonical one of this vendor's own keys is refused, so nothing reaches a portfolio
    without its bytes being checked."""
    key = cfg.key_of(url, vendor_id, region)
    if key is not None or not cfg.points_into(url, region):
        return key
    raise Invalid(
        f"{url[:200]} points into this server's image store but is not the exact URL of one "
        f"of this vendor's uploads; link the public_url that presign returned, of the form "
        f"{cfg.canonical_hint(vendor_id, region)} (no query, fragment or other spelling)",
        hint="upload with: arangetram vendors images add FILE",
    )


@router.delete("/vendors/{ref}/images", summary="Remove an image URL from a portfolio")
def remove_image(
    ref: str,
    p: P,
    url: Annotated[str, Query(min_length=1, max_length=2000)],
    keep_object: bool = False,
) -> Doc:
    updated = p.remove_vendor_image(ref, url)
    out: Doc = {**updated, "deleted_object": None}
    if keep_object:
        return out
    cfg = s3_config()
    if not cfg.bucket:
        return out
    try:
        up = BotoUploader(cfg)
        key = up.delete_url(url, vendor_id=updated["id"])
    except ArangetramError as e:
        log.warning("could not delete the object behind %s: %s", url, e.message)
        out["delete_error"] = e.message
        return out
    if key is not None:
        out["deleted_object"] = f"s3://{cfg.bucket}/{key}"
    return out
