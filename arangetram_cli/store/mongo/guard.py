"""Errors of the Mongo adapter: what counts as unreachable, the guard that turns pymongo's
failures into Unavailable, URLs with their password masked."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from pymongo.errors import (
    ConfigurationError,
    ConnectionFailure,
    InvalidURI,
    OperationFailure,
)

from arangetram_cli.config import mask_url as mask_url  # the one masker (config show, whoami)

log = logging.getLogger(__name__)

# Errors that mean "the database cannot be reached or the URL is unusable".
_UNREACHABLE = (ConnectionFailure, ConfigurationError, InvalidURI)
# Server codes for credentials problems: AuthenticationFailed, Unauthorized.
_ACCESS_CODES = {18, 13}


def url_password(url: str) -> str | None:
    rest = url.partition("://")[2].partition("?")[0]
    userinfo, at, _ = rest.rpartition("@")
    if at and ":" in userinfo:
        return userinfo.split(":", 1)[1] or None
    return None


def short_reason(exc: BaseException) -> str:
    """One line out of a pymongo error (drops the topology dump and timeout settings)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    for cut in (", Timeout:", " (configured timeouts", ", Topology Description:"):
        i = text.find(cut)
        if i > 0:
            text = text[:i]
    text = text.strip().rstrip(",")
    if len(text) > 200:
        text = text[:197] + "..."
    return text or type(exc).__name__


F = TypeVar("F", bound=Callable[..., Any])


def is_unavailable(e: BaseException) -> bool:
    """Cannot reach the server, an unusable URL, or credentials the server refuses."""
    if isinstance(e, _UNREACHABLE):
        return True
    return isinstance(e, OperationFailure) and e.code in _ACCESS_CODES


def guarded(fn: F) -> F:
    """Map "cannot reach the server" errors of a repository call to Unavailable."""

    @functools.wraps(fn)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except Exception as e:
            if is_unavailable(e):
                raise self._s._unavailable(e) from None
            raise

    return wrapper  # type: ignore[return-value]
