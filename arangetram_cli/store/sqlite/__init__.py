"""The SQLite adapter of the Store port (stdlib sqlite3, WAL): the embedded default store.
May import core and store.base; nothing above the store layer."""

from __future__ import annotations

from arangetram_cli.store.sqlite.connection import busy_timeout as busy_timeout
from arangetram_cli.store.sqlite.schema import SCHEMA_VERSION as SCHEMA_VERSION
from arangetram_cli.store.sqlite.store import SqliteStore as SqliteStore
