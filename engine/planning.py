"""Merge and plan one record (DESIGN §2 steps 5 and 6): what each side must be sent.

No delta, no write: a write carries only the fields whose value differs from what the system
holds. A record the merge holds for review gets no write at all, on either side.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from canonical import ENTITIES
from connectors.base import SourceRecord, TargetRecord
from connectors.errors import RecordRejected
from engine import recording
from engine.hashing import content_hash
from engine.item import Item
from engine.lines import merge_lines
from engine.mapping.model import SyncMapping
from engine.merge import Decision, MergeResult, Side, merge

if TYPE_CHECKING:
    from engine.page import PageProcessor


def plan(page: PageProcessor, item: Item) -> None:
    """Plan one record; one that cannot be written as it is goes to dead letters alone."""
    if item.failed:
        return
    try:
        _plan_one(page, item)
    except RecordRejected as exc:
        item.failed = True
        recording.dead_letter(page, page.source, item.record.key, "plan", exc,
                              payload=dict(item.record.fields), source_key=item.record.key)


def _plan_one(page: PageProcessor, item: Item) -> None:
    item.cid = item.cid or str(uuid.uuid4())
    target = item.known.get(page.target)
    if item.values is None:
        _plan_delete(page, item)
    elif target is not None and target.deleted:
        item.merged = dict(item.values)
        item.operation = "skip_deleted_target"
    elif item.counterpart is None and target is not None:
        # Known there, but the key lookup found nothing: deleted in the target without the
        # delete reaching us yet. Creating it again would duplicate it; reconcile decides.
        item.merged = dict(item.values)
        item.operation = "target_missing"
    elif item.counterpart is None:
        _plan_create(page, item)
    else:
        plan_update(page, item)


def _plan_create(page: PageProcessor, item: Item) -> None:
    assert item.values is not None
    ctx = page.ctx
    item.merged = dict(item.values)
    if not ctx.mapping.systems[page.target].create:
        item.operation = "not_created"  # an update-only sync: records are made there by hand
        return
    present = {k: v for k, v in item.values.items() if v is not None}
    fields = ctx.writable(page.target, ctx.converter.to_system(
        page.target, present, only=page.fields(page.target)), creating=True)
    target = ctx.mapping.systems[page.target]
    fields = {**target.create_defaults, **ctx.create_keys.get(page.target, {}), **fields}
    if target.create_reference:  # how a create that may have happened already is found
        fields[target.create_reference] = item.record.key
    upsert = target.upsert_field
    item.target_write = TargetRecord(
        ref=item.cid or "", fields=fields, reference_field=target.create_reference,
        upsert_field=upsert if upsert and fields.get(upsert) is not None else None)
    item.operation = "create"


def plan_update(page: PageProcessor, item: Item) -> None:
    """Merge with the counterpart against the last agreed snapshot, then the two deltas."""
    assert item.values is not None and item.counterpart is not None
    base = page.snapshots.get(item.cid or "")
    a = Side(page.source, item.values, item.record.modified_at)
    b = Side(page.target, item.counterpart_values or {}, item.counterpart.modified_at)
    result = merge(page.ctx.policies, a, b, base, item.decided)
    item.withheld = _merge_collections(page, item, a, b, base=base, result=result)
    item.merged, item.decisions, item.keep = result.values, result.decisions, result.keep
    item.target_write = item.source_write = None
    if result.held:
        item.held = result.held
        item.operation = "held"
        return
    item.target_write = delta(page, item, page.target, item.counterpart, b.values)
    if not item.stale_source:
        item.source_write = delta(page, item, page.source, item.record, a.values)
    item.operation = "update" if item.target_write else "none"


def _merge_collections(page: PageProcessor, item: Item, a: Side, b: Side, *,
                       base: Mapping[str, Any] | None,
                       result: MergeResult) -> dict[str, dict[str, list[Any]]]:
    """Merge each collection of lines into ``result``; the lines to keep out of each
    system's writes (``LinesResult.withheld``)."""
    withheld: dict[str, dict[str, list[Any]]] = {}
    for name, policy in page.ctx.collections.items():
        if name in a.values and name in b.values:
            lines = merge_lines(name, policy, a, b, base=base, decided=item.decided)
            result.values[name] = lines.lines
            result.decisions.extend(lines.decisions)
            result.held.extend(lines.held)
            for system, kept_out in lines.withheld.items():
                withheld.setdefault(system, {})[name] = kept_out
    return withheld


