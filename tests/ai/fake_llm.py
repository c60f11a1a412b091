"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions streaming protocol
badly on purpose: pauses, malformed lines, errors mid-stream, cut connections, 401, 429,
and a server that never answers. Tests set `server.script` to a list of steps."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def chunk(text: str, finish: str | None = None) -> str:
    obj = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "fake",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }
    return f"data: {json.dumps(obj)}\n\n"


DONE = "data: [DONE]\n\n"


@dataclass
class Status:
    """Answer with this status and JSON body instead of a stream."""

    code: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Pause:
    seconds: float


@dataclass
class Raw:
    text: str


class Hang:
    """Never answer (until the server stops)."""


class Cut:
    """Close the connection right here (no [DONE])."""


class ChunkedAbort:
    """Use chunked transfer encoding and stop in the middle of a chunk."""


class JsonReply:
    def __init__(self, text: str) -> None:
        self.text = text


def stream(*texts: str, done: bool = True, pause: float = 0.0) -> list[Any]:
    steps: list[Any] = []
    for t in texts:
        steps.append(Raw(chunk(t)))
        if pause:
            steps.append(Pause(pause))
    if done:
        steps.append(Raw(DONE))
    return steps


class FakeLLM:
    def __init__(self) -> None:
        self.script: list[Any] = stream("Hello", " from", " the fake model.")
        self.requests: list[dict[str, Any]] = []
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                outer.requests.append(
                    {"path": self.path, "headers": dict(self.headers.items()), "body": body}
                )
                outer.serve(self, list(outer.script))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def start(self) -> FakeLLM:
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def serve(self, h: BaseHTTPRequestHandler, steps: list[Any]) -> None:
        first = steps[0] if steps else None
        if isinstance(first, Hang):
            self.stop.wait(30)
            return
        if isinstance(first, Status):
            payload = json.dumps(first.body).encode()
            h.send_response(first.code)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            for k, v in first.headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(payload)
            return
        if isinstance(first, JsonReply):
            payload = json.dumps(
                {
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": first.text},
                            "finish_reason": "stop",
                        }
                    ],
                }
            ).encode()
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload)
            return
        chunked = any(isinstance(s, ChunkedAbort) for s in steps)
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.flush()
        for step in steps:
            if isinstance(step, Pause):
                if self.stop.wait(step.seconds):
                    return
            elif isinstance(step, Raw):
                data = step.text.encode()
                if chunked:
                    data = f"{len(data):x}\r\n".encode() + data + b"\r\n"
                try:
                    h.wfile.write(data)
                    h.wfile.flush()
                except OSError:
                    return
            elif isinstance(step, ChunkedAbort):
                h.wfile.write(b'40\r\ndata: {"cho')  # promises 64 bytes, sends 14, hangs up
                h.wfile.flush()
                break
            elif isinstance(step, Cut):
                break
        if chunked and not any(isinstance(s, ChunkedAbort) for s in steps):
            h.wfile.write(b"0\r\n\r\n")
        h.close_connection = True
        time.sleep(0.01)
