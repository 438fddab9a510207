"""Child relationships: the to-many side of a lookup, where a document keeps its lines.

An sObject Describe lists under ``childRelationships`` every lookup that points at the object,
each with the name a parent-to-child query uses (``relationshipName``: ``OrderItems``), the
child object (``childSObject``: ``OrderItem``) and the child's lookup field holding the
parent's Id (``field``: ``OrderId``) (REST API Developer Guide, "sObject Describe",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm;
SOAP API "ChildRelationship", https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm#i1427078).
That is all the connector needs to read and write the lines named ``OrderItems/<field>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SEPARATOR = "/"


@dataclass(frozen=True)
class ChildRelationship:
    """One collection of child records: ``OrderItems`` = OrderItem rows by ``OrderId``."""

    name: str
    child: str
    field: str


def child_relationships_of(describe: Mapping[str, Any]) -> dict[str, ChildRelationship]:
    """The named child relationships of a decoded describe answer, by relationship name."""
    found: dict[str, ChildRelationship] = {}
    for raw in describe.get("childRelationships") or []:
        if not isinstance(raw, Mapping):
            continue
        name, child, field = (raw.get(k) for k in ("relationshipName", "childSObject", "field"))
        if name and child and field:
            found[str(name)] = ChildRelationship(str(name), str(child), str(field))
    return found


def split_line_fields(fields: Iterable[str]) -> tuple[list[str], dict[str, list[str]]]:
    """``fields`` as the object's own fields and, per collection, the line fields asked for
    (``OrderItems/Quantity`` → ``{"OrderItems": ["Quantity"]}``)."""
    own: list[str] = []
    lines: dict[str, list[str]] = {}
    for name in fields:
        collection, sep, line_field = name.partition(SEPARATOR)
        if sep and collection and line_field:
            names = lines.setdefault(collection, [])
            if line_field not in names:
                names.append(line_field)
        elif name not in own:
            own.append(name)
    return own, lines
