"""`config set-key / delete-key / llm`: provider keys kept out of sight, used by `ask`."""

from __future__ import annotations

import os
import stat

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from tests.ai.fake_llm import stream
from tests.conftest import no_traceback, one_error_line

KEY = "AIza-stored-gemini-key-0001"


def test_set_key_from_stdin_into_the_file_then_ask_uses_it(cli, env, llm, monkeypatch):
    monkeypatch.delenv("ARANGETRAM_LLM_API_KEY")
    monkeypatch.delenv("ARANGETRAM_LLM_MODEL")
    r = cli("config", "set-key", "gemini", "--stdin", input=KEY + "\n")
    assert r.code == 0, r.err
    assert KEY not in r.out + r.err and "gemini key kept in file" in r.err
    path = os.path.join(env["ARANGETRAM_CONFIG_DIR"], "llm_keys.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    shown = cli("config", "llm", "-o", "json")
    assert KEY not in shown.out  # the base URL points at the fake server: "custom"
    llm.script = stream("ok")
    r = cli("ask", "--provider", "gemini", "hi")
    assert r.code == 0, r.err
    assert llm.requests[-1]["headers"]["Authorization"] == f"Bearer {KEY}"
    assert cli("config", "delete-key", "gemini").code == 0
    one_error_line(cli("config", "delete-key", "gemini"), 4, "no stored key")
    one_error_line(cli("ask", "--provider", "gemini", "hi"), 3, "no API key")


def test_stored_key_is_detected_without_any_environment(cli, monkeypatch):
    assert cli("config", "set-key", "openai", "--stdin", input="sk-stored\n").code == 0
    doc = cli("config", "llm", "-o", "json").json()
    assert doc["provider"] == "openai" and doc["model"] == "gpt-4o-mini"
    assert doc["key"].startswith("file ") and "sk-stored" not in str(doc)


class MemoryKeyring(KeyringBackend):
    priority = -1  # never chosen by keyring itself

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


@pytest.fixture
def pin_keyring(monkeypatch):
    """Pin a keyring backend for this test; the process's previous one comes back after."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)

    def pin(kr):
        keyring.set_keyring(kr)
        return kr

    return pin


def test_keyring_backend(cli, env, llm, monkeypatch, pin_keyring):
    kr = pin_keyring(MemoryKeyring())
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "keyring")
    monkeypatch.delenv("ARANGETRAM_LLM_API_KEY")
    r = cli("config", "set-key", "custom", "--stdin", input="sk-in-keyring\n")
    assert r.code == 0, r.err
    assert "keyring (arangetram-llm/custom)" in r.err
    assert kr.items == {("arangetram-llm", "custom"): "sk-in-keyring"}
    assert not os.path.exists(os.path.join(env["ARANGETRAM_CONFIG_DIR"], "llm_keys.json"))
    llm.script = stream("ok")
    assert cli("ask", "hi").code == 0
    assert llm.requests[-1]["headers"]["Authorization"] == "Bearer sk-in-keyring"
    assert cli("config", "delete-key", "custom").code == 0 and kr.items == {}


def test_required_keyring_missing_is_one_line(cli, monkeypatch, pin_keyring):
    pin_keyring(fail.Keyring())
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "keyring")
    r = cli("config", "set-key", "gemini", "--stdin", input="k\n")
    one_error_line(r, 6, "ARANGETRAM_CREDENTIALS=keyring")


def test_auto_mode_falls_back_to_the_file_with_a_note(cli, env, monkeypatch, pin_keyring):
    pin_keyring(fail.Keyring())
    monkeypatch.setenv("ARANGETRAM_CREDENTIALS", "auto")
    r = cli("config", "set-key", "gemini", "--stdin", input="k-auto\n")
    assert r.code == 0 and "no usable OS keyring" in r.err and "k-auto" not in r.err
    assert os.path.exists(os.path.join(env["ARANGETRAM_CONFIG_DIR"], "llm_keys.json"))


def test_set_key_bad_input(cli):
    one_error_line(cli("config", "set-key", "gemini", input="k\n"), 2, "--stdin")
    one_error_line(
        cli("config", "set-key", "claude", "--stdin", input="k\n"), 2, "unknown provider"
    )
    one_error_line(cli("config", "set-key", "gemini", "--stdin", input="\n"), 2, "empty")
    r = cli("config", "llm", "-o", "json")
    no_traceback(r)
    assert r.json()["provider"] == "offline"


def test_config_llm_masks_a_password_in_the_endpoint(cli, llm, monkeypatch):
    url = llm.url.replace("http://", "http://planner:hunter2-secret@")
    monkeypatch.setenv("ARANGETRAM_LLM_BASE_URL", url)
    for fmt in ("json", "table"):
        r = cli("config", "llm", "-o", fmt)
        assert r.code == 0, r.err
        assert "hunter2" not in r.out + r.err and "planner:***@" in r.out
