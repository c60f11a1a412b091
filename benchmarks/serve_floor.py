"""The framework floor for `python -m benchmarks serve`: a minimal FastAPI app that answers
the benchmarked paths with the very bytes `arangetram serve` answered, run by uvicorn with the
same settings as `arangetram serve` (arangetram_cli.server.transport.uvicorn_settings).

    python -m benchmarks.serve_floor --port P --bodies FILE.json
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def build(bodies: dict[str, str]) -> Any:
    from fastapi import FastAPI, Response

    vendor = bodies["vendor"].encode()
    listing = bodies["vendors"].encode()
    events = bodies["events"].encode()
    app = FastAPI()

    @app.get("/api/vendors/{vendor_id}")
    async def get_vendor(vendor_id: str) -> Response:
        return Response(vendor, media_type="application/json")

    @app.get("/api/vendors")
    async def list_vendors(category: str | None = None) -> Response:
        return Response(listing, media_type="application/json")

    @app.get("/api/events")
    async def list_events() -> Response:
        return Response(events, media_type="application/json")

    return app


def main() -> None:
    import uvicorn

    from arangetram_cli.server.limits import Limits
    from arangetram_cli.server.transport import uvicorn_settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bodies", required=True)
    args = ap.parse_args()
    with open(args.bodies, encoding="utf-8") as f:
        bodies = json.load(f)
    settings = uvicorn_settings(Limits.from_env(), "warning")
    uvicorn.run(build(bodies), host="127.0.0.1", port=args.port, **settings)


if __name__ == "__main__":
    main()
