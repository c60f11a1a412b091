"""What every part of the workspace rules shares: ids, timestamps, vendor categories."""

from __future__ import annotations

from typing import Any

from arangetram_cli.core.values import CATEGORIES
from arangetram_cli.core.values import new_id as new_id  # its home: core.values
from arangetram_cli.core.values import now_iso as now_iso  # its home: core.values

Doc = dict[str, Any]
VENDOR_CATEGORIES = tuple(CATEGORIES)
