"""Token storage: keyring first, an owner-only file when no keyring works, ARANGETRAM_TOKEN
over both, and tokens bound to the backend that issued them.

Every test pins the keyring to a backend defined here (or one of keyring's own fail/null
backends) with `keyring.set_keyring`, and the fixture puts the previous one back, so the
user's real keyring is never touched. The test backends have priority -1: keyring never
picks them (or chains them) on its own.
"""

from __future__ import annotations

import json
import stat
import sys
import threading
import time
from pathlib import Path
from typing import Any

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.backends.chainer import ChainerBackend

from arangetram_cli.cli.context import State
from arangetram_cli.cli.output import Output
from arangetram_cli.config import load_settings
from arangetram_cli.core.errors import Unavailable
from arangetram_cli.credentials import (
    MEMO_FILE,
    SERVICE,
    Credentials,
    KeyringUnavailable,
    backend_name,
    keyringrc_path,
)

PW = "correct horse battery\n"
NOTE = "note: no usable OS keyring"


class MemoryKeyring(KeyringBackend):
    """A working keyring that lives in a dict."""

    priority = -1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.items[(service, username)]


class DroppingKeyring(MemoryKeyring):
    """Accepts every write and keeps none (like null.Keyring, but not named so)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        pass


class HangingKeyring(MemoryKeyring):
    """A locked Secret Service waiting on a prompt nobody answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(30)


class Chain(ChainerBackend):
    """keyring's ChainerBackend over the members given (it normally finds its own)."""

    priority = -1

    def __init__(self, *members: KeyringBackend) -> None:
        super().__init__()
        self.members = list(members)

    @property
    def backends(self) -> list[KeyringBackend]:  # type: ignore[override]
        return self.members


@pytest.fixture
def use_keyring(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Isolated dirs (conftest's `env`), ARANGETRAM_CREDENTIALS=auto, and a pinned keyring."""
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "auto")
    monkeypatch.setenv("ARANGETRAM_KEYRING_TIMEOUT", "5")
    # put back whatever keyring the process had (or none yet) after the test
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)

    def use(kr: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(kr)
        return kr

    return use


def creds() -> Credentials:
    return Credentials(load_settings())


def cred_file(env: dict[str, str]) -> Path:
    return Path(env["ARANGETRAM_CONFIG_DIR"]) / "credentials.json"


def file_profiles(env: dict[str, str]) -> dict[str, Any]:
    """profile -> its file entry (each test's profiles have one backend at most)."""
    path = cred_file(env)
    data = json.loads(path.read_text()) if path.exists() else {}
    out = dict(data.get("profiles", {}))
    for profile, by_backend in data.get("logins", {}).items():
        for entry in by_backend.values():
            out[profile] = entry
    return out


def key(profile: str = "default") -> tuple[str, str]:
    """The keyring entry of a profile's login to its backend."""
    return (SERVICE, f"{profile}@{load_settings(profile).server_key}")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---- falling back to the file ----------------------------------------------------------------


def test_fail_backend_falls_back_to_an_owner_only_file(use_keyring, env, capsys):
    use_keyring(fail.Keyring())
    where = creds().save("tok.en.one")
    assert where == f"file {cred_file(env)}"
    assert file_profiles(env)["default"]["token"] == "tok.en.one"
    config_dir = Path(env["ARANGETRAM_CONFIG_DIR"])
    files = sorted(p for p in config_dir.rglob("*") if p.is_file())
    # no temporary file left behind; beside the token, the memo that no keyring works here
    assert files == [cred_file(env), config_dir / MEMO_FILE]
    assert all(mode(p) == 0o600 for p in files), {str(p): oct(mode(p)) for p in files}

    err = capsys.readouterr().err
    assert err.count(NOTE) == 1 and str(cred_file(env)) in err
    assert "tok.en.one" not in err

    # the note is one-time: later saves (new processes too) say nothing
    creds().save("tok.en.two")
    assert capsys.readouterr().err == ""
    assert mode(cred_file(env)) == 0o600

    stored = creds().load()
    assert stored is not None
    assert (stored.token, stored.source) == ("tok.en.two", f"file {cred_file(env)}")
    assert stored.server == load_settings().server_key


def test_file_mode_says_nothing_about_a_missing_keyring(use_keyring, env, monkeypatch, capsys):
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "file")
    kr = use_keyring(MemoryKeyring())
    assert creds().save("tok.en.one").startswith("file ")
    assert kr.items == {}  # file mode never asks the keyring
    assert capsys.readouterr().err == ""


