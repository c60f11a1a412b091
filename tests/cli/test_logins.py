"""Logins per backend and per account: a local and a remote login live side by side in one
profile; an older version's login (one per profile) keeps working; replacing another
account's login asks (terminal) or says so (script); a server that is down is exit 6, a
server you are not logged in to is exit 3."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.cli.fakes import prompted
from tests.conftest import one_error_line
from tests.server.support import PASSWORD, served  # noqa: F401 (the session's server)


def uniq() -> str:
    return uuid.uuid4().hex[:8]


def register(cli, *args: str, email: str | None = None):
    email = email or f"u{uniq()}@example.com"
    r = cli(*args, "auth", "register", "--email", email, "--name", "U", "--password-stdin",
            input=PASSWORD + "\n")  # fmt: skip
    assert r.code == 0, r.err
    return r


def creds(env) -> dict:
    return json.loads((Path(env["ARANGETRAM_CONFIG_DIR"]) / "credentials.json").read_text())


@pytest.mark.service
def test_a_local_and_a_remote_login_in_one_profile(cli, env, served) -> None:  # noqa: F811
    local_email, remote_email = f"l{uniq()}@example.com", f"r{uniq()}@example.com"
    register(cli, email=local_email)
    r = register(cli, "--api-url", served.url, email=remote_email)
    assert "replaces" not in r.err  # another backend: nothing replaced
    assert cli("auth", "whoami").json()["email"] == local_email
    remote = cli("auth", "whoami", "--api-url", served.url).json()
    assert (remote["email"], remote["backend"]) == (remote_email, served.url)
    assert len(creds(env)["logins"]["default"]) == 2

    # logging out of the server keeps the local login
    assert cli("--api-url", served.url, "auth", "logout").code == 0
    assert cli("auth", "whoami").json()["email"] == local_email
    r = cli("--api-url", served.url, "events", "list")
    one_error_line(r, 3, f"not logged in to {served.url} (profile default)")
    assert "this profile has a login to sqlite:" in r.err


def test_a_server_that_is_down_is_exit_6_not_a_login_problem(cli) -> None:
    register(cli)  # a local login only
    r = cli("--api-url", "http://127.0.0.1:9", "events", "list")
    one_error_line(r, 6, "cannot reach")


def test_an_older_versions_login_keeps_working_and_moves(cli, env) -> None:
    register(cli)
    (entry,) = creds(env)["logins"]["default"].values()
    path = Path(env["ARANGETRAM_CONFIG_DIR"]) / "credentials.json"
    old = {"token": entry["token"], "server": entry["server"]}
    path.write_text(json.dumps({"profiles": {"default": old}}))
    assert cli("auth", "whoami").code == 0
    data = creds(env)  # copied under its backend; the old entry stays for an older version
    assert data["logins"]["default"][entry["server"]]["token"] == entry["token"]
    assert data["profiles"]["default"]["token"] == entry["token"]
    assert cli("auth", "logout").code == 0  # and logout removes both
    assert creds(env)["profiles"] == {} and not creds(env)["logins"]
    # an older login of another backend is left alone, and not sent
    old["server"] = "sqlite:/elsewhere.db"
    path.write_text(json.dumps({"profiles": {"default": old}}))
    one_error_line(cli("auth", "whoami"), 3, "not logged in")
    assert creds(env)["profiles"]["default"]["server"] == "sqlite:/elsewhere.db"


def test_replacing_another_accounts_login_is_said_in_a_script(cli, env) -> None:
    register(cli, email="parent@example.com")
    r = register(cli, email="parent@example.com".replace("parent", "hall"))
    assert "warning: this replaces the login of U <parent@example.com> on profile default" in r.err
    assert cli("auth", "whoami").json()["email"] == "hall@example.com"
    # logging in again as the same account replaces nothing and says nothing
    r = cli("auth", "login", "--email", "hall@example.com", "--password-stdin",
            input=PASSWORD + "\n")  # fmt: skip
    assert r.code == 0 and "replaces" not in r.err


def test_replacing_another_accounts_login_asks_at_a_terminal(cli, env) -> None:
    register(cli, email="parent@example.com")
    register(cli, "-p", "hall", email="hall@example.com")
    login = ["auth", "login", "--email", "hall@example.com", "--password-stdin"]
    r, p = prompted([False], *login, input=PASSWORD + "\n")
    one_error_line(r, 5, "not saved: profile default keeps the login of U <parent@example.com>")
    assert p.asked == [
        "Profile default is logged in here as U <parent@example.com>. "
        "Replace that login with U <hall@example.com>?"
    ]
    assert cli("auth", "whoami").json()["email"] == "parent@example.com"
    r, _ = prompted([True], *login, input=PASSWORD + "\n")
    assert r.code == 0, r.err
    assert cli("auth", "whoami").json()["email"] == "hall@example.com"


def test_whoami_and_token_say_not_logged_in_as_every_command_does(cli) -> None:
    """`auth whoami` and `auth token` give the reason any command gives: a server that is
    down is exit 6, not a login problem."""
    register(cli)  # a local login only
    for args in (("auth", "whoami"), ("auth", "token")):
        one_error_line(cli("--api-url", "http://127.0.0.1:9", *args), 6, "cannot reach")
        r = cli("-p", "other", *args)
        one_error_line(r, 3, "not logged in (profile other)")
        assert "auth register / auth guest" in r.err


@pytest.mark.service
def test_whoami_names_the_logins_this_profile_has(cli, served) -> None:  # noqa: F811
    register(cli)  # a local login only
    for args in (("auth", "whoami"), ("auth", "token")):
        r = cli("--api-url", served.url, *args)
        one_error_line(r, 3, f"not logged in to {served.url} (profile default)")
        assert "this profile has a login to sqlite:" in r.err