def _plan_delete(page: PageProcessor, item: Item) -> None:
    """A record deleted in the source, handled as ``deletes:`` says: ``deactivate`` sets the
    deactivation field on the target, ``propagate`` deletes the target record (see
    ``_plan_propagate``), ``ignore`` leaves it. A counterpart deleted too is left alone and
    recorded gone. Either way the snapshot stays as last agreed."""
    ctx = page.ctx
    item.operation = "delete_ignored"
    item.merged = dict(page.snapshots.get(item.cid or "") or {})
    target = item.known.get(page.target)
    policy = deletes_policy(ctx.mapping)
    if target is None or target.deleted or policy == "ignore":
        return
    if policy == "propagate" and not ctx.mapping.receives_deletes(page.target):
        return  # a one-way sync: nothing is ever written there, deletes included
    if item.counterpart is None:
        item.delete_target = True  # deleted on both sides: nothing to send
        item.operation = "already_deleted"
    elif policy == "propagate":
        _plan_propagate(page, item)
    else:
        _plan_deactivate(page, item, target.key)


def _plan_deactivate(page: PageProcessor, item: Item, key: str) -> None:
    ctx = page.ctx
    field, value = deactivation(ctx.mapping)
    if field is None or item.merged is None:
        return
    item.merged[field] = value
    fields = ctx.converter.to_system(page.target, item.merged, only=[field])
    current = item.counterpart.fields if item.counterpart else None  # for before → after
    item.target_write = TargetRecord(ref=item.cid or "", key=key, fields=fields,
                                     current=current)
    item.operation = "deactivate"


def _plan_propagate(page: PageProcessor, item: Item) -> None:
    """``deletes: propagate``: the counterpart is deleted, unless it changed since the last
    sync (its content is not what the sync last left there). Then an edit outweighs a
    removal, as for document lines (``engine/lines.py``): the edited record stays, the
    deleted one is not created again, and the decision is audited."""
    item.delete_target = True
    item.operation = "delete"
    if edited_since_sync(page, item):
        keep_edited(page, item, f"{page.target} changed it since the last sync")


def edited_since_sync(page: PageProcessor, item: Item) -> bool:
    """Whether the counterpart's content differs from what the last sync left in the target
    (the content hash its cross-reference keeps)."""
    known = item.known[page.target].content_hash
    values = item.counterpart_values or {}
    return bool(known) and content_hash({n: values.get(n) for n in page.fields(page.target)}
                                        ) != known


def keep_edited(page: PageProcessor, item: Item, why: str) -> None:
    """An edit outweighs a removal: the counterpart is not deleted; its current values become
    the agreed ones (so re-reading it is an echo) and the decision is audited."""
    item.delete_target = False
    item.operation = "delete_outweighed"
    if item.counterpart_values is not None:
        item.merged = dict(item.counterpart_values)
    item.decisions.append(Decision(
        "*", page.target, "edit_outweighs_delete",
        f"deleted in {page.source}, but {why}: an edit outweighs a removal, so it stays in "
        f"{page.target} (and is not created again in {page.source})"))


def deletes_policy(mapping: SyncMapping) -> str:
    return mapping.deletes


def deactivation(mapping: SyncMapping) -> tuple[str | None, Any]:
    """The canonical field and value that mean "inactive": the mapping's ``deactivate_with``,
    else the entity's own (a customer's ``blocked: true``), if the mapping syncs that field."""
    declared = mapping.deactivate_with
    if declared is not None:
        return declared.field, declared.value
    own = ENTITIES[mapping.entity].deactivation
    return own if own is not None and own[0] in mapping.fields else (None, None)


def delta(page: PageProcessor, item: Item, system: str, record: SourceRecord,
           current: Mapping[str, Any]) -> TargetRecord | None:
    assert item.merged is not None
    keep = item.keep.get(system, set())
    merged = _for_system(item.merged, item.withheld.get(system, {}))
    changed = [n for n in page.fields(system)
               if n not in keep and _differs(page, system, n, merged, current)]
    fields = page.ctx.writable(system, page.ctx.converter.to_system(
        system, merged, only=changed), creating=False)
    if not fields:
        return None
    return TargetRecord(ref=item.cid or "", key=record.key, fields=fields,
                        etag=record.etag, current=record.fields)


def _for_system(merged: Mapping[str, Any],
                withheld: Mapping[str, list[Any]]) -> Mapping[str, Any]:
    """The merged values as one system is to hold them: without the lines it removed
    itself that ``deletes: ignore`` keeps elsewhere."""
    if not withheld:
        return merged
    return {**merged, **{name: [line for line in merged.get(name) or []
                                if not any(line is out for out in lines)]
                         for name, lines in withheld.items()}}


def _differs(page: PageProcessor, system: str, name: str, merged: Mapping[str, Any],
             current: Mapping[str, Any]) -> bool:
    """Whether field ``name`` must be written. Lines are compared as ``system`` would be
    sent them: a line field it only reads (a formula such as Salesforce's TotalPrice, a
    constant) may differ from the merged value forever, and no write could change that."""
    if merged.get(name) == current.get(name):
        return False
    if name not in page.ctx.collections:
        return True
    converter = page.ctx.converter
    return (converter.to_system(system, merged, only=[name])
            != converter.to_system(system, current, only=[name]))
