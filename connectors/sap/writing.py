"""One ``TargetRecord`` as the operations of its own ``$batch`` changeset.

- No key: one ``POST`` of the entity with a deep insert of the nested fields
  (``{"to_BusinessPartnerAddress": [{"AddressID": "1", "CityName": ...}]}``); the server
  answers 201 with the new entry, whose key becomes the result's key.
- A key: a ``PATCH`` of the entity's own fields guarded by ``If-Match: <etag>`` (none when the
  record has no ETag), then for each navigation a ``PATCH`` of the child entry named by its key
  (``"to_BusinessPartnerAddress/AddressID"``, taken from ``fields``, else from ``current``, the
  record as last read) or, when that key is ``None`` (the record has no such entry yet), a
  ``POST`` to the navigation. A child key known from neither is looked up by the connector
  before planning (see ``missing_child_keys``), never guessed. When only children change and
  the record has an ETag, an empty ``PATCH`` under ``If-Match`` still checks the parent
  (``guard_nav_updates``), so a stale record is refused as a whole instead of overwriting
  the address blindly.
- Nothing to send: no operations, outcome ``unchanged``.

Values are encoded by the property's EDM type; names ``$metadata`` does not know are sent as
they are, so that SAP refuses them for that record alone (with its own message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from connectors.base import TargetRecord, WriteResult
from connectors.errors import ConfigError, RecordRejected, SyncError
from connectors.sap.batch import Operation, Response
from connectors.sap.errors import SapRejected, translate
from connectors.sap.filters import key_predicate, parse_key_predicate
from connectors.sap.metadata import EntityModel, EntityType, Navigation
from connectors.sap.reading import child_keys, record_key
from connectors.sap.values import encode


@dataclass(frozen=True)
class WritePlan:
    """The changeset for one record, or why it cannot be sent."""

    ref: str
    operations: tuple[Operation, ...] = ()
    creates: bool = False
    key: str | None = None
    error: SyncError | None = None


@dataclass(frozen=True)
class WriteOptions:
    nav_create_defaults: Mapping[str, Mapping[str, str]]
    guard_nav_updates: bool = True


def plan_write(entity: EntityModel, record: TargetRecord, options: WriteOptions) -> WritePlan:
    """The changeset for ``record``; a record we cannot even phrase is rejected locally."""
    try:
        own, children = split_fields(entity, record.fields)
        if record.key is None:
            operation = _create(entity, own, children, options)
            return WritePlan(record.ref, (operation,), creates=True)
        return _update(entity, record, own, children, key=record.key, options=options)
    except (ConfigError, ValueError, TypeError) as exc:
        code = exc.code if isinstance(exc, ConfigError) else "INVALID_RECORD"
        rejected = RecordRejected(str(exc), code=code, system="sap")
        return WritePlan(record.ref, key=record.key, error=rejected)


def split_fields(
    entity: EntityModel, fields: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Own fields, and nested ones grouped by navigation (checked against ``$metadata``)."""
    own: dict[str, Any] = {}
    children: dict[str, dict[str, Any]] = {}
    for name, value in fields.items():
        nav_name, sep, prop = name.partition("/")
        if not sep:
            own[name] = value
            continue
        entity.navigation(nav_name)
        children.setdefault(nav_name, {})[prop] = value
    return own, children


def _encode(entity_type: EntityType, values: Mapping[str, Any]) -> dict[str, Any]:
    types = entity_type.properties
    return {
        name: encode(value, types[name].type) if name in types else value
        for name, value in values.items()
    }


def _create(
    entity: EntityModel,
    own: Mapping[str, Any],
    children: Mapping[str, Mapping[str, Any]],
    options: WriteOptions,
) -> Operation:
    body = _encode(entity.type, own)
    for nav_name, values in children.items():
        nav = entity.navigation(nav_name)
        child = _new_child(entity, nav, values, options)
        if child:
            body[nav_name] = [child] if nav.many else child
    return Operation("POST", entity.set_name, body)


def _new_child(
    entity: EntityModel, nav: Navigation, values: Mapping[str, Any], options: WriteOptions
) -> dict[str, Any]:
    """A child entry to create: its data, its own key if given, else the configured default.
    Keys the parent determines (``BusinessPartner``) are left for the server to fill."""
    target = entity.target(nav)
    own_keys = child_keys(entity.type, nav, target)
    data = {k: v for k, v in values.items() if k not in target.keys}
    if not data:
        return {}
    child = dict(_encode(target, data))
    defaults = options.nav_create_defaults.get(nav.name, {})
    for key in own_keys:
        given = values.get(key)
        if given not in (None, ""):
            child[key] = given
        elif key in defaults:
            child[key] = defaults[key]
    return child


