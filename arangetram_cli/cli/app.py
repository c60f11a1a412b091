"""The root of the command tree: global options, error handling and exit codes.

Only typer is imported at module level; each command imports what it needs when it runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from arangetram_cli import __version__
from arangetram_cli.cli.context import State
from arangetram_cli.cli.output import FORMATS, Output, one_line
from arangetram_cli.core.errors import ArangetramError

EXIT_CODES = """Exit codes: 0 ok, 1 failure, 2 usage or bad input, 3 not logged in or not
allowed, 4 not found, 5 conflict, 6 service unreachable, 7 not offered by this server,
130 interrupted."""


# user:password@ in any URL an error names (an --api-url or MONGO_URL with credentials)
_URL_PASSWORD = re.compile(r"(://[^\s/@:]*:)[^\s/@]*@")


def _report(message: str, hint: str | None = None) -> None:
    line = f"error: {message}"
    if hint:
        line += f" ({hint})"
    print(_URL_PASSWORD.sub(r"\1***@", one_line(line)), file=sys.stderr)


GLOBAL_FLAGS = {"--json", "-q", "--quiet", "--debug", "--no-color", "--wide", "--csv-raw"}
GLOBAL_VALUED = {"-o", "--output", "-p", "--profile", "--api-url"}


def hoist_globals(group: Any, args: list[str]) -> list[str]:
    """Let global options stand anywhere (`arangetram vendors list --json`), as in gh and
    kubectl: those after the subcommand move to the front, unless the subcommand has an
    option of that name or the token is the value of one of its options."""
    front: list[str] = []
    rest: list[str] = []
    cmd = group
    i = 0
    while i < len(args):  # walk down the command path
        tok = args[i]
        sub = cmd.get_command(None, tok) if hasattr(cmd, "commands") else None
        if sub is not None:
            rest.append(tok)
            cmd = sub
            i += 1
            continue
        if cmd is not group and not tok.startswith("-"):
            break
        if cmd is group:
            front.append(tok)
            if tok in GLOBAL_VALUED:
                front.extend(args[i + 1 : i + 2])
                i += 1
            i += 1
            continue
        break
    if cmd is group:
        return args
    own: dict[str, bool] = {}  # option name -> takes a value
    for p in getattr(cmd, "params", []):
        for name in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ())):
            own[name] = not getattr(p, "is_flag", False) and getattr(p, "count", False) is False
    moved: list[str] = []
    tail = args[i:]
    j = 0
    while j < len(tail):
        tok = tail[j]
        if tok == "--":
            rest.extend(tail[j:])
            break
        name = tok.split("=", 1)[0]
        if name in own:
            rest.append(tok)
            if own[name] and "=" not in tok and j + 1 < len(tail):
                rest.append(tail[j + 1])
                j += 1
        elif tok in GLOBAL_FLAGS:
            moved.append(tok)
        elif name in GLOBAL_VALUED:
            moved.append(tok)
            if "=" not in tok and j + 1 < len(tail):
                moved.append(tail[j + 1])
                j += 1
        elif tok.startswith("-o") and len(tok) > 2 and not tok.startswith("--"):
            moved.append(tok)
        else:
            rest.append(tok)
        j += 1
    return front + moved + rest


# Command groups are built only when used: building the whole Typer tree costs more than
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


def _word_after(args: tuple[str, ...], name: str) -> str | None:
    """The subcommand a command line runs in group `name`: the first word after it that is
    not an option or a global option's value (`auth -p guest whoami` runs whoami). None when
    help comes first (`vendors --help list` shows the whole group)."""
    if name not in args:
        return None
    rest = iter(args[args.index(name) + 1 :])
    for word in rest:
        if word in ("-h", "--help"):
            return None
        if word in GLOBAL_VALUED:
            next(rest, None)
        elif not word.startswith("-"):
            return word
    return None


def _only(typer_app: Any, wanted: str | None) -> Any:
    """`typer_app` with just the subcommand `wanted`, when it has one of that name.

    Typer converts every command of a group into a click command up front (~2.5 ms each);
    a run needs one. Anything else (group help, a typo, completion) gets the whole group."""
    import copy

    def name(info: Any) -> str:
        return info.name or info.callback.__name__.lower().replace("_", "-")

    commands = [c for c in typer_app.registered_commands if name(c) == wanted]
    groups = [g for g in typer_app.registered_groups if g.name == wanted]
    whole = len(typer_app.registered_commands) + len(typer_app.registered_groups)
    if whole < 2 or not (commands or groups):  # a one-command app is a command, not a group
        return typer_app
    slim = copy.copy(typer_app)
    slim.registered_commands, slim.registered_groups = commands, groups
    return slim


class RootGroup(TyperGroup):
    """Loads command groups lazily, and turns every failure into one line on stderr and a
    documented exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in LAZY if n not in self.commands)]

    _listing = False

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True  # the listing needs only names and one-line help
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    _argv: tuple[str, ...] = ()  # the command line, to build only the subcommand it runs

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = self.commands.get(cmd_name)
        if cmd is not None or cmd_name not in LAZY:
            return cmd
        if self._listing:
            return TyperGroup(name=cmd_name, help=LAZY[cmd_name][1])
        import importlib

        from typer.main import get_command, get_group

        wanted = _word_after(self._argv, cmd_name)
        slims = self.__dict__.setdefault("_slims", {})  # (group, subcommand) -> a slim group
        if (cmd_name, wanted) in slims:
            return slims[cmd_name, wanted]
        full = importlib.import_module(LAZY[cmd_name][0]).app
        slim = _only(full, wanted)
        cmd = get_command(full) if slim is full else get_group(slim)
        cmd.name = cmd_name
        if slim is full:
            self.commands[cmd_name] = cmd
        else:  # good for this command line only: a root run again may invoke another one
            slims[cmd_name, wanted] = cmd
        return cmd

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        extra.pop("standalone_mode", None)
        args = list(sys.argv[1:] if args is None else args)
        self._argv = tuple(args)
        args = hoist_globals(self, args)
        debug = "--debug" in args
        code = 0
        try:
            rv = super().main(
                args=args, prog_name=prog_name or "arangetram", standalone_mode=False, **extra
            )
            code = rv if isinstance(rv, int) else 0
        except ArangetramError as e:
            _report(e.message, e.hint)
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
            _report(e.format_message().strip() or "missing command", f"see '{where}'")
            code = getattr(e, "exit_code", 2) or 2
        except BrokenPipeError:
            # the reader went away (`| head`): not an error worth a message
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            code = 0
        except Exception as e:
            if debug:
                raise
            _report(f"unexpected {type(e).__name__}: {e}", "run again with --debug for details")
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
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"arangetram {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="table, wide (every column, nothing cut), json, jsonl or csv "
            "(default: table on a terminal, json when piped).",
            metavar="FORMAT",
        ),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Same as -o json.")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="Same as -o wide.")] = False,
    csv_raw: Annotated[
        bool,
        typer.Option(
            "--csv-raw",
            help="-o csv without the apostrophe before cells a spreadsheet would run as "
            "formulas (=, +, -, @).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print bare ids only.")] = False,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            help="Named profile (default: $ARANGETRAM_PROFILE, "
            "then the config file's default_profile).",
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url", help="Talk to a server instead of the local store.", metavar="URL"
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and requests.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Plain output.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    fmt = "json" if json_ else output
    if wide and fmt in (None, "table"):
        fmt = "wide"
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(
            f"'{fmt}' is not one of {', '.join(FORMATS)}", param_hint="'--output'"
        )
    state = State(
        out=Output(fmt=fmt, quiet=quiet, color=not no_color, debug=debug, csv_raw=csv_raw),
        profile=profile,
        api_url=api_url,
        debug=debug,
    )
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    # Pydantic looks for plugins (an entry-point scan of every installed distribution) the
    # first time it builds a model in a process; this tool uses none. A value the user set,
    # to load some or all of theirs, wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
