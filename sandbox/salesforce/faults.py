"""Failures injected through the control plane, each consumed when it fires.

* ``record_errors`` maps an Id or External ID value to a statusCode: the next write touching
  that record fails with it once, in any write path (single record, Collections, Bulk).
  UNABLE_TO_LOCK_ROW is the classic transient one; DUPLICATE_VALUE and
  FIELD_CUSTOM_VALIDATION_EXCEPTION are permanent ones a client must dead-letter.
* ``bursts``: the next ``count`` HTTP requests matching ``method`` / ``path_contains``
  (after letting ``skip`` matching ones through) answer 503 (``kind: "503"``), are delayed
  by ``latency_ms`` (``kind: "latency"``), or lose their connection without any response
  (``kind: "drop"``), either before the request is processed (``phase: "before"``: nothing
  happened) or after it was processed and committed (``phase: "after"``: the write happened
  but the client never learns it) - the case that tests at-least-once clients.
* ``http_503_next`` (kept for older tests) is a 503 burst on every data call.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

_CODE = re.compile(r"[A-Z][A-Z_]*")
KINDS = frozenset({"503", "latency", "drop"})
PHASES = frozenset({"before", "after"})
DATA_PATH = "/services/data/"


@dataclass
class Burst:
    kind: str
    count: int
    skip: int = 0
    method: str | None = None
    path_contains: str = DATA_PATH
    latency_ms: int = 0
    phase: str = "before"

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and self.path_contains in path


def parse_burst(raw: Any) -> Burst:
    """A burst from its JSON form; ValueError says what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError("each burst is an object like {\"kind\": \"drop\", \"count\": 1}")
    unknown = set(raw) - {"kind", "count", "skip", "method", "path_contains", "latency_ms",
                          "phase"}
    if unknown:
        raise ValueError(f"unknown burst keys: {sorted(unknown)}")
    burst = Burst(kind=str(raw.get("kind")), count=_natural(raw, "count", 1),
                  skip=_natural(raw, "skip", 0), method=raw.get("method"),
                  path_contains=str(raw.get("path_contains", DATA_PATH)),
                  latency_ms=_natural(raw, "latency_ms", 0), phase=str(raw.get("phase", "before")))
    if burst.kind not in KINDS or burst.phase not in PHASES:
        raise ValueError(f"kind must be one of {sorted(KINDS)}, phase one of {sorted(PHASES)}")
    return burst


def _natural(raw: dict[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a non-negative integer")
    return value


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._record_errors: dict[str, tuple[str, str]] = {}  # folded key -> (key, code)
        self._bursts: list[Burst] = []

    def add(self, record_errors: dict[str, str], http_503_next: int | None,
            bursts: list[Any] | None = None) -> None:
        """Register faults; raises ValueError on a malformed request (nothing registered)."""
        for key, code in record_errors.items():
            if not isinstance(key, str) or not isinstance(code, str) or not _CODE.fullmatch(code):
                raise ValueError(f"record_errors wants {{key: STATUS_CODE}}, got {key!r}: {code!r}")
        parsed = [parse_burst(b) for b in bursts or []]
        if http_503_next is not None:
            parsed.append(Burst("503", _natural({"n": http_503_next}, "n", 0)))
        with self._lock:
            for key, code in record_errors.items():
                self._record_errors[key.casefold()] = (key, code)
            if http_503_next is not None:
                self._bursts = [b for b in self._bursts if not _is_legacy(b)]
            self._bursts += [b for b in parsed if b.count > 0]

    def take_record_error(self, keys: Iterable[str]) -> str | None:
        """The statusCode armed for any of ``keys`` (Id or External ID values), consumed."""
        with self._lock:
            for key in keys:
                hit = self._record_errors.pop(key.casefold(), None)
                if hit is not None:
                    return hit[1]
        return None

    def take_burst(self, method: str, path: str) -> Burst | None:
        """The burst this request falls into, if any (consumes one of its count)."""
        with self._lock:
            for burst in self._bursts:
                if not burst.matches(method, path):
                    continue
                if burst.skip > 0:
                    burst.skip -= 1
                    continue
                burst.count -= 1
                if burst.count <= 0:
                    self._bursts.remove(burst)
                return burst
        return None

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            legacy = sum(b.count for b in self._bursts if _is_legacy(b))
            return {
                "record_errors": dict(self._record_errors.values()),
                "http_503_next": legacy,
                "bursts": [asdict(b) for b in self._bursts if not _is_legacy(b)],
            }

    def clear(self) -> None:
        with self._lock:
            self._record_errors.clear()
            self._bursts.clear()


def _is_legacy(burst: Burst) -> bool:
    return (burst.kind == "503" and burst.skip == 0 and burst.method is None
            and burst.path_contains == DATA_PATH)
