"""`arangetram auth`: register, log in, guest sessions, whoami, token, logout."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from typing import Annotated, Any

import typer

from arangetram_cli.cli.context import State, need, state
from arangetram_cli.cli.output import one_line
from arangetram_cli.cli.params import filled
from arangetram_cli.core.errors import Conflict, Invalid, Unavailable
from arangetram_cli.core.security import peek_token
from arangetram_cli.core.values import MIN_PASSWORD_CHARS

app = typer.Typer(
    rich_markup_mode=None,
    help="Log in, register and manage the stored token.",
    no_args_is_help=True,
)

USER_FIELDS = [("id", "Id"), ("name", "Name"), ("email", "Email"), ("user_type", "Type")]

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def _long_enough(text: str) -> bool | str:
    if len(text) < MIN_PASSWORD_CHARS:
        return f"at least {MIN_PASSWORD_CHARS} characters, please"
    return True


def _read_password(st: State, from_stdin: bool, *, confirm: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise Invalid("--password-stdin: standard input held no password")
        return password
    if not st.io.can_prompt:
        raise Invalid("missing password: use --password-stdin when not at a terminal")
    if confirm:  # a new password: its length is checked as it is typed
        return st.io.new_password(validate=_long_enough)
    return st.io.password("Password:")


def _ask_text(st: State, label: str) -> Any:
    return lambda: st.io.text(label, validate=filled).strip()


def _label(user: dict[str, Any]) -> str:
    who = str(user.get("name") or "")
    if user.get("email") and user.get("user_type") != "guest":
        who = f"{who} <{user['email']}>".strip()
    return who


def _replacing(st: State, user: dict[str, Any]) -> None:
    """A new login replaces this profile's login to this backend: when that was another
    account's, ask a person first (no: exit 5, nothing saved), or say so on stderr."""
    if st.settings.env_token:
        return
    try:
        previous = st.credentials().load()
    except Unavailable:
        return
    if previous is None:
        return
    old_id = previous.user.get("id") or peek_token(previous.token).get("user_id")
    if not old_id or old_id == user.get("id"):
        return
    profile = st.settings.profile
    old = _label(previous.user) or "another account"
    new = _label(user)
    if not st.io.can_prompt:  # said even with -q: a login is about to be lost
        print(
            one_line(
                f"warning: this replaces the login of {old} on profile {profile} "
                "(keep both: log in with --profile NAME)"
            ),
            file=sys.stderr,
        )
        return
    if not st.io.confirm(
        f"Profile {profile} is logged in here as {old}. Replace that login with {new}?",
        default=False,
    ):
        raise Conflict(
            f"not saved: profile {profile} keeps the login of {old}",
            hint="log in with another profile: arangetram --profile NAME auth login",
        )


def _logged_in(st: State, session: dict[str, Any], verb: str) -> None:
    user = session["user"]
    _replacing(st, user)
    where = st.credentials().save(session["token"], user)
    who = _label(user)
    st.out.success(
        f"{verb} as {who} ({user['user_type']}), profile {st.settings.profile}; "
        f"token kept in {where}"
    )
    st.out.item(user, USER_FIELDS, title="Account")


@app.command()
def register(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Option(help="Your email address.")] = None,
    name: Annotated[str | None, typer.Option(help="Your name (or the family's).")] = None,
    vendor: Annotated[bool, typer.Option("--vendor", help="A vendor account.")] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account and log in."""
    st = state(ctx)
    email = need(st, email, "--email", _ask_text(st, "Email:"))
    name = need(st, name, "--name", _ask_text(st, "Name:"))
    password = _read_password(st, password_stdin, confirm=True)
    session = st.planner().register(email, name, password, "vendor" if vendor else "user")
    _logged_in(st, session, "Registered and logged in")


@app.command()
def login(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Option(help="Your email address.")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Log in and keep the token in the OS keyring."""
    st = state(ctx)
    email = need(st, email, "--email", _ask_text(st, "Email:"))
    password = _read_password(st, password_stdin, confirm=False)
    session = st.planner().login(email, password)
    _logged_in(st, session, "Logged in")


@app.command()
def guest(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="A display name.")] = "Guest",
) -> None:
    """Start a throw-away guest session (expires after a day)."""
    st = state(ctx)
    _logged_in(st, st.planner().guest(name), "Started a guest session")


@app.command()
def whoami(ctx: typer.Context) -> None:
    """Who you are, on which profile and backend, and where the token comes from."""

    st = state(ctx)
    stored = st.stored_token()
    if stored is None:
        raise st.not_logged_in()
    user = st.planner(auth=True).me()
    exp = peek_token(stored.token).get("exp")
    expires = "unknown"
    if isinstance(exp, int | float) and not isinstance(exp, bool):  # the web app's is a float
        # a far-future timestamp stays "unknown"
        with contextlib.suppress(OverflowError, ValueError, OSError):
            expires = dt.datetime.fromtimestamp(exp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    info = {
        **{k: user.get(k) for k in ("id", "name", "email", "user_type")},
        "profile": st.settings.profile,
        "backend": st.settings.server_key,
        "token_source": stored.source,
        "token_expires": expires,
    }
    st.out.item(
        info,
        [
            ("name", "Name"),
            ("email", "Email"),
            ("user_type", "Type"),
            ("id", "Id"),
            ("profile", "Profile"),
            ("backend", "Backend"),
            ("token_source", "Token from"),
            ("token_expires", "Expires"),
        ],
        title="Logged in",
    )


@app.command()
def token(ctx: typer.Context) -> None:
    """Print the current token (for scripts: `curl -H "Authorization: Bearer $(...)"`)."""
    st = state(ctx)
    stored = st.stored_token()
    if stored is None:
        raise st.not_logged_in()
    print(stored.token)


@app.command()
def logout(ctx: typer.Context) -> None:
    """Forget this profile's login to this backend (its logins elsewhere stay)."""
    st = state(ctx)
    if st.credentials().delete():
        st.out.success(f"Logged out of profile {st.settings.profile} ({st.settings.server_key})")
    else:
        st.out.note(f"profile {st.settings.profile} had no stored token")
    if st.settings.env_token:
        st.out.note("ARANGETRAM_TOKEN is still set in the environment")
