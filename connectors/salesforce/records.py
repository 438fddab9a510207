"""Query result rows as ``SourceRecord``s.

Each row of a query answer carries an ``attributes`` map (type and URL) besides the selected
fields; dateTime values look like ``2013-05-20T20:49:32.000+0000`` and are always UTC
(REST API Developer Guide, "Execute a SOQL Query that Includes Deleted Items",
https://developer.salesforce.com/docs/platform/api-rest/guide/dome-queryall.html).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import SourceRecord
from connectors.errors import ConfigError
from connectors.salesforce.errors import SYSTEM
from connectors.salesforce.references import flatten_row

SYSTEM_NAME = "salesforce"


def parse_datetime(value: Any) -> datetime:
    """A Salesforce dateTime string as an aware UTC ``datetime``."""
    if not isinstance(value, str):
        raise ConfigError(
            f"expected a dateTime string, got {type(value).__name__}",
            code="BAD_DATETIME",
            system=SYSTEM,
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"not a dateTime: {value!r}", code="BAD_DATETIME", system=SYSTEM
        ) from None
    # The API writes every dateTime in UTC; a value without an offset is UTC too.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def source_record(obj: str, row: Mapping[str, Any], selected: Iterable[str] = ()) -> SourceRecord:
    """One query row (which selected Id, SystemModstamp and IsDeleted) as a ``SourceRecord``;
    parent fields among ``selected`` (``Account.ERP_Customer_Number__c``) come flat."""
    fields = flatten_row(row, selected)
    return SourceRecord(
        system=SYSTEM_NAME,
        object=obj,
        key=str(row["Id"]),
        fields=fields,
        modified_at=parse_datetime(row.get("SystemModstamp")),
        deleted=bool(row.get("IsDeleted", False)),
    )


def once_per_instant(records: Iterable[SourceRecord]) -> Iterator[SourceRecord]:
    """``records``, ordered by ``(modified_at, key)``, without a key repeated at the same
    instant. Only the keys of the current instant are held, so memory stays bounded by the
    rows that share one SystemModstamp, however long the read."""
    instant: datetime | None = None
    seen: set[str] = set()
    for record in records:
        if record.modified_at != instant:
            instant, seen = record.modified_at, set()
        elif record.key in seen:
            continue
        seen.add(record.key)
        yield record
