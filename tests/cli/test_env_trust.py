"""The .env trust list: `config trust-env` / `untrust-env`, what `config show` says, and the
rules of config.dotenv_for (resolved path + SHA-256, owner-only list, one note per run,
ARANGETRAM_TOKEN and ARANGETRAM_CONFIG_DIR from the real environment only).
(Hostile folders against every command: tests/reliability/test_hostile_dotenv.py.)"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from arangetram_cli.config import dotenv_for, load_settings, read_trust
from tests.conftest import one_error_line

API = "https://api.example.com"


def trust_file(env: dict[str, str]) -> Path:
    return Path(env["ARANGETRAM_CONFIG_DIR"]) / "trusted_env.json"


def test_an_untrusted_dotenv_is_ignored_and_named(env, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"ARANGETRAM_API_URL={API}\nMONGO_URL=mongodb://x/\n")
    s = load_settings()
    assert s.api_url is None and s.mongo_url is None and s.mode == "sqlite"
    assert s.dotenv is not None and s.dotenv.status == "untrusted" and not s.dotenv.values
    assert ".env" not in s.sources.values()
    assert s.env(("ARANGETRAM_API_URL",)) == {}


def test_trust_records_the_resolved_path_and_hash_owner_only(cli, env, tmp_path: Path) -> None:
    content = f"ARANGETRAM_API_URL={API}\n"
    (tmp_path / ".env").write_text(content)
    r = cli("config", "trust-env")
    assert r.code == 0, r.err
    assert "ARANGETRAM_API_URL" in r.err  # it says what the file sets
    f = trust_file(env)
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    doc = json.loads(f.read_text())
    want = hashlib.sha256(content.encode()).hexdigest()
    assert doc["files"] == {str((tmp_path / ".env").resolve()): {"sha256": want}}
    s = load_settings()
    assert s.api_url == API and s.sources["api_url"] == ".env"
    assert s.dotenv is not None and s.dotenv.status == "trusted"


def test_show_says_which_dotenv_was_used_or_ignored(cli, env, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"ARANGETRAM_API_URL={API}\n")
    shown = cli("config", "show", "-o", "json").json()
    assert shown["dotenv_status"] == "untrusted" and shown["api_url"] == ""
    assert "trust-env" in shown["sources"]["dotenv"] and shown["trusted_env"] == []
    assert cli("config", "trust-env").code == 0
    shown = cli("config", "show", "-o", "json").json()
    path = str((tmp_path / ".env").resolve())
    assert shown["dotenv_status"] == "trusted" and shown["dotenv"] == path
    assert shown["api_url"] == API and shown["trusted_env"] == [path]
    (tmp_path / ".env").write_text(f"ARANGETRAM_API_URL={API}/other\n")
    shown = cli("config", "show", "-o", "json").json()
    assert shown["dotenv_status"] == "changed" and shown["api_url"] == ""
    table = cli("config", "show", "-o", "csv").out
    assert "changed since it was trusted" in table


def test_a_change_of_one_byte_needs_trusting_again(cli, env, tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"ARANGETRAM_API_URL={API}\n")
    assert cli("config", "trust-env", str(dotenv)).code == 0
    dotenv.write_text(f"ARANGETRAM_API_URL={API} \n")  # same meaning, other bytes
    assert dotenv_for(tmp_path, note=False).status == "changed"
    assert load_settings().api_url is None
    assert cli("config", "trust-env", str(dotenv)).code == 0
    assert load_settings().api_url == API


def test_trust_follows_symlinks_to_the_real_file(cli, env, tmp_path: Path) -> None:
    real = tmp_path / "shared" / "team.env"
    real.parent.mkdir()
    real.write_text(f"ARANGETRAM_API_URL={API}\n")
    (tmp_path / ".env").symlink_to(real)
    assert cli("config", "trust-env").code == 0
    assert str(real.resolve()) in read_trust(Path(env["ARANGETRAM_CONFIG_DIR"]))
    assert load_settings().api_url == API
    # the link now points at another file: that one is not trusted
    other = tmp_path / "other.env"
    other.write_text(f"ARANGETRAM_API_URL={API}\n")
    (tmp_path / ".env").unlink()
    (tmp_path / ".env").symlink_to(other)
    assert load_settings().api_url is None


def test_untrust(cli, env, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"ARANGETRAM_API_URL={API}\n")
    assert cli("config", "trust-env").code == 0
    r = cli("config", "untrust-env")
    assert r.code == 0, r.err
    assert read_trust(Path(env["ARANGETRAM_CONFIG_DIR"])) == {}
    assert load_settings().api_url is None
    one_error_line(cli("config", "untrust-env"), 4, "is not trusted")
    (tmp_path / ".env").unlink()  # a file that is gone can still be untrusted
    assert cli("config", "trust-env", str(tmp_path / "x.env")).code == 4


@pytest.mark.parametrize(
    ("make", "code", "needle"),
    [
        (lambda p: None, 4, "no such file"),
        (lambda p: p.mkdir(), 2, "cannot trust"),
        (lambda p: p.write_bytes(b"A=\xff\xfe\n"), 2, "cannot trust"),
        (lambda p: p.write_bytes(b"A=1\n" * 300_000), 2, "over 1 MiB"),
    ],
    ids=["missing", "directory", "not-utf8", "huge"],
)
def test_trust_refuses_what_it_cannot_read(cli, env, tmp_path: Path, make, code, needle) -> None:
    target = tmp_path / "some.env"
    make(target)
    one_error_line(cli("config", "trust-env", str(target)), code, needle)
    assert not trust_file(env).exists()


def test_a_trust_list_others_can_write_is_not_believed(cli, env, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"ARANGETRAM_API_URL={API}\n")
    assert cli("config", "trust-env").code == 0
    trust_file(env).chmod(0o666)
    r = cli("config", "show", "-o", "json")
    assert r.json()["api_url"] == "" and r.json()["dotenv_status"] == "untrusted"
    assert "not an owner-only file" in r.err


def test_token_and_config_dir_never_come_from_a_dotenv(cli, env, tmp_path: Path) -> None:
    from arangetram_cli.core.security import create_token

    token = create_token("u1", "user", "s" * 40)
    elsewhere = tmp_path / "elsewhere"
    (tmp_path / ".env").write_text(
        f"ARANGETRAM_TOKEN={token}\nARANGETRAM_CONFIG_DIR={elsewhere}\nDB_NAME=mine\n"
    )
    r = cli("config", "trust-env")
    assert r.code == 0 and "ARANGETRAM_TOKEN is never read from a .env" in r.err
    s = load_settings()
    assert s.db_name == "mine"  # the file is used...
    assert s.env_token is None  # ...but not for these two
    assert s.config_dir == Path(env["ARANGETRAM_CONFIG_DIR"])
    assert "ARANGETRAM_TOKEN" not in s.dotenv.values  # type: ignore[union-attr]
    os.environ["ARANGETRAM_TOKEN"] = token  # the real environment still may
    try:
        s = load_settings()
        assert s.env_token == token and s.sources["ARANGETRAM_TOKEN"] == "environment"
    finally:
        del os.environ["ARANGETRAM_TOKEN"]


def test_one_note_per_run(sh, env, tmp_path: Path) -> None:
    """`config llm` reads the settings and the AI variables: one note, naming the command."""
    (tmp_path / ".env").write_text("GEMINI_API_KEY=from-the-folder\n")
    r = sh("config", "llm")
    assert r.code == 0, r.err
    notes = [ln for ln in r.err.splitlines() if ln.startswith("note:")]
    assert len(notes) == 1 and "arangetram config trust-env" in notes[0], r.err
    assert r.json()["provider"] == "offline"  # the folder's key was not picked up


def test_nothing_but_config_reads_a_dotenv() -> None:
    """Every reader of .env variables goes through dotenv.dotenv_for (config reads settings
    with it): no other module names the file."""
    import arangetram_cli

    root = Path(arangetram_cli.__file__).parent
    allowed = {root / "config.py", root / "dotenv.py", root / "cli" / "config_cmd.py"}
    found = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and ".env" in node.value
                and id(node) not in docstrings
                and path not in allowed
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value[:60]!r}")
    assert not found, found


@pytest.mark.parametrize("kind", ["fifo", "device", "dangling"])
def test_a_dotenv_that_is_not_a_file_neither_hangs_nor_counts(sh, env, tmp_path: Path, kind):
    dotenv = tmp_path / ".env"
    if kind == "fifo":
        os.mkfifo(dotenv)  # opening it for reading would wait for a writer forever
    elif kind == "device":
        dotenv.symlink_to("/dev/zero")
    else:
        dotenv.symlink_to(tmp_path / "gone")
    r = sh("config", "show", "-o", "json")  # sh has a 60 s timeout: a hang fails the test
    assert r.code == 0, r.err
    assert r.json()["dotenv_status"] == "unreadable" and "note: ignoring" in r.err
