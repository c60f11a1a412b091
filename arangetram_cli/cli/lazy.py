"""The command tree, built on demand, and the global options every command shares.

Each command group is a Click group that builds a subcommand only when a command line (or
help, or completion) asks for it by name: Click's documented LazyGroup pattern, over Typer's
public `Typer` objects. A run builds the one command it runs (~2.5 ms each in Typer).

The global options (`-o`, `--json`, `-q`, `-p`, ...) are plain Click options added to every
command and group, as gh's persistent flags: they stand anywhere, bundle with a command's own
short flags (`vendors list -qn 1`) and show in every command's help. Their values go into the
per-run State (cli/context.py), not to the command's function.
"""

from __future__ import annotations

import copy
import importlib
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo, DefaultPlaceholder, TyperInfo

from arangetram_cli.cli.context import set_global
from arangetram_cli.cli.output import FORMATS


def _remember(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
    if value is None or value is False:  # not given here (every default is None or False)
        return value
    key = (param.name or "")[2:]  # g_output -> output
    if key == "output" and value not in FORMATS:
        raise typer.BadParameter(f"'{value}' is not one of {', '.join(FORMATS)}")
    set_global(ctx, key, value)
    return value


def _globals(
    g_output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="table, wide (every column, nothing cut), json, jsonl or csv "
            "(default: table on a terminal, json when piped).",
            metavar="FORMAT",
            callback=_remember,
        ),
    ] = None,
    g_json: Annotated[
        bool, typer.Option("--json", help="Same as -o json.", callback=_remember)
    ] = False,
    g_wide: Annotated[
        bool, typer.Option("--wide", help="Same as -o wide.", callback=_remember)
    ] = False,
    g_csv_raw: Annotated[
        bool,
        typer.Option(
            "--csv-raw",
            help="-o csv without the apostrophe before cells a spreadsheet would run as "
            "formulas (=, +, -, @).",
            callback=_remember,
        ),
    ] = False,
    g_quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print bare ids only.", callback=_remember)
    ] = False,
    g_profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            help="Named profile (default: $ARANGETRAM_PROFILE, "
            "then the config file's default_profile).",
            metavar="NAME",
            callback=_remember,
        ),
    ] = None,
    g_api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            help="Talk to a server instead of the local store.",
            metavar="URL",
            callback=_remember,
        ),
    ] = None,
    g_debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks and requests.", callback=_remember)
    ] = False,
    g_no_color: Annotated[
        bool, typer.Option("--no-color", help="Plain output.", callback=_remember)
    ] = False,
) -> None:
    """The global options, declared once (as Typer options) for every command to copy."""


_TEMPLATE: list[Any] = []


def global_options() -> list[Any]:
    """Fresh copies of the global options (a Click parameter belongs to one command); their
    values go to the State (set_global), not to the command's function."""
    if not _TEMPLATE:
        one = typer.Typer(add_completion=False)
        one.command()(_globals)
        for param in typer.main.get_command(one).params:
            param.expose_value = False
            _TEMPLATE.append(param)
    return [copy.copy(p) for p in _TEMPLATE]


def add_global_options(cmd: Any) -> Any:
    """`cmd` with the global options it does not define itself (`events export -o FILE`
    keeps its own -o; its --json and -q are the global ones)."""
    taken = {o for p in cmd.params for o in (*getattr(p, "opts", ()), *p.secondary_opts)}
    for option in global_options():
        if not taken & {*option.opts, *option.secondary_opts}:
            cmd.params.append(option)
    return cmd


_DATES = {"date", "due", "on", "before", "due_before", "after", "event_date", "since", "until"}
_IDS = {"ref", "event", "vendor", "booking", "item", "task", "conv", "review", "vendor_id"}
_TYPES = {str: "TEXT", int: "INTEGER", float: "NUMBER", bool: "BOOLEAN"}


def metavar_for(param: Any) -> str | None:
    """The metavar help shows for a parameter with none set: TEXT, INTEGER, DATE, ID, PATH,
    as click and gh write them, rather than Typer's `<str>` and `<list[str]>`."""
    desc = getattr(param, "type_descriptor", None)
    if desc is None or getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    if desc.is_choice:
        return None  # the choices themselves
    name = (param.name or "").lower()
    if name in _DATES:
        return "DATE"
    if name in _IDS:
        return "ID"
    if desc.is_path:
        return "PATH"
    annotation = desc.annotation
    if desc.is_list:
        args = getattr(annotation, "__args__", ())
        annotation = args[0] if args else str
    return _TYPES.get(annotation, "VALUE")