def _update(
    entity: EntityModel,
    record: TargetRecord,
    own: Mapping[str, Any],
    children: Mapping[str, Mapping[str, Any]],
    *,
    key: str,
    options: WriteOptions,
) -> WritePlan:
    parent_keys = parse_key(entity.type, key)
    path = entity.set_name + key_predicate(parent_keys, _key_types(entity.type))
    body = _encode(entity.type, {k: v for k, v in own.items() if k not in entity.type.keys})
    current = record.current or {}
    child_ops = [
        operation
        for nav_name, values in children.items()
        if (operation := _child_update(
            entity, parent_path=path, parent_keys=parent_keys, nav_name=nav_name,
            values=_with_current_keys(entity, nav_name, values, current), options=options))
    ]
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
    data = _encode(target, {k: v for k, v in values.items() if k not in target.keys})
    if not data:
        return None
    keys = _child_key_values(entity.type, nav, target, parent_keys, values)
    if nav.target_set and all(keys.get(k) not in (None, "") for k in target.keys):
        path = nav.target_set + key_predicate(keys, _key_types(target))
        return Operation("PATCH", path, data)
    return Operation("POST", f"{parent_path}/{nav_name}", _new_child(entity, nav, values, options))


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
    """Paths of child keys an update needs but neither ``fields`` nor ``current`` carry."""
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


def _child_key_values(
    parent: EntityType,
    nav: Navigation,
    target: EntityType,
    parent_keys: Mapping[str, str],
    values: Mapping[str, Any],
) -> dict[str, Any]:
    keys = {key: values.get(key) for key in target.keys}
    joins = nav.joins or tuple((k, k) for k in parent.keys if k in target.keys)
    for parent_prop, child_prop in joins:
        if keys.get(child_prop) in (None, "") and parent_prop in parent_keys:
            keys[child_prop] = parent_keys[parent_prop]
    return keys


def parse_key(entity_type: EntityType, key: str) -> dict[str, str]:
    """A record key (see ``reading.record_key``) back to key values by property."""
    if len(entity_type.keys) == 1:
        return {entity_type.keys[0]: key}
    values = parse_key_predicate(key)
    if set(values) != set(entity_type.keys):
        raise ValueError(f"key {key!r} does not name {', '.join(entity_type.keys)}")
    return values


def _key_types(entity_type: EntityType) -> dict[str, str]:
    return {name: entity_type.edm_type(name) for name in entity_type.keys}


# -- results --------------------------------------------------------------------------------

def local_result(plan: WritePlan) -> WriteResult | None:
    """The result of a record that needs no request: refused here, or nothing to send."""
    if plan.error is not None:
        return WriteResult(plan.ref, "failed", plan.key, plan.error)
    if not plan.operations:
        return WriteResult(plan.ref, "unchanged", plan.key)
    return None


def failed(plan: WritePlan, error: SyncError) -> WriteResult:
    return WriteResult(plan.ref, "failed", plan.key, error)


def result_of(entity: EntityModel, plan: WritePlan, responses: list[Response]) -> WriteResult:
    """A changeset's responses as the record's result: the error that stopped it (the
    changeset was rolled back), else ``created`` with the new key or ``updated``."""
    stopped = next((r for r in responses if r.status >= 400), None)
    if stopped is not None:
        steps = ", ".join(f"{op.method} {op.path}" for op in plan.operations)
        error = translate(stopped.status, stopped.body, stopped.headers, where="record",
                          operation=f"SAP $batch changeset [{steps}]")
        return failed(plan, error)
    if not plan.creates:
        return WriteResult(plan.ref, "updated", plan.key)
    key = created_key(entity, responses[0])
    if key is None:
        return failed(plan, SapRejected(
            "SAP answered the create without the new record or its Location; check SAP "
            "before writing this record again", code="CREATED_KEY_UNKNOWN"))
    return WriteResult(plan.ref, "created", key)


def created_key(entity: EntityModel, response: Response) -> str | None:
    """The new key from the 201 body, else from the ``Location`` header."""
    payload = response.json()
    body = payload.get("d") if isinstance(payload, dict) else None
    if isinstance(body, dict) and all(k in body for k in entity.type.keys):
        return record_key(entity.type, body)
    location = unquote(response.headers.get("location", ""))
    if not location.endswith(")") or "(" not in location:
        return None
    predicate = location.rsplit("(", 1)[1][:-1]
    if len(entity.type.keys) > 1:
        return predicate
    name = entity.type.keys[0]
    named = predicate if "=" in predicate else f"{name}={predicate}"
    return parse_key_predicate(named).get(name)
