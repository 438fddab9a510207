"""One ``TargetRecord`` as the operations of its own ``$batch`` changeset.

Fields follow the record shape of ``reading.py`` (sorted by ``payloads.split_fields``).

- No key: one ``POST`` of the entity with a deep insert of everything nested
  (``{"to_Item": [{"Material": ..., "to_PricingElement": [...]}]}``); the server answers
  201 with the new entry, whose key becomes the result's key.
- A key: a ``PATCH`` of the entity's own fields guarded by ``If-Match: <etag>``, then for
  each single-entry navigation a ``PATCH`` of the child entry named by its key
  (``"to_BusinessPartnerAddress/AddressID"``, taken from ``fields``, else from ``current``,
  the record as last read) or, when that key is ``None`` (no such entry yet), a ``POST`` to
  the navigation; lines are matched to the current ones by key (see ``lines.py``). A child
  key known from neither is looked up by the connector before planning, never guessed. When
  only children change and the record has an ETag, an empty ``PATCH`` under ``If-Match``
  still checks the parent (``guard_nav_updates``), so a stale record is refused as a whole
  instead of its address or lines being overwritten blindly. An update without any ETag is
  prepared by ``guard.py`` first.
- Nothing to send: no operations, outcome ``unchanged``.

Values are encoded by the property's EDM type; names ``$metadata`` does not know are sent as
they are, so that SAP refuses them for that record alone (with its own message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.base import TargetRecord
from connectors.errors import ConfigError, RecordRejected, SyncError
from connectors.sap.batch import Operation
from connectors.sap.filters import key_predicate
from connectors.sap.lines import line_operations
from connectors.sap.metadata import EntityModel
from connectors.sap.payloads import (
    Split,
    WriteOptions,
    child_key_values,
    create_body,
    encode_values,
    key_types,
    new_child,
    parse_key,
    split_fields,
)
from connectors.sap.reading import child_keys


@dataclass(frozen=True)
class WritePlan:
    """The changeset for one record, or why it cannot be sent."""

    ref: str
    operations: tuple[Operation, ...] = ()
    creates: bool = False
    key: str | None = None
    error: SyncError | None = None
    reference: str | None = None
    """For a create: the caller's id of the record, by which it can be found in SAP."""


def plan_write(entity: EntityModel, record: TargetRecord, options: WriteOptions) -> WritePlan:
    """The changeset for ``record``; a record we cannot even phrase is rejected locally."""
    try:
        split = split_fields(entity, record.fields, options)
        if record.key is None:
            reference = split.own.get(options.reference_field or "")
            operation = Operation("POST", entity.set_name, create_body(entity, split, options))
            return WritePlan(record.ref, (operation,), creates=True,
                             reference=str(reference) if reference else None)
        return _update(entity, record, split, key=record.key, options=options)
    except (ConfigError, ValueError, TypeError) as exc:
        code = exc.code if isinstance(exc, ConfigError) else "INVALID_RECORD"
        rejected = RecordRejected(str(exc), code=code, system="sap")
        return WritePlan(record.ref, key=record.key, error=rejected)


def _update(entity: EntityModel, record: TargetRecord, split: Split, *, key: str,
            options: WriteOptions) -> WritePlan:
    parent_keys = parse_key(entity.type, key)
    path = entity.set_name + key_predicate(parent_keys, key_types(entity.type))
    body = encode_values(entity.type,
                         {k: v for k, v in split.own.items() if k not in entity.type.keys})
    current = record.current or {}
    child_ops = [
        operation
        for nav_name, values in split.single.items()
        if (operation := _child_update(
            entity, parent_path=path, parent_keys=parent_keys, nav_name=nav_name,
            values=_with_current_keys(entity, nav_name, values, current), options=options))
    ]
    child_ops += line_operations(entity, parent_path=path, parent_keys=parent_keys,
                                 lines=split.lines, current=current, options=options)
    operations: list[Operation] = []
    if body or (child_ops and record.etag and options.guard_nav_updates):
        headers = {"If-Match": record.etag} if record.etag else {}
        operations.append(Operation("PATCH", path, body, headers))
    operations += child_ops
    return WritePlan(record.ref, tuple(operations), key=key)


def _child_update(
    entity: EntityModel,
    *,
    parent_path: str,
    parent_keys: Mapping[str, str],
    nav_name: str,
    values: Mapping[str, Any],
    options: WriteOptions,
) -> Operation | None:
    """PATCH the child named by its key, or POST a new one to the navigation."""
    nav = entity.navigation(nav_name)
    target = entity.target(nav)
    data = encode_values(target, {k: v for k, v in values.items() if k not in target.keys})
    if not data:
        return None
    keys = child_key_values(entity.type, nav, target, parent_keys, values)
    if nav.target_set and all(keys.get(k) not in (None, "") for k in target.keys):
        path = nav.target_set + key_predicate(keys, key_types(target))
        return Operation("PATCH", path, data)
    return Operation("POST", f"{parent_path}/{nav_name}", new_child(entity, nav, values, options))


def _with_current_keys(
    entity: EntityModel, nav_name: str, values: Mapping[str, Any], current: Mapping[str, Any]
) -> dict[str, Any]:
    """The child's fields, with its own keys filled from ``current`` where ``fields`` lack
    them (the engine sends only changed fields, and keys never change)."""
    nav = entity.navigation(nav_name)
    merged = dict(values)
    for key in child_keys(entity.type, nav, entity.target(nav)):
        path = f"{nav_name}/{key}"
        if key not in merged and path in current:
            merged[key] = current[path]
    return merged


def missing_child_keys(entity: EntityModel, record: TargetRecord) -> list[str]:
    """Paths of single-entry child keys an update needs but neither ``fields`` nor
    ``current`` carry."""
    if record.key is None:
        return []
    current = record.current or {}
    navs = {name.partition("/")[0] for name in record.fields if "/" in name}
    missing = []
    for nav_name in sorted(navs & set(entity.type.navigations)):
        nav = entity.type.navigations[nav_name]
        for key in child_keys(entity.type, nav, entity.target(nav)):
            path = f"{nav_name}/{key}"
            if path not in record.fields and path not in current:
                missing.append(path)
    return missing
