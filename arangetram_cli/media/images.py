"""Checks on a local image before any byte of it is sent: it exists, it is a regular file,
it is not empty, it is under the size limit, and its content (magic bytes, never its name)
is a JPEG, PNG or WebP image. Good files come back with their SHA-256, the basis of their
content-addressed key."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # 10 MiB
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ImageType:
    name: str  # for messages
    ext: str  # of the object key
    content_type: str


JPEG = ImageType("JPEG", "jpg", "image/jpeg")
PNG = ImageType("PNG", "png", "image/png")
WEBP = ImageType("WebP", "webp", "image/webp")
ALLOWED = (JPEG, PNG, WEBP)
SNIFF_BYTES = 12  # enough for every signature below


def sniff(head: bytes) -> ImageType | None:
    """The image type by its leading bytes (JPEG FF D8 FF, PNG 89 'PNG' 0D 0A 1A 0A, WebP
    'RIFF' <size> 'WEBP'), or None."""
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


class BadImage(Exception):
    """A file that will not be uploaded; the message says why (one line)."""


@dataclass(frozen=True)
class LocalImage:
    path: Path
    size: int
    kind: ImageType
    sha256: str
    mtime_ns: int

    @property
    def content_type(self) -> str:
        return self.kind.content_type

    def changed(self) -> bool:
        """True when the file is no longer what was checked (size or mtime moved)."""
        try:
            st = self.path.stat()
        except OSError:
            return True
        return st.st_size != self.size or st.st_mtime_ns != self.mtime_ns


def human_size(n: int) -> str:
    """1536 -> '1.5 KiB'; 10485760 -> '10 MiB'."""
    if n < 1024:
        return f"{n} bytes"
    value = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            break
    return f"{value:.1f}".rstrip("0").rstrip(".") + f" {unit}"


_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1000,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1000**3,
    "gib": 1024**3,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """'10485760', '10MiB', '10M' (binary), '10MB' (decimal), '500k'... -> bytes.
    Raises ValueError with a readable message."""
    m = _SIZE.match(text or "")
    unit = m.group(2).lower() if m else ""
    if not m or unit not in _UNITS:
        raise ValueError(f"'{text}' is not a size (such as 10MiB, 500k or 2000000)")
    value = int(float(m.group(1)) * _UNITS[unit])
    if value <= 0:
        raise ValueError(f"'{text}' is not a positive size")
    return value


def check_image(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> LocalImage:
    """The checked image, or BadImage saying why it cannot go."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise BadImage("no such file") from None
    except PermissionError:
        raise BadImage("permission denied") from None
    except OSError as e:
        raise BadImage(e.strerror or str(e)) from None
    if stat.S_ISDIR(st.st_mode):
        raise BadImage("is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise BadImage("is not a regular file")
    if st.st_size == 0:
        raise BadImage("is empty")
    if st.st_size > max_bytes:
        raise BadImage(
            f"is {human_size(st.st_size)}, over the {human_size(max_bytes)} limit "
            "(--max-size or ARANGETRAM_S3_MAX_BYTES)"
        )
    digest = hashlib.sha256()
    try:
        with p.open("rb") as f:
            head = f.read(SNIFF_BYTES)
            kind = sniff(head)
            if kind is None:
                raise BadImage("is not a JPEG, PNG or WebP image (judged by its content)")
            digest.update(head)
            size = len(head)
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if size > max_bytes:  # grew after the stat
                    raise BadImage(f"is over the {human_size(max_bytes)} limit")
    except PermissionError:
        raise BadImage("permission denied") from None
    except OSError as e:
        raise BadImage(e.strerror or str(e)) from None
    return LocalImage(p, size, kind, digest.hexdigest(), st.st_mtime_ns)