def test_null_backend_is_detected(use_keyring, env):
    use_keyring(null.Keyring())
    assert creds().save("tok.en.one").startswith("file ")
    assert creds().load().token == "tok.en.one"


def test_an_automatic_keyrings_alt_file_backend_is_not_an_os_keyring(
    use_keyring, env, monkeypatch, tmp_path
):
    from keyrings.alt.file import PlaintextKeyring

    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "plain.cfg")
    use_keyring(plain)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")  # picked by keyring, not by the user
    assert creds().save("tok.en.one").startswith("file ")
    assert not (tmp_path / "plain.cfg").exists()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    assert creds().save("tok.en.two") == "keyring (PlaintextKeyring)"  # chosen: honoured


def test_a_backend_that_drops_writes_is_detected(use_keyring, env, capsys):
    use_keyring(DroppingKeyring())
    assert creds().save("tok.en.one").startswith("file ")
    assert NOTE in capsys.readouterr().err
    assert creds().load().token == "tok.en.one"


def test_a_hanging_keyring_times_out_to_the_file(use_keyring, env, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_KEYRING_TIMEOUT", "1")
    kr = use_keyring(HangingKeyring())
    try:
        started = time.monotonic()
        assert creds().save("tok.en.one").startswith("file ")
        stored = creds().load()
        elapsed = time.monotonic() - started
    finally:
        kr.release.set()  # let the abandoned threads finish
    assert stored is not None and stored.token == "tok.en.one"
    assert elapsed < 10, elapsed  # two calls of 1 s each, not 30 s


def test_required_keyring_without_a_backend_is_a_clear_error(use_keyring, env, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "keyring")
    use_keyring(fail.Keyring())
    for call in (lambda c: c.save("tok.en.one"), Credentials.load, Credentials.delete):
        with pytest.raises(KeyringUnavailable) as info:
            call(creds())
        assert isinstance(info.value, Unavailable) and info.value.exit_code == 6
        assert "ARANGETRAM_CREDENTIALS=keyring" in str(info.value)
        assert "no usable keyring backend" in str(info.value)
    assert not cred_file(env).exists()  # no silent fallback


def test_required_keyring_that_drops_writes_is_an_error(use_keyring, env, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "keyring")
    use_keyring(DroppingKeyring())
    with pytest.raises(KeyringUnavailable, match="did not keep the token"):
        creds().save("tok.en.one")
    assert not cred_file(env).exists()


# ---- the keyring -----------------------------------------------------------------------------


def test_a_working_keyring_holds_the_token_and_no_file_does(use_keyring, env, capsys):
    kr = use_keyring(MemoryKeyring())
    assert creds().save("tok.en.one") == "keyring (MemoryKeyring)"
    entry = json.loads(kr.items[key()])
    assert entry == {"token": "tok.en.one", "server": load_settings().server_key}
    assert not cred_file(env).exists()
    assert capsys.readouterr().err == ""
    stored = creds().load()
    assert (stored.token, stored.source) == ("tok.en.one", "keyring (MemoryKeyring)")


def test_a_chained_keyring_is_named_by_the_member_holding_the_token(use_keyring, env):
    first, second = MemoryKeyring(), MemoryKeyring()
    use_keyring(Chain(first, second))
    assert creds().save("tok.en.one") == "keyring (MemoryKeyring)"
    assert key() in first.items and not second.items
    assert creds().load().source == "keyring (MemoryKeyring)"


def test_a_bare_token_stored_by_hand_still_loads(use_keyring, env):
    kr = use_keyring(MemoryKeyring())
    kr.set_password(SERVICE, "default", "hand.made.token")
    stored = creds().load()
    assert (stored.token, stored.server) == ("hand.made.token", "")
    # no issuer recorded: used with whatever backend is configured
    assert State(out=Output()).stored_token().token == "hand.made.token"


def test_saving_to_the_keyring_forgets_the_file_copy(use_keyring, env, monkeypatch):
    use_keyring(MemoryKeyring())
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "file")
    creds().save("old.file.token")
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "auto")
    creds().save("new.keyring.token")
    assert file_profiles(env) == {}
    assert creds().load().token == "new.keyring.token"


