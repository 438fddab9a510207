"""Changing the lines of a document (sales order items, their pricing elements).

A line is matched to the record's current lines (``TargetRecord.current[nav]``, as last
read) by its own key - ``SalesOrderItem`` - compared in ALPHA form, so ``"10"`` finds
``"000010"``:

- matched: a ``PATCH`` of the line's entity (``A_SalesOrderItem(SalesOrder='…',
  SalesOrderItem='000010')``) with the fields that differ from the current line, nothing
  when none does; its own lines are matched the same way, one level down;
- a line without its key, or with a key the current lines do not have: a ``POST`` to the
  parent's navigation (``A_SalesOrder('…')/to_Item``), a deep insert of everything below it;
- a current line the record does not mention by its key: a ``DELETE`` of the line's entity
  (``A_SalesOrderItem``, deletable in API_SALES_ORDER_SRV: its entity set carries no
  ``sap:deletable="false"``): the record's lines are the document's complete list
  (``connectors/base.py``), and the engine leaves a line out only when its line merge
  removed it (``deletes: propagate``). Cancelling an item instead (its rejection reason) is a
  field a mapping sets like any other.

When ``current`` does not carry the lines at all, a line with its key is patched with every
field it names (nothing to compare with). Every operation joins the record's own changeset,
so the document's lines change together with its header or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.errors import ConfigError
from connectors.sap.batch import Operation
from connectors.sap.filters import key_predicate
from connectors.sap.keys import alpha_in
from connectors.sap.metadata import EntityModel, EntityType, Navigation
from connectors.sap.payloads import (
    WriteOptions,
    child_key_values,
    child_model,
    encode_values,
    key_types,
    new_line,
    split_fields,
)
from connectors.sap.reading import child_keys

Line = Mapping[str, Any]


def line_operations(
    entity: EntityModel,
    *,
    parent_path: str,
    parent_keys: Mapping[str, Any],
    lines: Mapping[str, Sequence[Line]],
    current: Mapping[str, Any],
    options: WriteOptions,
) -> list[Operation]:
    """The operations that bring each navigation's lines to what ``lines`` says."""
    operations: list[Operation] = []
    for nav_name, wanted in lines.items():
        nav = entity.navigation(nav_name)
        known = current.get(nav_name)
        known_lines = list(known) if isinstance(known, list) else None
        for line in wanted:
            operations += _operations_for(entity, nav, parent_path=parent_path,
                                          parent_keys=parent_keys, line=line,
                                          known=known_lines, options=options)
        operations += removals(entity, nav, parent_keys, wanted, known_lines or [])
    return operations


def removals(entity: EntityModel, nav: Navigation, parent_keys: Mapping[str, Any],
             wanted: Sequence[Line], known: Sequence[Line]) -> list[Operation]:
    """A ``DELETE`` of each current line that no wanted line names by its own key: the
    record's list of lines is complete (``connectors/base.py``), so a line missing from it
    was removed on purpose (the engine's line merge, ``deletes: propagate``). A wanted line
    without its key is a new line and names none."""
    child = child_model(entity, nav)
    own_keys = child_keys(entity.type, nav, child.type)
    kept = {line_key(child.type, own_keys, line) for line in wanted}
    operations = []
    for line in known:
        if line_key(child.type, own_keys, line) in kept:
            continue
        keys = child_key_values(entity.type, nav, child.type, parent_keys, line)
        path = (nav.target_set or "") + key_predicate(keys, key_types(child.type))
        operations.append(Operation("DELETE", path))
    return operations


def _operations_for(
    entity: EntityModel,
    nav: Navigation,
    *,
    parent_path: str,
    parent_keys: Mapping[str, Any],
    line: Line,
    known: list[Line] | None,
    options: WriteOptions,
) -> list[Operation]:
    child = child_model(entity, nav)
    own_keys = child_keys(entity.type, nav, child.type)
    match = find_line(child.type, own_keys, line, known or [])
    keyed = all(line.get(k) not in (None, "") for k in own_keys)
    if not keyed or (known is not None and match is None):
        return [Operation("POST", f"{parent_path}/{nav.name}",
                          new_line(entity, nav, line, options))]
    # A matched line is addressed exactly as SAP spelled its key (ALPHA form included).
    spelled = {**line, **{k: match[k] for k in child.type.keys if k in match}} if match \
        else dict(line)
    keys = child_key_values(entity.type, nav, child.type, parent_keys, spelled)
    path = (nav.target_set or "") + key_predicate(keys, key_types(child.type))
    split = split_fields(child, {k: v for k, v in line.items() if k not in child.type.keys},
                         options)
    if split.single:
        raise ConfigError(f"{child.set_name}: entries below a line ({', '.join(split.single)}) "
                          f"are not written; change them through their own entity set",
                          code="BAD_RECORD_SHAPE", system="sap")
    changed = {k: v for k, v in split.own.items()
               if match is None or not same_value(child.type, k, match.get(k), v)}
    operations = [Operation("PATCH", path, encode_values(child.type, changed))] if changed \
        else []
    operations += line_operations(child, parent_path=path, parent_keys=keys,
                                  lines=split.lines, current=match or {}, options=options)
    return operations


def same_value(entity_type: EntityType, name: str, current: Any, wanted: Any) -> bool:
    """Whether ``wanted`` is what the line holds: numbers as numbers (``Decimal("34.000")``
    as read is ``"34"`` as sent), empty as empty, anything else as SAP would encode it."""
    if current in (None, "") or wanted in (None, ""):
        return current in (None, "") and wanted in (None, "")
    prop = entity_type.properties.get(name)
    if prop is not None and prop.type in _NUMERIC:
        try:
            return Decimal(str(current)) == Decimal(str(wanted))
        except InvalidOperation:
            return False
    return bool(encode_values(entity_type, {name: current}) ==
                encode_values(entity_type, {name: wanted}))


_NUMERIC = {"Edm.Decimal", "Edm.Double", "Edm.Single", "Edm.Int16", "Edm.Int32", "Edm.Int64",
            "Edm.Byte"}


def find_line(entity_type: EntityType, own_keys: Sequence[str], line: Line,
              known: Sequence[Line]) -> Line | None:
    """The current line with the same own key as ``line`` (ALPHA-insensitive), if any."""
    wanted = line_key(entity_type, own_keys, line)
    if wanted is None:
        return None
    return next((k for k in known if line_key(entity_type, own_keys, k) == wanted), None)


def line_key(entity_type: EntityType, own_keys: Sequence[str],
             line: Line) -> tuple[str, ...] | None:
    """A line's own key in internal (ALPHA) form; ``None`` when a part is missing."""
    parts = []
    for name in own_keys:
        value = line.get(name)
        if value in (None, ""):
            return None
        length = entity_type.properties[name].length or len(str(value))
        parts.append(alpha_in(str(value), length))
    return tuple(parts)
