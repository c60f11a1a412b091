"""python -m benchmarks [startup ...] [--flags]: run the named benchmarks (all by default);
flags after the names go to each of them (`python -m benchmarks search --quick`)."""

from __future__ import annotations

import importlib
import sys

ALL = [
    "startup",
    "ai_stream",
    "synth",
    "search",
    "import_speed",
    "listing",
    "workspace",
    "serve",
    "together",
]


def main() -> None:
    args = sys.argv[1:]
    cut = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
    names, flags = args[:cut] or ALL, args[cut:]
    for name in names:
        if name not in ALL:
            sys.exit(f"unknown benchmark '{name}' (choose from {', '.join(ALL)})")
        importlib.import_module(f"benchmarks.{name}").main(flags)


if __name__ == "__main__":
    main()
