"""Writing one record: create, update, upsert and delete, with the server-maintained fields.

Each function either completes or raises ``RecordError`` having written nothing of its own
(callers wrap it in a savepoint). Salesforce stamps ``LastModifiedDate``/``SystemModstamp`` on
every successful write, even one that changes no value, and on delete (the recycle bin's
"Deleted By" is the last modifier), so change capture sees deletes through ``queryAll``.
Deleting a parent deletes its cascade children (master-detail, Account -> Contact ...),
fails while restricting children exist (an Account with Orders) and clears plain lookups.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_delete_record.htm
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.salesforce import ids
from sandbox.salesforce.catalog import children_of, target_of
from sandbox.salesforce.clock import Clock, format_datetime
from sandbox.salesforce.derived import apply_derived
from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.faults import Faults
from sandbox.salesforce.references import ForeignKey
from sandbox.salesforce.rules import ON_CREATE
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec
from sandbox.salesforce.store import Store
from sandbox.salesforce.validation import check_values


@dataclass(frozen=True)
class WriteContext:
    """What a write needs: where records live, what time it is, who writes, armed faults."""

    store: Store
    clock: Clock
    user_id: str
    faults: Faults


def create(ctx: WriteContext, obj: ObjectSpec, values: dict[str, Any], *,
           audit: bool = False, known_new: str | None = None) -> str:
    """Insert a record; ``audit`` lets an admin set Created*/LastModified* (seeding history);
    ``known_new`` names a unique field the caller just found no match for (an upsert key)."""
    checked = check_values(obj, _resolved(ctx, values), creating=True, audit=audit)
    _raise_fault(ctx, obj, {}, checked)
    _check_parents(ctx, obj, checked)
    record_id = ids.make_id(obj.key_prefix, ctx.store.next_number(obj.key_prefix))
    now = format_datetime(ctx.clock.now())
    data: dict[str, Json] = {f.name: f.default for f in obj.fields if f.default is not None}
    data.update(Id=record_id, IsDeleted=False, CreatedDate=now, CreatedById=ctx.user_id,
                LastModifiedDate=now, LastModifiedById=ctx.user_id)
    if obj.field("OwnerId") is not None:
        data["OwnerId"] = ctx.user_id
    data.update(checked)
    data["SystemModstamp"] = now  # the system's own clock, even when audit fields are set
    apply_derived(ctx.store, obj, data, set(checked), creating=True)
    rule = ON_CREATE.get(obj.name)
    if rule is not None:
        rule(ctx.store, data)
    _check_unique(ctx, obj, data, {k: v for k, v in checked.items() if k != known_new})
    ctx.store.insert(obj.name, data)
    return record_id


def update(ctx: WriteContext, obj: ObjectSpec, raw_id: str, values: dict[str, Any]) -> str:
    current = load_live(ctx, obj, raw_id)
    checked = check_values(obj, _resolved(ctx, values), creating=False)
    _raise_fault(ctx, obj, current, checked)
    _check_parents(ctx, obj, checked)
    data = {**current, **checked}
    _stamp(ctx, data)
    apply_derived(ctx.store, obj, data, set(checked), creating=False, previous=current)
    _check_unique(ctx, obj, data, checked)
    ctx.store.save(obj.name, data)
    return str(data["Id"])


def delete(ctx: WriteContext, obj: ObjectSpec, raw_id: str) -> str:
    current = load_live(ctx, obj, raw_id)
    _raise_fault(ctx, obj, current, {})
    _delete_all(ctx, obj, [current])
    return str(current["Id"])


def _delete_all(ctx: WriteContext, obj: ObjectSpec, rows: list[dict[str, Json]]) -> None:
    """Delete ``rows`` of ``obj`` and deal with their children, one index look-up per
    child relationship (not per row)."""
    parent_ids = [str(r["Id"]) for r in rows]
    for row in rows:
        data = {**row, "IsDeleted": True}
        _stamp(ctx, data)
        ctx.store.save(obj.name, data)
    for child, spec in children_of(obj):
        children = ctx.store.children(child.name, spec.name, parent_ids)
        if not children:
            continue
        if spec.on_parent_delete == "restrict":
            raise RecordError("DELETE_FAILED", f"Your attempt to delete {parent_ids[0]} could "
                              f"not be completed because it is associated with {child.name} "
                              f"records ({children[0]['Id']})", [])
        if spec.cascades:
            _delete_all(ctx, child, children)
            continue
        for row in children:
            ctx.store.save(child.name, {**row, spec.name: None,
                                        "SystemModstamp": format_datetime(ctx.clock.now())})


def upsert(ctx: WriteContext, obj: ObjectSpec, key: FieldSpec,
           values: dict[str, Any]) -> tuple[str, bool]:
    """Update the one record whose ``key`` matches, or create one; returns (id, created).

    ``Id`` works as the key too (null creates), which a recorded CumulusCI request relies on.
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_upsert.htm
    """
    value = values.get(key.name)
    if key.name == "Id":
        rest = {k: v for k, v in values.items() if k != "Id"}
        if value is None:
            return create(ctx, obj, rest), True
        return update(ctx, obj, str(value), rest), False
    if value is None:
        raise RecordError.of("MISSING_ARGUMENT", [key.name], value=key.name)
    matches = ctx.store.find(obj.name, key.name, str(value))
    if len(matches) > 1:
        raise RecordError.of("DUPLICATE_EXTERNAL_ID", [key.name], field=key.name,
                             value="[" + ", ".join(matches) + "]")
    if matches:
        return update(ctx, obj, matches[0], values), False
    return create(ctx, obj, values, known_new=key.name), True


def load_live(ctx: WriteContext, obj: ObjectSpec, raw_id: str) -> dict[str, Json]:
    """The stored record for an ID given by a client, or the error Salesforce gives."""
    record_id = ids.normalize(raw_id)
    if record_id is None or not record_id.startswith(obj.key_prefix):
        raise RecordError.of("MALFORMED_ID", ["Id"], value=raw_id)
    stored = ctx.store.get(obj.name, record_id)
    if stored is None:
        raise RecordError.of("INVALID_CROSS_REFERENCE_KEY", ["Id"])
    if stored.is_deleted:
        raise RecordError.of("ENTITY_IS_DELETED", [])
    return stored.data


def _resolved(ctx: WriteContext, values: dict[str, Any]) -> dict[str, Any]:
    """The values with relationship references by External ID replaced by parent IDs."""
    return {name: value.resolve(ctx.store) if isinstance(value, ForeignKey) else value
            for name, value in values.items()}


def _check_parents(ctx: WriteContext, obj: ObjectSpec, checked: dict[str, Json]) -> None:
    """A reference must point at a live record of its target object."""
    for name, value in checked.items():
        spec = obj.field(name)
        target = target_of(spec) if spec is not None and spec.is_reference else None
        if target is None or value is None:
            continue
        parent = ctx.store.get(target.name, str(value))
        if parent is None or parent.is_deleted:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY",
                              f"invalid cross reference id: {value}", [name])


def _stamp(ctx: WriteContext, data: dict[str, Json]) -> None:
    now = format_datetime(ctx.clock.now())
    data.update(LastModifiedDate=now, LastModifiedById=ctx.user_id, SystemModstamp=now)


def _raise_fault(ctx: WriteContext, obj: ObjectSpec, current: dict[str, Json],
                 incoming: dict[str, Json]) -> None:
    """Fail with an armed fault if this record's Id or any External ID value has one."""
    keys = [str(current["Id"])] if "Id" in current else []
    for spec in obj.external_ids:
        keys += [str(v) for v in (current.get(spec.name), incoming.get(spec.name)) if v]
    code = ctx.faults.take_record_error(keys)
    if code is not None:
        subject = keys[0] if keys else "new record"
        raise RecordError.of(code, [], value=subject, field="(sandbox fault)")


def _check_unique(ctx: WriteContext, obj: ObjectSpec, data: dict[str, Json],
                  changed: dict[str, Json]) -> None:
    for spec in obj.unique_fields:
        value = changed.get(spec.name)
        if value is None:
            continue
        others = [i for i in ctx.store.find(obj.name, spec.name, str(value)) if i != data["Id"]]
        if others:
            raise RecordError.of("DUPLICATE_VALUE", [], field=spec.name, value=others[0])
