"""Every sObject the sandbox org has, found by name (case-insensitive) or by ID prefix, and
the relationships between them."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.salesforce.objects_accounts import ACCOUNT_OBJECTS
from sandbox.salesforce.objects_commerce import COMMERCE_OBJECTS
from sandbox.salesforce.objects_custom import CUSTOM_OBJECTS
from sandbox.salesforce.objects_sales import SALES_OBJECTS
from sandbox.salesforce.schema import FieldSpec, ObjectSpec

OBJECTS: dict[str, ObjectSpec] = {
    obj.name.casefold(): obj
    for obj in (*ACCOUNT_OBJECTS, *SALES_OBJECTS, *COMMERCE_OBJECTS, *CUSTOM_OBJECTS)
}
_BY_PREFIX = {obj.key_prefix: obj for obj in OBJECTS.values()}


@dataclass(frozen=True)
class ChildRelationship:
    """One entry of a parent's ``childRelationships``: the child object, its reference field
    and the name a parent-to-child subquery uses (None: the relationship has no name)."""

    name: str | None
    child: ObjectSpec
    field: FieldSpec


def find_object(name: str) -> ObjectSpec | None:
    return OBJECTS.get(name.casefold())


def object_by_prefix(record_id: str) -> ObjectSpec | None:
    return _BY_PREFIX.get(record_id[:3])


def target_of(spec: FieldSpec) -> ObjectSpec | None:
    """The object a (single-target) reference field points to, if the org serves it."""
    return find_object(spec.reference_to[0]) if spec.reference_to else None


def children_of(obj: ObjectSpec) -> list[tuple[ObjectSpec, FieldSpec]]:
    """(child object, reference field) for every reference to ``obj``, in catalog order:
    what deleting an ``obj`` record has to deal with."""
    return [(child, spec) for child in OBJECTS.values() for spec in child.references
            if spec.reference_to == (obj.name,)]


def child_relationships(obj: ObjectSpec) -> list[ChildRelationship]:
    """The references to ``obj`` its describe lists, with their relationship names."""
    return [ChildRelationship(child_relationship_name(child, spec), child, spec)
            for child, spec in children_of(obj) if spec.listed_child]


def child_relationship(obj: ObjectSpec, name: str) -> ChildRelationship | None:
    """The named child relationship of ``obj`` (``Contacts``, ``Invoice_Lines__r``), matched
    case-insensitively as SOQL does."""
    folded = name.casefold()
    return next((rel for rel in child_relationships(obj)
                 if rel.name is not None and rel.name.casefold() == folded), None)


def child_relationship_name(child: ObjectSpec, spec: FieldSpec) -> str | None:
    """The platform's default name unless the field says otherwise: the plural of a standard
    child's API name (``Contacts``, ``OrderItems``, ``PricebookEntries``), or a custom
    relationship's plural label with ``__r`` (``Invoice_Lines__r``)."""
    if spec.child_relationship != "":
        return spec.child_relationship
    if child.custom or spec.custom:
        return child.label_plural.replace(" ", "_") + "__r"
    name = child.name
    return name[:-1] + "ies" if name.endswith("y") else name + "s"
