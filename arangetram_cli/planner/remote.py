"""RemotePlanner: the Planner port over the platform's REST API (api-contract.md), with httpx.

It works against the existing web back end exactly as the contract describes it, and against
`arangetram serve`, which marks its answers with an `X-Arangetram-API` header and adds
endpoints under /api/v1 (paging with totals, vendor resolution by prefix or name, seeding
without the "only if empty" rule). Where the plain back end lacks something, the planner
falls back to the contract's endpoints and says so (Page.notes, or a `note:` line on stderr);
it never returns wrong data.

Transport: one httpx client per run (HTTP/1.1 keep-alive), bounded timeouts, a clear
User-Agent, no redirects followed (a token is never replayed to another address). Only GETs
are retried (bounded, with backoff); a POST, PUT or DELETE is sent exactly once. Every
failure becomes one typed error (errors.Unavailable, exit 6, for an unreachable or broken
service), so exit codes match local mode.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from arangetram_cli import __version__
from arangetram_cli.config import mask_url, normalize_api_url
from arangetram_cli.core.errors import (
    ArangetramError,
    AuthRequired,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Unavailable,
)
from arangetram_cli.planner.base import Page
from arangetram_cli.planner.remote_together import RemoteTogetherMixin
from arangetram_cli.planner.remote_workspace import RemoteWorkspaceMixin
from arangetram_cli.store.base import Doc, VendorQuery

SERVER_HEADER = "x-arangetram-api"  # set by `arangetram serve` on every answer
CONTRACT_CAP = 100  # the contract's listings answer at most this many
MIN_PREFIX = 4  # as LocalPlanner
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2  # extra attempts for an idempotent GET
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 5.0  # seconds we are willing to wait on a server's Retry-After
CHAT_TIMEOUT = 90.0  # an answer may take a while: the server waits up to 60 s on its provider

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
# 400 answers that are uniqueness conflicts in the contract (everything else 400 is Invalid).
CONFLICT_TEXTS = ("Email already registered", "Vendor profile already exists")
LOGIN_AGAIN = "log in again: arangetram auth login"
HINTS = {
    "Not authenticated": "log in first: arangetram auth login",
    "Token expired": LOGIN_AGAIN,
    "Invalid token": LOGIN_AGAIN,
    "User not found": LOGIN_AGAIN,
    "No vendor profile found": "create one: arangetram vendors create",
}
_DNS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated",
    "name resolution",
    "errno -2]",
    "errno -3]",
    "errno -5]",
    "errno 8]",
    "errno 11001]",
    "errno -9]",
)
_NO_BODY = object()
# The web back end's fixed answer when its AI provider fails (api-contract.md): a 200 that
# is in truth a failure.
APOLOGY = (
    "I apologize, but I'm having trouble processing your request. Please try again "
    "or browse our vendor categories directly."
)
# Characters with a meaning in a regular expression (PCRE, as MongoDB's $regex, and Python).
_REGEX_META = re.compile(r"([\\.^$|?*+()\[\]{}])")
_ID_PREFIX = re.compile(r"^[0-9a-fA-F][0-9a-fA-F-]*$")
LOGIN_CASE_HINT = (
    "check the password, and type the address exactly as it was registered: this server "
    "matches the part before the @ case-sensitively"
)


def _env_float(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def _env_int(name: str, default: int) -> int:
    try:
        return max(0, min(10, int(os.environ.get(name, "") or default)))
    except ValueError:
        return default


def clean(text: Any, limit: int = 300) -> str:
    """Server-provided text as one safe line: no control characters (no terminal escapes)."""
    s = _CONTROL.sub(" ", str(text)).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def normalize_url(api_url: str) -> str:
    url = (api_url or "").strip().rstrip("/")
    if not url:
        raise Invalid("no API URL: give --api-url URL, ARANGETRAM_API_URL or a profile's api_url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(f"bad API URL '{clean(api_url)}': use http(s)://host[:port]")
    if parts.query or parts.fragment:
        raise Invalid(f"bad API URL '{clean(api_url)}': no query or fragment")
    # The contract's base is <server>/api; accept either form (one spelling per backend).
    return normalize_api_url(url)


def literal_pattern(text: str) -> str:
    """Text as a regular expression that matches it literally (re.escape-style, but only the
    metacharacters, so PCRE and Python read it alike): the web back end puts `search` and
    `location` into `$regex` unescaped."""
    return _REGEX_META.sub(r"\\\1", text)


def checked(model_name: str, data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Local mode's input validation (core.models), before any request: the plain web back
    end accepts what local mode refuses (a 6-character password, a bad date, an unknown
    category). Returns data with the validated fields normalized as local mode stores them,
    and local mode's defaults for fields not given (the web back end requires some, such as
    a vendor's description); with partial (an update), fields not given stay absent.
    Unknown fields pass through."""
    from pydantic import ValidationError

    from arangetram_cli.core import models

    try:
        body = getattr(models, model_name).model_validate(data)
    except ValidationError as e:
        raise Invalid(models.first_error(e)) from None
    dumped = body.model_dump()
    return {**data, **{k: v for k, v in dumped.items() if k in data or not partial}}


def is_id(ref: str) -> bool:
    return bool(_UUID.match(ref.strip()))


