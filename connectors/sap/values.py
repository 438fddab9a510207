"""OData V2 JSON values to Python and back, driven by the property's EDM type.

V2's JSON format has no native date or decimal: ``Edm.DateTime`` travels as ``"/Date(<ms>)/"``
(milliseconds since 1970 UTC), ``Edm.DateTimeOffset`` as ``"/Date(<ms>+<minutes>)/"``,
``Edm.Decimal`` and ``Edm.Int64`` as strings, ``Edm.Time`` as an ISO duration ``"PT08H30M00S"``
(see MS-ODATA 2.2.6.3, Verbose JSON,
https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-odata/3a3dcde2-c4fa-4950-9fa6-f4a1478e653e).
We decode by the type from ``$metadata``, never by the look of a string, so a name that happens
to read ``/Date(1)/`` stays a name.

Choices: dates become aware UTC ``datetime``; decimals become ``Decimal`` (money must not pass
through float); ``Edm.Time`` becomes ``datetime.time``; 64-bit integers become ``int``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JSON_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{1,4})?\)/$")
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d+))?S)?$")
_DATE_TYPES = {"Edm.DateTime", "Edm.DateTimeOffset"}


def decode(value: Any, edm_type: str) -> Any:
    """One property value from a V2 JSON payload, as the Python type documented above."""
    if value is None:
        return None
    decoder = _DECODERS.get(edm_type)
    return decoder(value) if decoder else value


def parse_datetime(value: Any) -> datetime:
    """``/Date(ms)/`` (or an ISO string, which some services send) as an aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    match = _JSON_DATE.match(text)
    if match:
        return EPOCH + timedelta(milliseconds=int(match.group(1)))
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_time(value: Any) -> time:
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"not an Edm.Time duration: {value!r}")
    hours, minutes, seconds, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    return time(int(hours or 0), int(minutes or 0), int(seconds or 0), micro)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not an Edm.Decimal: {value!r}") from None


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "Edm.DateTime": parse_datetime,
    "Edm.DateTimeOffset": parse_datetime,
    "Edm.Decimal": _decimal,
    "Edm.Time": parse_time,
    **dict.fromkeys(("Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Byte", "Edm.SByte"), int),
    **dict.fromkeys(("Edm.Double", "Edm.Single"), float),
}


def encode(value: Any, edm_type: str) -> Any:
    """A Python value as V2 JSON for the property's type; values of other types pass as they are
    so that SAP, not we, judges them and says why."""
    if value is None:
        return None
    if edm_type in _DATE_TYPES and isinstance(value, date):
        return json_date(value, offset=edm_type == "Edm.DateTimeOffset")
    if edm_type == "Edm.Decimal" and _is_number(value):
        return str(Decimal(str(value)))
    if edm_type == "Edm.Int64" and isinstance(value, int):
        return str(value)
    if edm_type == "Edm.Time" and isinstance(value, time):
        return f"PT{value.hour:02d}H{value.minute:02d}M{value.second:02d}S"
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, Decimal | int | float) and not isinstance(value, bool)


def json_date(value: date, *, offset: bool = False) -> str:
    """``/Date(ms)/`` for an aware datetime (or a date, read as midnight UTC)."""
    instant = to_utc(value)
    millis = (instant - EPOCH) // timedelta(milliseconds=1)
    return f"/Date({millis}+0000)/" if offset else f"/Date({millis})/"


def to_utc(value: date) -> datetime:
    """An aware UTC datetime; naive datetimes are refused, because their zone is a guess."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def iso_millis(value: date) -> str:
    """``YYYY-MM-DDTHH:MM:SS[.fff]`` in UTC, cut (not rounded) to milliseconds, the precision
    of ``/Date(ms)/``: cutting keeps an inclusive lower bound inclusive."""
    instant = to_utc(value)
    text = instant.strftime("%Y-%m-%dT%H:%M:%S")
    millis = instant.microsecond // 1000
    return f"{text}.{millis:03d}" if millis else text
