"""Keep secrets out of dead letters, audit rows and logs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SECRET_NAME = re.compile(r"pass(word)?|secret|token|credential|authori[sz]ation|private",
                         re.IGNORECASE)
MASK = "***"


def redact(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``payload`` with values of secret-looking keys masked, recursively."""
    result: dict[str, Any] = {}
    for key, value in payload.items():
        if SECRET_NAME.search(str(key)):
            result[key] = MASK
        elif isinstance(value, Mapping):
            result[key] = redact(value)
        else:
            plain = isinstance(value, str | int | float | bool | None)
            result[key] = value if plain else str(value)
    return result
