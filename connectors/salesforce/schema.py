"""Turning an sObject Describe answer into ``ObjectSchema``.

The REST resource ``GET /services/data/vXX.X/sobjects/{obj}/describe`` lists every field with
its ``type``, ``length``, ``nillable``, ``createable``, ``updateable``, ``externalId``,
``defaultedOnCreate``, for
picklists ``picklistValues`` (with ``active``) and ``restrictedPicklist``, and for lookups
``relationshipName`` and ``referenceTo`` (REST API Developer Guide, "sObject Describe",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm).

Besides the object's own fields, the schema answers for relationship paths
``<Relationship>.<Field>`` (see ``references``), so that the engine's start-up check of a
mapping finds ``Account.ERP_Customer_Number__c`` on Contact like any other field. Such a path
is resolved on first lookup by describing the parent object (once per connector, cached):
describing every parent of every lookup up front would cost a call per lookup, on Account
alone RecordType, User, Contact, DandBCompany, OperatingHours. A path is writable only through
an External ID field of the parent, and then exactly when the lookup field itself is.
Iterating the schema lists the object's own fields only. The describe's child relationships
(``OrderItems``: the lines of an Order) are kept too, for reading and writing lines
(``children``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from connectors.base import FieldSchema, ObjectSchema
from connectors.errors import ConfigError
from connectors.salesforce.children import ChildRelationship, child_relationships_of
from connectors.salesforce.errors import SYSTEM
from connectors.salesforce.references import Relationship, relationships_of, split_path

SYSTEM_FIELDS = ("Id", "SystemModstamp", "IsDeleted")
"""Every queryable sObject has these; change capture relies on them."""

ParentLookup = Callable[[str], ObjectSchema]
"""Describes a parent object by name (the connector's cached ``describe``)."""


class SalesforceFields(Mapping[str, FieldSchema]):
    """An object's fields by name, plus relationship paths resolved through ``parent_of``."""

    def __init__(
        self,
        own: Mapping[str, FieldSchema],
        relationships: Mapping[str, Relationship],
        parent_of: ParentLookup,
        children: Mapping[str, ChildRelationship] | None = None,
    ) -> None:
        self._own = dict(own)
        self.relationships = dict(relationships)
        self.children = dict(children or {})
        self._parent_of = parent_of
        self._paths: dict[str, FieldSchema | None] = {}

    def __getitem__(self, name: str) -> FieldSchema:
        found = self._own.get(name)
        if found is None:
            found = self._path(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._own)

    def __len__(self) -> int:
        return len(self._own)

    def _path(self, name: str) -> FieldSchema | None:
        if name not in self._paths:
            self._paths[name] = self._resolve(name)
        return self._paths[name]

    def _resolve(self, name: str) -> FieldSchema | None:
        path = split_path(name)
        relationship = self.relationships.get(path[0]) if path else None
        if path is None or relationship is None or split_path(path[1]) is not None:
            return None  # not a path, no such lookup, or more than one level
        parent_field = self._parent_of(relationship.parent).fields.get(path[1])
        if parent_field is None:
            return None
        by_external_id = parent_field.external_id
        return replace(
            parent_field,
            name=name,
            nillable=relationship.nillable,
            createable=relationship.createable and by_external_id,
            updateable=relationship.updateable and by_external_id,
            external_id=False,  # an External ID of the parent, not of this object
        )


def object_schema(obj: str, describe: Any, parent_of: ParentLookup) -> ObjectSchema:
    """``ObjectSchema`` of ``obj`` from its decoded describe answer."""
    raw_fields = describe.get("fields") if isinstance(describe, Mapping) else None
    if not isinstance(raw_fields, list):
        raise ConfigError(
            f"describe of {obj} has no field list", code="BAD_DESCRIBE", system=SYSTEM
        )
    own = {f.name: f for f in (field_schema(raw) for raw in raw_fields)}
    fields = SalesforceFields(own, relationships_of(raw_fields), parent_of,
                             child_relationships_of(describe))
    return ObjectSchema(name=str(describe.get("name") or obj), fields=fields,
                        deletable=bool(describe.get("deletable", True)))


def relationships(schema: ObjectSchema) -> Mapping[str, Relationship]:
    """The lookups of a schema made by ``object_schema`` (none for any other schema)."""
    fields = schema.fields
    return fields.relationships if isinstance(fields, SalesforceFields) else {}


def child_relationships(schema: ObjectSchema) -> Mapping[str, ChildRelationship]:
    """The child relationships (collections of lines) of a schema made by ``object_schema``."""
    fields = schema.fields
    return fields.children if isinstance(fields, SalesforceFields) else {}


def field_schema(raw: Mapping[str, Any]) -> FieldSchema:
    picklist = raw.get("picklistValues") or []
    active = tuple(
        str(p["value"]) for p in picklist if isinstance(p, Mapping) and p.get("active", True)
    )
    length = raw.get("length")
    return FieldSchema(
        name=str(raw["name"]),
        type=str(raw.get("type", "string")),
        length=int(length) if isinstance(length, int) and length > 0 else None,
        nillable=bool(raw.get("nillable", True)),
        createable=bool(raw.get("createable", True)),
        updateable=bool(raw.get("updateable", True)),
        external_id=bool(raw.get("externalId", False)),
        picklist_values=active,
        restricted_picklist=bool(raw.get("restrictedPicklist", False)),
        defaulted_on_create=bool(raw.get("defaultedOnCreate", False)),
    )
