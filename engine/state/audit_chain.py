"""Hash chaining of audit rows: each row's hash covers its content and the previous hash, so
editing or deleting any row breaks every hash after it (``erpsync audit verify``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
CHAINED_COLUMNS = ("at", "run_id", "sync", "canonical_id", "system", "key", "operation",
                   "fields", "reason", "code")
# Columns added later: chained when set, left out of the hash when empty, so rows written
# before they existed keep verifying.
OPTIONAL_CHAINED_COLUMNS = ("keys",)


def row_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    content = {name: _plain(row.get(name)) for name in CHAINED_COLUMNS}
    content.update({name: _plain(row[name]) for name in OPTIONAL_CHAINED_COLUMNS
                    if row.get(name) is not None})
    content["prev_hash"] = prev_hash
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value
