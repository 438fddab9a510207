"""Relationship references by External ID: ``<Relationship>.<Field>`` as a flat field name.

A lookup such as Contact's ``AccountId`` has a *relationship name* (``Account``) in its
describe. Naming a field ``Account.ERP_Customer_Number__c`` lets the engine link a Contact to
its Account by the Account's External ID, with no query per record:

* **writes (JSON)**: ``{"Account": {"ERP_Customer_Number__c": "0001000001"}}`` - Salesforce
  resolves the parent itself (REST API Developer Guide, "Insert or Update (Upsert) a Record
  Using an External ID", https://developer.salesforce.com/docs/platform/api-rest/guide/dome-upsert.html);
  a ``None`` value clears the lookup field (``"AccountId": null``), since there is no parent
  to look up;
* **writes (Bulk API 2.0 CSV)**: the column header is the dotted name itself ("Relationship
  Fields in a Header Row",
  https://developer.salesforce.com/docs/platform/api-asynch/guide/datafiles-prepare-data.html);
* **reads (SOQL)**: the dotted name is selected as it is and comes back nested,
  ``"Account": {"attributes": {...}, "ERP_Customer_Number__c": "..."}`` or ``"Account": null``;
  ``flatten_row`` puts the value back under the dotted name.

Only one level (``Account.X``, not ``Account.Owner.X``) and only lookups with one target object
(not polymorphic ones such as ``Owner`` on some objects, or ``What``/``Who``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SEPARATOR = "."


@dataclass(frozen=True)
class Relationship:
    """A lookup field as the API names it both ways."""

    name: str
    """Relationship name, the first part of a dotted field (``Account``)."""
    field: str
    """The lookup field holding the parent's Id (``AccountId``)."""
    parent: str
    """The object it points at (``Account``)."""
    createable: bool = True
    updateable: bool = True
    nillable: bool = True


def relationships_of(describe_fields: Iterable[Mapping[str, Any]]) -> dict[str, Relationship]:
    """The single-target lookups of a describe's ``fields``, by relationship name."""
    found: dict[str, Relationship] = {}
    for raw in describe_fields:
        name = raw.get("relationshipName")
        targets = raw.get("referenceTo") or []
        if raw.get("type") != "reference" or not name or len(targets) != 1:
            continue
        found[str(name)] = Relationship(
            name=str(name),
            field=str(raw["name"]),
            parent=str(targets[0]),
            createable=bool(raw.get("createable", True)),
            updateable=bool(raw.get("updateable", True)),
            nillable=bool(raw.get("nillable", True)),
        )
    return found


def split_path(name: str) -> tuple[str, str] | None:
    """``"Account.ERP_Customer_Number__c"`` -> ``("Account", "ERP_Customer_Number__c")``;
    ``None`` for a plain field name."""
    relationship, dot, field = name.partition(SEPARATOR)
    return (relationship, field) if dot and relationship and field else None


def nest_references(
    fields: Mapping[str, Any], relationships: Mapping[str, Relationship]
) -> dict[str, Any]:
    """A JSON write body from flat fields: dotted names become nested parent references."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        path = split_path(name)
        if path is None:
            body[name] = value
            continue
        relationship = relationships[path[0]]
        if value is None:
            body[relationship.field] = None
        else:
            body.setdefault(relationship.name, {})[path[1]] = value
    return body


def flatten_row(row: Mapping[str, Any], selected: Iterable[str]) -> dict[str, Any]:
    """A query row with every selected dotted field back under its dotted name (``None``
    when the record has no parent), the nested parent objects and ``attributes`` dropped."""
    fields = {name: value for name, value in row.items() if name != "attributes"}
    for name in selected:
        path = split_path(name)
        if path is None:
            continue
        parent = row.get(path[0])
        fields[name] = parent.get(path[1]) if isinstance(parent, Mapping) else None
    for name in selected:
        path = split_path(name)
        if path is not None:
            fields.pop(path[0], None)
    return fields
