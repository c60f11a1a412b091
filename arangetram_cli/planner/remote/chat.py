"""The assistant through `arangetram serve`: ai.client's SSE chat client over the planner's
transport and error table (POST /api/v1/ai/chat/completions)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from arangetram_cli.core.errors import (
    ArangetramError,
    Unavailable,
)
from arangetram_cli.planner.remote.common import (
    CHAT_TIMEOUT,
    clean,
)

if TYPE_CHECKING:
    from arangetram_cli.planner.remote.planner import RemotePlanner


def server_chat_class() -> Any:
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


def server_chat(planner: RemotePlanner, *, debug: bool = False) -> Any:
    return server_chat_class()(planner, debug=debug)