def set_metavars(cmd: Any) -> Any:
    for param in cmd.params:
        if param.metavar is not None:
            continue
        if type(param).__name__ == "TyperOption":
            param.metavar = metavar_for(param)
        elif type(param).__name__ == "TyperArgument":  # named as in the usage line: EVENT
            param.metavar = (param.name or "").upper()
    return cmd


def _given(value: Any) -> bool:
    return value is not None and not isinstance(value, DefaultPlaceholder)


def command_name(info: CommandInfo) -> str:
    """The name Typer gives a registered command."""
    return info.name or (info.callback.__name__ if info.callback else "").lower().replace("_", "-")


# Commands of a group that live in modules of their own, imported only when one of them is
# built: Typer app -> {name: "module:attribute"} (a Typer app is a sub-group, a function a
# command). See lazy_commands().
_ELSEWHERE: dict[int, dict[str, str]] = {}


def lazy_commands(app: typer.Typer, **targets: str) -> None:
    """Register commands of `app` by where they live (`images="arangetram_cli.cli.images:app"`):
    the module is imported when a command line (or help, or completion) names one, so
    `vendors list` does not load `vendors images`. Listed after `app`'s own commands."""
    _ELSEWHERE.setdefault(id(app), {}).update(
        {name.replace("_", "-"): target for name, target in targets.items()}
    )


def _load(name: str, target: str) -> CommandInfo | TyperInfo:
    module, _, attr = target.partition(":")
    obj = getattr(importlib.import_module(module), attr)
    if isinstance(obj, typer.Typer):
        return TyperInfo(obj, name=name)
    return CommandInfo(name=name, callback=obj)


class LazyGroup(TyperGroup):
    """A command group whose subcommands are built from its Typer app when named."""

    source: typer.Typer | None = None

    def _registered(self) -> dict[str, CommandInfo | TyperInfo | str]:
        if self.source is None:
            return {}
        found: dict[str, CommandInfo | TyperInfo | str] = {
            command_name(c): c for c in self.source.registered_commands
        }
        found.update({g.name: g for g in self.source.registered_groups if g.name})
        for name, target in _ELSEWHERE.get(id(self.source), {}).items():
            found.setdefault(name, target)
        return found

    def list_commands(self, ctx: typer.Context) -> list[str]:
        names = list(self.commands)
        return names + [n for n in self._registered() if n not in names]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:
        cmd = self.commands.get(cmd_name)
        if cmd is not None or self.source is None:
            return cmd
        info = self._registered().get(cmd_name)
        if info is None:
            return None
        if isinstance(info, str):
            info = _load(cmd_name, info)
        if isinstance(info, TyperInfo):
            cmd = build(info.typer_instance, cmd_name, info)
        else:
            cmd = leaf(self.source, info)
        self.commands[cmd_name] = cmd
        return cmd


def _lazy_class(cls: Any) -> type[LazyGroup]:
    cls = cls if isinstance(cls, type) else TyperGroup
    if issubclass(cls, LazyGroup):
        return cls
    return type(f"Lazy{cls.__name__}", (LazyGroup, cls), {})


def leaf(owner: typer.Typer, info: CommandInfo) -> Any:
    """One registered command of `owner`, built alone (through a one-command Typer app)."""
    settings = owner.info.context_settings
    one = typer.Typer(
        add_completion=False,
        rich_markup_mode=owner.rich_markup_mode,
        pretty_exceptions_enable=False,
        context_settings=settings if _given(settings) else None,
    )
    one.registered_commands.append(info)
    return add_global_options(set_metavars(typer.main.get_command(one)))


def build(app: typer.Typer, name: str, placed: TyperInfo | None = None) -> Any:
    """The click command for `app` under `name`: the command itself for a one-command app,
    else a LazyGroup that builds its subcommands when named. `placed` is the add_typer()
    record when `app` sits inside another group (its name, help, ... win)."""
    if (
        not (app.registered_callback or app.info.callback or app.registered_groups)
        and len(app.registered_commands) == 1
        and placed is None
    ):
        cmd = leaf(app, app.registered_commands[0])
        cmd.name = name
        return cmd
    shell = typer.Typer(add_completion=False, rich_markup_mode=app.rich_markup_mode)
    shell.info = copy.copy(app.info)
    if placed is not None:
        for attr, value in vars(placed).items():
            if attr != "typer_instance" and _given(value):
                setattr(shell.info, attr, value)
    cls = shell.info.cls
    shell.info.cls = _lazy_class(cls.value if isinstance(cls, DefaultPlaceholder) else cls)
    shell.registered_callback = app.registered_callback
    group = typer.main.get_group(shell)
    assert isinstance(group, LazyGroup)
    group.source = app
    group.name = name
    return add_global_options(set_metavars(group))
