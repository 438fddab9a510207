"""Date and timestamp transforms, with time zones.

Canonical dates are ISO dates (``2026-10-01``) and canonical timestamps aware UTC; systems
keep dates as text in their own format, and timestamps as local wall-clock time of some zone
(an ERP running on Berlin time) or as a date-only ``datetime`` at midnight (OData V2
``Edm.DateTime`` for a date). A value that does not parse raises ``ValueError``, which the
converter turns into a rejected record naming the field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from engine.mapping import transform_args as args
from engine.mapping.transform_base import Transform, Value


def _as_date(value: Value) -> date | None:
    """A canonical date (ISO text or ``date``) as ``date``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _as_aware(value: Value, zone: tzinfo) -> datetime | None:
    """A timestamp (text or ``datetime``); a naive one is wall-clock time in ``zone``."""
    if value is None or value == "":
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(
        str(value).replace("Z", "+00:00"))
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def date_format(argument: Any) -> Transform:
    """System text in a strftime format (``%d.%m.%Y``) ↔ canonical ISO date."""
    fmt = args.text("date", argument, '"%d.%m.%Y"')

    def read(value: Value) -> Value:
        if isinstance(value, str) and value:
            return datetime.strptime(value, fmt).date().isoformat()
        parsed = _as_date(value) if isinstance(value, date) else value
        return parsed.isoformat() if isinstance(parsed, date) else parsed

    def write(value: Value) -> Value:
        parsed = _as_date(value)
        return parsed.strftime(fmt) if parsed else None

    return Transform(f"date({fmt!r})", read, write)


def datetime_format(argument: Any) -> Transform:
    """System wall-clock time of ``zone`` (text in ``format``, ISO when no format is given,
    or a naive ``datetime``) ↔ canonical aware UTC timestamp. Daylight-saving gaps and
    repeats resolve as ``zoneinfo`` does (the first of two repeated hours)."""
    spec = args.options("datetime", argument, ("zone",), ("format",))
    zone = args.zone("datetime", spec["zone"])
    fmt = args.text("datetime", spec["format"], '"%Y%m%d%H%M%S"') if "format" in spec else None

    def read(value: Value) -> Value:
        if fmt is not None and isinstance(value, str) and value:
            value = datetime.strptime(value, fmt)
        parsed = _as_aware(value, zone)
        return parsed.astimezone(UTC).isoformat() if parsed else None

    def write(value: Value) -> Value:
        parsed = _as_aware(value, UTC)
        if parsed is None:
            return None
        local = parsed.astimezone(zone).replace(tzinfo=None)
        return local.strftime(fmt) if fmt else local.isoformat()

    return Transform(f"datetime({zone.key})", read, write)


def date_from_datetime(argument: Any = "UTC") -> Transform:
    """A system timestamp that stands for a day (``Edm.DateTime`` at midnight) ↔ canonical
    ISO date: read as the day in ``zone``; written as midnight of that day in ``zone``."""
    zone = args.zone("date_from_datetime", argument)

    def read(value: Value) -> Value:
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            return aware.astimezone(zone).date().isoformat()
        return value

    def write(value: Value) -> Value:
        day = _as_date(value)
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC) if day else None

    return Transform(f"date_from_datetime({zone.key})", read, write)
