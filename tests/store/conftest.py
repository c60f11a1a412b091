"""The `store` fixture: every Store adapter the contract suite runs against.

- "sqlite": a fresh SqliteStore in a temporary directory.
- "mongomock": MongoStore over an in-memory mongomock_ng client (marked `mongo`).
- "mongo": a real MongoDB, only when ARANGETRAM_TEST_MONGO_URL is set (marked `mongo`); each
  test gets its own database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
import warnings

import pytest

from arangetram_cli.store.sqlite import SqliteStore

MONGO_URL = os.environ.get("ARANGETRAM_TEST_MONGO_URL")

_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("mongomock", id="mongomock", marks=pytest.mark.mongo),
]
if MONGO_URL:
    _PARAMS.append(pytest.param("mongo", id="mongo", marks=pytest.mark.mongo))


def _mongomock_store():
    import mongomock_ng

    from arangetram_cli.store.mongo import MongoStore

    return MongoStore("mongodb://localhost/", client=mongomock_ng.MongoClient())


@pytest.fixture
def mongomock_store():
    """A MongoStore over mongomock_ng, for Mongo-only tests (mark them `mongo`)."""
    s = _mongomock_store()
    yield s
    s.close()


@pytest.fixture(params=_PARAMS)
def store(request, tmp_path):
    if request.param == "sqlite":
        s = SqliteStore(tmp_path / "t.db")
        yield s
        s.close()
        return
    if request.param == "mongomock":
        s = _mongomock_store()
        yield s
        s.close()
        return
    from arangetram_cli.store.mongo import MongoStore

    db_name = f"arangetram_test_{uuid.uuid4().hex[:12]}"
    s = MongoStore(MONGO_URL, db_name=db_name)
    try:
        yield s
    finally:
        s.client.drop_database(db_name)
        s.close()


@pytest.fixture(autouse=True)
def _quiet_mongomock():
    # mongomock_ng warns that aggregate's batchSize/allowDiskUse are no-ops in memory.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*no-op in mongomock-ng", category=UserWarning)
        yield
