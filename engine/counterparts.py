"""Find each record's counterpart on the other system (DESIGN §2 step 3), in batches.

First by the cross-reference table (one ``read_by`` on the target's key for the page), then
for records never seen before by the mapping's match rules, in the order listed: a rule is a
canonical field, or several that must all be equal (tax number + country); each rule costs
one batch ``read_by`` on its first field for the whole page, never one call per record.

A match links two records only when it is unambiguous. When a rule finds several candidates
on the other side, when several records of the page claim the same candidate, or when the
candidate is already linked to another record of the source system, nothing is linked and
nothing is created: each record concerned goes to dead letters (code ``AMBIGUOUS_MATCH``,
stage ``match``) naming the candidates, and later rules are not tried for it. A person merges
or corrects the duplicates, then ``erpsync dead-letters replay`` links them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.base import SourceRecord
from connectors.errors import RecordRejected
from engine import lookups, recording
from engine.item import Item, Values

if TYPE_CHECKING:
    from engine.page import PageProcessor


def find_counterparts(page: PageProcessor, items: list[Item]) -> None:
    target = page.target
    by_key = {i.known[target].key: i for i in items
              if target in i.known and not i.known[target].deleted}
    for item, record in _by_keys(page, target, by_key):
        attach(page, item, record)
    _link_unsettled_creates(page, items)
    for rule in (r.fields for r in page.ctx.mapping.match_rules):
        claimed = {i.counterpart.key: i.record.key for i in items if i.counterpart is not None}
        _match_on(page, rule, [i for i in items if i.counterpart is None and not i.failed
                               and target not in i.known and i.values is not None], claimed)
    _link_matched_ids(page, items)


def _link_unsettled_creates(page: PageProcessor, items: list[Item]) -> None:
    """A record this sync created in the source system carries its counterpart's key in the
    mapping's ``create_reference`` (the account's Id in the SAP partner). When the run that
    created it died before its checkpoint, the record comes back through the change feed
    unknown: it is linked here to the record it was made from, instead of being created
    again on the other side. Only references the state still holds as unsettled creates are
    looked up, so this costs no call unless a run died."""
    field = page.ctx.mapping.systems[page.source].create_reference
    if field is None:
        return
    by_reference = {str(ref): item for item in items
                    if item.counterpart is None and not item.failed
                    and page.target not in item.known and (ref := item.record.fields.get(field))}
    unsettled = page.ctx.store.creates_maybe_done(page.ctx.sync, page.source,
                                                  sorted(by_reference))
    by_key = {key: by_reference[key] for key in unsettled}
    for item, record in _by_keys(page, page.target, by_key):
        attach(page, item, record)
        page.commit.settled_creates.append((page.source, record.key))


def reread(page: PageProcessor, items: list[Item]) -> None:
    """Read the counterparts of ``items`` again (their write was refused as stale)."""
    by_key = {i.counterpart.key: i for i in items if i.counterpart is not None}
    for item in items:
        item.counterpart = None
    for item, record in _by_keys(page, page.target, by_key):
        attach(page, item, record)


def _by_keys(page: PageProcessor, system: str,
             by_key: dict[str, Item]) -> list[tuple[Item, SourceRecord]]:
    # SAP may answer '1000001' for '0001000001' (ALPHA conversion): match ignoring zeros.
    by_alpha = {key.lstrip("0"): item for key, item in by_key.items()}
    found = []
    records, rejected = read_by(page, system, page.ctx.key_field(system), list(by_key))
    for record in records:
        item = by_key.get(record.key) or by_alpha.get(record.key.lstrip("0"))
        if item is not None:
            found.append((item, record))
    for key, exc in rejected.items():
        item = by_key.get(key) or by_alpha.get(key.lstrip("0"))
        if item is not None:  # its counterpart cannot be read as canonical: do not guess
            item.failed = True
            recording.dead_letter(page, system, key, "lookup", exc, payload={},
                                  source_key=item.record.key)
    return found


def _match_on(page: PageProcessor, rule: tuple[str, ...], items: list[Item],
              claimed: dict[str, str]) -> None:
    """Link ``items`` by ``rule`` where exactly one record on each side carries the values;
    ``claimed`` holds the target records this page already linked (target key → source
    key)."""
    converter, source, target = page.ctx.converter, page.source, page.target
    if not items or any(converter.system_field(target, name) is None for name in rule):
        return
    wanted: dict[tuple[Any, ...], list[Item]] = {}
    for item in items:
        wanted_values = tuple((item.values or {}).get(name) for name in rule)
        if all(v is not None for v in wanted_values):
            wanted.setdefault(wanted_values, []).append(item)
    found = _by_rule(page, target, rule, list(wanted))
    # The other way round: the one candidate must match this record and no other.
    twins = _by_rule(page, source, rule, [m for m, pairs in found.items()
                                          if len(pairs) == 1 and len(wanted[m]) == 1])
    linked = {**_linked_elsewhere(page, [r.key for pairs in found.values() for r, _ in pairs]),
              **claimed}
    for matched, candidates in found.items():
        claimants = wanted[matched]
        (record, values), item = candidates[0], claimants[0]
        same = sorted({_unpadded(k): k for k in [*(r.key for r, _ in twins.get(matched, [])),
                                                  *(i.record.key for i in claimants)]
                       }.values())
        taken = linked.get(record.key)
        if len(candidates) > 1:
            keys = ", ".join(sorted(r.key for r, _ in candidates))
            why = f"{len(candidates)} {target} records match on {list(rule)}: {keys}"
        elif len(same) > 1:
            why = (f"{len(same)} {source} records match the same {target} record "
                   f"{record.key} on {list(rule)}: {', '.join(same)}")
        elif taken is not None and _unpadded(taken) != _unpadded(item.record.key):
            why = (f"the {target} record {record.key} matching on {list(rule)} is already "
                   f"linked to {source} record {taken}")
        else:
            attach(page, item, record, values)
            continue
        for claimant in claimants:
            _ambiguous(page, claimant, why)


def _by_rule(page: PageProcessor, system: str, rule: tuple[str, ...],
             wanted: list[tuple[Any, ...]]) -> dict[tuple[Any, ...],
                                                    list[tuple[SourceRecord, Values]]]:
    """``system``'s records within the sync's filter whose ``rule`` fields equal one of
    ``wanted``, by those values: one batch read on the rule's first field. Empty when there
    is nothing to read, or when that field is the system's key or upsert field (unique)."""
    converter, scope = page.ctx.converter, page.ctx.mapping.systems[system]
    first, lookup_field = rule[0], converter.system_field(system, rule[0])
    if not wanted or lookup_field is None or (
            page.source == system and lookup_field in (scope.key, scope.upsert_field)):
        return {}
    lookup = {str(converter.to_system(system, {first: v[0]}, only=[first])[lookup_field])
              for v in wanted}
    records, _unreadable = read_by(page, system, lookup_field, sorted(lookup))
    found: dict[tuple[Any, ...], list[tuple[SourceRecord, Values]]] = {}
    targets = set(wanted)
    for record in records:
        if not scope.includes(record.fields):
            continue  # out of the sync (a supplier, say): never a counterpart
        try:
            values = converter.to_canonical(system, record.fields)
        except RecordRejected:
            continue
        matched = tuple(values.get(name) for name in rule)
        if matched in targets:
            found.setdefault(matched, []).append((record, values))
    return found


