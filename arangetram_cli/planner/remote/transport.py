"""The transport: one httpx client per run, bounded timeouts and retries of GETs only, JSON
answers checked, and whether the server is `arangetram serve` (asked once per run)."""

from __future__ import annotations

import platform
import random
import sys
import time
from typing import Any

from arangetram_cli import __version__
from arangetram_cli.config import mask_url
from arangetram_cli.core.errors import NotSupported, Unavailable
from arangetram_cli.planner.remote.common import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    MAX_RETRY_AFTER,
    NO_BODY,
    NO_ENDPOINT_DETAILS,
    OLDER_SERVE_HINT,
    RETRY_STATUSES,
    SERVER_HEADER,
    clean,
    env_float,
    env_int,
    normalize_url,
)
from arangetram_cli.planner.remote.errors import HttpErrors
from arangetram_cli.store.base import Doc


class Transport(HttpErrors):
    """The transport: one httpx client per run, bounded timeouts and retries of GETs only, JSON"""

    def __init__(
        self,
        api_url: str,
        token: str | None = None,
        *,
        debug: bool = False,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float = 0.25,
        transport: Any = None,
    ) -> None:
        self.base = normalize_url(api_url)
        self.token = token
        self.debug = debug
        self.timeout = timeout or env_float("ARANGETRAM_HTTP_TIMEOUT", DEFAULT_TIMEOUT)
        self.retries = (
            env_int("ARANGETRAM_HTTP_RETRIES", DEFAULT_RETRIES) if retries is None else retries
        )
        self.backoff = backoff
        self._transport = transport
        self._client: Any = None
        self._ours: bool | None = None  # does the server have the /api/v1 additions?

    @property
    def client(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                base_url=self.base,
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
                headers={
                    "User-Agent": f"arangetram-cli/{__version__} (httpx/{httpx.__version__}; "
                    f"Python {platform.python_version()})",
                    "Accept": "application/json",
                },
                follow_redirects=False,
                transport=self._transport,
            )
        return self._client

    def _debug(self, line: str) -> None:
        if self.debug:
            print(f"debug: {line}", file=sys.stderr, flush=True)

    def note(self, line: str) -> None:
        """A visible degradation outside a Page (iterators, single documents)."""
        print(f"note: {line}", file=sys.stderr, flush=True)

    def _send(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = NO_BODY
    ) -> Any:
        """One request (GETs: with bounded retries). Returns the httpx.Response."""
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        clean_params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        kwargs: dict[str, Any] = {"params": clean_params or None, "headers": headers}
        if body is not NO_BODY:
            kwargs["json"] = body
        attempts = 1 + (self.retries if method == "GET" else 0)
        for attempt in range(1, attempts + 1):
            request = self.client.build_request(method, path, **kwargs)
            self._debug(
                f"> {method} {mask_url(str(request.url))} HTTP/1.1"
                + (" (Authorization: Bearer ***)" if self.token else "")
            )
            started = time.monotonic()
            try:
                response = self.client.send(request)
            except httpx.RequestError as e:  # transport failures, undecodable bodies
                error, retryable = self._transport_error(e)
                self._debug(f"! {type(e).__name__}: {clean(e)}")
                if retryable and attempt < attempts:
                    self._pause(attempt, attempts, None)
                    continue
                raise error from None
            ms = (time.monotonic() - started) * 1000
            self._debug(f"< {response.status_code} {response.reason_phrase} ({ms:.0f} ms)")
            if response.headers.get(SERVER_HEADER):
                self._ours = True
            if response.status_code in RETRY_STATUSES and attempt < attempts:
                wait = self._retry_after(response)
                if wait is None or wait <= MAX_RETRY_AFTER:
                    response.close()
                    self._pause(attempt, attempts, wait)
                    continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _pause(self, attempt: int, attempts: int, wait: float | None) -> None:
        if wait is None:
            wait = min(2.0, self.backoff * 2 ** (attempt - 1)) * random.uniform(0.75, 1.25)
        self._debug(f"retrying in {wait:.2f} s (attempt {attempt + 1} of {attempts})")
        time.sleep(wait)

    @staticmethod
    def _retry_after(response: Any) -> float | None:
        value = response.headers.get("retry-after")
        try:
            return max(0.0, float(value)) if value else None
        except ValueError:
            return None

    def _call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = NO_BODY
    ) -> Any:
        return self._decode(self._send(method, path, params=params, body=body), method, path)

    def _decode(self, response: Any, method: str, path: str) -> Any:
        status = response.status_code
        try:
            data = response.json() if response.content else None
            is_json = response.content != b""
        except ValueError:
            data, is_json = None, False
        if 300 <= status < 400:
            where = clean(response.headers.get("location", "?"))
            raise Unavailable(
                f"{self.base} redirected {method} {path} to {where}",
                hint="use the final address as --api-url (https:// if the server moved there)",
            )
        if status < 300:
            if not is_json:
                raise Unavailable(
                    f"{self.base} answered {method} {path} with something that is not JSON",
                    hint="is --api-url an Arangetram API server?",
                )
            return data
        raise self._http_error(status, data, response, method, path)

    def _addition(self, method: str, path: str, offer: str, **kw: Any) -> Any:
        """The response of an endpoint `arangetram serve` added (/api/v1); `offer` says what
        a serve too old to have it does not offer (NotSupported, exit 7)."""
        response = self._send(method, path, **kw)
        if response.status_code in (404, 405):
            try:
                detail = response.json().get("detail")
            except (ValueError, AttributeError):
                detail = None
            if detail in NO_ENDPOINT_DETAILS:
                raise NotSupported(offer, hint=OLDER_SERVE_HINT)
        return response

    def _addition_doc(self, method: str, path: str, offer: str, **kw: Any) -> Doc:
        """_addition's answer decoded: a JSON object, else the typed error."""
        return self._dict(
            self._decode(self._addition(method, path, offer, **kw), method, path), path
        )

    def _dict(self, data: Any, path: str, *keys: str) -> Doc:
        if not isinstance(data, dict) or any(k not in data for k in keys):
            raise self._malformed(path)
        return data

    def _list(self, data: Any, path: str) -> list[Doc]:
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise self._malformed(path)
        return data

    def _get_doc(self, path: str, *keys: str) -> Doc:
        return self._dict(self._call("GET", path), path, *keys)

    def reachable(self) -> None:
        """Raises Unavailable when nothing answers at the base URL (refused, timed out, not
        HTTP); any HTTP answer, an error status included, means a server is there."""
        if self._ours is None:
            self._send("GET", "/api/v1/info").close()

    def server_is_ours(self) -> bool:
        """Whether the server has the /api/v1 additions (detected once per run)."""
        if self._ours is None:
            response = self._send("GET", "/api/v1/info")
            if not self._ours:
                if response.status_code < 400 or response.status_code in (404, 405):
                    self._ours = False
                else:
                    self._decode(response, "GET", "/api/v1/info")  # raises the real error
                    self._ours = False
        return bool(self._ours)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
