"""AI providers: one client for the OpenAI-compatible chat-completions protocol, streamed as
server-sent events over httpx, and the presets that choose base URL, model and key.

One protocol reaches Gemini (Google's OpenAI-compatible endpoint), OpenAI, Ollama, vLLM,
llama.cpp and OpenRouter. Which provider is used, first match wins:

1. `--provider NAME` or `ARANGETRAM_LLM_PROVIDER` (gemini, openai, emergent, ollama, custom,
   or offline);
2. `ARANGETRAM_LLM_BASE_URL` set: that endpoint ("custom"), key `ARANGETRAM_LLM_API_KEY`;
3. the first key found in the environment (then a trusted ./.env): `GEMINI_API_KEY`,
   `OPENAI_API_KEY`, `EMERGENT_LLM_KEY`, `ARANGETRAM_LLM_API_KEY`; then `OLLAMA_HOST`;
4. a key stored with `arangetram config set-key PROVIDER` (keyring service "arangetram-llm");
5. none: the offline planner answers.

`ARANGETRAM_LLM_MODEL` and `ARANGETRAM_LLM_BASE_URL` override any preset's model and URL;
`ARANGETRAM_LLM_TIMEOUT` (seconds, default 60) bounds the connection and every wait for data.

`EMERGENT_LLM_KEY` is what the web back end reads (its `.env`). That key belongs to Emergent's
own integration library; we assume, and document, that it is a bearer key for an
OpenAI-compatible endpoint: OpenAI's URL unless `ARANGETRAM_LLM_BASE_URL` says otherwise.

The API key is sent only as `Authorization: Bearer ...` and is scrubbed from every message.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from arangetram_cli.config import env_with_dotenv
from arangetram_cli.core.errors import (
    ArangetramError,
    AuthRequired,
    Invalid,
    Unavailable,
)
from arangetram_cli.sanitize import visible


@dataclass(frozen=True)
class Preset:
    name: str
    base_url: str
    model: str
    key_env: str | None
    needs_key: bool = True


PRESETS: dict[str, Preset] = {
    "gemini": Preset(
        "gemini",
        "https://generativelanguage.googleapis.com/v1beta/openai/",
        "gemini-3-flash-preview",
        "GEMINI_API_KEY",
    ),
    "openai": Preset("openai", "https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY"),
    "emergent": Preset("emergent", "https://api.openai.com/v1", "gpt-4o-mini", "EMERGENT_LLM_KEY"),
    "ollama": Preset("ollama", "http://localhost:11434/v1", "llama3.2", None, needs_key=False),
    "custom": Preset(
        "custom", "https://api.openai.com/v1", "gpt-4o-mini", "ARANGETRAM_LLM_API_KEY", False
    ),
}
PROVIDER_NAMES = (*PRESETS, "offline")
# Names a key may be stored under with `config set-key` (ollama needs none).
KEY_PROVIDERS = ("gemini", "openai", "emergent", "custom")
LLM_ENV_VARS = (
    "ARANGETRAM_LLM_PROVIDER",
    "ARANGETRAM_LLM_BASE_URL",
    "ARANGETRAM_LLM_API_KEY",
    "ARANGETRAM_LLM_MODEL",
    "ARANGETRAM_LLM_TIMEOUT",
    "GEMINI_API_KEY",
    "OPENAI_API_KEY",
    "EMERGENT_LLM_KEY",
    "OLLAMA_HOST",
)
DEFAULT_TIMEOUT = 60.0


@dataclass
class ProviderConfig:
    name: str
    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    key_source: str = ""  # where the key came from: "GEMINI_API_KEY", "keyring", ...
    timeout: float = DEFAULT_TIMEOUT

    @property
    def label(self) -> str:
        return f"{self.name} ({self.model})"

    @property
    def source(self) -> str:
        """What a saved answer records as its author."""
        return f"{self.name}/{self.model}"

    def key_hint(self) -> str:
        preset = PRESETS.get(self.name)
        env = preset.key_env if preset and preset.key_env else "ARANGETRAM_LLM_API_KEY"
        where = self.key_source or env
        return f"check {where}, or store a key: arangetram config set-key {self.name}"


def llm_env(settings: Any = None) -> dict[str, str]:
    """The LLM variables from the environment, then ./.env (as the web app reads its .env)
    only if the user trusted that file (config.py): an untrusted .env cannot point a key at
    another endpoint."""
    if settings is not None:
        return settings.env(LLM_ENV_VARS)
    return env_with_dotenv(LLM_ENV_VARS)


def _timeout(env: Mapping[str, str]) -> float:
    raw = env.get("ARANGETRAM_LLM_TIMEOUT")
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"ARANGETRAM_LLM_TIMEOUT must be a number of seconds, not '{raw}'") from None
    if value <= 0:
        raise Invalid("ARANGETRAM_LLM_TIMEOUT must be more than 0 seconds")
    return value


def _ollama_url(host: str) -> str:
    url = host.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url if url.endswith("/v1") else url + "/v1"


KeyLookup = Callable[[str], tuple[str, str] | None]  # provider -> (key, where) or None


def resolve_provider(
    env: Mapping[str, str],
    *,
    provider: str | None = None,
    model: str | None = None,
    stored_key: KeyLookup | None = None,
) -> ProviderConfig | None:
    """The provider to ask, or None for the offline planner (nothing configured, or
    provider "offline")."""
    name = (provider or env.get("ARANGETRAM_LLM_PROVIDER") or "").strip().lower() or None
    if name is not None and name not in PROVIDER_NAMES:
        raise Invalid(f"unknown AI provider '{name}' (choose from {', '.join(PROVIDER_NAMES)})")
    if name == "offline":
        return None
    stored: tuple[str, str] | None = None
    if name is None:
        if env.get("ARANGETRAM_LLM_BASE_URL"):
            name = "custom"
        else:
            for candidate in ("gemini", "openai", "emergent", "custom"):
                if env.get(PRESETS[candidate].key_env or ""):
                    name = candidate
                    break
            else:
                if env.get("OLLAMA_HOST"):
                    name = "ollama"
                elif stored_key is not None:
                    for candidate in KEY_PROVIDERS:
                        stored = stored_key(candidate)
                        if stored:
                            name = candidate
                            break
        if name is None:
            return None
    preset = PRESETS[name]
    base = env.get("ARANGETRAM_LLM_BASE_URL") or (
        _ollama_url(env["OLLAMA_HOST"])
        if name == "ollama" and env.get("OLLAMA_HOST")
        else preset.base_url
    )
    key, source = None, ""
    for var in (preset.key_env, "ARANGETRAM_LLM_API_KEY"):
        if var and env.get(var):
            key, source = env[var], var
            break
    if key is None and stored is None and stored_key is not None and name in KEY_PROVIDERS:
        stored = stored_key(name)
    if key is None and stored:
        key, source = stored
    if key is None and preset.needs_key:
        raise AuthRequired(
            f"no API key for the {name} provider",
            hint=f"set {preset.key_env} or run: arangetram config set-key {name}",
        )
    return ProviderConfig(
        name=name,
        base_url=base,
        model=model or env.get("ARANGETRAM_LLM_MODEL") or preset.model,
        api_key=key,
        key_source=source,
        timeout=_timeout(env),
    )


# ---- server-sent events ------------------------------------------------------------------
_EOL = re.compile(r"\r\n|\r|\n")


def iter_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Lines of a byte stream (\\n, \\r\\n or \\r endings), decoded as UTF-8 incrementally.
    A final line without an ending is yielded too."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buf = ""
    for chunk in chunks:
        buf += decoder.decode(chunk)
        pos = 0
        while m := _EOL.search(buf, pos):
            if m.group() == "\r" and m.end() == len(buf):
                break  # maybe the first half of \r\n: wait for the next chunk
            yield buf[pos : m.start()]
            pos = m.end()
        buf = buf[pos:]
    buf += decoder.decode(b"", final=True)
    yield from buf.splitlines()


@dataclass
class SseEvent:
    data: str
    event: str = "message"


def iter_sse(lines: Iterable[str]) -> Iterator[SseEvent]:
    """Server-sent events: `data:` lines joined by newlines, dispatched at a blank line;
    `:` comments (keep-alives) ignored. Data pending at the end is dispatched too (servers
    often end with `data: [DONE]` and no blank line)."""
    data: list[str] = []
    event = "message"
    for line in lines:
        if not line:
            if data:
                yield SseEvent("\n".join(data), event)
            data, event = [], "message"
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value or "message"
    if data:
        yield SseEvent("\n".join(data), event)


def sse_chunk(text: str, model: str = "arangetram") -> str:
    """One OpenAI-style `chat.completion.chunk` event carrying `text` (for servers that
    stream answers in this same protocol, such as `arangetram serve`)."""
    obj = {
        "object": "chat.completion.chunk",
        "model": model,
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"


# ---- the client --------------------------------------------------------------------------
class ChatClient:
    """Streams one chat completion. Iterating `stream()` yields text as it arrives and raises
    a typed error (AuthRequired, Invalid or Unavailable) on failure, possibly after some text:
    the caller keeps what it already has."""

    def __init__(self, cfg: ProviderConfig, *, debug: bool = False) -> None:
        self.cfg = cfg
        self.debug = debug
        self.first_byte_at: float | None = None  # perf_counter() of the first byte received
        self.malformed = 0  # event payloads that were not JSON (skipped)
        self.finish_reason: str | None = None

    def _scrub(self, text: str) -> str:
        key = self.cfg.api_key
        if key and len(key) >= 4:
            text = text.replace(key, "***")
        return text

    def _debug(self, msg: str) -> None:
        if self.debug:
            print(f"debug: {visible(self._scrub(msg))}", file=sys.stderr)

    def stream(
        self, messages: list[dict[str, str]], extra: dict[str, Any] | None = None
    ) -> Iterator[str]:
        """POST {base_url}/chat/completions with stream=true; `extra` adds body fields (such
        as `event_id` for an arangetram server's streaming endpoint)."""
        import httpx  # noqa: PLC0415 (httpx only when a request is sent)

        cfg = self.cfg
        url = cfg.base_url.rstrip("/") + "/chat/completions"
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        if cfg.api_key:
            headers["Authorization"] = f"Bearer {cfg.api_key}"
        body = {**(extra or {}), "model": cfg.model, "messages": messages, "stream": True}
        timeout = httpx.Timeout(cfg.timeout, connect=min(cfg.timeout, 10.0))
        self._debug(f"POST {url} model={cfg.model} messages={len(messages)}")
        got = 0
        try:
            with (
                httpx.Client(timeout=timeout, follow_redirects=False) as client,
                client.stream("POST", url, json=body, headers=headers) as resp,
            ):
                if resp.status_code >= 400:
                    resp.read()
                    raise self._http_error(resp.status_code, resp.text, resp.headers)
                ctype = resp.headers.get("content-type", "")
                if "text/event-stream" not in ctype and "json" in ctype:
                    # a server that ignored "stream": one JSON answer
                    resp.read()
                    text = self._whole_answer(resp.text)
                    self.first_byte_at = self.first_byte_at or time.perf_counter()
                    if text:
                        yield text
                    return
                done = False
                for ev in iter_sse(iter_lines(self._bytes(resp))):
                    if ev.data.strip() == "[DONE]":
                        done = True
                        break
                    try:
                        obj = json.loads(ev.data)
                    except ValueError:
                        self.malformed += 1
                        self._debug(f"skipped a malformed event: {ev.data[:80]!r}")
                        continue
                    if ev.event == "error" or (isinstance(obj, dict) and "error" in obj):
                        raise self._stream_error(obj, got)
                    for text in self._deltas(obj):
                        got += len(text)
                        yield text
                if not done and self.finish_reason is None:
                    raise Unavailable(
                        f"the answer from {cfg.label} was cut off: the stream ended "
                        f"after {got} characters without finishing",
                        hint="ask again; the partial answer is kept, marked incomplete",
                    )
        except httpx.TimeoutException:
            what = "did not answer" if not got else "stopped sending"
            raise Unavailable(
                f"{cfg.label} {what} within {cfg.timeout:g}s",
                hint="raise ARANGETRAM_LLM_TIMEOUT, or try again later",
            ) from None
        except httpx.ConnectError as e:
            raise Unavailable(
                f"cannot reach {cfg.label} at {cfg.base_url}: {self._scrub(_reason(e))}",
                hint="check the network and ARANGETRAM_LLM_BASE_URL (or --offline)",
            ) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as e:
            raise Unavailable(
                f"the connection to {cfg.label} broke after {got} characters: "
                f"{self._scrub(_reason(e))}",
                hint="ask again; the partial answer is kept, marked incomplete",
            ) from None
        except httpx.HTTPError as e:
            raise Unavailable(f"{cfg.label}: {self._scrub(_reason(e))}") from None

    def _bytes(self, resp: Any) -> Iterator[bytes]:
        for chunk in resp.iter_bytes():
            if self.first_byte_at is None and chunk:
                self.first_byte_at = time.perf_counter()
            yield chunk

    def _deltas(self, obj: Any) -> Iterator[str]:
        if not isinstance(obj, dict):
            self.malformed += 1
            return
        for choice in obj.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta") or choice.get("message") or {}
            text = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(text, str) and text:
                yield text
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])

    def _whole_answer(self, body: str) -> str:
        try:
            obj = json.loads(body)
        except ValueError:
            raise Unavailable(f"{self.cfg.label} sent a reply that is not JSON") from None
        if isinstance(obj, dict) and "error" in obj:
            raise self._stream_error(obj, 0)
        self.finish_reason = "stop"
        return "".join(self._deltas(obj))

    def _http_error(self, status: int, body: str, headers: Any) -> ArangetramError:
        cfg = self.cfg
        msg = self._scrub(_error_message(body)) or f"HTTP {status}"
        where = f"{cfg.label} (HTTP {status})"
        if status in (401, 403):
            return AuthRequired(f"{where} refused the API key: {msg}", hint=cfg.key_hint())
        if status == 429:
            wait = headers.get("retry-after")
            hint = f"wait {wait}s and ask again" if wait else "wait a little and ask again"
            return Unavailable(
                f"{where}: quota or rate limit reached: {msg}",
                hint=hint + ", or check the plan's quota",
            )
        if status in (400, 404, 422):
            return Invalid(
                f"{where} rejected the request: {msg}",
                hint="check ARANGETRAM_LLM_MODEL and ARANGETRAM_LLM_BASE_URL",
            )
        return Unavailable(f"{where}: {msg}", hint="the provider has trouble; try again later")

    def _stream_error(self, obj: Any, got: int) -> ArangetramError:
        msg = self._scrub(_error_message(json.dumps(obj))) or "unknown error"
        code = None
        err = obj.get("error") if isinstance(obj, dict) else None
        if isinstance(err, dict):
            code = err.get("code") or err.get("status")
        after = f" after {got} characters" if got else ""
        text = f"{self.cfg.label} reported an error{after}: {msg}"
        if str(code) in ("429", "RESOURCE_EXHAUSTED", "rate_limit_exceeded"):
            return Unavailable(text, hint="quota or rate limit; wait a little and ask again")
        if str(code) in ("401", "403", "invalid_api_key", "PERMISSION_DENIED"):
            return AuthRequired(text, hint=self.cfg.key_hint())
        return Unavailable(text, hint="ask again; the partial answer is kept, marked incomplete")


def _reason(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0][:200]


def _error_message(body: str) -> str:
    """The message of an OpenAI- or Google-style error body, else the body's start."""
    try:
        obj = json.loads(body)
    except ValueError:
        return " ".join(body.split())[:200]
    if isinstance(obj, list) and obj:
        obj = obj[0]
    if isinstance(obj, dict):
        err = obj.get("error", obj)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("detail") or err.get("status")
            if msg:
                return " ".join(str(msg).split())[:300]
        elif isinstance(err, str):
            return " ".join(err.split())[:300]
        if obj.get("detail"):
            return " ".join(str(obj["detail"]).split())[:300]
    return " ".join(body.split())[:200]
