"""The MongoDB adapter of the Store port (pymongo; the web back end's database and shapes).
May import core and store.base; pymongo only here. Imported late (by config's store factory)."""

from __future__ import annotations

import pymongo as pymongo  # tests stand a client in through store.mongo.pymongo

from arangetram_cli.store.mongo.guard import mask_url as mask_url
from arangetram_cli.store.mongo.store import MongoStore as MongoStore