def seg(ref: str) -> str:
    return quote(ref.strip(), safe="")


def format_validation(detail: list[Any]) -> str:
    """A 422 list as one line, like core.models.first_error: "field: msg (and N more)"."""
    if not detail:
        return "invalid request"
    first = detail[0] if isinstance(detail[0], dict) else {"msg": detail[0]}
    loc = [str(p) for p in first.get("loc") or []]
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    where = ".".join(p for p in loc if p != "__root__")
    msg = clean(first.get("msg", "invalid value")).removeprefix("Value error, ")
    extra = f" (and {len(detail) - 1} more)" if len(detail) > 1 else ""
    return clean(f"{where}: {msg}{extra}" if where else msg + extra)


def _sort_vendors(items: list[Doc]) -> list[Doc]:
    """LocalPlanner's order: best rating first, then name (any case), then id."""
    return sorted(
        items,
        key=lambda v: (
            -float(v.get("rating") or 0),
            str(v.get("business_name", "")).lower(),
            str(v.get("id", "")),
        ),
    )


def _sort_newest(items: list[Doc]) -> list[Doc]:
    by_id = sorted(items, key=lambda d: str(d.get("id", "")))
    return sorted(by_id, key=lambda d: str(d.get("created_at", "")), reverse=True)


class RemotePlanner(RemoteTogetherMixin, RemoteWorkspaceMixin):
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
        self.timeout = timeout or _env_float("ARANGETRAM_HTTP_TIMEOUT", DEFAULT_TIMEOUT)
        self.retries = (
            _env_int("ARANGETRAM_HTTP_RETRIES", DEFAULT_RETRIES) if retries is None else retries
        )
        self.backoff = backoff
        self._transport = transport
        self._client: Any = None
        self._ours: bool | None = None  # does the server have the /api/v1 additions?

    # ---- transport ------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            import platform

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
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = _NO_BODY
    ) -> Any:
        """One request (GETs: with bounded retries). Returns the httpx.Response."""
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        clean_params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        kwargs: dict[str, Any] = {"params": clean_params or None, "headers": headers}
        if body is not _NO_BODY:
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

    def _transport_error(self, exc: Exception) -> tuple[Unavailable, bool]:
        """(the error to report, whether a GET may be tried again)."""
        import ssl

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
            if any(p in text for p in _DNS):
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

    # ---- answers --------------------------------------------------------------------------
    def _call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = _NO_BODY
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
        if detail is not None and hint is None:
            hint = HINTS.get(detail)
        ours = bool(response.headers.get(SERVER_HEADER))
        if status == 400:
            if detail in CONFLICT_TEXTS:
                return Conflict(detail, hint=hint)
            return Invalid(detail or "the server refused the request (400)", hint=hint)
        if status == 401:
            if hint is None and detail != "Invalid credentials":
                hint = LOGIN_AGAIN  # a token the server no longer takes
            return AuthRequired(detail or "Not authenticated", hint=hint)
        if status == 403:
            return Forbidden(detail or "Not authorized", hint=hint)
        if status in (404, 405) and (detail in (None, "Not Found", "Method Not Allowed")):
            return Unavailable(
                f"{self.base} has no endpoint {method} {path}",
                hint="is --api-url an Arangetram API server?"
                if not ours
                else "the server is older than this client; upgrade it",
            )
        if status == 404:
            return NotFound(detail or "Not found", hint=hint)
        if status == 409:
            if isinstance(data, dict) and data.get("code") == "double_booking":
                from arangetram_cli.core.errors import DoubleBooking

                return DoubleBooking(detail or "Double booking", hint=hint)
            return Conflict(detail or "Conflict", hint=hint)
        if status == 422:
            return Invalid(detail or "invalid request", hint=hint)
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

    def _v1_get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET an additive endpoint; None when the server does not have it."""
        if self._ours is False:
            return None
        response = self._send("GET", path, params=params)
        if response.status_code in (404, 405) and not response.headers.get(SERVER_HEADER):
            self._ours = False
            return None
        return self._decode(response, "GET", path)

    # ---- identity -------------------------------------------------------------------------
    def _session(self, data: Any, path: str) -> Doc:
        doc = self._dict(data, path, "token", "user")
        if not isinstance(doc["token"], str) or not isinstance(doc["user"], dict):
            raise self._malformed(path)
        self.token = doc["token"]
        return doc

    def register(self, email: str, name: str, password: str, user_type: str = "user") -> Doc:
        path = "/api/auth/register"
        body = {"email": email, "name": name, "password": password, "user_type": user_type}
        valid = checked("RegisterIn", body)  # password rules etc., before any request
        # The address goes as typed: the server normalizes it its own way (the web back end
        # lowercases only the domain).
        body = {**valid, "email": email.strip()}
        return self._session(self._call("POST", path, body=body), path)

    def login(self, email: str, password: str) -> Doc:
        path = "/api/auth/login"
        body = {"email": email.strip(), "password": password}
        try:
            return self._session(self._call("POST", path, body=body), path)
        except AuthRequired as e:
            if self._ours or e.message != "Invalid credentials" or e.hint:
                raise
            raise AuthRequired(e.message, hint=LOGIN_CASE_HINT) from None

    def guest(self, name: str = "Guest") -> Doc:
        path = "/api/auth/guest"
        body = checked("GuestIn", {"name": name})
        return self._session(self._call("POST", path, body=body), path)

    def me(self) -> Doc:
        if not self.token:
            raise AuthRequired("Not authenticated", hint=HINTS["Not authenticated"])
        try:
            return self._get_doc("/api/auth/me", "id")
        except NotFound as e:  # the contract answers a deleted account with 404
            raise AuthRequired(e.message, hint=LOGIN_AGAIN) from None

    # ---- vendors --------------------------------------------------------------------------
    def categories(self) -> list[Doc]:
        data = self._get_doc("/api/categories", "categories")
        return self._list(data["categories"], "/api/categories")

    @staticmethod
    def _vendor_params(q: VendorQuery) -> dict[str, Any]:
        return {
            "category": q.category,
            "location": q.location,
            "price_range": q.price_range,
            "search": q.search,
        }

    def _contract_vendors(self, q: VendorQuery) -> tuple[list[Doc], list[str]]:
        """GET /api/vendors, filtered and sorted as LocalPlanner would; notes on what the
        plain back end cannot do. Its `search` and `location` are regular expressions: the
        text goes escaped, so it matches literally, as everywhere else."""
        params = self._vendor_params(q)
        for key in ("search", "location"):
            if params[key]:
                params[key] = literal_pattern(str(params[key]))
        items = self._list(self._call("GET", "/api/vendors", params=params), "/api/vendors")
        notes: list[str] = []
        capped = len(items) >= CONTRACT_CAP
        if q.max_price_range:
            from arangetram_cli.store.base import prices_up_to

            allowed = set(prices_up_to(q.max_price_range))
            items = [v for v in items if v.get("price_range") in allowed]
        if not q.active_only:
            notes.append("this server lists active vendors only; inactive ones are not shown")
        if capped:
            notes.append(
                f"this server returns at most {CONTRACT_CAP} vendors per search and "
                "cannot page past them; narrow the search to see the others"
            )
        return _sort_vendors(items), notes

    def list_vendors(self, q: VendorQuery, *, offset: int = 0, limit: int = 50) -> Page:
        params = {
            **self._vendor_params(q),
            "max_price_range": q.max_price_range,
            "include_inactive": "true" if not q.active_only else None,
            "offset": offset,
            "limit": limit,
        }
        data = self._v1_get("/api/v1/vendors", params)
        if data is not None:
            doc = self._dict(data, "/api/v1/vendors", "items")
            total = doc.get("total")
            return Page(
                self._list(doc["items"], "/api/v1/vendors"),
                total if isinstance(total, int) else None,
                offset,
                limit,
            )
        items, notes = self._contract_vendors(q)
        capped = any("at most" in n for n in notes)
        return Page(
            items[offset : offset + limit], None if capped else len(items), offset, limit, notes
        )

    def iter_vendors(self, q: VendorQuery) -> Iterator[Doc]:
        batch = 500
        offset = 0
        while True:
            params = {
                **self._vendor_params(q),
                "max_price_range": q.max_price_range,
                "include_inactive": "true" if not q.active_only else None,
                "offset": offset,
                "limit": batch,
            }
            data = self._v1_get("/api/v1/vendors", params)
            if data is None:
                break
            items = self._list(
                self._dict(data, "/api/v1/vendors", "items")["items"], "/api/v1/vendors"
            )
            yield from items
            if len(items) < batch:
                return
            offset += batch
        if offset:  # the server stopped having the additions mid-way: do not mix sources
            raise Unavailable(f"{self.base} stopped answering /api/v1/vendors")
        items, notes = self._contract_vendors(q)
        for n in notes:
            self.note(n)
        yield from items

    def get_vendor(self, ref: str) -> Doc:
        r = ref.strip()
        if not r:
            raise NotFound("Vendor not found")
        if is_id(r):
            return self._get_doc(f"/api/vendors/{seg(r)}", "id")
        if self.server_is_ours():
            return self._get_doc(f"/api/v1/vendors/resolve/{seg(r)}", "id")
        return self._plain_vendor(r)

    def _plain_vendor(self, r: str) -> Doc:
        """On the plain back end, which knows full ids only: LocalPlanner's order (an id
        prefix, then an exact name, any case), by literal comparison here on listings."""
        capped = False
        if len(r) >= MIN_PREFIX and _ID_PREFIX.match(r):
            items = self._list(self._call("GET", "/api/vendors"), "/api/vendors")
            capped = len(items) >= CONTRACT_CAP
            found = [v for v in items if str(v.get("id", "")).lower().startswith(r.lower())]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise Invalid(f"Vendor id prefix '{r}' is ambiguous; give more characters")
        found, notes = self._contract_vendors(VendorQuery(search=r))
        capped = capped or any("at most" in n for n in notes)
        named = [v for v in found if str(v.get("business_name", "")).lower() == r.lower()]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise Invalid(f"{len(named)} vendors are named '{r}'; use an id")
        raise NotFound(
            "Vendor not found",
            hint="this server lists only active vendors"
            + (f", at most {CONTRACT_CAP} at a time" if capped else "")
            + "; give the full id, or the exact name",
        )

    def _vendor_id(self, ref: str) -> str:
        return ref.strip() if is_id(ref) else self.get_vendor(ref)["id"]

    def my_vendor(self) -> Doc:
        return self._get_doc("/api/vendors/my/profile", "id")

    def create_vendor(self, data: dict[str, Any]) -> Doc:
        body = checked("VendorIn", data)
        return self._dict(self._call("POST", "/api/vendors", body=body), "/api/vendors", "id")

    def update_vendor(self, ref: str | None, data: dict[str, Any]) -> Doc:
        data = checked("VendorUpdateIn", data, partial=True)
        vendor_id = self.my_vendor()["id"] if ref is None else self._vendor_id(ref)
        path = f"/api/vendors/{seg(vendor_id)}"
        return self._dict(self._call("PUT", path, body=data), path, "id")

    # ---- events ---------------------------------------------------------------------------
    def _contract_events(self) -> tuple[list[Doc], bool]:
        items = self._list(self._call("GET", "/api/events"), "/api/events")
        return _sort_newest(items), len(items) >= CONTRACT_CAP

    def create_event(self, data: dict[str, Any]) -> Doc:
        body = checked("EventIn", data)
        return self._dict(self._call("POST", "/api/events", body=body), "/api/events", "id")

    def list_events(self, *, offset: int = 0, limit: int = 100) -> Page:
        data = self._v1_get("/api/v1/events", {"offset": offset, "limit": limit})
        if data is not None:
            doc = self._dict(data, "/api/v1/events", "items")
            total = doc.get("total")
            return Page(
                self._list(doc["items"], "/api/v1/events"),
                total if isinstance(total, int) else None,
                offset,
                limit,
            )
        items, capped = self._contract_events()
        notes = (
            [f"this server lists only your newest {CONTRACT_CAP} events and cannot page past them"]
            if capped
            else []
        )
        return Page(
            items[offset : offset + limit], None if capped else len(items), offset, limit, notes
        )

    @staticmethod
    def _match(items: list[Doc], ref: str, what: str, capped: bool) -> Doc:
        """Resolve an id prefix among the caller's own items (the plain back end cannot)."""
        r = ref.strip().lower()
        if len(r) >= MIN_PREFIX:
            found = [d for d in items if str(d.get("id", "")).startswith(r)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise Invalid(
                    f"{what} id prefix '{ref.strip()}' is ambiguous; give more characters"
                )
        hint = (
            "this server cannot resolve id prefixes past your newest 100; give the full id"
            if capped
            else None
        )
        raise NotFound(f"{what} not found", hint=hint)

    def _event_ref(self, ref: str) -> str:
        """What to put in an event path: the ref itself when the server resolves it."""
        r = ref.strip()
        if not r:
            raise NotFound("Event not found")
        if is_id(r) or self.server_is_ours():
            return r
        items, capped = self._contract_events()
        return self._match(items, r, "Event", capped)["id"]

    def get_event(self, ref: str) -> Doc:
        return self._get_doc(f"/api/events/{seg(self._event_ref(ref))}", "id")

    def event_vendors(self, event: Doc) -> list[Doc]:
        out = []
        for vendor_id in event.get("selected_vendors") or []:
            try:
                out.append(self._get_doc(f"/api/vendors/{seg(str(vendor_id))}", "id"))
            except NotFound:
                continue  # a vendor deleted since: LocalPlanner skips it too
        return out

    def update_event(self, ref: str, data: dict[str, Any]) -> Doc:
        data = checked("EventUpdateIn", data, partial=True)
        path = f"/api/events/{seg(self._event_ref(ref))}"
        return self._dict(self._call("PUT", path, body=data), path, "id")

    def _event_vendor(self, method: str, event_ref: str, vendor_ref: str) -> Doc:
        event_id = self._event_ref(event_ref)
        vendor_id = self._vendor_id(vendor_ref)
        path = f"/api/events/{seg(event_id)}/vendors/{seg(vendor_id)}"
        data = self._dict(self._call(method, path), path)
        if isinstance(data.get("event"), dict):  # `arangetram serve` includes the event
            return data["event"]
        return self._get_doc(f"/api/events/{seg(event_id)}", "id")

    def add_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc:
        return self._event_vendor("POST", event_ref, vendor_ref)

    def remove_event_vendor(self, event_ref: str, vendor_ref: str) -> Doc:
        return self._event_vendor("DELETE", event_ref, vendor_ref)

    # ---- bookings -------------------------------------------------------------------------
    def create_booking(self, event_ref: str, vendor_ref: str, message: str = "") -> Doc:
        body = checked(
            "BookingIn", {"event_id": event_ref, "vendor_id": vendor_ref, "message": message}
        )
        # `arangetram serve` resolves prefixes and names in the body and keeps every rule;
        # the plain back end needs full ids, and forgets the duplicate-request rule.
        if not self.server_is_ours():
            if not (is_id(body["event_id"]) and is_id(body["vendor_id"])):
                body["event_id"] = self._event_ref(body["event_id"])
                body["vendor_id"] = self._vendor_id(body["vendor_id"])
            self._no_pending_twice(body["event_id"], body["vendor_id"])
        return self._dict(self._call("POST", "/api/bookings", body=body), "/api/bookings", "id")

    def _no_pending_twice(self, event_id: str, vendor_id: str) -> None:
        """LocalPlanner's rule, on the caller's own requests: one pending request per vendor
        and event (the plain back end takes a second one)."""
        path = "/api/bookings/user"
        try:
            mine = self._list(self._call("GET", path), path)
        except (NotFound, Forbidden):  # the list is not visible to this caller: the server decides
            return
        for b in mine:
            if (
                b.get("event_id") == event_id
                and b.get("vendor_id") == vendor_id
                and b.get("status") == "pending"
            ):
                raise Conflict(f"a pending request to this vendor exists already: {b.get('id')}")

    def _filter_params(
        self, status: str | None, event: str | None, upcoming: bool
    ) -> dict[str, Any] | None:
        from arangetram_cli.core.lifecycle import check_status

        try:
            wanted = check_status(status)
        except ValueError as e:
            raise Invalid(str(e)) from None
        params = {"status": wanted, "event": (event or "").strip() or None}
        if upcoming:
            params["upcoming"] = "true"
        return params if any(v is not None for v in params.values()) else None

    def _bookings(
        self, contract_path: str, as_vendor: bool, filters: dict[str, Any] | None
    ) -> list[Doc]:
        if filters is None:
            return self._list(self._call("GET", contract_path), contract_path)
        path = "/api/v1/bookings"
        data = self._v1_get(path, {**filters, "as_vendor": "true" if as_vendor else None})
        if data is not None:
            return self._list(data, path)
        # The plain back end: filter its whole listing here (as LocalPlanner does).
        from arangetram_cli.core.lifecycle import filter_bookings

        items = self._list(self._call("GET", contract_path), contract_path)
        event_id = None
        if filters.get("event"):
            if as_vendor:
                event_ids = sorted({str(b.get("event_id")) for b in items})
                ref = filters["event"].lower()
                found = [i for i in event_ids if i == ref] or [
                    i for i in event_ids if len(ref) >= MIN_PREFIX and i.startswith(ref)
                ]
                if len(found) > 1:
                    raise Invalid(
                        f"Event id prefix '{filters['event']}' is ambiguous; give more characters"
                    )
                event_id = found[0] if found else ref
            else:
                event_id = self._event_ref(filters["event"])
        return filter_bookings(
            _sort_newest(items),
            status=filters.get("status"),
            event_id=event_id,
            upcoming=bool(filters.get("upcoming")),
        )

    def list_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        filters = self._filter_params(status, event, upcoming)
        return self._bookings("/api/bookings/user", False, filters)

    def list_vendor_bookings(
        self, *, status: str | None = None, event: str | None = None, upcoming: bool = False
    ) -> list[Doc]:
        filters = self._filter_params(status, event, upcoming)
        return self._bookings("/api/bookings/vendor", True, filters)

    def get_booking(self, ref: str) -> Doc:
        r = ref.strip()
        if not r:
            raise NotFound("Booking not found")
        if self.server_is_ours():
            return self._get_doc(f"/api/v1/bookings/{seg(r)}", "id")
        # The plain back end has no such endpoint: look among the caller's own requests.
        mine = self.list_bookings()
        with contextlib.suppress(NotFound):  # not a vendor
            mine += self.list_vendor_bookings()
        mine = list({str(b.get("id")): b for b in reversed(mine)}.values())  # each once
        booking = self._match(mine, r, "Booking", False) if not is_id(r) else None
        if booking is None:
            booking = next((b for b in mine if b.get("id") == r), None)
        if booking is None:
            raise NotFound("Booking not found")
        if "history" not in booking:
            self.note("this server keeps no booking history; showing the booking only")
        return {**booking, "history": booking.get("history") or []}

    def _lifecycle_endpoint(self, what: str) -> None:
        if not self.server_is_ours():
            raise Unavailable(
                f"this server has no booking lifecycle endpoints: it cannot {what} bookings",
                hint="the web back end only accepts or declines requests; "
                "use a server run by `arangetram serve`",
            )

    def respond_booking(
        self, ref: str, status: str, message: str | None = None, *, confirm: bool | None = False
    ) -> Doc:
        from pydantic import ValidationError

        from arangetram_cli.core.models import BookingRespondIn, first_error

        try:  # checked here too: the plain back end accepts any status (a known defect)
            BookingRespondIn.model_validate({"status": status, "response_message": message})
        except ValidationError as e:
            raise Invalid(first_error(e)) from None
        r = ref.strip()
        body: Doc = {"status": status, "response_message": message}
        if self.server_is_ours():
            if confirm is not None:
                body["confirm_double_booking"] = bool(confirm)
            warnings: list[str] = []
        else:
            r, warnings = self._contract_booking_check(r, status, confirm)
        path = f"/api/bookings/{seg(r)}"
        updated = self._dict(self._call("PUT", path, body=body), path, "id")
        if message is not None and updated.get("response_message") != message:
            self.note(
                "this server did not keep the reply message (a known defect of the web back end)"
            )
        if warnings and "warnings" not in updated:
            updated = {**updated, "warnings": warnings}
        return updated

    def _contract_booking_check(
        self, ref: str, status: str = "", confirm: bool | None = False
    ) -> tuple[str, list[str]]:
        """On the plain back end: resolve a prefix among the caller's requests and keep the
        rules it forgets (only pending requests can be answered; a second accepted booking
        on one date needs confirming). Returns the id and any warnings."""
        from arangetram_cli.core.errors import DoubleBooking
        from arangetram_cli.core.lifecycle import refusal

        try:
            mine = self.list_vendor_bookings()
        except NotFound:
            mine = []
        r = ref.lower()
        found = [b for b in mine if str(b.get("id", "")) == r]
        if not found and len(r) >= MIN_PREFIX and not is_id(r):
            found = [b for b in mine if str(b.get("id", "")).startswith(r)]
        if len(found) > 1:
            raise Invalid(f"Booking id prefix '{ref}' is ambiguous; give more characters")
        if not found:
            if is_id(ref):
                return ref, []  # not one of ours: the server answers 403 or 404
            raise NotFound("Booking not found")
        booking = found[0]
        if booking.get("status") != "pending":
            raise Conflict(refusal(str(booking.get("status")), status or "accepted"))
        warnings: list[str] = []
        date = booking.get("event_date")
        if status == "accepted" and date:
            taken = [
                b
                for b in mine
                if b.get("id") != booking.get("id")
                and b.get("status") == "accepted"
                and b.get("event_date") == date
            ]
            if taken:
                text = f"You already accepted another booking for {date}"
                if confirm is False:
                    raise DoubleBooking(text, hint="confirm to accept this one as well")
                warnings.append(f"{text}; this one is accepted as well")
        return str(booking["id"]), warnings

    def cancel_booking(self, ref: str, reason: str = "") -> Doc:
        self._lifecycle_endpoint("cancel")
        path = f"/api/v1/bookings/{seg(ref.strip() or '-')}/cancel"
        return self._dict(self._call("POST", path, body={"reason": reason}), path, "id")

    def complete_booking(self, ref: str, message: str = "") -> Doc:
        self._lifecycle_endpoint("complete")
        path = f"/api/v1/bookings/{seg(ref.strip() or '-')}/complete"
        return self._dict(self._call("POST", path, body={"message": message}), path, "id")

    # ---- reviews --------------------------------------------------------------------------
    def _reviews_endpoint(self) -> None:
        if not self.server_is_ours():
            raise Unavailable(
                "this server has no review endpoints",
                hint="the web back end keeps no reviews; use a server run by `arangetram serve`",
            )

    def review_vendor(self, ref: str, rating: int, text: str = "") -> Doc:
        self._reviews_endpoint()
        path = f"/api/v1/vendors/{seg(self._vendor_id(ref))}/review"
        body = {"rating": rating, "text": text}
        return self._dict(self._call("PUT", path, body=body), path, "id")

    def list_reviews(self, ref: str, *, offset: int = 0, limit: int = 50) -> Page:
        self._reviews_endpoint()
        path = f"/api/v1/vendors/{seg(self._vendor_id(ref))}/reviews"
        doc = self._dict(
            self._call("GET", path, params={"offset": offset, "limit": limit}), path, "items"
        )
        total = doc.get("total")
        return Page(
            self._list(doc["items"], path), total if isinstance(total, int) else None, offset, limit
        )

    def reply_review(self, ref: str, text: str) -> Doc:
        self._reviews_endpoint()
        path = f"/api/v1/reviews/{seg(ref.strip() or '-')}/reply"
        return self._dict(self._call("POST", path, body={"text": text}), path, "id")

    # ---- vendor images ----------------------------------------------------------------------
    def _image_vendor_id(self, ref: str | None) -> str:
        return self.my_vendor()["id"] if ref is None else self._vendor_id(ref)

    def presign_image(self, image: Any, vendor_id: str) -> Any:
        """Where to send one image (media.s3.PresignedTarget), presigned by the server with
        its own S3 settings and credentials."""
        from arangetram_cli.media.s3 import PresignedTarget

        if not self.server_is_ours():
            raise Unavailable(
                "this server cannot take image uploads",
                hint="the web back end has no upload endpoint; use a server run by "
                "`arangetram serve`, or link hosted images with a local S3 setup",
            )
        path = f"/api/v1/vendors/{seg(vendor_id)}/images/presign"
        body = {
            "sha256": image.sha256,
            "size": image.size,
            "content_type": image.content_type,
            "ext": image.kind.ext,
        }
        doc = self._dict(self._call("POST", path, body=body), path, "url", "key", "public_url")
        headers = doc.get("headers") if isinstance(doc.get("headers"), dict) else None
        fields = doc.get("fields") if isinstance(doc.get("fields"), dict) else None
        return PresignedTarget(
            method=str(doc.get("method") or "PUT"),
            url=str(doc["url"]),
            key=str(doc["key"]),
            public_url=str(doc["public_url"]),
            fields=fields,
            headers=headers,
            exists=bool(doc.get("exists")),
        )

    def add_vendor_images(self, ref: str | None, urls: Iterable[str]) -> Doc:
        vendor_id = self._image_vendor_id(ref)
        wanted = list(dict.fromkeys(urls))
        if self.server_is_ours():
            path = f"/api/v1/vendors/{seg(vendor_id)}/images"
            return self._dict(self._call("POST", path, body={"urls": wanted}), path, "id")
        # The plain back end: the owner check here, then PUT the whole list (not atomic).
        vendor = self._get_doc(f"/api/vendors/{seg(vendor_id)}", "id")
        if vendor.get("user_id") != self.me().get("id"):
            raise Forbidden("Not authorized")
        if not wanted:
            return vendor
        current = list(vendor.get("portfolio_images") or [])
        images = current + [u for u in wanted if u not in current]
        self.note("this server replaces the whole image list; a concurrent change may be lost")
        return self.update_vendor(vendor_id, {"portfolio_images": images})

    def remove_vendor_image(self, ref: str | None, url: str, *, keep_object: bool = False) -> Doc:
        """Unlink an image; on `arangetram serve` the server also deletes its own object
        (the answer's `deleted_object`) unless keep_object."""
        vendor_id = self._image_vendor_id(ref)
        if self.server_is_ours():
            path = f"/api/v1/vendors/{seg(vendor_id)}/images"
            params = {"url": url, "keep_object": "true" if keep_object else None}
            return self._dict(self._call("DELETE", path, params=params), path, "id")
        vendor = self._get_doc(f"/api/vendors/{seg(vendor_id)}", "id")
        if vendor.get("user_id") != self.me().get("id"):
            raise Forbidden("Not authorized")
        current = list(vendor.get("portfolio_images") or [])
        if url not in current:
            raise NotFound("Image not in the portfolio", hint="see: arangetram vendors images list")
        return self.update_vendor(vendor_id, {"portfolio_images": [u for u in current if u != url]})

    # ---- AI planning --------------------------------------------------------------------------
    def recommend(
        self,
        event_ref: str | None = None,
        *,
        event_date: str | None = None,
        guest_count: int | None = None,
        budget: str | None = None,
        location: str | None = None,
        categories: list[str] | None = None,
        limit: int = 3,
    ) -> Doc:
        from arangetram_cli.core.recommend import criteria_for, recommend_for

        if categories:
            from arangetram_cli.core.values import check_category

            try:
                categories = [check_category(c) for c in categories]
            except ValueError as e:
                raise Invalid(str(e)) from None
        if self.server_is_ours():
            path = "/api/v1/ai/recommendations"
            body = {
                "event_id": self._event_ref(event_ref) if event_ref else None,
                "event_date": event_date,
                "guest_count": guest_count,
                "budget": budget,
                "location": location,
                "categories": categories,
                "limit": limit,
            }
            return self._dict(self._call("POST", path, body=body), path, "recommendations")
        if event_ref is not None:  # the plain back end knows no events here: client-side
            event = self.get_event(event_ref)
            result = recommend_for(
                self,
                event=event,
                event_date=event_date,
                guest_count=guest_count,
                budget=budget,
                location=location,
                categories=categories,
                limit=limit,
            )
            result["notes"].append("vendors booked on the date could not be checked on this server")
            return result
        c = criteria_for(
            None,
            event_date=event_date,
            guest_count=guest_count,
            budget=budget,
            location=location if location is not None else "Bay Area",
            categories=categories,
        )
        path = "/api/ai/recommendations"
        body = {
            "event_date": c.event_date or "",
            "guest_count": c.guest_count,
            "budget": c.budget,
            "location": c.location,
            "categories_needed": list(c.categories),
        }
        doc = self._dict(self._call("POST", path, body=body), path, "recommendations")
        recs = doc["recommendations"]
        if not isinstance(recs, dict) or not all(isinstance(v, list) for v in recs.values()):
            raise self._malformed(path)
        notes = [clean(n) for n in doc.get("notes") or [] if isinstance(n, str)]
        picks = {k: [v for v in vs if isinstance(v, dict)][:limit] for k, vs in recs.items()}
        if limit > 3:
            notes.append("this server recommends at most 3 vendors per category")
        return {
            "recommendations": self._with_reasons(picks, c, limit, notes),
            "criteria": doc.get("criteria") or c.as_doc(),
            "notes": notes,
        }

    def _with_reasons(
        self, picks: dict[str, list[Doc]], c: Any, limit: int, notes: list[str]
    ) -> dict[str, list[Doc]]:
        """The plain back end's recommendations made whole: it matches a region name ("Bay
        Area", its own default) as a substring of "Fremont, CA" and finds nobody, so for the
        categories it left empty the same rules run here on its catalog (a region matches
        its cities); and every vendor gets its one-line reason, which it never sends."""
        from dataclasses import replace

        from arangetram_cli.core.recommend import reason, recommend, region_of

        empty = [cat for cat in dict.fromkeys(c.categories) if not picks.get(cat)]
        if empty and region_of(c.location):
            here = recommend(self.iter_vendors, replace(c, categories=empty), limit=limit)
            found = [cat for cat in empty if here["recommendations"].get(cat)]
            for cat in empty:
                picks[cat] = here["recommendations"].get(cat, [])
            if found:
                notes.append(
                    f"this server found no vendor in '{c.location}' (it matches the region's "
                    f"name, not its cities); chosen here from its catalog: {', '.join(found)}"
                )
            notes.extend(n for n in here["notes"] if n not in notes)
            if c.event_date:
                notes.append("vendors booked on the date could not be checked on this server")
        return {
            cat: [v if v.get("reason") else {**v, "reason": reason(v, c)} for v in vs]
            for cat, vs in picks.items()
        }

    def ask_stream(
        self,
        messages: list[Doc],
        event_ref: str | None = None,
        *,
        provider: Any = None,
        offline: bool = False,
        event: Doc | None = None,
        debug: bool = False,
    ) -> Any:
        """The server's answer, streamed from POST /api/v1/ai/chat/completions (its own
        provider; `provider` is ignored); against the plain web back end, the contract's
        POST /api/ai/chat (one whole answer, the last question only)."""
        from arangetram_cli.ai.chat import AnswerStream, last_question
        from arangetram_cli.ai.history import provider_messages

        if self.server_is_ours():
            client = _server_chat(self, debug=debug or self.debug)
            extra: Doc = {"offline": bool(offline)}
            if event_ref:
                extra["event_id"] = event_ref.strip()
            wire = provider_messages(messages)
            answer = AnswerStream(iter(()), "server", client)

            def chunks() -> Iterator[str]:
                client.cfg.api_key = self.token  # the login may be loaded after this call
                for text in client.stream(wire, extra):
                    if client.seen_model:
                        answer.source = client.seen_model
                    yield text

            answer.chunks = chunks()
            return answer
        if offline:
            self.note("this server has no offline planner; its own assistant answers")
        if event is None and event_ref:
            event = self.get_event(event_ref)
        body: Doc = {"message": last_question(messages)}
        if event is not None:
            body["event_context"] = {
                "event_date": event.get("event_date"),
                "guest_count": event.get("guest_count"),
                "budget": event.get("budget"),
                "location": event.get("location_preference"),
            }
        path = "/api/ai/chat"

        def whole() -> Iterator[str]:
            doc = self._dict(self._call("POST", path, body=body), path, "response")
            text = doc["response"]
            if not isinstance(text, str):
                raise self._malformed(path)
            if " ".join(text.split()) == APOLOGY:  # its 200 for "the provider failed"
                raise Unavailable(
                    f"the assistant of {self.base} failed (it answered with its fixed apology, "
                    "which hides the cause)",
                    hint="try again later, or see the server's log; "
                    "`arangetram ask --offline` on a local profile answers from the catalog",
                )
            if text:
                yield text

        return AnswerStream(whole(), "server")

    # ---- catalog --------------------------------------------------------------------------
    def seed_demo(self, *, only_if_empty: bool = False) -> Doc:
        if self.server_is_ours():
            path = "/api/v1/seed"
            data = self._call("POST", path, body={"only_if_empty": only_if_empty})
            return self._dict(data, path, "message", "vendor_count")
        path = "/api/seed"
        doc = self._dict(self._call("POST", path), path, "message", "vendor_count")
        seeded = doc["message"] == "Database seeded successfully"
        doc.setdefault("added", doc["vendor_count"] if seeded else 0)
        if not seeded and not only_if_empty:
            self.note(
                "this server seeds only an empty catalog; missing demo vendors were not added"
            )
        return doc

    def import_vendors(self, docs: Iterable[Doc], *, upsert: bool = False) -> tuple[int, int]:
        raise Invalid(
            "importing vendors needs the database itself; the REST API has no import endpoint",
            hint="run the import with a profile on the store (db or mongo_url), not api_url",
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _server_chat_class() -> Any:
    from arangetram_cli.ai.client import ChatClient

    class ServerChat(ChatClient):
        """ChatClient against our server's streaming endpoint: the user's token as bearer,
        the server's HTTP errors mapped as every other remote call (401 is the login, 404 the
        event...), and the model the server names in its chunks remembered."""

        def __init__(self, planner: RemotePlanner, *, debug: bool = False) -> None:
            from arangetram_cli.ai.client import ProviderConfig

            cfg = ProviderConfig(
                name="the server",
                base_url=f"{planner.base}/api/v1/ai",
                model=planner.base,
                api_key=planner.token,
                timeout=max(planner.timeout, CHAT_TIMEOUT),
            )
            super().__init__(cfg, debug=debug)
            self.planner = planner
            self.seen_model: str | None = None

        def _deltas(self, obj: Any) -> Iterator[str]:
            if isinstance(obj, dict) and isinstance(obj.get("model"), str):
                self.seen_model = obj["model"]
            return super()._deltas(obj)

        def _http_error(self, status: int, body: str, headers: Any) -> ArangetramError:
            import json
            from types import SimpleNamespace

            try:
                data = json.loads(body) if body else None
            except ValueError:
                data = None
            path = "/api/v1/ai/chat/completions"
            return self.planner._http_error(
                status, data, SimpleNamespace(headers=headers), "POST", path
            )

        def _stream_error(self, obj: Any, got: int) -> ArangetramError:
            err = obj.get("error") if isinstance(obj, dict) else None
            if not isinstance(err, dict):
                return super()._stream_error(obj, got)
            msg = clean(err.get("message") or "unknown error")
            after = f" after {got} characters" if got else ""
            hint = err.get("hint") if isinstance(err.get("hint"), str) else None
            return Unavailable(
                f"the server's assistant failed{after}: {msg}",
                hint=clean(hint)
                if hint
                else "ask again; the partial answer is kept, marked incomplete",
            )

    return ServerChat


def _server_chat(planner: RemotePlanner, *, debug: bool = False) -> Any:
    return _server_chat_class()(planner, debug=debug)
