"""python -m benchmarks [startup ...]: run the named benchmarks (all by default)."""

from __future__ import annotations

import importlib
import sys

ALL = ["startup"]


def main() -> None:
    names = [a for a in sys.argv[1:] if not a.startswith("-")] or ALL
    for name in names:
        if name not in ALL:
            sys.exit(f"unknown benchmark '{name}' (choose from {', '.join(ALL)})")
        importlib.import_module(f"benchmarks.{name}").main([])


if __name__ == "__main__":
    main()
