"""What every part of the workspace rules shares: ids, timestamps, vendor categories."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from arangetram_cli.core.errors import Overpayment as Overpayment  # its home: core.errors

Doc = dict[str, Any]
VENDOR_CATEGORIES = (
    "venue",
    "catering",
    "photographer",
    "videographer",
    "decorations",
    "musicians",
)


def new_id() -> str:
    return str(uuid.uuid4())


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
