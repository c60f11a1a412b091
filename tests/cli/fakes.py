"""A scripted prompter: the answers a person would type, in order, for in-process runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer

from arangetram_cli.cli.prompts import Validate, check


class ScriptedPrompter:
    """Gives `answers` in order (None: the person pressed Ctrl-C). Like the terminal, it
    checks each text answer with `validate` and asks again after a bad one; `asked` records
    each question and `rejected` the reasons shown."""

    def __init__(self, answers: Sequence[Any]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []
        self.rejected: list[str] = []

    def _next(self, message: str) -> Any:
        self.asked.append(message)
        if not self.answers:
            raise AssertionError(f"no answer left for {message!r}")
        answer = self.answers.pop(0)
        if answer is None:
            raise typer.Abort()
        return answer

    def _checked(self, message: str, validate: Validate | None) -> str:
        while True:
            answer = str(self._next(message))
            reason = check(validate, answer)
            if reason is None:
                return answer
            self.rejected.append(reason)
            if len(self.rejected) >= 3 and not self.answers:
                return answer  # let IO give up as a prompter without inline checks would

    def confirm(self, message: str, *, default: bool = False) -> bool:
        return bool(self._next(message))

    def text(self, message: str, *, default: str = "", validate: Validate | None = None) -> str:
        return self._checked(message, validate) or default

    def password(self, message: str, *, validate: Validate | None = None) -> str:
        return self._checked(message, validate)

    def select(self, message: str, choices: Sequence[str], *, default: str | None = None) -> str:
        answer = str(self._next(message))
        assert answer in choices, (answer, choices)
        return answer


def prompted(answers: Sequence[Any], *args: str, input: str | None = None) -> tuple[Any, Any]:
    """Run the CLI in-process as if a person were at the terminal, answering `answers`
    (stdout stays a pipe, so output is JSON unless -o says otherwise)."""
    from typer.testing import CliRunner

    from arangetram_cli.cli.app import app
    from arangetram_cli.cli.context import State
    from arangetram_cli.cli.output import Output
    from arangetram_cli.cli.prompts import IO
    from tests.conftest import Run

    prompter = ScriptedPrompter(answers)
    obj = State(out=Output(), io=IO(prompt=True, prompter=prompter))
    r = CliRunner().invoke(app, list(args), input=input, obj=obj, catch_exceptions=False)
    return Run(r.exit_code, r.stdout, r.stderr), prompter
