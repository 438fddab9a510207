"""Reading the lines of documents: one child query per chunk of parents, never per parent.

Asked for ``OrderItems/Quantity`` on Order (see ``connectors/base.py``), the connector reads
the parents as usual and, for each chunk of ``read_by_chunk_size`` of them, the lines of all
of them at once through the child relationship (``children``)::

    SELECT Id, SystemModstamp, IsDeleted, OrderId, Quantity, ... FROM OrderItem
    WHERE OrderId IN ('801...', '801...') ORDER BY OrderId, Id

built by the SOQL builder (names checked against the child's describe, Ids quoted) and split
by ``chunk_values`` so the query stays far below the URI limit. A separate query rather than
a relationship subquery in the parents' SELECT: a subquery's rows stop at the parent row's
limit and come back as their own paged result per parent, which would cost a call per parent
with many lines (SOQL and SOSL Reference, "Relationship Queries",
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_understanding.htm).
Each parent then carries ``fields["OrderItems"]``: its lines as flat dictionaries (``Id``
and the requested fields, parent paths such as ``Product2.ERP_Product_Number__c`` flat), an
empty list when it has none. Deleted parents get no lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from connectors.base import ObjectSchema, SourceRecord
from connectors.errors import ConfigError
from connectors.salesforce.children import ChildRelationship
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.errors import SYSTEM
from connectors.salesforce.references import flatten_row
from connectors.salesforce.schema import child_relationships
from connectors.salesforce.soql import SoqlQuery, chunk_values

QueryFor = Callable[[str, Sequence[str]], SoqlQuery]
Line = dict[str, Any]


@dataclass(frozen=True)
class LineRead:
    """One collection to read: its relationship and the line fields asked for."""

    relationship: ChildRelationship
    fields: tuple[str, ...]


def line_reads(obj: str, schema: ObjectSchema,
               wanted: Mapping[str, Sequence[str]]) -> list[LineRead]:
    """The collections asked for, checked against ``obj``'s child relationships."""
    known = child_relationships(schema)
    reads = []
    for name, fields in wanted.items():
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise ConfigError(f"{obj} has no child relationship {name!r}; it has: {allowed}",
                              code="UNKNOWN_FIELD", system=SYSTEM)
        reads.append(LineRead(known[name], tuple(fields)))
    return reads


class LineReader:
    """Attaches the lines of each chunk of parent records with one query per collection."""

    def __init__(self, client: SalesforceClient, chunk: int, query_for: QueryFor) -> None:
        self._client = client
        self._chunk = chunk
        self._query_for = query_for

    def attach(self, reads: Sequence[LineRead],
               records: Iterator[SourceRecord]) -> Iterator[SourceRecord]:
        """``records`` as they come, each with its lines (read a chunk ahead)."""
        if not reads:
            yield from records
            return
        chunk: list[SourceRecord] = []
        for record in records:
            chunk.append(record)
            if len(chunk) == self._chunk:
                yield from self._with_lines(reads, chunk)
                chunk = []
        if chunk:
            yield from self._with_lines(reads, chunk)

    def _with_lines(self, reads: Sequence[LineRead],
                    chunk: list[SourceRecord]) -> list[SourceRecord]:
        parents = [r.key for r in chunk if not r.deleted]
        found = {read.relationship.name: self.lines_of(read, parents) for read in reads}
        return [record if record.deleted else replace(record, fields={
            **record.fields, **{name: lines.get(record.key, []) for name, lines in
                                found.items()}}) for record in chunk]

    def lines_of(self, read: LineRead, parents: Sequence[str]) -> dict[str, list[Line]]:
        """Parent Id → its lines, for every parent in ``parents``."""
        relation = read.relationship
        query = self._query_for(relation.child, ["Id", relation.field, *read.fields])
        query = query.order_by(relation.field, "Id")
        result: dict[str, list[Line]] = {}
        for chunk in chunk_values(parents, self._chunk):
            soql = query.where_in(relation.field, chunk).build()
            for page in self._client.query_pages(soql, include_deleted=False,
                                                 context=f"query {relation.child} lines"):
                for row in page:
                    flat = flatten_row(row, query.fields)
                    line = {name: flat.get(name) for name in ("Id", *read.fields)}
                    result.setdefault(str(row[relation.field]), []).append(line)
        return result
