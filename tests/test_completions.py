"""Completions are generated from the app; stale files fail, and the live completion works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_completion_files_are_fresh():
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_completions.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout
    for ext in ("bash", "zsh", "fish"):
        assert "_ARANGETRAM_COMPLETE" in (ROOT / "completions" / f"arangetram.{ext}").read_text()


def _complete(env: dict[str, str], words: str, cword: int) -> list[str]:
    r = subprocess.run(
        [sys.executable, "-m", "arangetram_cli"],
        env={
            **env,
            "_ARANGETRAM_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    return r.stdout.split()


def test_bash_completion_answers_from_the_command_tree(env):
    assert "vendors" in _complete(env, "arangetram ven", 1)
    subs = _complete(env, "arangetram events ", 2)
    assert {"create", "list", "show", "add-vendor", "remove-vendor"} <= set(subs)
    assert "--category" in _complete(env, "arangetram vendors list --cat", 3)
