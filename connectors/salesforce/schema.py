"""Turning an sObject Describe answer into ``ObjectSchema``.

The REST resource ``GET /services/data/vXX.X/sobjects/{obj}/describe`` lists every field with
its ``type``, ``length``, ``nillable``, ``createable``, ``updateable``, ``externalId`` and, for
picklists, ``picklistValues`` (with ``active``) and ``restrictedPicklist``
(REST API Developer Guide, "sObject Describe",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import FieldSchema, ObjectSchema
from connectors.errors import ConfigError
from connectors.salesforce.errors import SYSTEM

SYSTEM_FIELDS = ("Id", "SystemModstamp", "IsDeleted")
"""Every queryable sObject has these; change capture relies on them."""


def object_schema(obj: str, describe: Any) -> ObjectSchema:
    """``ObjectSchema`` of ``obj`` from its decoded describe answer."""
    raw_fields = describe.get("fields") if isinstance(describe, Mapping) else None
    if not isinstance(raw_fields, list):
        raise ConfigError(
            f"describe of {obj} has no field list", code="BAD_DESCRIBE", system=SYSTEM
        )
    fields = {f.name: f for f in (field_schema(raw) for raw in raw_fields)}
    return ObjectSchema(name=str(describe.get("name") or obj), fields=fields)


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
    )
