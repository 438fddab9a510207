"""What a page's checkpoint keeps of each record (DESIGN §2 step 8): cross-references with
content hashes, the agreed snapshot, audit entries for every decision, dead letters, holds.

Audit entries carry field names and value hashes, never values; dead-letter payloads are
redacted of secret-looking fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.errors import (
    ConfigError,
    ConflictError,
    RecordRejected,
    SyncError,
    TransientError,
)
from engine.hashing import content_hash, value_hash
from engine.item import FieldDelta, Item, PlannedChange, Values
from engine.merge import Held
from engine.redact import MASK, SECRET_NAME, redact
from engine.state.records import (
    AuditEntry,
    ConflictHold,
    DeadLetter,
    FieldChange,
    HeldField,
    XrefRow,
)

if TYPE_CHECKING:
    from engine.page import PageProcessor

WRITE_BACK = "write-back: the merged record differs from the source's values"
QUIET = ("none", "delete_ignored", "skip_deleted_target", "target_missing", "not_created",
         "already_deleted", "delete_outweighed")


def record(page: PageProcessor, item: Item) -> None:
    # A dry run writes no cross-references: the other direction would meet this record (or
    # its counterpart) again and plan it twice, so the plan remembers both keys instead.
    page.ctx.mark_planned(page.source, item.record.key)
    page.ctx.mark_planned(page.target, item.counterpart.key if item.counterpart else None)
    if item.failed or item.cid is None:
        return
    if item.is_held:
        _hold(page, item)
        return
    if item.merged is None:
        return
    if item.operation == "target_missing":
        # Nothing was written and the counterpart is gone: the last agreed state stays, so
        # that a delete of the counterpart arriving later still sees this record's edit.
        page.report.systems[page.target].unchanged += 1
        return
    merged, source, target = item.merged, page.source, page.target
    source_values = item.values if item.stale_source else merged
    page.commit.xrefs.append(XrefRow(item.cid, source, item.record.key,
                                     _hash(page, source, source_values or {}),
                                     deleted=item.values is None))
    target_key = _target_key(page, item)
    if target_key is not None:
        gone = item.delete_target or (target in item.known and item.known[target].deleted)
        page.commit.xrefs.append(XrefRow(item.cid, target, target_key,
                                         _hash(page, target, merged), gone))
    page.commit.snapshots[item.cid] = merged
    _audit(page, item, target_key)
    if item.conflict_id is not None:
        page.commit.applied_conflicts.append(item.conflict_id)
    if item.letter_id is not None:
        page.commit.replayed_letters.append(item.letter_id)
    if item.operation in QUIET:
        page.report.systems[target].unchanged += 1
    if item.operation == "not_created":
        page.commit.audit.append(AuditEntry(
            item.cid, target, None, "not_created", keys=_keys(page, item),
            reason=f"new in {source}; {target} is update-only (create: false) and has no "
                   "counterpart by match rules"))


def _hash(page: PageProcessor, system: str, values: Values) -> str:
    return content_hash({n: values.get(n) for n in page.fields(system)})


def _target_key(page: PageProcessor, item: Item) -> str | None:
    known = item.known.get(page.target)
    return item.target_key or (item.counterpart.key if item.counterpart else None) or (
        known.key if known else None)


def _keys(page: PageProcessor, item: Item) -> dict[str, str]:
    keys = {page.source: item.record.key}
    target_key = _target_key(page, item)
    if target_key is not None:
        keys[page.target] = target_key
    return keys


def _hold(page: PageProcessor, item: Item) -> None:
    """Nothing is written; the cross-references remember both records as read (so re-reads
    are echoes), the snapshot stays as last agreed, and the conflict waits for a person."""
    assert item.cid is not None and item.values is not None
    keys = _keys(page, item)
    page.commit.xrefs.append(XrefRow(item.cid, page.source, item.record.key,
                                     _hash(page, page.source, item.values)))
    if item.counterpart is not None:
        page.commit.xrefs.append(XrefRow(item.cid, page.target, item.counterpart.key,
                                         _hash(page, page.target,
                                               item.counterpart_values or {})))
    fields = tuple(_held_field(h) for h in item.held)
    reason = item.hold_reason or "; ".join(d.reason for d in item.decisions
                                           if d.kind == "manual")
    page.commit.holds.append(ConflictHold(item.cid, keys, fields, reason))
    page.commit.audit.append(AuditEntry(
        item.cid, page.source, item.record.key, "held", reason=reason, keys=keys,
        fields=tuple(FieldChange(h.field, value_hash(h.values.get(page.source)),
                                 value_hash(h.values.get(page.target))) for h in item.held)))
    page.report.held += 1
    page.report.conflicts += len(item.held)
    if page.ctx.dry_run:
        page.planned.append(PlannedChange(
            page.source, "held", item.record.key, keys.get(page.target),
            tuple(FieldDelta(h.field, h.values.get(page.source), h.values.get(page.target))
                  for h in item.held), reason))


def _held_field(held: Held) -> HeldField:
    """What the review queue keeps of a held field; a secret-looking field's values masked."""
    if SECRET_NAME.search(held.field):
        return HeldField(held.field, dict.fromkeys(held.values, MASK), MASK)
    return HeldField(held.field, held.values, held.base)


