"""The remote client's errors: a transport failure or an HTTP answer as one typed error,
through core.errors.from_status (the one table shared with the server)."""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit

from arangetram_cli.core.errors import (
    HINTS,
    LOGIN_AGAIN,
    ArangetramError,
    Unavailable,
    from_status,
)
from arangetram_cli.planner.remote.common import (
    DEFAULT_DETAIL,
    DNS_ERRORS,
    NO_ENDPOINT_DETAILS,
    OLDER_SERVE_HINT,
    SERVER_HEADER,
    clean,
    format_validation,
)


class HttpErrors:
    """The remote client's errors: a transport failure or an HTTP answer as one typed error,"""

    def _transport_error(self, exc: Exception) -> tuple[Unavailable, bool]:
        """(the error to report, whether a GET may be tried again)."""

        import httpx

        chain: list[BaseException] = []
        e: BaseException | None = exc
        while e is not None and len(chain) < 10:
            chain.append(e)
            e = e.__cause__ or e.__context__
        text = " | ".join(str(x) for x in chain).lower()
        base = self.base
        hint = "check --api-url (or the profile's api_url) and that the server is running"
        if isinstance(exc, httpx.ConnectTimeout):
            return Unavailable(
                f"timed out connecting to {base} (after {self.timeout:g} s)", hint=hint
            ), True
        if isinstance(exc, httpx.TimeoutException):
            return Unavailable(
                f"{base} did not answer within {self.timeout:g} s",
                hint="the server is slow or stuck; try again later "
                "(ARANGETRAM_HTTP_TIMEOUT sets the limit)",
            ), True
        if any(isinstance(x, ssl.SSLError) for x in chain) or "[ssl" in text:
            reason = next((clean(x) for x in chain if isinstance(x, ssl.SSLError)), clean(exc))
            return Unavailable(
                f"TLS error talking to {base}: {reason}",
                hint="check the URL's scheme (http or https) and the server's certificate",
            ), False
        if isinstance(exc, httpx.ConnectError):
            if any(p in text for p in DNS_ERRORS):
                host = urlsplit(base).hostname
                return Unavailable(
                    f"cannot resolve host '{host}' of {base}",
                    hint="check the host name in --api-url",
                ), False
            if "refused" in text:
                return Unavailable(f"cannot reach {base}: connection refused", hint=hint), True
            return Unavailable(f"cannot reach {base}: {clean(exc)}", hint=hint), True
        if isinstance(exc, httpx.RemoteProtocolError):
            return Unavailable(
                f"{base} closed the connection without a valid answer",
                hint="is --api-url an Arangetram API server?",
            ), True
        return Unavailable(
            f"cannot talk to {base}: {clean(exc) or type(exc).__name__}", hint=hint
        ), True

    def _http_error(
        self, status: int, data: Any, response: Any, method: str, path: str
    ) -> ArangetramError:
        detail: str | None = None
        hint: str | None = None
        if isinstance(data, dict):
            raw = data.get("detail")
            if isinstance(raw, list):
                detail = format_validation(raw)
            elif raw is not None:
                detail = clean(raw)
            if isinstance(data.get("hint"), str):
                hint = clean(data["hint"])
        ours = bool(response.headers.get(SERVER_HEADER))
        if status in (404, 405) and detail in NO_ENDPOINT_DETAILS:
            return Unavailable(
                f"{self.base} has no endpoint {method} {path}",
                hint=OLDER_SERVE_HINT if ours else "is --api-url an Arangetram API server?",
            )
        if status == 401 and hint is None and detail not in HINTS:
            hint = LOGIN_AGAIN  # a token the server no longer takes
        if status in (400, 401, 403, 404, 409, 422):
            code = data.get("code") if isinstance(data, dict) else None
            return from_status(
                status,
                detail or DEFAULT_DETAIL[status],
                hint=hint,
                code=code if isinstance(code, str) else None,
            )
        if status == 429:
            wait = self._retry_after(response)
            message = detail or "Too many requests"
            if "try again" not in message:
                hint = f"try again in {wait:g} s" if wait else "try again later"
            return ArangetramError(message, hint=hint)
        if status == 503 and detail:
            return Unavailable(detail, hint=hint)
        if status >= 500:
            reason = f": {detail}" if detail else ""
            return Unavailable(
                f"{self.base} failed with HTTP {status}{reason}",
                hint="a server-side error; try again later, or see its log",
            )
        return ArangetramError(
            f"HTTP {status} from {self.base}" + (f": {detail}" if detail else ""), hint=hint
        )

    def _malformed(self, path: str) -> Unavailable:
        return Unavailable(
            f"{self.base} answered {path} with an unexpected document",
            hint="is --api-url an Arangetram API server?",
        )
