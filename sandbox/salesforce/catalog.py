"""Every sObject the sandbox org has, found by name (case-insensitive) or by ID prefix."""

from __future__ import annotations

from sandbox.salesforce.objects_commerce import COMMERCE_OBJECTS
from sandbox.salesforce.objects_custom import CUSTOM_OBJECTS
from sandbox.salesforce.objects_sales import SALES_OBJECTS
from sandbox.salesforce.schema import FieldSpec, ObjectSpec

OBJECTS: dict[str, ObjectSpec] = {
    obj.name.casefold(): obj for obj in (*SALES_OBJECTS, *COMMERCE_OBJECTS, *CUSTOM_OBJECTS)
}
_BY_PREFIX = {obj.key_prefix: obj for obj in OBJECTS.values()}


def find_object(name: str) -> ObjectSpec | None:
    return OBJECTS.get(name.casefold())


def object_by_prefix(record_id: str) -> ObjectSpec | None:
    return _BY_PREFIX.get(record_id[:3])


def target_of(spec: FieldSpec) -> ObjectSpec | None:
    """The object a (single-target) reference field points to, if the org serves it."""
    return find_object(spec.reference_to[0]) if spec.reference_to else None


def children_of(obj: ObjectSpec) -> list[tuple[ObjectSpec, FieldSpec]]:
    """(child object, reference field) for every reference to ``obj``: its child
    relationships, in catalog order."""
    return [(child, spec) for child in OBJECTS.values() for spec in child.references
            if spec.reference_to == (obj.name,)]
