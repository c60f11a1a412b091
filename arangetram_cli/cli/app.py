"""The root of the command tree: error handling and exit codes.

Command groups are imported when a command line names them (cli/lazy.py builds the one
command it runs); the global options are shared by every command (cli/lazy.py).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from arangetram_cli import __version__
from arangetram_cli.cli.context import GLOBALS, state
from arangetram_cli.cli.lazy import add_global_options, build
from arangetram_cli.cli.output import report_error
from arangetram_cli.core.errors import ArangetramError

EXIT_CODES = """Exit codes: 0 ok, 1 failure, 2 usage or bad input, 3 not logged in or not
allowed, 4 not found, 5 conflict, 6 service unreachable, 7 not offered by this server,
130 interrupted."""


# Command groups are imported only when used: building the whole Typer tree costs more than
# a command's own work (see benchmarks/startup.py). name -> (module, one-line help)
LAZY = {
    "auth": ("arangetram_cli.cli.auth", "Log in, register and manage the stored token."),
    "vendors": ("arangetram_cli.cli.vendors", "Search vendors and manage your vendor profile."),
    "events": ("arangetram_cli.cli.events", "Plan events and choose their vendors."),
    "bookings": ("arangetram_cli.cli.bookings", "Send booking requests and answer them."),
    "seed": ("arangetram_cli.cli.seed", "Load the demo catalog, or import vendors from a file."),
    "config": ("arangetram_cli.cli.config_cmd", "Show settings and manage profiles."),
    "serve": ("arangetram_cli.cli.serve", "Serve the REST API over this profile's store."),
    "ask": ("arangetram_cli.cli.ask", "Ask the AI planning assistant (streamed), or chat."),
    "tasks": (
        "arangetram_cli.cli.tasks",
        "The event's checklist: list, add, tick and reopen tasks.",
    ),
    "budget": (
        "arangetram_cli.cli.budget",
        "The event's budget: lines, quotes, payments, what-if.",
    ),
    "guests": (
        "arangetram_cli.cli.guests",
        "The event's guest list: add, import, RSVP links and answers.",
    ),
}


class RootGroup(TyperGroup):
    """Loads command groups lazily (Click's LazyGroup pattern), and turns every failure into
    one line on stderr and a documented exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_global_options(self)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY if n not in self.commands)]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The listing needs only names and one-line help: no group is imported for it."""
        rows = [(name, LAZY[name][1]) for name in LAZY]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = self.commands.get(cmd_name)
        if cmd is not None or cmd_name not in LAZY:
            return cmd
        cmd = build(importlib.import_module(LAZY[cmd_name][0]).app, cmd_name)
        self.commands[cmd_name] = cmd
        return cmd

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        extra.pop("standalone_mode", None)
        args = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in args
        code = 0
        try:
            rv = super().main(
                args=args, prog_name=prog_name or "arangetram", standalone_mode=False, **extra
            )
            code = rv if isinstance(rv, int) else 0
        except ArangetramError as e:
            report_error(e.message, e.hint)
            code = e.exit_code
        except typer.Exit as e:
            code = e.exit_code
        except typer.Abort:
            print("aborted", file=sys.stderr)
            code = 130
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            code = 130
        except typer.TyperException as e:  # click's usage errors
            ctx = getattr(e, "ctx", None)
            where = f"{ctx.command_path} --help" if ctx is not None else "arangetram --help"
            # A group run without a subcommand has printed its help already; its message
            # is empty, and a bare `error:` line would say nothing.
            report_error(e.format_message().strip() or "missing command", f"see '{where}'")
            code = getattr(e, "exit_code", 2) or 2
        except BrokenPipeError:
            # The reader went away (`| head`): no message, and exit 1 as Click does for a
            # broken pipe inside a command and as Python's docs advise (signal module notes).
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            code = 1
        except Exception as e:
            if debug:
                raise
            report_error(
                f"unexpected {type(e).__name__}: {e}", "run again with --debug for details"
            )
            code = 1
        sys.exit(code)


# Plain help, as in gh, git and kubectl: Rich-formatted help costs ~120 ms of imports on
# every --help, and every sub-app sets the same (each builds its own click group).
app = typer.Typer(
    name="arangetram",
    cls=RootGroup,
    rich_markup_mode=None,
    help="Plan an Arangetram from the terminal: vendors, events, bookings and an AI planner.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # help as wide as the terminal up to 140 columns: a summary that fits is never cut
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 140},
)


def _version(value: bool) -> None:
    if value:
        print(f"arangetram {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    # The global options were parsed into ctx.meta (see cli/lazy.py); a subcommand's copies
    # of them, parsed later, update the same State.
    st = state(ctx)
    st.configure(ctx.meta.get(GLOBALS, {}))  # a State given by the caller (tests) too
    ctx.call_on_close(st.close)


def main() -> None:
    # Pydantic looks for plugins (an entry-point scan of every installed distribution) the
    # first time it builds a model in a process; this tool uses none. A value the user set,
    # to load some or all of theirs, wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