def test_logout_deletes_from_the_keyring_and_the_file(use_keyring, env, monkeypatch):
    kr = use_keyring(MemoryKeyring())
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "file")
    creds().save("file.token.x")
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "auto")
    kr.set_password(SERVICE, "default", json.dumps({"token": "kr.token.x", "server": ""}))

    assert creds().delete() is True
    assert kr.items == {}
    assert file_profiles(env) == {}
    assert creds().load() is None
    assert creds().delete() is False  # nothing left to remove


def test_profiles_are_separate_entries(use_keyring, env, monkeypatch):
    kr = use_keyring(MemoryKeyring())
    creds().save("tok.default.x")
    monkeypatch.setenv("ARANGETRAM_PROFILE", "work")
    assert creds().load() is None
    creds().save("tok.work.x")
    assert set(kr.items) == {key("default"), key("work")}


def test_a_token_is_only_used_with_the_backend_that_issued_it(use_keyring, env, monkeypatch):
    use_keyring(MemoryKeyring())
    creds().save("tok.db.one")
    assert State(out=Output()).stored_token().token == "tok.db.one"
    # another database for the same profile: that backend has no login, this one keeps its
    monkeypatch.setenv("ARANGETRAM_DB", str(Path(env["ARANGETRAM_DATA_DIR"]) / "other.db"))
    assert creds().load() is None
    assert State(out=Output()).stored_token() is None
    assert State(out=Output(), api_url="http://127.0.0.1:9").stored_token() is None
    monkeypatch.delenv("ARANGETRAM_DB")
    # another profile: no entry at all
    assert State(out=Output(), profile="other").stored_token() is None


def test_the_environment_token_overrides_both(use_keyring, env, monkeypatch):
    kr = use_keyring(MemoryKeyring())
    creds().save("kr.token.x")
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "file")
    creds().save("file.token.x")
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "auto")
    monkeypatch.setenv("ARANGETRAM_TOKEN", "env.token.x")
    stored = creds().load()
    assert (stored.token, stored.source) == ("env.token.x", "environment variable ARANGETRAM_TOKEN")
    assert State(out=Output(), profile="other").stored_token().token == "env.token.x"
    assert kr.items  # overriding is not deleting


# ---- through the CLI -------------------------------------------------------------------------


def register(cli: Any, email: str = "k@example.com") -> Any:
    r = cli("auth", "register", "--email", email, "--name", "K", "--password-stdin", input=PW)
    assert r.code == 0, r.err
    return r


def test_the_cli_prints_the_token_only_when_asked(use_keyring, cli):
    kr = use_keyring(MemoryKeyring())
    runs = [register(cli)]
    assert "token kept in keyring (MemoryKeyring)" in runs[0].err
    token = json.loads(kr.items[key()])["token"]
    assert token.count(".") == 2

    runs.append(cli("auth", "login", "--email", "k@example.com", "--password-stdin", input=PW))
    assert runs[-1].code == 0, runs[-1].err
    token = json.loads(kr.items[key()])["token"]  # a fresh one
    runs.append(cli("auth", "whoami", "--json"))
    assert runs[-1].json()["token_source"] == "keyring (MemoryKeyring)"
    runs.append(cli("auth", "whoami", "-o", "table"))
    runs.append(cli("auth", "whoami", "-o", "csv"))
    runs.append(cli("--debug", "auth", "whoami"))
    for r in runs:
        assert r.code == 0, r.err
        assert token not in r.out and token not in r.err

    r = cli("auth", "token")
    assert (r.code, r.out, r.err) == (0, token + "\n", "")