def _unpadded(key: str) -> str:
    return key.lstrip("0")  # SAP may answer '1000001' for '0001000001' (ALPHA conversion)


def _linked_elsewhere(page: PageProcessor, keys: list[str]) -> dict[str, str]:
    """Target key → the key of the source record it is linked to (live links only)."""
    ctx = page.ctx
    ids = ctx.store.ids_for_keys(ctx.sync, page.target, keys) if keys else {}
    xrefs = ctx.store.xrefs_for(ctx.sync, sorted(set(ids.values()))) if ids else {}
    linked = {}
    for key, cid in ids.items():
        mine = xrefs.get(cid, {}).get(page.source)
        if mine is not None and not mine.deleted:
            linked[key] = mine.key
    return linked


def _ambiguous(page: PageProcessor, item: Item, why: str) -> None:
    """Never guess an identity: the record is neither linked nor created."""
    item.failed = True
    error = RecordRejected(f"{why}; not linked and not created: merge or correct the "
                           "duplicates, then replay this dead letter",
                           code="AMBIGUOUS_MATCH", system=page.target)
    recording.dead_letter(page, page.source, item.record.key, "match", error,
                          payload=dict(item.record.fields), source_key=item.record.key)


def _link_matched_ids(page: PageProcessor, items: list[Item]) -> None:
    """A counterpart found by match may already belong to a canonical record."""
    matched = {i.counterpart.key: i for i in items
               if i.counterpart is not None and i.cid is None}
    found = page.ctx.store.ids_for_keys(page.ctx.sync, page.target, list(matched))
    for key, item in matched.items():
        item.cid = found.get(key)


def attach(page: PageProcessor, item: Item, record: SourceRecord,
           values: Values | None = None) -> None:
    try:
        item.counterpart_values = values or page.ctx.converter.to_canonical(
            page.target, record.fields)
        item.counterpart = record
    except RecordRejected as exc:
        item.failed = True
        recording.dead_letter(page, page.target, record.key, "match", exc,
                              payload=dict(record.fields), source_key=item.record.key)


def read_by(page: PageProcessor, system: str, field_name: str, values: list[str]
            ) -> tuple[list[SourceRecord], dict[str, RecordRejected]]:
    """Records of ``system`` by ``field_name`` in one batch, their lookups resolved; those
    whose related record is missing are returned apart, by key, with the reason."""
    if not values:
        return [], {}
    connector = page.ctx.connectors[system]
    fields = page.ctx.converter.read_fields(system)
    records = list(connector.read_by(page.ctx.obj(system), field_name, values, fields))
    return lookups.after_read(page.ctx, system, records)
