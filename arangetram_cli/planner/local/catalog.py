"""The catalog: the demo vendors and bulk imports that keep seeded figures."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from arangetram_cli.core.values import now_iso
from arangetram_cli.planner.local.base import LocalBase
from arangetram_cli.planner.local.common import (
    demo_catalog,
)
from arangetram_cli.store.base import (
    Doc,
)


class CatalogService(LocalBase):
    def seed_demo(self, *, only_if_empty: bool = False) -> Doc:
        """Insert the demo catalog's missing vendors. `only_if_empty` is the web API's rule
        (any vendor at all means 'already seeded')."""
        existing = self.store.vendors.count_all()
        catalog = demo_catalog()
        if only_if_empty and existing:
            missing: list[Doc] = []
        else:
            have = self.store.vendors.get_many(v["id"] for v in catalog)
            missing = [v for v in catalog if v["id"] not in have]
        now = now_iso()
        docs = [{**v, "user_id": "system", "created_at": now} for v in missing]
        added, _ = self.store.vendors.insert_many(docs) if docs else (0, 0)
        return {
            "message": "Database seeded successfully" if added else "Database already seeded",
            "vendor_count": existing + added,
            "added": added,
        }

    def import_vendors(self, docs: Iterable[Doc], *, upsert: bool = False) -> tuple[int, int]:
        if not upsert:
            return self.store.vendors.insert_many(docs, upsert=upsert)
        # A vendor reviewed here keeps its seeded figures (the file's rating and count may
        # well be an export that already includes those reviews): its rating and count are
        # recomputed from them and its reviews after the import replaced them. The rows are
        # looked up a batch at a time as the import reads them, so memory stays flat.
        kept: set[str] = set()

        def keeping_seed_figures(docs: Iterable[Doc]) -> Iterator[Doc]:
            rows = iter(docs)
            while batch := list(itertools.islice(rows, 1000)):
                have = self.store.vendors.get_many(d["id"] for d in batch)
                for d in batch:
                    old = have.get(d["id"])
                    if old is None or "seed_review_count" not in old:
                        yield d
                        continue
                    kept.add(d["id"])
                    yield {
                        **d,
                        "seed_rating": old.get("seed_rating", 0.0),
                        "seed_review_count": old["seed_review_count"],
                    }

        counts = self.store.vendors.insert_many(keeping_seed_figures(docs), upsert=upsert)
        for vendor_id in self.store.reviews.vendors_with_reviews(kept):
            self.store.reviews.recompute(vendor_id)
        return counts
