"""Field paths through parent relationships (``Account.Name``, ``Order.Account.Name``) and
fetching the parents they need in batches.

A query row is the stored record; ``attach_parents`` puts each needed parent record under
its relationship name (``row["Account"] = {...}`` or ``None``), fetching the parents of a
whole chunk of rows with one look-up per relationship, never one per row.
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_query_using.htm
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.salesforce.catalog import target_of
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec
from sandbox.salesforce.store import Store

Tree = dict[FieldSpec, "Tree"]  # reference field -> the hops needed beyond its parent


@dataclass(frozen=True)
class FieldPath:
    """A selectable value: zero or more reference hops, then a field of the last object."""

    hops: tuple[FieldSpec, ...]
    objects: tuple[ObjectSpec, ...]  # the object reached after each hop
    spec: FieldSpec

    @property
    def name(self) -> str:
        """The canonical dotted name, e.g. ``Account.ERP_Customer_Number__c``."""
        return ".".join([*(str(h.relationship) for h in self.hops), self.spec.name])

    def value(self, row: dict[str, Json] | None) -> Json:
        current: Json = row
        for hop in self.hops:
            current = current.get(str(hop.relationship)) if isinstance(current, dict) else None
        return current.get(self.spec.name) if isinstance(current, dict) else None


@dataclass(frozen=True)
class ChildColumn:
    """A parent-to-child subquery in a select list; its result (a query result object, or
    null without children) is put in the row under ``name`` before rendering."""

    name: str


Column = FieldPath | ChildColumn


def plain(spec: FieldSpec) -> FieldPath:
    return FieldPath((), (), spec)


def tree_of(paths: list[FieldPath]) -> Tree:
    """The relationship hops the paths need, merged into one tree."""
    tree: Tree = {}
    for path in paths:
        level = tree
        for hop in path.hops:
            level = level.setdefault(hop, {})
    return tree


def attach_parents(store: Store, rows: list[dict[str, Json]], tree: Tree) -> None:
    """Put each row's parents (as far as ``tree`` goes) under their relationship names."""
    for hop, subtree in tree.items():
        target = target_of(hop)
        if target is None:
            continue
        parent_ids = {str(r[hop.name]) for r in rows if r.get(hop.name)}
        parents = store.rows_by_id(target.name, parent_ids)
        for row in rows:
            row[str(hop.relationship)] = parents.get(str(row.get(hop.name)))
        if subtree:
            attach_parents(store, list(parents.values()), subtree)


def record_json(obj: ObjectSpec, columns: list[FieldPath] | list[Column],
                data: dict[str, Json], version: str) -> dict[str, Json]:
    """A record as query and retrieve return it: ``attributes`` first, then fields in
    select order, parent fields nested under their relationship (``null`` without parent),
    child subquery results under theirs."""
    out: dict[str, Json] = {"attributes": _attributes(obj, data, version)}
    for column in columns:
        if isinstance(column, ChildColumn):
            out[column.name] = data.get(column.name)
        else:
            _put(out, data, column, 0, version)
    return out


def _attributes(obj: ObjectSpec, data: dict[str, Json], version: str) -> dict[str, str]:
    return {"type": obj.name,
            "url": f"/services/data/v{version}/sobjects/{obj.name}/{data.get('Id')}"}


def _put(out: dict[str, Json], data: dict[str, Json], path: FieldPath, depth: int,
         version: str) -> None:
    if depth == len(path.hops):
        out[path.spec.name] = data.get(path.spec.name)
        return
    relationship = str(path.hops[depth].relationship)
    parent = data.get(relationship)
    if not isinstance(parent, dict):
        out[relationship] = None
        return
    nested = out.get(relationship)
    if not isinstance(nested, dict):
        nested = {"attributes": _attributes(path.objects[depth], parent, version)}
        out[relationship] = nested
    _put(nested, parent, path, depth + 1, version)
