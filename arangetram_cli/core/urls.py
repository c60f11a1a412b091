"""Image URLs: the one check for every path that stores one in a portfolio (`vendors create
/ update --image`, POST/PUT /api/vendors, the v1 images route, `seed --file` rows).

The web front end puts these URLs into pages, so only plain web addresses pass: `https://`
with a host, no user name or password, no control, space, invisible or bidi characters, no
characters a URL cannot hold unencoded (quotes, angle brackets, backslash...), at most
2000 characters. `http://` passes only for the configured S3-compatible store (its endpoint
or public base, such as a MinIO on a LAN), which `allow_store_origins` registers when the
settings are read. Everything else (`javascript:`, `data:`, `file:`, `//host`...) is
refused.

Stdlib only and cheap: the seed importer runs it on every row.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000
# Not allowed unencoded in a URL (RFC 3986), and what breaks out of HTML attributes.
_BAD_CHARS = frozenset('"<>\\^`{|}')
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Printable ASCII but space and _BAD_CHARS (0x21-0x7e without " < > \ ^ ` { | }).
_URL_CHARS = r"[!#-;=?-\[\]_a-z~]"
# https://host[/?#...] with a plain host and no port or user info: a URL `_problem` accepts.
_plain_https = re.compile(rf"https://[A-Za-z0-9.-]+(?:[/?#]{_URL_CHARS}*)?").fullmatch
# (scheme, host, port) of the configured S3 store's endpoint and public base.
_store_origins: frozenset[tuple[str, str, int]] = frozenset()


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").rstrip(".")
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host or port is None:
        return None
    return scheme, host, port


def allow_store_origins(*urls: str | None) -> None:
    """Accept image URLs on these origins too (http:// ones included): the S3-compatible
    store's endpoint and public base. Replaces what an earlier call allowed."""
    global _store_origins
    _store_origins = frozenset(o for u in urls if u and (o := _origin(u)) is not None)


def store_origins() -> frozenset[tuple[str, str, int]]:
    return _store_origins


def image_url_problem(url: object) -> str | None:
    """None for a URL a portfolio may hold, else what is wrong with it (one phrase)."""
    if not isinstance(url, str):
        return "an image URL must be text"
    if not url:
        return "an image URL is empty"
    if len(url) > MAX_URL_LENGTH:
        return f"an image URL has more than {MAX_URL_LENGTH} characters"
    if _plain_https(url):
        return None  # the usual case, in a fraction of the time (what _problem would say)
    return _problem(url)


def _problem(url: str) -> str | None:
    if url.isascii():
        if not url.isprintable() or " " in url:
            return "an image URL has a control character or a space"
    elif any(unicodedata.category(c)[0] in "CZ" for c in url):
        return "an image URL has a control, space or invisible character"
    if not _BAD_CHARS.isdisjoint(url):
        return 'an image URL cannot hold " < > \\ ^ ` { | } (percent-encode them)'
    scheme, sep, _ = url.partition("://")
    scheme = scheme.lower()
    if not sep or not scheme.isascii() or not scheme.isalpha():
        head = url.split(":", 1)[0][:20] if ":" in url else ""
        plain = head.replace("+", "").replace("-", "").replace(".", "")
        if plain.isalnum() and head.lower() not in _DEFAULT_PORTS:
            return f"image URLs must be https://, not {head.lower()}:"
        return "an image URL must start with https://"
    if scheme not in _DEFAULT_PORTS:
        return f"image URLs must be https://, not {scheme[:20]}:"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return "an image URL has a bad host or port"
    if "@" in parts.netloc:
        return "an image URL must not carry a user name or password"
    if not host:
        return "an image URL has no host"
    if scheme == "http" and (scheme, host.rstrip("."), port) not in _store_origins:
        return "image URLs must be https:// (http:// only for the configured S3 store)"
    return None


def image_url_ok(url: object) -> bool:
    return image_url_problem(url) is None


def check_image_url(url: str) -> str:
    """`url` unchanged, or ValueError saying what is wrong (pydantic's validator shape)."""
    problem = image_url_problem(url)
    if problem is None:
        return url
    if isinstance(url, str) and "@" not in url:  # never echo a password
        problem = f"{problem}: {url[:100]!r}"
    raise ValueError(problem)
