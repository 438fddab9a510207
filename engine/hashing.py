"""Content hashes: equal canonical content gives the same hash whichever system it came from.
That is what lets a run recognise its own writes coming back (echo suppression)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def content_hash(values: Mapping[str, Any]) -> str:
    encoded = json.dumps(dict(values), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def value_hash(value: Any) -> str | None:
    """A field value's hash for the audit trail (values themselves are never audited)."""
    if value is None:
        return None
    encoded = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]
