"""Writing documents with their lines: the parents first, then every line of the call.

A ``TargetRecord`` holding ``OrderItems`` (a child relationship of the object, see
``children``) states all of the document's lines (``connectors/base.py``). The parents are
written without it through sObject Collections; then, for the parents that were written,
each wanted line is paired with a line of ``current`` (as last read) by the child's External
ID (``ERP_Item_Key__c``), a line without one with an equal line without one:

- paired: an update by Id of the updateable fields that differ, nothing when none does;
- unpaired: an upsert by its External ID with the parent's Id filled in (``OrderId``), so a
  resend after a lost answer cannot add it twice; a line without an External ID is created;
- a current line no wanted line paired with: deleted, through sObject Collections DELETE
  (``DELETE /composite/sobjects?ids=...&allOrNone=false``, up to 200 Ids a call,
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_delete.htm).

All lines of one call go out together: one ``write_batch`` of the child object (batches of
200, Bulk API above the threshold) and the deletes, never a call per document. A line that
fails fails its document's result (the document itself may be written: the next run merges
and sends the lines again; upserts and deletes are idempotent).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.base import ObjectSchema, TargetRecord, WriteResult
from connectors.errors import SyncError
from connectors.salesforce.children import ChildRelationship
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.deletes_write import delete_records
from connectors.salesforce.schema import child_relationships
from connectors.salesforce.settings import SalesforceSettings
from connectors.salesforce.writes import BatchWriter

Describe = Callable[[str], ObjectSchema]
Line = Mapping[str, Any]


@dataclass
class _Lines:
    """What one call does to the lines of one child object, and whose lines they are."""

    relationship: ChildRelationship
    schema: ObjectSchema
    writes: list[TargetRecord] = field(default_factory=list)
    write_owner: list[int] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    delete_owner: list[int] = field(default_factory=list)

    def keep_only(self, failed: set[int]) -> None:
        """Drop the deletes of documents in ``failed``."""
        pairs = [(i, o) for i, o in zip(self.deletes, self.delete_owner, strict=True)
                 if o not in failed]
        self.deletes = [i for i, _ in pairs]
        self.delete_owner = [o for _, o in pairs]


class LineWriter:
    """``write_batch`` for objects whose records may carry lines."""

    def __init__(self, client: SalesforceClient, settings: SalesforceSettings,
                 describe: Describe) -> None:
        self._client = client
        self._settings = settings
        self._describe = describe

    def write(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        schema = self._describe(obj)
        children = child_relationships(schema)
        parents = [_without(record, children) for record in records]
        if all(p is r for p, r in zip(parents, records, strict=True)):
            return self._parents(obj, schema, parents)
        results = self._parents(obj, schema, parents)
        plans: dict[str, _Lines] = {}
        for index, (record, result) in enumerate(zip(records, results, strict=True)):
            if result.outcome != "failed" and result.key:
                self._plan(plans, children, index, record, result.key)
        failures = self._send(plans)
        return [_folded(result, failures.get(i), plans, i) for i, result in enumerate(results)]

    def _parents(self, obj: str, schema: ObjectSchema,
                 records: list[TargetRecord]) -> list[WriteResult]:
        """Write the parents; an update left with no field of its own is not sent."""
        sendable = [r for r in records if r.key is None or r.fields]
        written = iter(BatchWriter(self._client, self._settings, obj, schema).write(sendable)
                       if sendable else [])
        return [next(written) if r.key is None or r.fields else
                WriteResult(r.ref, "unchanged", r.key) for r in records]

    def _plan(self, plans: dict[str, _Lines], children: Mapping[str, ChildRelationship],
              index: int, record: TargetRecord, parent_id: str) -> None:
        for name, wanted in record.fields.items():
            if name not in children or not isinstance(wanted, list):
                continue
            relation = children[name]
            plan = plans.get(name) or plans.setdefault(
                name, _Lines(relation, self._describe(relation.child)))
            current = (record.current or {}).get(name) if record.key else None
            plan_lines(plan, index, record.ref, parent_id, wanted=wanted,
                       current=current if isinstance(current, list) else [])

    def _send(self, plans: dict[str, _Lines]) -> dict[int, SyncError]:
        """Send every planned line write and delete; the first error per document."""
        failures: dict[int, SyncError] = {}
        for plan in plans.values():
            child = plan.relationship.child
            if plan.writes:
                answers = BatchWriter(self._client, self._settings, child,
                                      plan.schema).write(plan.writes)
                for owner, answer in zip(plan.write_owner, answers, strict=True):
                    if answer.error is not None:
                        failures.setdefault(owner, answer.error)
            # A document whose new lines failed keeps its old ones: never fewer lines
            # than before because of a refused write.
            plan.keep_only(set(failures))
            for owner, error in self._delete(child, plan).items():
                failures.setdefault(owner, error)
        return failures

    def _delete(self, child: str, plan: _Lines) -> dict[int, SyncError]:
        """Removed lines, through the connector's one sObject Collections DELETE
        (``deletes_write``: already-deleted lines count as gone, locked ones are sent again)."""
        if not plan.deletes:
            return {}
        size = self._settings.write_batch_size
        self._client.budget.ensure(-(-len(plan.deletes) // size), f"delete {child}")
        answers = delete_records(self._client, self._settings, child, plan.deletes)
        errors: dict[int, SyncError] = {}
        for owner, answer in zip(plan.delete_owner, answers, strict=True):
            if answer.error is not None:
                errors.setdefault(owner, answer.error)
        return errors


def plan_lines(plan: _Lines, owner: int, ref: str, parent_id: str, *,
               wanted: Sequence[Line], current: Sequence[Line]) -> None:
    """Add to ``plan`` what brings the parent's lines from ``current`` to ``wanted``."""
    external = [n for n in plan.schema.fields if plan.schema.fields[n].external_id]
    used: set[str] = set()
    for line in wanted:
        match = _pair(plan.schema, line, current, external, used)
        write = (_update(plan.schema, ref, line, match) if match is not None
                 else _create(plan, ref, line, parent_id, external))
        if match is not None:
            used.add(str(match.get("Id")))
        if write is not None:
            plan.writes.append(write)
            plan.write_owner.append(owner)
    for gone in (c for c in current if c.get("Id") and str(c["Id"]) not in used):
        plan.deletes.append(str(gone["Id"]))
        plan.delete_owner.append(owner)


