"""Fixtures of the AI tests: no real provider key leaks in from the environment, and `llm` is
a real streaming server on 127.0.0.1 configured as the provider."""

from __future__ import annotations

import pytest

from arangetram_cli.ai.client import LLM_ENV_VARS
from tests.ai.fake_llm import FakeLLM

API_KEY = "sk-test-0123456789abcdef-SECRET"


@pytest.fixture(autouse=True)
def _no_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in LLM_ENV_VARS:
        monkeypatch.delenv(k, raising=False)


@pytest.fixture
def llm(env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    server = FakeLLM().start()
    values = {
        "ARANGETRAM_LLM_BASE_URL": server.url,
        "ARANGETRAM_LLM_API_KEY": API_KEY,
        "ARANGETRAM_LLM_MODEL": "test-model",
        "ARANGETRAM_LLM_TIMEOUT": "5",
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    env.update(values)  # for `sh` subprocesses too
    yield server
    server.close()


def login(cli, email: str, *, profile: str | None = None) -> dict:
    args = ["--profile", profile] if profile else []
    r = cli(
        *args,
        "auth",
        "register",
        "--email",
        email,
        "--name",
        email.split("@")[0],
        "--password-stdin",
        input="correct horse battery\n",
    )
    assert r.code == 0, r.err
    return r.json()