def test_the_cli_falls_back_to_the_file_with_one_note(use_keyring, cli, env):
    use_keyring(fail.Keyring())
    first = register(cli)
    assert first.err.count(NOTE) == 1
    assert f"token kept in file {cred_file(env)}" in first.err
    again = cli("auth", "login", "--email", "k@example.com", "--password-stdin", input=PW)
    assert again.code == 0 and NOTE not in again.err
    token = cli("auth", "token").out.strip()
    assert token == file_profiles(env)["default"]["token"]
    assert token not in first.out + first.err + again.out + again.err
    assert cli("auth", "whoami", "--json").json()["token_source"] == f"file {cred_file(env)}"
    assert mode(cred_file(env)) == 0o600


def test_whoami_says_when_the_token_comes_from_the_environment(use_keyring, cli, monkeypatch):
    kr = use_keyring(MemoryKeyring())
    register(cli)
    real = json.loads(kr.items[key()])["token"]
    kr.set_password(SERVICE, "default", json.dumps({"token": "not.a.token", "server": ""}))
    monkeypatch.setenv("ARANGETRAM_TOKEN", real)
    r = cli("auth", "whoami", "--json")
    assert r.code == 0, r.err
    assert r.json()["token_source"] == "environment variable ARANGETRAM_TOKEN"
    assert real not in r.out + r.err


def test_cli_logout_then_token_is_not_logged_in(use_keyring, cli):
    kr = use_keyring(MemoryKeyring())
    register(cli)
    r = cli("auth", "logout")
    assert r.code == 0 and "Logged out of profile default" in r.err
    assert kr.items == {}
    r = cli("auth", "token")
    assert r.code == 3 and r.out == "" and r.err.startswith("error: not logged in")


def test_cli_required_keyring_fails_with_one_error_line(use_keyring, cli, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "keyring")
    use_keyring(fail.Keyring())
    for args in (("auth", "whoami"), ("auth", "token"), ("auth", "logout")):
        r = cli(*args)
        assert r.code == 6, (args, r.out, r.err)
        errors = [ln for ln in r.err.splitlines() if ln.startswith("error: ")]
        assert len(errors) == 1 and "ARANGETRAM_CREDENTIALS=keyring" in errors[0], r.err
        assert "Traceback" not in r.err


# ---- choosing the backend, and remembering that none works ------------------------------------


class CountingKeyring(MemoryKeyring):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


