"""Per-run state shared by the commands: output options, settings, the planner.

The edge to the planners, stores and token storage: those are imported when first used, so
`--help` and commands that need no planner load none of them (tests/cli/
test_startup_imports.py, benchmarks/startup.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from arangetram_cli.cli.output import Output
from arangetram_cli.cli.prompts import IO
from arangetram_cli.core.errors import AuthRequired, Invalid, Unavailable

if TYPE_CHECKING:
    from arangetram_cli.config import Settings
    from arangetram_cli.credentials import Credentials, StoredToken
    from arangetram_cli.planner.base import Planner


GLOBALS = "arangetram.globals"  # ctx.meta key: the global options given so far


@dataclass
class State:
    out: Output
    profile: str | None = None
    api_url: str | None = None
    debug: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    io: IO = field(default_factory=IO)

    def configure(self, options: dict[str, Any]) -> None:
        """Apply the global options given so far (the root's, then a group's, then the
        command's: a later one wins)."""
        self.options = dict(options)
        fmt = "json" if options.get("json") else options.get("output")
        if options.get("wide") and fmt in (None, "table"):
            fmt = "wide"
        debug = bool(options.get("debug"))
        out = Output(
            fmt=fmt,
            quiet=bool(options.get("quiet")),
            color=not options.get("no_color"),
            debug=debug,
            csv_raw=bool(options.get("csv_raw")),
        )
        self.out.__dict__.update(vars(out))  # the same object: a command may hold it
        if (options.get("profile"), options.get("api_url")) != (self.profile, self.api_url):
            self._settings = None
        self.profile, self.api_url = options.get("profile"), options.get("api_url")
        self.debug = debug

    _settings: Settings | None = None
    _planner: Any = None
    _stored: Any = field(default=None)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from arangetram_cli.config import load_settings

            self._settings = load_settings(self.profile, api_url=self.api_url)
        return self._settings

    def credentials(self) -> Credentials:
        from arangetram_cli.credentials import Credentials

        return Credentials(self.settings)

    def stored_token(self) -> StoredToken | None:
        """The token for this profile, if it was issued by the backend we talk to now."""
        if self._stored is None:
            from arangetram_cli.config import same_backend
            from arangetram_cli.credentials import KeyringUnavailable

            try:
                stored = self.credentials().load()
            except KeyringUnavailable as e:
                raise Unavailable(f"keyring: {e}") from None
            if stored and stored.server and not same_backend(stored.server, self.settings):
                if self.debug:
                    print(f"debug: ignoring a token issued by {stored.server}", file=sys.stderr)
                stored = None
            self._stored = stored or False
        return self._stored or None

    def planner(self, *, auth: bool = False) -> Planner:
        """The planner for this profile. The stored token is read (from the keyring, which is
        slow to import) only for commands that need a login; with auth=True a missing login is
        an error now, before any work is done."""
        if self._planner is None:
            self._planner = open_planner(self.settings, debug=self.debug)
        if auth and self._planner.token is None:
            stored = self.stored_token()
            if stored is None:
                raise self.not_logged_in()
            self._planner.token = stored.token
        return self._planner

    def not_logged_in(self) -> Exception:
        """Why a command that needs a login cannot run: a server that does not answer at all
        is exit 6 (it is down, not you); else not logged in to this backend (exit 3), naming
        the backends this profile does have a login to."""
        s = self.settings
        if s.mode != "remote":
            return AuthRequired(
                f"not logged in (profile {s.profile})",
                hint="run: arangetram auth login (or auth register / auth guest)",
            )
        self.planner().reachable()  # raises Unavailable when nothing answers there
        others = self.credentials().others()
        where = f"; this profile has a login to {', '.join(others)}" if others else ""
        return AuthRequired(
            f"not logged in to {s.server_key} (profile {s.profile}){where}",
            hint=f"run: arangetram --api-url {s.server_key} auth login",
        )

    def close(self) -> None:
        if self._planner is not None:
            self._planner.close()
            self._planner = None


def open_planner(settings: Settings, *, debug: bool = False) -> Planner:
    """The planner for this profile's backend, not logged in yet (State.planner sets the
    token when a command needs one)."""
    if settings.mode == "remote":
        from arangetram_cli.planner.remote import RemotePlanner

        return RemotePlanner(settings.api_url or "", debug=debug)
    from arangetram_cli.planner.local import LocalPlanner

    return LocalPlanner(open_store(settings), secret_for(settings))


def open_store(settings: Settings) -> Any:
    if settings.mode == "mongo":
        from arangetram_cli.store.mongo import MongoStore

        timeout = int(os.environ.get("ARANGETRAM_MONGO_TIMEOUT_MS", "3000") or 3000)
        return MongoStore(settings.mongo_url or "", settings.db_name, timeout_ms=timeout)
    return open_sqlite(settings.db_path)


def open_sqlite(path: Any) -> Any:
    """The SQLite store at `path` (sqlite3 is imported only then)."""
    from arangetram_cli.store.sqlite import SqliteStore

    return SqliteStore(path)


def secret_for(settings: Settings) -> Any:
    """JWT_SECRET, or (lazily, on first use) the generated secret beside the data."""
    if settings.jwt_secret:
        if len(settings.jwt_secret) < 32:
            raise Invalid("JWT_SECRET is too short: use at least 32 random characters")
        return settings.jwt_secret

    def load() -> str:
        from arangetram_cli.core.security import load_or_create_secret

        return load_or_create_secret(settings.secret_path)

    return load


def state(ctx: typer.Context) -> State:
    """This run's State, made from the global options parsed so far on first use."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State(out=Output())
        root.obj.configure(ctx.meta.get(GLOBALS, {}))
    return root.obj


def set_global(ctx: typer.Context, key: str, value: Any) -> None:
    """Record a global option wherever it stood on the command line."""
    given = ctx.meta.setdefault(GLOBALS, {})  # ctx.meta is shared by the whole run
    given[key] = value
    root = ctx.find_root()
    if isinstance(root.obj, State):
        root.obj.configure(given)


def need(st: State, value: Any, flag: str, ask: Callable[[], Any] | None = None) -> Any:
    """A required value: the flag, else `ask()` when a person is there, else exit 2."""
    if value not in (None, ""):
        return value
    if ask is not None and st.io.can_prompt:
        answer = ask()
        if answer not in (None, ""):
            return answer
    raise Invalid(f"missing {flag}")
