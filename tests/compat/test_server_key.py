"""One key per backend for stored tokens: the API URL in one normalized spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from arangetram_cli.config import load_settings, normalize_api_url, same_backend


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("http://127.0.0.1:8000/api", "http://127.0.0.1:8000"),
        ("http://127.0.0.1:8000/api/", "http://127.0.0.1:8000"),
        ("http://127.0.0.1:8000//", "http://127.0.0.1:8000"),
        ("HTTP://Plan.Example.ORG:80/api", "http://plan.example.org"),
        ("https://plan.example.org:443/", "https://plan.example.org"),
        ("https://plan.example.org:8443/api", "https://plan.example.org:8443"),
        ("https://plan.example.org/tenant/api/", "https://plan.example.org/tenant"),
        ("https://plan.example.org/API", "https://plan.example.org/API"),  # paths keep case
        ("http://[::1]:8000/api", "http://[::1]:8000"),
        ("  http://h:81/api?x=1#y ", "http://h:81"),
        ("sqlite:/data/a.db", "sqlite:/data/a.db"),  # other server keys unchanged
        ("mongo:mongodb://u:***@db:27017/arangetram", "mongo:mongodb://u:***@db:27017/arangetram"),
    ],
)
def test_normalize_api_url(typed: str, key: str) -> None:
    assert normalize_api_url(typed) == key


def test_server_key_is_normalized_and_old_keys_still_match(tmp_path: Path) -> None:
    env = {"ARANGETRAM_CONFIG_DIR": str(tmp_path), "ARANGETRAM_DATA_DIR": str(tmp_path)}
    a = load_settings(api_url="http://User:pw@Host:8000/api/", env=env, cwd=tmp_path)
    b = load_settings(api_url="http://user:pw@host:8000", env=env, cwd=tmp_path)
    assert a.server_key == "http://User:***@host:8000"  # never the password
    assert same_backend("http://User:***@host:8000/api/", a)  # stored by an earlier version
    assert not same_backend("http://User:***@host:8001", a)
    assert not same_backend("http://User:***@host:8000/other", a)
    assert b.server_key == "http://user:***@host:8000"
    local = load_settings(env=env, cwd=tmp_path)
    assert same_backend(local.server_key, local) and not same_backend(a.server_key, local)
