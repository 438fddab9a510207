"""Before updates are sent: what SAP holds now, read once for every record that needs it.

Two things make an update need a fresh read:

- a single-entry child key it must address is unknown (``AddressID``): it is taken from what
  SAP holds, never guessed, so an existing address is patched, not duplicated;
- it carries no ETag. Nothing may be overwritten blindly, so then:

  * with ``current`` (the values the write was based on): the fields it writes are compared
    with SAP's values now; any difference makes the record a ``ChangedMeanwhile`` conflict,
    sent nowhere, for the engine to re-read and merge. Otherwise it goes out under the ETag
    just read, when the service has ETags (real S/4HANA declares none on business partners
    and products: there this comparison is the guard);
  * without ``current`` the write states no expectation of the values it replaces (the
    engine blocking a partner whose counterpart was deleted): it goes out under the ETag just
    read, which still refuses a change that lands between this read and the write;
  * an entity with a composite key cannot be read back by key here: without an ETag the
    update is a ``PreconditionRequired`` conflict.

What remains is the moment between this read and SAP applying the write, for services
without ETags; nothing short of an ETag closes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from connectors.base import ObjectSchema, SourceRecord, TargetRecord
from connectors.sap.errors import ChangedMeanwhile, PreconditionRequired, SapConflict
from connectors.sap.keys import alpha_in
from connectors.sap.lines import find_line
from connectors.sap.metadata import EntityModel
from connectors.sap.payloads import WriteOptions, child_model
from connectors.sap.reading import child_keys
from connectors.sap.writing import missing_child_keys

ReadBy = Callable[[list[str], list[str]], Iterable[SourceRecord]]
"""``(keys, fields) -> records``: one batched lookup by the entity's key."""


def prepare_updates(
    entity: EntityModel,
    schema: ObjectSchema,
    records: Sequence[TargetRecord],
    read_by: ReadBy,
    options: WriteOptions,
) -> list[TargetRecord | SapConflict]:
    """Each record ready to send, or the conflict that stops it; one read for all."""
    needs: dict[int, list[str]] = {}
    for index, record in enumerate(records):
        paths = _fields_to_read(entity, schema, record, options)
        if paths is not None:
            needs[index] = paths
    if not needs:
        return list(records)
    if len(entity.type.keys) != 1:
        return [_unguardable(entity, r) if i in needs and not r.etag else r
                for i, r in enumerate(records)]
    wanted = sorted({path for fields in needs.values() for path in fields})
    keys = [str(records[i].key) for i in needs]
    fresh = {alpha_in(r.key): r for r in read_by(keys, wanted)}
    return [
        _prepared(entity, record, fresh.get(alpha_in(str(record.key))), options)
        if i in needs else record
        for i, record in enumerate(records)
    ]


def _fields_to_read(entity: EntityModel, schema: ObjectSchema, record: TargetRecord,
                    options: WriteOptions) -> list[str] | None:
    """What to read for ``record``; ``None`` when it needs no read."""
    if record.key is None:
        return None
    missing = missing_child_keys(entity, record)
    writes = [name for name in record.fields if name not in entity.type.keys]
    if record.etag or not writes:
        return missing or None
    wanted = [*missing]
    for name in writes:
        nav = entity.type.navigations.get(name)
        if nav is not None and options.as_lines(nav):
            wanted += _line_paths(entity, name, record)
        elif schema.has(name):
            wanted.append(name)
    return wanted


def _line_paths(entity: EntityModel, nav_name: str, record: TargetRecord) -> list[str]:
    """The line fields to compare: those the new lines or the current ones name."""
    child = child_model(entity, entity.type.navigations[nav_name])
    named: set[str] = set()
    for lines in (record.fields.get(nav_name), (record.current or {}).get(nav_name)):
        for line in lines if isinstance(lines, list) else []:
            named |= {k for k in line if k in child.type.properties}
    return [f"{nav_name}/{name}" for name in sorted(named)]


def _prepared(entity: EntityModel, record: TargetRecord, fresh: SourceRecord | None,
              options: WriteOptions) -> TargetRecord | SapConflict:
    if fresh is None:
        return record  # gone from SAP: the update answers 404 for this record alone
    current = {**(record.current or {}),
               **{p: fresh.fields.get(p) for p in missing_child_keys(entity, record)}}
    if record.etag:
        return replace(record, current=current)
    if record.current is not None:
        changed = _changed(entity, record, record.current, fresh.fields, options)
        if changed:
            return ChangedMeanwhile(
                f"SAP {entity.set_name} {record.key}: {', '.join(changed)} changed in SAP "
                f"since it was read, and the service has no ETag to guard the write; "
                f"nothing was written", code="CHANGED_MEANWHILE", status=0)
    return replace(record, current=current, etag=fresh.etag)


def _changed(entity: EntityModel, record: TargetRecord, before: Mapping[str, Any],
             now: Mapping[str, Any], options: WriteOptions) -> list[str]:
    """The written fields whose value in SAP differs from the one the write was based on."""
    changed = []
    for name in record.fields:
        if name not in before or name not in now:
            continue
        nav = entity.type.navigations.get(name)
        if nav is not None and options.as_lines(nav):
            if _lines_differ(entity, name, before[name], now[name]):
                changed.append(name)
        elif before[name] != now[name]:
            changed.append(name)
    return changed


def _lines_differ(entity: EntityModel, nav_name: str, before: Any, now: Any) -> bool:
    """Lines differ when one side has a line the other lacks, or a field both name differs."""
    nav = entity.type.navigations[nav_name]
    child = child_model(entity, nav).type
    own_keys = child_keys(entity.type, nav, child)
    before_lines = before if isinstance(before, list) else []
    now_lines = now if isinstance(now, list) else []
    if len(before_lines) != len(now_lines):
        return True
    for line in before_lines:
        match = find_line(child, own_keys, line, now_lines)
        if match is None or any(match[k] != v for k, v in line.items() if k in match):
            return True
    return False


def _unguardable(entity: EntityModel, record: TargetRecord) -> SapConflict:
    return PreconditionRequired(
        f"SAP {entity.set_name} {record.key}: an update without an ETag cannot be checked "
        f"for a composite key; read the record again and send its ETag",
        code="PRECONDITION_REQUIRED")
