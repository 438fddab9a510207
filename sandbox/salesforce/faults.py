"""Failures injected through the control plane, each consumed when it fires.

``record_errors`` maps an Id or External ID value to a statusCode: the next write touching
that record fails with it once (UNABLE_TO_LOCK_ROW is the classic transient one; DUPLICATE_VALUE
and FIELD_CUSTOM_VALIDATION_EXCEPTION are permanent ones a client must dead-letter).
``http_503_next`` makes the next n data-API calls answer 503 as during a Salesforce incident.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

_CODE = re.compile(r"[A-Z][A-Z_]*")


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._record_errors: dict[str, tuple[str, str]] = {}  # folded key -> (key, code)
        self._http_503_next = 0

    def add(self, record_errors: dict[str, str], http_503_next: int | None) -> None:
        """Register faults; raises ValueError on a malformed request."""
        for key, code in record_errors.items():
            if not isinstance(key, str) or not isinstance(code, str) or not _CODE.fullmatch(code):
                raise ValueError(f"record_errors wants {{key: STATUS_CODE}}, got {key!r}: {code!r}")
        if http_503_next is not None and (
            not isinstance(http_503_next, int) or isinstance(http_503_next, bool)
            or http_503_next < 0
        ):
            raise ValueError("http_503_next must be a non-negative integer")
        with self._lock:
            for key, code in record_errors.items():
                self._record_errors[key.casefold()] = (key, code)
            if http_503_next is not None:
                self._http_503_next = http_503_next

    def take_record_error(self, keys: Iterable[str]) -> str | None:
        """The statusCode armed for any of ``keys`` (Id or External ID values), consumed."""
        with self._lock:
            for key in keys:
                hit = self._record_errors.pop(key.casefold(), None)
                if hit is not None:
                    return hit[1]
        return None

    def take_503(self) -> bool:
        with self._lock:
            if self._http_503_next <= 0:
                return False
            self._http_503_next -= 1
            return True

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "record_errors": dict(self._record_errors.values()),
                "http_503_next": self._http_503_next,
            }

    def clear(self) -> None:
        with self._lock:
            self._record_errors.clear()
            self._http_503_next = 0