def _audit(page: PageProcessor, item: Item, target_key: str | None) -> None:
    keys = _keys(page, item)
    merged = item.merged or {}
    if item.target_write is not None or item.delete_target:
        changes = _changes(item.counterpart_values or {}, merged, page.fields(page.target))
        page.commit.audit.append(AuditEntry(
            item.cid, page.target, target_key, item.operation, fields=changes, keys=keys,
            reason=why(item.operation, page.source)))
    if item.source_write is not None:
        changes = _changes(item.values or {}, merged, page.fields(page.source))
        page.commit.audit.append(AuditEntry(
            item.cid, page.source, item.record.key, "update", fields=changes, keys=keys,
            reason=WRITE_BACK))
    if item.stale_source:
        page.commit.audit.append(AuditEntry(
            item.cid, page.source, item.record.key, "stale_deferred", keys=keys,
            reason=f"{page.source} refused the write-back: the record changed after it was "
                   "read; the next run merges its new values"))
    for decision in item.decisions:
        page.report.conflicts += decision.kind in ("conflict", "resolved")
        if page.ctx.dry_run and decision.kind != "one_way":
            page.planned.append(PlannedChange(
                decision.winner, decision.kind, keys.get(decision.winner), None,
                (FieldDelta(decision.field, None, merged.get(decision.field)),),
                decision.reason))
        page.commit.audit.append(AuditEntry(
            item.cid, decision.winner or page.source, None, decision.kind, keys=keys,
            reason=decision.reason, fields=(FieldChange(decision.field, None, value_hash(
                merged.get(decision.field))),)))


def dead_letter(page: PageProcessor, system: str, key: str | None, stage: str,
                error: SyncError, *, payload: dict[str, Any], source_key: str) -> None:
    page.commit.dead_letters.append(DeadLetter(
        system=system, key=key, stage=stage, code=error.code or type(error).__name__,
        error_class=error_class(error), message=str(error), payload=redact(payload),
        source_system=page.source, source_key=source_key))
    page.commit.audit.append(AuditEntry(None, system, key, "rejected", reason=str(error),
                                        code=error.code or None,
                                        keys={page.source: source_key}))


def error_class(error: SyncError) -> str:
    """The branch of the error tree the error is on (what an operator must do about it), not
    the vendor's subclass (``SapRejected``, ``BapiRejected``): the code names SAP's reason."""
    for branch in (RecordRejected, ConflictError, TransientError, ConfigError):
        if isinstance(error, branch):
            return branch.__name__
    return type(error).__name__


def _changes(before: Values, after: Values, names: list[str]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(n, value_hash(before.get(n)), value_hash(after.get(n)))
                 for n in names if before.get(n) != after.get(n))


def why(operation: str, source: str) -> str:
    return {
        "create": f"new in {source}; no counterpart by cross-reference or match rules",
        "update": f"changed in {source} since the last sync",
        "deactivate": f"deleted in {source}; deletes: deactivate marks it inactive here",
        "delete": f"deleted in {source}; deletes: propagate deletes it here",
        "already_deleted": f"deleted in {source}; deleted here too already: nothing sent",
        "write-back": WRITE_BACK,
    }.get(operation, operation)
