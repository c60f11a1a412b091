"""Fixtures of the server tests: the session's real `arangetram serve` and an httpx client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.server.support import Served, served  # noqa: F401  (session fixture)


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:  # noqa: F811
    with httpx.Client(base_url=served.url, timeout=10) as c:
        yield c
