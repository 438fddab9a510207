"""Which properties stamp a change of an entity, and what a cursor means in their terms.

SAP's A2X services stamp changes three ways, and the connector is told which per entity set
(``SapSettings.change_fields``):

- one ``Edm.DateTimeOffset`` (S/4HANA's ``LastChangeDateTime`` on sales orders and products;
  it is also their ETag, see the real ``$metadata`` in ``shared/fixtures/sap/edmx``);
- a date and a time kept apart (``A_BusinessPartner.LastChangeDate`` is an ``Edm.DateTime``
  holding a day, ``LastChangeTime`` an ``Edm.Time``), written ``"LastChangeDate+LastChangeTime"``;
- nothing at all (a stock snapshot), written ``""``: every read is then the whole entity set,
  ordered by its key, and a record's stamp is the epoch.

mock-sap stamps every entity it serves with one ``LastChangeDate`` (the default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from connectors.errors import ConfigError
from connectors.sap.filters import parse_key_predicate
from connectors.sap.metadata import EntityType
from connectors.sap.values import EPOCH

Position = list[tuple[str, Any]]
"""``(property, value)`` pairs in ``$orderby`` order: where a keyset read resumes."""

_STAMP_TYPES = {"Edm.DateTime", "Edm.DateTimeOffset"}


@dataclass(frozen=True)
class ChangeStamp:
    """The stamp properties of one entity type: none, one datetime, or a date and a time."""

    fields: tuple[str, ...] = ()

    @property
    def is_snapshot(self) -> bool:
        return not self.fields

    def moment(self, values: Mapping[str, Any]) -> datetime:
        """A record's change stamp as an aware UTC datetime (the epoch when it has none)."""
        if not self.fields:
            return EPOCH
        day = values.get(self.fields[0])
        if not isinstance(day, datetime):
            return EPOCH
        if len(self.fields) == 1:
            return day
        clock = values.get(self.fields[1])
        return datetime.combine(day.date(), clock if isinstance(clock, time) else time(), UTC)

    def position(self, moment: datetime) -> Position:
        """The stamp values a filter compares with to find records changed at ``moment``."""
        if len(self.fields) == 1:
            return [(self.fields[0], moment)]
        day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        return [(self.fields[0], day), (self.fields[1], moment.time().replace(microsecond=0))]


def stamp_of(entity_type: EntityType, set_name: str, configured: Sequence[str]) -> ChangeStamp:
    """The configured stamp, checked against ``$metadata``; a ``ConfigError`` names what the
    entity does have when a property is missing or is not a date/time."""
    for index, name in enumerate(configured):
        prop = entity_type.properties.get(name)
        wanted = _STAMP_TYPES if index == 0 else {"Edm.Time"}
        if prop is None or prop.type not in wanted:
            stamps = sorted(n for n, p in entity_type.properties.items()
                            if p.type in _STAMP_TYPES | {"Edm.Time"})
            raise ConfigError(
                f"{set_name} has no change stamp {'+'.join(configured)!r} "
                f"(ERPSYNC_SAP_CHANGE_FIELD / ERPSYNC_SAP_CHANGE_FIELDS); its date and time "
                f"properties: {', '.join(stamps) or 'none'}",
                code="UNKNOWN_FIELD", system="sap",
            )
    if len(configured) > 2:
        raise ConfigError(f"{set_name}: a change stamp is one property or a date+time pair",
                          code="BAD_CHANGE_FIELD", system="sap")
    return ChangeStamp(tuple(configured))


def key_position(entity_type: EntityType, key: str) -> Position | None:
    """A record key as we spell it (``'1000001'``, or ``Material='X',Plant='1710'`` for a
    composite one) back to its key values; ``None`` when it cannot be read as one."""
    if not key:
        return None
    if len(entity_type.keys) == 1:
        return [(entity_type.keys[0], key)]
    try:
        values = parse_key_predicate(key)
    except ValueError:
        return None
    if set(values) != set(entity_type.keys):
        return None
    return [(name, values[name]) for name in entity_type.keys]
