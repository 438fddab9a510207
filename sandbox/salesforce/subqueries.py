"""Rendering a page of query rows, with the results of parent-to-child subqueries.

For each subquery the children of the whole page are fetched in one look-up (the child
relationship's reference field is indexed), get the parents their own WHERE, ORDER BY and
select list need, and are filtered, sorted and limited per parent. Each row then carries a
query result object under the relationship name, ``{"totalSize", "done", "records"}``, or
``null`` when no child matches, as in this recorded answer to ``SELECT FirstName, (SELECT Name
FROM Opportunities) FROM Contact``. ``queryAll`` includes deleted children too. A child list
always comes whole (``done: true``); a real org pages very long ones.
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_query_using.htm
"""

from __future__ import annotations

from collections import defaultdict

from sandbox.salesforce.execute import in_query_order
from sandbox.salesforce.paths import Column, FieldPath, attach_parents, record_json, tree_of
from sandbox.salesforce.query import BoundChild
from sandbox.salesforce.schema import Json, ObjectSpec
from sandbox.salesforce.store import Store

Row = dict[str, Json]


def render_rows(store: Store, obj: ObjectSpec, columns: tuple[Column, ...], rows: list[Row],
                version: str, *, include_deleted: bool) -> list[Json]:
    """The JSON records for ``rows`` (copies fresh from the store, changed in place)."""
    tree = tree_of([c for c in columns if isinstance(c, FieldPath)])
    if tree:
        attach_parents(store, rows, tree)
    for column in columns:
        if isinstance(column, BoundChild):
            _attach_children(store, rows, column, version, include_deleted=include_deleted)
    return [record_json(obj, list(columns), row, version) for row in rows]


def _attach_children(store: Store, rows: list[Row], child: BoundChild, version: str, *,
                     include_deleted: bool) -> None:
    bound = child.query
    found = store.children(bound.obj.name, child.field.name, [str(r["Id"]) for r in rows],
                           include_deleted=include_deleted)
    tree = tree_of([*bound.fields, *bound.filter_paths, *(p for p, _, _ in bound.order)])
    if tree:
        attach_parents(store, found, tree)
    by_parent: dict[str, list[Row]] = defaultdict(list)
    for row in found:
        if bound.predicate(row):
            by_parent[str(row[child.field.name])].append(row)
    for row in rows:
        kept = in_query_order(bound, by_parent.get(str(row["Id"]), []))
        if bound.limit is not None:
            kept = kept[: bound.limit]
        row[child.name] = {
            "totalSize": len(kept), "done": True,
            "records": [record_json(bound.obj, list(bound.columns), r, version) for r in kept],
        } if kept else None
