"""One page of changes from one system, carried through DESIGN §2 steps 2 to 8.

The page's records are mapped to canonical values, identified through the cross-reference
table (then by the mapping's match fields), stripped of our own writes coming back (echoes),
merged field by field with their counterparts on the other system, planned as field-level
deltas, written in batches to the other system and — where the merge changed the source's
own values (an owned field restored, a key assigned by the other side) — back to the source,
and finally checkpointed in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.base import Cursor, SourceRecord, TargetRecord, WriteResult
from connectors.errors import RecordRejected, SyncError
from engine.context import RunContext
from engine.hashing import content_hash, value_hash
from engine.merge import Decision, Side, merge
from engine.redact import redact
from engine.report import PageReport, SystemCounts
from engine.state.records import AuditEntry, DeadLetter, FieldChange, PageCommit, XrefRow

Values = dict[str, Any]


@dataclass
class Item:
    """One source record on its way through the page."""

    record: SourceRecord
    values: Values | None  # canonical values; None when the record was deleted
    cid: str | None = None
    known: dict[str, XrefRow] = field(default_factory=dict)
    counterpart: SourceRecord | None = None
    counterpart_values: Values | None = None
    merged: Values | None = None
    decisions: list[Decision] = field(default_factory=list)
    target_write: TargetRecord | None = None
    source_write: TargetRecord | None = None
    operation: str = "none"
    failed: bool = False
    target_key: str | None = None  # the key the target assigned when we created the record


class PageProcessor:
    """Processes one page of ``source``'s changes against the other system of the sync."""

    def __init__(self, ctx: RunContext, source: str) -> None:
        self.ctx = ctx
        self.source = source
        self.target = ctx.mapping.other(source)
        self.commit = PageCommit(sync=ctx.sync, run_id=ctx.run_id)
        self.report = PageReport(systems={s: SystemCounts() for s in ctx.mapping.systems})
        self.snapshots: dict[str, Values] = {}

    def run(self, page: Sequence[SourceRecord]) -> PageReport:
        self.report.records = len(page)
        items = self._identify(self._to_canonical(page))
        items = self._drop_echoes(items)
        self._find_counterparts(items)
        for item in items:
            self._plan(item)
        self._apply(items, self.target, lambda i: i.target_write)
        self._assign_keys(items)
        self._apply(items, self.source, lambda i: i.source_write)
        for item in items:
            self._record(item)
        last = page[-1]
        self.commit.cursor = (self.source, Cursor(last.modified_at, last.key))
        self.ctx.store.checkpoint(self.commit)
        self.report.dead_letters = len(self.commit.dead_letters)
        return self.report

    # step 2: map to canonical ---------------------------------------------------------------

    def _to_canonical(self, page: Sequence[SourceRecord]) -> list[Item]:
        items = []
        for record in page:
            if record.deleted:
                items.append(Item(record, None))
                continue
            try:
                items.append(Item(record, self.ctx.converter.to_canonical(self.source,
                                                                          record.fields)))
            except RecordRejected as exc:
                self._dead_letter(self.source, record.key, "map", exc, dict(record.fields))
        return items

    # step 3: identity -----------------------------------------------------------------------

    def _identify(self, items: list[Item]) -> list[Item]:
        store, sync = self.ctx.store, self.ctx.sync
        ids = store.ids_for_keys(sync, self.source, [i.record.key for i in items])
        xrefs = store.xrefs_for(sync, sorted(set(ids.values())))
        for item in items:
            item.cid = ids.get(item.record.key)
            item.known = xrefs.get(item.cid, {}) if item.cid else {}
        self.snapshots = store.snapshots(sync, sorted(set(ids.values())))
        return items

    # step 4: echoes -------------------------------------------------------------------------

    def _drop_echoes(self, items: list[Item]) -> list[Item]:
        """Our own writes coming back, re-reads within the lookback, deletes of records we
        never synced: nothing to do, and no API call spent finding that out."""
        live = []
        for item in items:
            mine = item.known.get(self.source)
            if item.values is None:
                if mine is None or mine.deleted:
                    continue
            elif mine is not None and mine.content_hash == content_hash(item.values):
                self.report.systems[self.target].unchanged += 1
                continue
            live.append(item)
        return live

    # counterparts: one batch lookup by key, one per match field ------------------------------

    def _find_counterparts(self, items: list[Item]) -> None:
        by_key = {i.known[self.target].key: i for i in items
                  if self.target in i.known and not i.known[self.target].deleted}
        # SAP may answer '1000001' for '0001000001' (ALPHA conversion): match ignoring zeros.
        by_alpha = {key.lstrip("0"): item for key, item in by_key.items()}
        for record in self._read_by(self.ctx.key_field(self.target), list(by_key)):
            found = by_key.get(record.key) or by_alpha.get(record.key.lstrip("0"))
            if found is not None:
                self._attach(found, record)
        for name in self.ctx.mapping.match:
            self._match_on(name, [i for i in items if i.counterpart is None
                                  and self.target not in i.known and i.values is not None])
        self._link_matched_ids(items)

    def _match_on(self, name: str, items: list[Item]) -> None:
        converter = self.ctx.converter
        system_field = converter.system_field(self.target, name)
        wanted: dict[Any, Item] = {}
        for item in items:
            value = item.values.get(name) if item.values else None
            if value is not None and system_field is not None:
                wanted.setdefault(value, item)
        if not wanted or system_field is None:
            return
        lookup = [converter.to_system(self.target, {name: v}, only=[name])[system_field]
                  for v in wanted]
        for record in self._read_by(system_field, [str(v) for v in lookup]):
            try:
                values = converter.to_canonical(self.target, record.fields)
            except RecordRejected:
                continue
            match = wanted.get(values.get(name))
            if match is not None and match.counterpart is None:
                self._attach(match, record, values)

    def _link_matched_ids(self, items: list[Item]) -> None:
        """A counterpart found by match may already belong to a canonical record."""
        matched = [i for i in items if i.counterpart is not None and i.cid is None]
        found = self.ctx.store.ids_for_keys(self.ctx.sync, self.target,
                                            [i.counterpart.key for i in matched])  # type: ignore[union-attr]
        for item in matched:
            item.cid = found.get(item.counterpart.key)  # type: ignore[union-attr]

    def _attach(self, item: Item, record: SourceRecord, values: Values | None = None) -> None:
        try:
            item.counterpart_values = values or self.ctx.converter.to_canonical(
                self.target, record.fields)
            item.counterpart = record
        except RecordRejected as exc:
            item.failed = True
            self._dead_letter(self.target, record.key, "match", exc, dict(record.fields))

    def _read_by(self, field_name: str, values: list[str]) -> list[SourceRecord]:
        if not values:
            return []
        connector = self.ctx.connectors[self.target]
        fields = self.ctx.converter.fields_of(self.target)
        return list(connector.read_by(self.ctx.obj(self.target), field_name, values, fields))

    # steps 5 and 6: merge and plan ------------------------------------------------------------

    def _plan(self, item: Item) -> None:
        """Plan one record; one that cannot be written as it is goes to dead letters alone."""
        if item.failed:
            return
        try:
            self._plan_one(item)
        except RecordRejected as exc:
            item.failed = True
            self._dead_letter(self.source, item.record.key, "plan", exc, dict(item.record.fields))

    def _plan_one(self, item: Item) -> None:
        item.cid = item.cid or str(uuid.uuid4())
        target_gone = self.target in item.known and item.known[self.target].deleted
        if item.values is None:
            self._plan_delete(item)
        elif target_gone:
            item.merged = dict(item.values)
            item.operation = "skip_deleted_target"
        elif item.counterpart is None:
            self._plan_create(item)
        else:
            self._plan_update(item)

    def _plan_create(self, item: Item) -> None:
        assert item.values is not None
        item.merged = dict(item.values)
        present = {k: v for k, v in item.values.items() if v is not None}
        fields = self.ctx.writable(self.target, self.ctx.converter.to_system(
            self.target, present, only=self._fields(self.target)), creating=True)
        fields = {**self.ctx.mapping.systems[self.target].create_defaults,
                  **fields}
        upsert = self.ctx.mapping.systems[self.target].upsert_field
        item.target_write = TargetRecord(
            ref=item.cid or "", fields=fields,
            upsert_field=upsert if upsert and fields.get(upsert) is not None else None)
        item.operation = "create"

    def _plan_update(self, item: Item) -> None:
        assert item.values is not None and item.counterpart is not None
        base = self.snapshots.get(item.cid or "")
        a = Side(self.source, item.values, item.record.modified_at)
        b = Side(self.target, item.counterpart_values or {}, item.counterpart.modified_at)
        result = merge(self.ctx.mapping, a, b, base)
        item.merged, item.decisions = result.values, result.decisions
        item.target_write = self._delta(item, self.target, item.counterpart, b.values)
        item.source_write = self._delta(item, self.source, item.record, a.values)
        item.operation = "update" if item.target_write else "none"

    def _plan_delete(self, item: Item) -> None:
        """A record deleted in the source: with ``deletes: deactivate``, block it on the target."""
        item.operation = "delete_ignored"
        item.merged = dict(self.snapshots.get(item.cid or "") or {})
        if self.ctx.mapping.deletes != "deactivate" or "blocked" not in self.ctx.mapping.fields:
            return
        item.merged["blocked"] = True
        target = item.known.get(self.target)
        if target is None or target.deleted:
            return
        fields = self.ctx.converter.to_system(self.target, item.merged, only=["blocked"])
        item.target_write = TargetRecord(ref=item.cid or "", key=target.key, fields=fields)
        item.operation = "deactivate"

    def _delta(self, item: Item, system: str, record: SourceRecord,
               current: Mapping[str, Any]) -> TargetRecord | None:
        assert item.merged is not None
        changed = [n for n in self._fields(system) if item.merged.get(n) != current.get(n)]
        fields = self.ctx.writable(system, self.ctx.converter.to_system(
            system, item.merged, only=changed), creating=False)
        if not fields:
            return None
        return TargetRecord(ref=item.cid or "", key=record.key, fields=fields,
                            etag=record.etag, current=record.fields)

    def _fields(self, system: str) -> list[str]:
        return self.ctx.converter.canonical_fields(system)

    # step 7: apply ----------------------------------------------------------------------------

    def _apply(self, items: list[Item], system: str, pick: Any) -> None:
        writes = [(item, pick(item)) for item in items if not item.failed and pick(item)]
        if not writes:
            return
        connector = self.ctx.connectors[system]
        results = connector.write_batch(self.ctx.obj(system), [w for _, w in writes])
        for (item, write), result in zip(writes, results, strict=True):
            self._take_result(item, system, write, result)

    def _take_result(self, item: Item, system: str, write: TargetRecord,
                     result: WriteResult) -> None:
        counts = self.report.systems[system]
        if result.outcome == "failed":
            item.failed = True
            counts.failed += 1
            error = result.error or SyncError("write failed without a reason", system=system)
            self._dead_letter(system, write.key or result.key, "write", error, dict(write.fields))
            return
        counts.add(result.outcome)
        if system == self.target and result.key:
            item.target_key = result.key

    def _assign_keys(self, items: list[Item]) -> None:
        """A record the target just created got its key there; where a canonical field holds
        that key (SAP's customer number), the source must learn it too."""
        key_field = self.ctx.key_field(self.target)
        for item in items:
            new_key = item.target_key
            if item.operation != "create" or item.failed or new_key is None:
                continue
            item.merged = item.merged or {}
            for name in self._fields(self.target):
                if self.ctx.converter.system_field(self.target, name) == key_field:
                    item.merged[name] = self.ctx.converter.to_canonical_value(
                        self.target, name, new_key)
            item.source_write = self._delta(item, self.source, item.record, item.values or {})

    # step 8: what the checkpoint records --------------------------------------------------------

    def _record(self, item: Item) -> None:
        if item.failed or item.merged is None or item.cid is None:
            return
        cid, merged = item.cid, item.merged
        source_hash = content_hash({n: merged.get(n) for n in self._fields(self.source)})
        self.commit.xrefs.append(XrefRow(cid, self.source, item.record.key, source_hash,
                                         deleted=item.values is None))
        target_key = item.target_key or (
            item.counterpart.key if item.counterpart else None) or (
            item.known[self.target].key if self.target in item.known else None)
        if target_key is not None:
            target_hash = content_hash({n: merged.get(n) for n in self._fields(self.target)})
            gone = self.target in item.known and item.known[self.target].deleted
            self.commit.xrefs.append(XrefRow(cid, self.target, target_key, target_hash, gone))
        self.commit.snapshots[cid] = merged
        self._audit(item, target_key)
        if item.operation in ("none", "delete_ignored", "skip_deleted_target"):
            self.report.systems[self.target].unchanged += 1

    def _audit(self, item: Item, target_key: str | None) -> None:
        before = item.counterpart_values or {}
        if item.target_write is not None:
            changes = _changes(before, item.merged or {}, self._fields(self.target))
            self.commit.audit.append(AuditEntry(
                item.cid, self.target, target_key, item.operation, fields=changes,
                reason=_why(item.operation, self.source)))
        if item.source_write is not None:
            changes = _changes(item.values or {}, item.merged or {}, self._fields(self.source))
            self.commit.audit.append(AuditEntry(
                item.cid, self.source, item.record.key, "update", fields=changes,
                reason="write-back: the merged record differs from the source's values"))
        for decision in item.decisions:
            self.report.conflicts += decision.kind == "conflict"
            self.commit.audit.append(AuditEntry(
                item.cid, decision.winner, None, decision.kind, reason=decision.reason,
                fields=(FieldChange(decision.field, None, value_hash(
                    (item.merged or {}).get(decision.field))),)))

    def _dead_letter(self, system: str, key: str | None, stage: str, error: SyncError,
                     payload: dict[str, Any]) -> None:
        self.commit.dead_letters.append(DeadLetter(
            system=system, key=key, stage=stage, code=error.code or type(error).__name__,
            error_class=type(error).__name__, message=str(error), payload=redact(payload)))
        self.commit.audit.append(AuditEntry(None, system, key, "rejected", reason=str(error),
                                            code=error.code or None))


def _changes(before: Values, after: Values, names: list[str]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(n, value_hash(before.get(n)), value_hash(after.get(n)))
                 for n in names if before.get(n) != after.get(n))


def _why(operation: str, source: str) -> str:
    return {
        "create": f"new in {source}; no counterpart by cross-reference or match fields",
        "update": f"changed in {source} since the last sync",
        "deactivate": f"deleted in {source}; deletes: deactivate blocks it here",
    }.get(operation, operation)

