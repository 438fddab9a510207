"""The sandbox clock: real time plus an offset, so a pinned start keeps ticking.

Every server-maintained timestamp (CreatedDate, SystemModstamp, token expiry, request log)
comes from here, which is what lets tests move time forward without sleeping.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

# Salesforce's JSON datetime form, e.g. 2026-10-01T08:00:00.000+0000 (always UTC, millis).
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)


class Clock:
    """Thread-safe offset clock; ``now()`` is truncated to milliseconds like Salesforce's."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        with self._lock:
            moment = datetime.now(UTC) + self._offset
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def set(self, moment: datetime) -> datetime:
        with self._lock:
            self._offset = moment.astimezone(UTC) - datetime.now(UTC)
        return self.now()


def format_datetime(moment: datetime) -> str:
    """``2026-10-01T08:00:00.000+0000``, the form Salesforce's REST API returns."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def format_iso_z(moment: datetime) -> str:
    """``2026-10-01T08:00:00.000Z`` for the control plane (parses with datetime.fromisoformat)."""
    return format_datetime(moment).replace("+0000", "Z")


def parse_datetime(text: str) -> datetime | None:
    """Parse an ISO 8601 instant (``Z``, ``+00:00``, ``+0000``, optional millis); naive is UTC."""
    match = _ISO.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, frac, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            int((frac or "0").ljust(6, "0")), tzinfo=UTC,
        )
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None
