"""Uploads through URLs a server presigned (remote mode: no S3 credentials on this side).
httpx is imported only when an upload runs. The server decides the key and the final URL,
and removes objects itself (media/s3.py's rollback rule runs there)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from arangetram_cli.core.errors import ArangetramError, Forbidden, Unavailable
from arangetram_cli.media.images import BadImage, LocalImage
from arangetram_cli.media.s3 import Progress, Upload, one_line


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
        import httpx  # noqa: PLC0415 (httpx only when an upload runs)

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
            raise Unavailable(f"cannot upload to {where}: {one_line(str(e))}") from None
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