def _pair(schema: ObjectSchema, line: Line, current: Sequence[Line], external: Sequence[str],
          used: set[str]) -> Line | None:
    """The current line ``line`` is: the one with its External ID; else one without any
    External ID (made in the CRM, numbered since by the ERP) whose fields that cannot
    change after create (its product, its price book entry) are ``line``'s."""
    free = [c for c in current if str(c.get("Id")) not in used]
    keyed = [name for name in external if line.get(name) not in (None, "")]
    found = next((c for c in free if any(_same(c.get(n), line[n]) for n in keyed)), None)
    if found is not None:
        return found
    fixed = [k for k in line if k in schema.fields and not schema.fields[k].updateable
             and k not in external]
    return next((c for c in free if all(c.get(n) in (None, "") for n in external)
                 and all(_same(c.get(k), line[k]) for k in fixed)), None)


def _update(schema: ObjectSchema, ref: str, line: Line, match: Line) -> TargetRecord | None:
    """The updateable fields that differ; a required field is never cleared (the other
    system not knowing a value, such as a price it has not worked out, keeps this one)."""
    changed = {k: v for k, v in line.items() if k in schema.fields
               and schema.fields[k].updateable and not _same(match.get(k), v)
               and (v not in (None, "") or schema.fields[k].nillable)}
    return TargetRecord(ref, changed, key=str(match["Id"])) if changed else None


def _create(plan: _Lines, ref: str, line: Line, parent_id: str,
            external: Sequence[str]) -> TargetRecord:
    schema = plan.schema
    fields = {k: v for k, v in line.items() if k in schema.fields and schema.fields[k].createable}
    fields[plan.relationship.field] = parent_id
    upsert = next((n for n in external if fields.get(n) not in (None, "")), None)
    return TargetRecord(ref, fields, upsert_field=upsert)


def _same(a: Any, b: Any) -> bool:
    """Equal as values: a number read back (``5.0``) equals the one sent (``"5"``)."""
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return str(a) == str(b)


def _without(record: TargetRecord, children: Mapping[str, ChildRelationship]) -> TargetRecord:
    if not any(name in children for name in record.fields):
        return record
    own = {k: v for k, v in record.fields.items() if k not in children}
    return TargetRecord(record.ref, own, record.key, record.upsert_field, record.etag,
                        record.current)


def _folded(result: WriteResult, error: SyncError | None, plans: Mapping[str, _Lines],
            index: int) -> WriteResult:
    """The document's result once its lines are written: failed with a line's error, or
    ``updated`` when only its lines changed."""
    if error is not None:
        return WriteResult(result.ref, "failed", result.key, error)
    touched = any(index in p.write_owner or index in p.delete_owner for p in plans.values())
    if result.outcome == "unchanged" and touched:
        return WriteResult(result.ref, "updated", result.key)
    return result
