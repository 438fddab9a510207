"""Find each record's counterpart on the other system (DESIGN §2 step 3), in batches.

First by the cross-reference table (one ``read_by`` on the target's key for the page), then
for records never seen before by the mapping's match rules, in the order listed: a rule is a
canonical field, or several that must all be equal (tax number + country); each rule costs
one batch ``read_by`` on its first field for the whole page, never one call per record.
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
    for rule in (r.fields for r in page.ctx.mapping.match_rules):
        _match_on(page, rule, [i for i in items if i.counterpart is None and not i.failed
                               and target not in i.known and i.values is not None])
    _link_matched_ids(page, items)


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


def _match_on(page: PageProcessor, rule: tuple[str, ...], items: list[Item]) -> None:
    converter, target = page.ctx.converter, page.target
    system_fields = [converter.system_field(target, name) for name in rule]
    if not items or any(f is None for f in system_fields):
        return
    wanted: dict[tuple[Any, ...], Item] = {}
    for item in items:
        wanted_values = tuple((item.values or {}).get(name) for name in rule)
        if all(v is not None for v in wanted_values):
            wanted.setdefault(wanted_values, item)
    first, lookup_field = rule[0], system_fields[0] or ""
    lookup = {str(converter.to_system(target, {first: v[0]}, only=[first])[lookup_field])
              for v in wanted}
    records, _unreadable = read_by(page, target, lookup_field, sorted(lookup))
    for record in records:
        try:
            values = converter.to_canonical(target, record.fields)
        except RecordRejected:
            continue
        match = wanted.get(tuple(values.get(name) for name in rule))
        if match is not None and match.counterpart is None:
            attach(page, match, record, values)


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