@pytest.fixture
def no_choice(use_keyring, monkeypatch):
    """Nothing chosen: no backend set in this process, no PYTHON_KEYRING_BACKEND, no bus."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    for name in ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "XDG_CURRENT_DESKTOP"):
        monkeypatch.delenv(name, raising=False)
    return use_keyring


def memo(env: dict[str, str]) -> Path:
    return Path(env["ARANGETRAM_CONFIG_DIR"]) / MEMO_FILE


def test_keyringrc_is_found_where_keyring_looks(env, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert keyringrc_path() == Path(keyring.core._config_path())


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the Linux choice")
def test_without_a_session_bus_there_is_no_keyring_to_ask(no_choice, env, capsys):
    assert creds().save("tok.en.one").startswith("file ")
    assert NOTE in capsys.readouterr().err
    reason = json.loads(memo(env).read_text())["reason"]
    assert "DBUS_SESSION_BUS_ADDRESS is unset" in reason
    assert "no D-Bus session bus" in backend_name()


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the Linux choice")
def test_a_bus_without_a_secret_service_falls_back_and_says_why(no_choice, env, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    monkeypatch.setenv("ARANGETRAM_KEYRING_TIMEOUT", "10")
    assert creds().save("tok.en.one").startswith("file ")
    assert "SecretService" in json.loads(memo(env).read_text())["reason"]
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "keyring")
    with pytest.raises(KeyringUnavailable, match="SecretService"):
        creds().load()


def test_python_keyring_backend_and_keyringrc_are_honoured(no_choice, env, monkeypatch, tmp_path):
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))  # where keyrings.alt keeps its file
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    assert creds().save("tok.en.one") == "keyring (PlaintextKeyring)"
    assert creds().load().source == "keyring (PlaintextKeyring)"

    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    rc = keyringrc_path()
    rc.parent.mkdir(parents=True)
    rc.write_text("[backend]\ndefault-keyring=keyrings.alt.file.PlaintextKeyring\n")
    stored = creds().load()
    assert (stored.token, stored.source) == ("tok.en.one", "keyring (PlaintextKeyring)")
    rc.write_text("[backend]\ndefault-keyring=keyring.backends.null.Keyring\n")
    assert "null.Keyring" in backend_name()


def test_reads_skip_a_keyring_that_failed_in_this_environment(use_keyring, env, monkeypatch):
    use_keyring(fail.Keyring())
    creds().save("file.token.x")  # the keyring fails: the file, and the memo
    assert mode(memo(env)) == 0o600
    kr = use_keyring(CountingKeyring())  # it works now, but nothing we key on changed
    kr.set_password(*key(), json.dumps({"token": "kr.token.x", "server": ""}))
    assert creds().load().token == "file.token.x"
    assert kr.reads == 0  # straight to the file

    # the environment the memo was made in changed: ask the keyring again
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    assert creds().load().token == "kr.token.x"
    assert kr.reads == 1
    assert not memo(env).exists()  # it worked: forgotten


def test_a_memo_expires_and_a_missing_token_is_looked_for(use_keyring, env):
    use_keyring(fail.Keyring())
    creds().save("file.token.x")
    kr = use_keyring(CountingKeyring())
    data = json.loads(memo(env).read_text())
    data["checked"] -= 2 * 24 * 3600  # two days old
    memo(env).write_text(json.dumps(data))
    assert creds().load().token == "file.token.x"
    assert kr.reads == 2 and not memo(env).exists()  # its name, then an older version's

    # a fresh memo, and no token in the file: the keyring is asked after all
    use_keyring(fail.Keyring())
    creds().delete()
    creds().load()
    assert memo(env).exists()
    kr = use_keyring(CountingKeyring())
    kr.set_password(*key(), json.dumps({"token": "kr.token.y", "server": ""}))
    assert creds().load().token == "kr.token.y"
    assert kr.reads == 1


def test_saving_asks_the_keyring_despite_the_memo(use_keyring, env):
    use_keyring(fail.Keyring())
    creds().save("file.token.x")
    use_keyring(MemoryKeyring())
    assert creds().save("kr.token.x") == "keyring (MemoryKeyring)"
    assert not memo(env).exists() and file_profiles(env) == {}
    assert creds().load().token == "kr.token.x"


def test_a_required_keyring_ignores_the_memo(use_keyring, env, monkeypatch):
    use_keyring(fail.Keyring())
    creds().save("file.token.x")
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "keyring")
    with pytest.raises(KeyringUnavailable):
        creds().load()


def test_whoami_shows_when_a_web_app_token_expires(use_keyring, cli, monkeypatch):
    import jwt

    from arangetram_cli.core.security import load_or_create_secret

    use_keyring(MemoryKeyring())
    register(cli)
    secret = load_or_create_secret(load_settings().secret_path)
    user_id = cli("auth", "whoami", "--json").json()["id"]
    exp = 2_000_000_000.5  # a float, as the web app makes it
    token = jwt.encode({"user_id": user_id, "user_type": "user", "exp": exp}, secret, "HS256")
    monkeypatch.setenv("ARANGETRAM_TOKEN", token)
    r = cli("auth", "whoami", "--json")
    assert r.code == 0, r.err
    assert r.json()["token_expires"] == "2033-05-18T03:33:20Z"


def test_an_older_versions_keyring_entry_is_copied_to_its_backends_name(use_keyring, env):
    kr = use_keyring(MemoryKeyring())
    server = load_settings().server_key
    old = json.dumps({"token": "old.token.x", "server": server})
    kr.set_password(SERVICE, "default", old)
    assert creds().load().token == "old.token.x"
    assert kr.items[key()] == old and kr.items[(SERVICE, "default")] == old
    # another backend's old entry is neither used nor copied
    kr.set_password(SERVICE, "work", json.dumps({"token": "w", "server": "sqlite:/else.db"}))
    assert Credentials(load_settings("work")).load() is None and key("work") not in kr.items
    assert creds().delete() is True and kr.items == {(SERVICE, "work"): kr.items[(SERVICE, "work")]}
