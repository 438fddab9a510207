"""Lookups the engine resolves: references a system cannot follow by itself.

A lookup's canonical value is the related record's external ID (a contact's customer number),
never an id only one system knows. Salesforce follows the reference in the query and the
write (``Account.ERP_Customer_Number__c``), so the converter handles it alone. Elsewhere the
record's field holds the related record's own key (``lookup.key``); the engine swaps it for
the external ID after reading and back before writing — one batch ``read_by`` on the related
object per lookup field and page, never one call per record. A value with no related record
rejects that record alone (``LOOKUP_NOT_FOUND``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from connectors.base import SourceRecord, TargetRecord
from connectors.errors import RecordRejected
from engine.context import RunContext
from engine.mapping.fields import Lookup


@dataclass(frozen=True)
class _Reference:
    field: str  # the record key holding the related record's key
    lookup: Lookup
    key: str  # the related object's key field


def references(ctx: RunContext, system: str) -> list[_Reference]:
    """The lookups of ``system`` that the engine must resolve (``lookup.key`` set and the
    field read as it is, not through a relationship)."""
    found = []
    for name, lookup in ctx.converter.lookups(system).items():
        path = ctx.converter.system_field(system, name)
        side = ctx.mapping.fields[name].side(system)
        if lookup.key and side is not None and path is not None and path == side.field:
            found.append(_Reference(path, lookup, lookup.key))
    return found


def after_read(ctx: RunContext, system: str, records: Sequence[SourceRecord]
               ) -> tuple[list[SourceRecord], dict[str, RecordRejected]]:
    """``records`` with related keys replaced by external IDs, and the keys of records whose
    related record does not exist (with the reason)."""
    rejected: dict[str, RecordRejected] = {}
    result = list(records)
    for ref in references(ctx, system):
        wanted = {str(r.fields[ref.field]) for r in result
                  if not r.deleted and r.fields.get(ref.field) not in (None, "")}
        found = _related(ctx, system, ref.lookup, wanted, by=ref.key, want=ref.lookup.by)
        for index, record in enumerate(result):
            value = record.fields.get(ref.field)
            if record.deleted or value in (None, ""):
                continue
            if str(value) in found:
                fields = {**record.fields, ref.field: found[str(value)]}
                result[index] = replace(record, fields=fields)
            else:
                rejected[record.key] = _missing(system, ref, value)
    return [r for r in result if r.key not in rejected], rejected


def before_write(ctx: RunContext, system: str, writes: Sequence[TargetRecord]
                 ) -> tuple[list[TargetRecord], dict[str, RecordRejected]]:
    """``writes`` with external IDs replaced by the related records' keys, and the refs of
    writes whose related record does not exist."""
    rejected: dict[str, RecordRejected] = {}
    result = list(writes)
    for ref in references(ctx, system):
        wanted = {str(w.fields[ref.field]) for w in result
                  if w.fields.get(ref.field) not in (None, "")}
        found = _related(ctx, system, ref.lookup, wanted, by=ref.lookup.by, want=ref.key)
        for index, write in enumerate(result):
            value = write.fields.get(ref.field)
            if value in (None, ""):
                continue
            if str(value) in found:
                result[index] = replace(write, fields={**write.fields, ref.field: found[
                    str(value)]})
            else:
                rejected[write.ref] = _missing(system, ref, value)
    return result, rejected


def _related(ctx: RunContext, system: str, lookup: Lookup, values: set[str], *, by: str,
             want: str) -> dict[str, Any]:
    """``by`` value → ``want`` value of the related records, in one batch read."""
    if not values:
        return {}
    connector = ctx.connectors[system]
    rows = connector.read_by(lookup.object, by, sorted(values), [by, want])
    return {str(_value(row, by)): _value(row, want) for row in rows}


def _value(row: SourceRecord, name: str) -> Any:
    value = row.fields.get(name)
    return row.key if value is None else value


def _missing(system: str, ref: _Reference, value: Any) -> RecordRejected:
    return RecordRejected(f"{ref.field}: no related {ref.lookup.object} record for {value!r}",
                          code="LOOKUP_NOT_FOUND", system=system)
