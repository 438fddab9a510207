"""Expanded lines cut by the server: the rest of an inline collection, read by its link.

An OData V2 service may page an expanded to-many navigation like any collection: the entry
then carries ``"to_Item": {"results": [...first lines...], "__next": "<link>"}`` (OData V2,
JSON Format, "Representing Collections of Entries": a collection may hold a ``__next``
link, https://www.odata.org/documentation/odata-version-2-0/json-format/). SAP Gateway does
so when a service caps its pages; mock-sap never does (``../shared/fixtures/SOURCES.md``).
Before an entry is flattened, each expanded line collection the read plan asks for is
completed by following its links (every line of a document belongs to it: a document read
with half its lines would look like a document whose other lines were removed). Lines of
lines are completed the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.sap.odata import ODataClient
from connectors.sap.reading import NavPlan, ReadPlan


def complete_lines(client: ODataClient, service: str, plan: ReadPlan,
                   row: Mapping[str, Any]) -> Mapping[str, Any]:
    """``row`` with every expanded line collection of ``plan`` read to its end."""
    return _complete(client, service, plan.nested, row)


def _complete(client: ODataClient, service: str, navs: Mapping[str, NavPlan],
              row: Mapping[str, Any]) -> Mapping[str, Any]:
    updated: dict[str, Any] | None = None
    for name, nav in navs.items():
        value = row.get(name)
        if not nav.as_lines or not isinstance(value, Mapping):
            continue
        lines = list(value.get("results") or [])
        link = value.get("__next")
        if isinstance(link, str) and link:  # the rest, page by page (``follow``)
            for page in client.follow(service, client.absolute(service, link)):
                lines += page.rows
        if nav.children:
            lines = [_complete(client, service, nav.children, line) for line in lines]
        if link or nav.children:
            updated = updated if updated is not None else dict(row)
            updated[name] = {"results": lines}
    return row if updated is None else updated
