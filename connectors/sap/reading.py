"""What to ask SAP for when reading, and how one answered entry becomes a flat record.

The engine names the fields it needs, nested ones as ``"<navigation>/<property>"``
(``"to_BusinessPartnerAddress/CityName"``). From those we derive ``$select`` (exactly those
fields, plus the key and the change field, which every record must carry) and ``$expand`` (the
navigations named). A to-many navigation contributes its FIRST entry, and always that entry's
own key (``AddressID``) so that a later update can address the same entry; a record without
any entry there carries ``None`` for each requested path. Values are decoded by EDM type (see
``values.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.base import SourceRecord
from connectors.errors import ConfigError
from connectors.sap.filters import key_predicate
from connectors.sap.metadata import EntityModel, EntityType, Navigation
from connectors.sap.values import EPOCH, decode

SYSTEM = "sap"


@dataclass(frozen=True)
class ReadPlan:
    """Fields to select and expand for one read, and how to flatten what comes back."""

    entity: EntityModel
    own: tuple[str, ...]
    nested: Mapping[str, tuple[str, ...]]
    change_field: str | None = None
    deleted_field: str | None = None

    @property
    def select(self) -> str:
        paths = [*self.own]
        for nav, names in self.nested.items():
            paths += [f"{nav}/{name}" for name in names]
        return ",".join(paths)

    @property
    def expand(self) -> str:
        return ",".join(self.nested)

    def query(self, filter_text: str | None, order: Iterable[str], top: int) -> dict[str, str]:
        query = {"$select": self.select, "$orderby": ",".join(order), "$top": str(top)}
        if self.nested:
            query["$expand"] = self.expand
        if filter_text:
            query["$filter"] = filter_text
        return query


def plan_read(
    entity: EntityModel,
    fields: Iterable[str],
    *,
    change_field: str | None = None,
    deleted_field: str | None = None,
) -> ReadPlan:
    """Check every requested field against ``$metadata`` and group them; ``ConfigError``
    naming the allowed fields for an unknown one."""
    own: dict[str, None] = dict.fromkeys(entity.type.keys)
    for extra in (change_field, deleted_field):
        if extra is not None:
            own[_own_field(entity, extra)] = None
    nested: dict[str, dict[str, None]] = {}
    for name in fields:
        nav_name, sep, prop = name.partition("/")
        if not sep:
            own[_own_field(entity, name)] = None
            continue
        nav = entity.navigation(nav_name)
        target = entity.target(nav)
        if prop not in target.properties:
            raise _unknown(entity.set_name, name, [f"{nav_name}/{p}" for p in target.properties])
        names = nested.setdefault(nav_name, dict.fromkeys(child_keys(entity.type, nav, target)))
        names[prop] = None
    return ReadPlan(entity, tuple(own), {n: tuple(v) for n, v in nested.items()},
                    change_field, deleted_field)


def _own_field(entity: EntityModel, name: str) -> str:
    if name not in entity.type.properties:
        raise _unknown(entity.set_name, name, list(entity.type.properties))
    return name


def _unknown(entity_set: str, name: str, allowed: list[str]) -> ConfigError:
    return ConfigError(
        f"{entity_set} has no field {name!r}; it has: {', '.join(sorted(allowed))}",
        code="UNKNOWN_FIELD", system=SYSTEM,
    )


def child_keys(parent: EntityType, nav: Navigation, target: EntityType) -> tuple[str, ...]:
    """The child's key properties that the parent does not already determine (``AddressID``
    for an address, whose ``BusinessPartner`` is the parent's key)."""
    joined = {child for _, child in nav.joins} or set(parent.keys)
    return tuple(key for key in target.keys if key not in joined)


def flatten(plan: ReadPlan, row: Mapping[str, Any]) -> dict[str, Any]:
    """One entry as a flat dict: own fields by name, nested ones by path."""
    entity_type = plan.entity.type
    flat = {name: decode(row.get(name), entity_type.edm_type(name)) for name in plan.own}
    for nav_name, names in plan.nested.items():
        nav = entity_type.navigations[nav_name]
        target = plan.entity.target(nav)
        child = first_child(row.get(nav_name), many=nav.many)
        for name in names:
            value = child.get(name) if child is not None else None
            flat[f"{nav_name}/{name}"] = decode(value, target.edm_type(name))
    return flat


def first_child(value: Any, *, many: bool) -> Mapping[str, Any] | None:
    """The first expanded entry: ``{"results": [...]}`` (V2) or a list (V1) when to-many, the
    entry itself when to-one; ``None`` when empty or not expanded (``__deferred``)."""
    if isinstance(value, Mapping) and "__deferred" in value:
        return None
    if many:
        items = value.get("results") if isinstance(value, Mapping) else value
        return items[0] if isinstance(items, list) and items else None
    return value if isinstance(value, Mapping) else None


def record_key(entity_type: EntityType, row: Mapping[str, Any]) -> str:
    """The key as SAP returns it: the value itself for a one-field key, else the predicate
    body ``BusinessPartner='1',AddressID='2'``."""
    if len(entity_type.keys) == 1:
        return str(row[entity_type.keys[0]])
    keys = {name: row[name] for name in entity_type.keys}
    types = {name: entity_type.edm_type(name) for name in entity_type.keys}
    return key_predicate(keys, types)[1:-1]


def to_record(plan: ReadPlan, row: Mapping[str, Any]) -> SourceRecord:
    """A ``SourceRecord``: flat fields, change stamp, deletion flag and ETag."""
    fields = flatten(plan, row)
    stamp = fields.get(plan.change_field) if plan.change_field else None
    metadata = row.get("__metadata")
    etag = metadata.get("etag") if isinstance(metadata, Mapping) else None
    return SourceRecord(
        system=SYSTEM,
        object=plan.entity.set_name,
        key=record_key(plan.entity.type, row),
        fields=fields,
        modified_at=stamp if isinstance(stamp, datetime) else EPOCH,
        deleted=bool(fields.get(plan.deleted_field)) if plan.deleted_field else False,
        etag=etag if isinstance(etag, str) else None,
    )
