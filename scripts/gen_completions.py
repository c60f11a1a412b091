"""Write completions/arangetram.{bash,zsh,fish} from the app (tests fail when they are stale).

Run: python scripts/gen_completions.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from typer._completion_shared import get_completion_script

ROOT = Path(__file__).resolve().parent.parent
SHELLS = {"bash": "bash", "zsh": "zsh", "fish": "fish"}


def scripts() -> dict[Path, str]:
    return {
        ROOT / "completions" / f"arangetram.{ext}": get_completion_script(
            prog_name="arangetram", complete_var="_ARANGETRAM_COMPLETE", shell=shell
        ).rstrip("\n")
        + "\n"
        for shell, ext in SHELLS.items()
    }


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for path, text in scripts().items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path.name)
        if not check:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    if check and stale:
        print(f"stale completions: {', '.join(stale)}; run python scripts/gen_completions.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
