"""Terminal I/O for a run (gh's IOStreams idea): whether a person is there to answer, and
the prompter that asks them.

questionary (~0.5 s of imports) is imported here only, when a question is asked. Tests give
a State an IO with a scripted prompter instead (tests/cli/fakes.py).

Answers are checked as they are typed: `validate` returns True or the reason an answer is
not good, which the terminal shows under the question, keeping what was typed. A prompter
that cannot check inline gets `TRIES` answers before the run stops with exit 2.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import typer

from arangetram_cli.core.errors import Invalid

Validate = Callable[[str], "bool | str"]
TRIES = 3


class Prompter(Protocol):
    """Asks a person. Every method raises typer.Abort on Ctrl-C or end of input."""

    def confirm(self, message: str, *, default: bool = False) -> bool: ...

    def text(self, message: str, *, default: str = "", validate: Validate | None = None) -> str: ...

    def password(self, message: str, *, validate: Validate | None = None) -> str: ...

    def select(
        self, message: str, choices: Sequence[str], *, default: str | None = None
    ) -> str: ...


def _answered(value: Any) -> Any:
    if value is None:  # questionary returns None on Ctrl-C
        raise typer.Abort()
    return value


def check(validate: Validate | None, answer: str) -> str | None:
    """None when `answer` passes, else the reason it does not."""
    if validate is None:
        return None
    verdict = validate(answer)
    if verdict is True:
        return None
    return verdict if isinstance(verdict, str) and verdict else "not a valid answer"


class QuestionaryPrompter:
    """The real prompter: questionary on the terminal, checking each answer as it is typed."""

    def confirm(self, message: str, *, default: bool = False) -> bool:
        import questionary

        return bool(_answered(questionary.confirm(message, default=default).ask()))

    def text(self, message: str, *, default: str = "", validate: Validate | None = None) -> str:
        import questionary

        kwargs: dict[str, Any] = {"default": default}
        if validate is not None:
            kwargs["validate"] = validate
        return str(_answered(questionary.text(message, **kwargs).ask()))

    def password(self, message: str, *, validate: Validate | None = None) -> str:
        import questionary

        kwargs: dict[str, Any] = {}
        if validate is not None:
            kwargs["validate"] = validate
        return str(_answered(questionary.password(message, **kwargs).ask()))

    def select(self, message: str, choices: Sequence[str], *, default: str | None = None) -> str:
        import questionary

        return str(
            _answered(questionary.select(message, choices=list(choices), default=default).ask())
        )


def is_tty(stream: Any) -> bool:
    """Whether `stream` is a terminal (False for a closed or replaced stream)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@dataclass
class IO:
    """This run's terminal: `can_prompt` when a person is at both ends (stdin and stdout are
    terminals), unless set; `prompter` asks them."""

    prompt: bool | None = None
    prompter: Prompter = field(default_factory=QuestionaryPrompter)

    @property
    def can_prompt(self) -> bool:
        if self.prompt is not None:
            return self.prompt
        return is_tty(sys.stdin) and is_tty(sys.stdout)

    @property
    def stdin_is_tty(self) -> bool:
        """Whether standard input is a terminal; also True when there is no usable
        standard input, so nothing ever waits on it."""
        try:
            return bool(sys.stdin.isatty())
        except (AttributeError, ValueError):
            return True

    def line_editing(self) -> None:
        """Line editing and history for input() (readline, where the platform has it)."""
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401

    def progress(self, quiet: bool) -> bool:
        """Progress bars only for a person watching stderr."""
        return not quiet and is_tty(sys.stderr)

    def text(self, message: str, *, default: str = "", validate: Validate | None = None) -> str:
        """An answer that passes `validate`: asked again (TRIES times in all) when the
        prompter let a bad one through."""
        for _ in range(TRIES):
            answer = self.prompter.text(message, default=default, validate=validate)
            reason = check(validate, answer)
            if reason is None:
                return answer
            print(f"  {reason}", file=sys.stderr)
        raise Invalid(f"{message.rstrip(':')}: no valid answer after {TRIES} tries")

    def password(self, message: str, *, validate: Validate | None = None) -> str:
        for _ in range(TRIES):
            answer = self.prompter.password(message, validate=validate)
            reason = check(validate, answer)
            if reason is None:
                return answer
            print(f"  {reason}", file=sys.stderr)
        raise Invalid(f"{message.rstrip(':')}: no valid answer after {TRIES} tries")

    def new_password(self, *, validate: Validate | None = None) -> str:
        """A password typed twice; a repeat that does not match asks for both again."""
        for _ in range(TRIES):
            password = self.password("Password:", validate=validate)
            if self.prompter.password("Repeat password:") == password:
                return password
            print("  the passwords do not match; type them again", file=sys.stderr)
        raise Invalid(f"the passwords did not match after {TRIES} tries")

    def confirm(self, message: str, *, default: bool = False) -> bool:
        return self.prompter.confirm(message, default=default)

    def select(self, message: str, choices: Sequence[str], *, default: str | None = None) -> str:
        return self.prompter.select(message, choices, default=default)
