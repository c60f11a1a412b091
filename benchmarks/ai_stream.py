"""Streaming an AI answer: latency to the first character, and render cost per chunk.

1. First byte to first character: a loopback HTTP server streams OpenAI-style SSE chunks; the
   time from the client receiving the first byte of the stream to the first visible character
   written to the console (a Rich Console on an in-memory file, force_terminal=True).
2. Render cost per chunk for answers of 100, 1,000 and 5,000 chunks (realistic Markdown:
   headings, paragraphs, lists, tables, code), fed straight into the renderer. "mean" is the
   whole answer's cost divided by its chunks; "tail" is the mean cost of its last 100 chunks,
   which is what must not grow with the length of the answer. Rows:
   - blocks (default): arangetram's renderer, live refresh throttled to 50 ms;
   - blocks, every chunk: the same, refreshing the live view on every chunk (worst case);
   - naive: a Rich Live re-parsing the whole answer as Markdown on every chunk (the approach
     that slows down as the answer grows), for comparison; its tail is the last 20 chunks
     (100 would take minutes at 5,000).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from arangetram_cli.ai.client import ChatClient, ProviderConfig
from arangetram_cli.ai.render import MarkdownStream, PlainStream

_VISIBLE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|[\s\x00-\x1f]")


def _console(file: Any) -> Any:
    from rich.console import Console

    return Console(file=file, force_terminal=True, width=100, height=40, color_system="truecolor")


# ---- a synthetic answer --------------------------------------------------------------------
_BLOCKS = [
    "## Venue\n\nBook **Lotus Bloom Performing Arts Hall** in Fremont: a 450-seat hall with a "
    "sprung wood stage and two green rooms, about $3,500 to $5,500.\n\n",
    "- Confirm the *stage size* (30 ft or more)\n- Ask about the green rooms\n- Check parking\n\n",
    "| Category | Estimate |\n|---|---|\n| Venue | $3,500-$5,500 |\n"
    "| Orchestra | $1,800-$2,800 |\n\n",
    "```text\nMonth 12: venue\nMonth 11: orchestra\nMonth 8: photo and video\n```\n\n",
    "The orchestra (nattuvangam, vocal, mridangam, violin, flute) needs two or three rehearsals "
    "with the dancer; book them before the invitations go out.\n\n",
]


def _cycled(chars: int) -> str:
    text = ""
    i = 0
    while len(text) < chars:
        text += _BLOCKS[i % len(_BLOCKS)]
        i += 1
    return text[:chars]


def answer_chunks(n: int, size: int = 6, tail: int = 100) -> list[str]:
    """n chunks of about `size` characters (a token or two each) of Markdown. The last `tail`
    chunks are the same text whatever n is (after the earlier blocks are closed), so their
    cost compares like with like across answer lengths."""
    head_n = max(0, n - tail)
    head = _cycled(head_n * size)
    chunks = [head[k * size : (k + 1) * size] for k in range(head_n)]
    if chunks:
        if head.count("```") % 2:
            chunks[-1] += "\n```"
        chunks[-1] += "\n\n"
    rest = _cycled((n - head_n) * size)
    return chunks + [rest[k * size : (k + 1) * size] for k in range(n - head_n)]


# ---- 1. first byte to first character ------------------------------------------------------
class _Server:
    def __init__(self, chunks: list[str]) -> None:
        body = (
            "".join(
                "data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": c}}]}) + "\n\n"
                for c in chunks
            )
            + "data: [DONE]\n\n"
        )
        payload = body.encode()

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                self.wfile.flush()
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Screen(io.StringIO):
    """Records when the first visible character is written."""

    def __init__(self) -> None:
        super().__init__()
        self.first_visible: float | None = None

    def write(self, s: str) -> int:
        if self.first_visible is None and _VISIBLE.sub("", s):
            self.first_visible = time.perf_counter()
        return super().write(s)

    def isatty(self) -> bool:
        return True


def first_char_latency(url: str, *, markdown: bool) -> float:
    cfg = ProviderConfig("bench", url, "m", None, "", 10)
    client = ChatClient(cfg)
    screen = _Screen()
    r = MarkdownStream(_console(screen), auto_refresh=False) if markdown else PlainStream(screen)
    for text in client.stream([{"role": "user", "content": "q"}]):
        r.feed(text)
        if screen.first_visible is not None:
            break  # the rest does not matter here
    r.finish()
    assert client.first_byte_at is not None and screen.first_visible is not None
    return screen.first_visible - client.first_byte_at


# ---- 2. render cost per chunk --------------------------------------------------------------
def blocks_cost(chunks: list[str], min_interval: float) -> tuple[float, float]:
    r = MarkdownStream(_console(io.StringIO()), auto_refresh=False, min_interval=min_interval)
    tail = max(0, len(chunks) - 100)
    t0 = time.perf_counter()
    t_tail = t0
    for i, c in enumerate(chunks):
        if i == tail:
            t_tail = time.perf_counter()
        r.feed(c)
    t_end = time.perf_counter()
    r.finish()
    total = time.perf_counter() - t0
    return total / len(chunks), (t_end - t_tail) / (len(chunks) - tail)


def naive_cost(chunks: list[str], last: int = 20) -> float:
    """Per-chunk cost of the last `last` chunks when every chunk re-parses the whole answer."""
    from rich.live import Live
    from rich.markdown import Markdown

    console = _console(io.StringIO())
    start = max(0, len(chunks) - last)
    text = "".join(chunks[:start])
    with Live(console=console, auto_refresh=False, vertical_overflow="visible") as live:
        live.update(Markdown(text), refresh=True)
        t0 = time.perf_counter()
        for c in chunks[start:]:
            text += c
            live.update(Markdown(text), refresh=True)
        return (time.perf_counter() - t0) / (len(chunks) - start)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=21, help="latency samples")
    ap.add_argument("--sizes", default="100,1000,5000", help="answer lengths in chunks")
    ap.add_argument("--repeat", type=int, default=5, help="runs per render figure (median)")
    ap.add_argument("--quick", action="store_true", help="5 latency samples, 100 and 1,000")
    args, _ = ap.parse_known_args(argv)  # `python -m benchmarks` passes every flag to all
    if args.quick:
        args.rounds, args.sizes, args.repeat = 5, "100,1000", 1
    sizes = [int(s) for s in args.sizes.split(",") if s]

    print(f"ai stream (python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
    server = _Server(answer_chunks(200))
    try:
        for label, md in (("markdown (terminal)", True), ("plain (pipe)", False)):
            first_char_latency(server.url, markdown=md)  # warm imports and caches
            lat = [first_char_latency(server.url, markdown=md) for _ in range(args.rounds)]
            lat.sort()
            print(
                f"  first byte -> first character, {label:20s} median "
                f"{statistics.median(lat) * 1000:6.2f} ms   p90 "
                f"{lat[int(len(lat) * 0.9) - 1] * 1000:6.2f} ms   ({args.rounds} runs)"
            )
    finally:
        server.close()

    print(
        "  render cost per chunk (µs): mean over the answer / mean of its last 100 chunks "
        f"(the same text at every length; median of {args.repeat} runs)"
    )
    blocks_cost(answer_chunks(200), 0.05)  # warm
    rows: dict[str, list[str]] = {"blocks (default)": [], "blocks, every chunk": [], "naive": []}
    naive = "naive (tail: last 20)"
    rows[naive] = rows.pop("naive")
    for n in sizes:
        chunks = answer_chunks(n)
        for name, interval in (("blocks (default)", 0.05), ("blocks, every chunk", 0.0)):
            runs = [blocks_cost(chunks, interval) for _ in range(args.repeat)]
            mean = statistics.median(r[0] for r in runs)
            tail = statistics.median(r[1] for r in runs)
            rows[name].append(f"{mean * 1e6:7.0f} /{tail * 1e6:6.0f}")
        rows[naive].append(f"      - /{naive_cost(chunks) * 1e6:6.0f}")
    print("    " + " " * 22 + "".join(f"{n:>15,} chunks" for n in sizes))
    for name, cells in rows.items():
        print(f"    {name:22s}" + "".join(f"{c:>22s}" for c in cells))


if __name__ == "__main__":
    main()
