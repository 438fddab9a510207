"""Running a bound SOQL query against the store: narrow by index, stream, filter, sort.

Rows stream from SQLite in chunks (never the whole table in memory); each chunk gets the
parents its WHERE and ORDER BY need in one look-up per relationship. Only (sort key, Id)
pairs are kept. When the ORDER BY is one the database can produce itself (none,
``SystemModstamp``, ``SystemModstamp, Id`` or ``Id``, ascending) the scan runs in that order
and stops as soon as OFFSET + LIMIT rows matched, so keyset paging reads one page per call;
without a WHERE clause it reads only the IDs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from sandbox.salesforce.paths import attach_parents
from sandbox.salesforce.query import BoundQuery, comparable
from sandbox.salesforce.schema import Json
from sandbox.salesforce.store import Store

_CHUNK = 500
_DB_ORDERS: dict[tuple[str, ...], str] = {
    (): "created",
    ("SystemModstamp",): "modstamp",
    ("SystemModstamp", "Id"): "modstamp_id",
    ("Id",): "id",
}
SortKey = tuple[Any, ...]


def matching_ids(store: Store, bound: BoundQuery, *, include_deleted: bool) -> list[str]:
    """The IDs a query returns, in order, after OFFSET and LIMIT."""
    ordering = _database_order(bound)
    if ordering is not None and bound.where_free:
        found = store.scan_ids(bound.obj.name, include_deleted=include_deleted,
                               ordering=ordering, limit=_wanted(bound))
        return found[bound.offset :]
    rows = store.scan(bound.obj.name, include_deleted=include_deleted,
                      narrowing=bound.narrowing, ordering=ordering or "created")
    wanted = _wanted(bound)
    keyed: list[tuple[SortKey, str]] = []
    tree = bound.row_tree
    for chunk in _chunks(rows):
        if tree:
            attach_parents(store, chunk, tree)
        keyed += [(_sort_key(bound, row), str(row["Id"])) for row in chunk
                  if bound.predicate(row)]
        if ordering is not None and wanted is not None and len(keyed) >= wanted:
            break
    if ordering is None:
        keyed = _sorted(bound, keyed)
    end = None if bound.limit is None else bound.offset + bound.limit
    return [record_id for _, record_id in keyed[bound.offset : end]]


def in_query_order(bound: BoundQuery, rows: list[dict[str, Json]]) -> list[dict[str, Json]]:
    """``rows`` (given in creation order) sorted by the query's ORDER BY."""
    if not bound.order:
        return rows
    by_id = {str(row["Id"]): row for row in rows}
    keyed = _sorted(bound, [(_sort_key(bound, row), str(row["Id"])) for row in rows])
    return [by_id[record_id] for _, record_id in keyed]


def _wanted(bound: BoundQuery) -> int | None:
    return None if bound.limit is None else bound.offset + bound.limit


def _database_order(bound: BoundQuery) -> str | None:
    if any(descending or path.hops for path, descending, _ in bound.order):
        return None
    return _DB_ORDERS.get(tuple(path.spec.name for path, _, _ in bound.order))


def _chunks(rows: Iterator[dict[str, Json]]) -> Iterator[list[dict[str, Json]]]:
    while chunk := list(islice(rows, _CHUNK)):
        yield chunk


def _sort_key(bound: BoundQuery, row: dict[str, Json]) -> SortKey:
    return tuple(comparable(path.spec)(path.value(row)) for path, _, _ in bound.order)


def _sorted(bound: BoundQuery, keyed: list[tuple[SortKey, str]]) -> list[tuple[SortKey, str]]:
    """Stable sorts, last key first; nulls first ascending, last descending unless told."""
    for index in reversed(range(len(bound.order))):
        _, descending, nulls_first = bound.order[index]
        null_rank = (0,) if nulls_first != descending else (2,)
        keyed.sort(key=_ranker(index, null_rank), reverse=descending)
    return keyed


def _ranker(index: int, null_rank: tuple[int]) -> Callable[[tuple[SortKey, str]], SortKey]:
    def rank(item: tuple[SortKey, str]) -> SortKey:
        value = item[0][index]
        return null_rank if value is None else (1, value)

    return rank
