"""The `backend` fixture: the Planner contract suite runs against LocalPlanner (a temporary
SQLite store) and RemotePlanner (a real `arangetram serve` subprocess on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.server.support import SECRET, Served, served  # noqa: F401  (session fixture)


@dataclass
class Backend:
    kind: str
    store: Any  # the store behind the planners (the server's own one for "remote")
    url: str | None = None
    opened: list[Any] = field(default_factory=list)

    def new(self, token: str | None = None) -> Any:
        """A fresh planner on this backend (not logged in unless a token is given)."""
        if self.kind in ("local", "local-mongo"):
            from arangetram_cli.planner.local import LocalPlanner

            p: Any = LocalPlanner(self.store, SECRET, token=token)
        else:
            from arangetram_cli.planner.remote import RemotePlanner

            p = RemotePlanner(self.url or "", token=token)
            self.opened.append(p)
        return p


@pytest.fixture(
    params=[
        "local",
        pytest.param("local-mongo", marks=pytest.mark.mongo),
        pytest.param("remote", marks=pytest.mark.service),
    ]
)
def backend(request: pytest.FixtureRequest, env: dict[str, str], tmp_path) -> Iterator[Backend]:
    if request.param == "local":
        from arangetram_cli.store.sqlite import SqliteStore

        b = Backend("local", SqliteStore(tmp_path / "planner.db"))
    elif request.param == "local-mongo":  # same rules over the Mongo adapter (mongomock-ng)
        import mongomock_ng

        from arangetram_cli.store.mongo import MongoStore

        store = MongoStore("mongodb://stand-in", client=mongomock_ng.MongoClient())
        b = Backend("local-mongo", store)
    else:
        srv: Served = request.getfixturevalue("served")
        b = Backend("remote", srv.store(), url=srv.url)
    try:
        yield b
    finally:
        for p in b.opened:
            p.close()
        b.store.close()
