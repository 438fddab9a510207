"""Write a page's planned changes (DESIGN §2 step 7), one batch call per system and round.

A write the target refuses because its record changed after we read it (a ``ConflictError``
result: SAP's 412 on a stale ETag) is neither forced nor dead-lettered: the counterpart is
read again, merged again and sent again with its fresh ETag, up to ``STALE_ROUNDS`` times;
a record still refused after that is held for review. A stale write-back to the source is
not repeated within the run: the source record changed, so it comes back in the next run's
change feed and is merged then against the unchanged snapshot.

In a dry run nothing is sent: each write becomes a ``PlannedChange`` with before → after.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from connectors.base import TargetRecord, WriteResult
from connectors.errors import ConflictError, SyncError, TransientError
from engine import lookups, recording
from engine.capabilities import DeletesRecords
from engine.counterparts import reread
from engine.item import FieldDelta, Item, PlannedChange
from engine.merge import Decision
from engine.planning import delta, keep_edited, plan_update

if TYPE_CHECKING:
    from engine.page import PageProcessor

STALE_ROUNDS = 3
Pick = Callable[[Item], TargetRecord | None]


def apply_all(page: PageProcessor, items: list[Item]) -> None:
    _apply_target(page, items)
    _delete_targets(page, items)
    _assign_keys(page, items)
    for item, result in _send(page, page.source, items, lambda i: i.source_write):
        if result.outcome == "failed" and isinstance(result.error, ConflictError):
            item.stale_source = True
            item.source_write = None
            continue
        _take_result(page, item, page.source, result)


def _apply_target(page: PageProcessor, items: list[Item]) -> None:
    pending = items
    for round_ in range(STALE_ROUNDS + 1):
        stale = []
        for item, result in _send(page, page.target, pending, lambda i: i.target_write):
            if result.outcome == "failed" and isinstance(result.error, ConflictError):
                stale.append(item)
            else:
                _take_result(page, item, page.target, result)
        if not stale:
            return
        if round_ == STALE_ROUNDS:
            for item in stale:
                item.hold_reason = (f"{page.target} refused the write {STALE_ROUNDS + 1} times "
                                    "because the record kept changing; a person must decide")
                item.target_write = item.source_write = None
            return
        reread(page, stale)
        for item in stale:
            if item.counterpart is None:
                item.operation = "target_missing"
                item.target_write = item.source_write = None
            else:
                plan_update(page, item)
                item.decisions.append(_stale_decision(page))
        pending = stale


def _stale_decision(page: PageProcessor) -> Decision:
    return Decision("*", page.target, "stale_remerged",
                    f"{page.target} refused the write: the record changed after it was read "
                    "(stale ETag); read it again and merged again")


def _send(page: PageProcessor, system: str, items: list[Item],
          pick: Pick) -> list[tuple[Item, WriteResult]]:
    writes = [(item, write) for item in items
              if not item.failed and not item.is_held and (write := pick(item)) is not None]
    if not writes:
        return []
    if page.ctx.dry_run:
        return [(item, _planned(page, item, system, write)) for item, write in writes]
    writes, journaled = _journal_creates(page, system, writes)
    ready, rejected = lookups.before_write(page.ctx, system, [w for _, w in writes])
    sendable = [w for w in ready if w.ref not in rejected]
    connector = page.ctx.connectors[system]
    answered = iter(connector.write_batch(page.ctx.obj(system), sendable) if sendable else [])
    results = [(item, WriteResult(write.ref, "failed", error=rejected[write.ref])
                if write.ref in rejected else next(answered))
               for (item, _), write in zip(writes, ready, strict=True)]
    page.commit.settled_creates.extend(
        (system, item.record.key) for item, result in results if item.record.key in journaled
        and not (result.outcome == "failed" and isinstance(result.error, TransientError)))
    return results


def _journal_creates(page: PageProcessor, system: str, writes: list[tuple[Item, TargetRecord]],
                     ) -> tuple[list[tuple[Item, TargetRecord]], set[str]]:
    """Creates that carry a reference (``create_reference``) are noted in the state before
    they are sent (their source keys are returned); the page's checkpoint settles each whose
    outcome is known. Only a create noted and never settled - its run died, or its answer
    was lost - may exist already: only those are looked up before sending, so an ordinary
    load pays no look-up and a crashed one still creates nothing twice."""
    creates = [(item, write) for item, write in writes
               if write.key is None and write.reference_field]
    if not creates:
        return writes, set()
    keys = {item.record.key for item, _ in creates}
    store, sync = page.ctx.store, page.ctx.sync
    maybe_done = store.creates_maybe_done(sync, system, sorted(keys))
    store.mark_creates_sent(sync, system, sorted(keys))
    return [(item, replace(write, may_exist=item.record.key in maybe_done)
             if write.key is None and write.reference_field else write)
            for item, write in writes], keys


def _planned(page: PageProcessor, item: Item, system: str, write: TargetRecord) -> WriteResult:
    """Record what ``write`` would change and answer as the system would have."""
    before: Mapping[str, Any] = write.current or {}
    deltas = tuple(FieldDelta(name, before.get(name), value)
                   for name, value in write.fields.items() if before.get(name) != value)
    creating = system == page.target and item.operation in ("create", "deactivate")
    operation = item.operation if creating else "update"
    counterpart = item.record.key if system == page.target else (
        item.counterpart.key if item.counterpart else None)
    reason = recording.why(item.operation if system == page.target else "write-back",
                           page.source)
    page.planned.append(PlannedChange(system, operation, write.key, counterpart, deltas,
                                      reason))
    return WriteResult(write.ref, "created" if operation == "create" else "updated",
                       key=write.key)


def _take_result(page: PageProcessor, item: Item, system: str, result: WriteResult) -> None:
    counts = page.report.systems[system]
    if result.outcome == "failed":
        item.failed = True
        counts.failed += 1
        error = result.error or SyncError("write failed without a reason", system=system)
        write = item.target_write if system == page.target else item.source_write
        payload = dict(write.fields) if write else {}
        recording.dead_letter(page, system, (write.key if write else None) or result.key,
                              "write", error, payload=payload, source_key=item.record.key)
        return
    counts.add(result.outcome)
    if system == page.target and result.key:
        item.target_key = result.key


def _delete_targets(page: PageProcessor, items: list[Item]) -> None:
    """``deletes: propagate``: delete the counterparts of records deleted in the source, in
    one ``delete_batch`` call, each guarded by the ETag it was read with where the target
    has ETags. A counterpart the target refuses to delete because it changed after it was
    read (a ``ConflictError``: SAP's 412) is kept: an edit outweighs a removal."""
    doomed = [i for i in items if i.delete_target and not i.failed and i.counterpart]
    if not doomed:
        return
    keys = [i.known[page.target].key for i in doomed]
    if page.ctx.dry_run:
        for item, key in zip(doomed, keys, strict=True):
            page.planned.append(PlannedChange(page.target, "delete", key, item.record.key, (),
                                              recording.why("delete", page.source)))
        return
    connector = page.ctx.connectors[page.target]
    assert isinstance(connector, DeletesRecords)  # checked before the run started
    etags = {key: i.counterpart.etag for key, i in zip(keys, doomed, strict=True)
             if i.counterpart and i.counterpart.etag}
    results = connector.delete_batch(page.ctx.obj(page.target), keys, etags)
    for item, result in zip(doomed, results, strict=True):
        if result.outcome != "failed":
            page.report.systems[page.target].deleted += 1
        elif isinstance(result.error, ConflictError):
            keep_edited(page, item, f"{page.target} changed it after it was read")
        else:
            _take_result(page, item, page.target, result)


def _assign_keys(page: PageProcessor, items: list[Item]) -> None:
    """A record the target just created got its key there; where a canonical field holds
    that key (SAP's customer number), the source must learn it too."""
    ctx = page.ctx
    key_field = ctx.key_field(page.target)
    for item in items:
        new_key = item.target_key
        if item.operation != "create" or item.failed or new_key is None or ctx.dry_run:
            continue
        item.merged = item.merged or {}
        for name in page.fields(page.target):
            if ctx.converter.system_field(page.target, name) == key_field:
                item.merged[name] = ctx.converter.to_canonical_value(page.target, name, new_key)
        item.source_write = delta(page, item, page.source, item.record, item.values or {})
