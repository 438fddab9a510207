"""``$metadata`` (EDMX 1.0 / CSDL for OData V2) into the models the connector works from.

A service document gives entity types (keys, properties with ``MaxLength``, ``Nullable``,
``ConcurrencyMode`` and SAP's ``sap:creatable``/``sap:updatable`` annotations), associations
(which navigation leads to which type, one or many, joined on which properties) and the entity
container (which entity set holds which type). The parser reads elements by local name, so
it takes mock-sap's compact document and SAP's real ones (API hub downloads with
``<Documentation>`` inside properties and vocabulary references) alike.

The XML comes from the SAP system we are configured to trust, and CPython's expat (2.4+) is
hardened against entity-expansion attacks; ElementTree resolves no external entities.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

from connectors.base import FieldSchema, ObjectSchema
from connectors.errors import ConfigError

Element = ET.Element


@dataclass(frozen=True)
class Navigation:
    """A navigation property: where it leads, whether to many, and how it joins."""

    name: str
    target_type: str
    target_set: str | None
    many: bool
    joins: tuple[tuple[str, str], ...] = ()
    """``(parent property, child property)`` pairs from the referential constraint."""


@dataclass(frozen=True)
class EntityType:
    """One entity type: its key, its properties and its navigations."""

    name: str
    keys: tuple[str, ...]
    properties: Mapping[str, FieldSchema]
    navigations: Mapping[str, Navigation] = field(default_factory=dict)
    etag_properties: tuple[str, ...] = ()
    """Properties with ``ConcurrencyMode="Fixed"``: the ones the ETag is computed from."""

    def edm_type(self, name: str) -> str:
        return self.properties[name].type


@dataclass(frozen=True)
class EntityModel:
    """An entity set together with the type of its entries."""

    set_name: str
    type: EntityType
    service: ServiceModel

    def navigation(self, name: str) -> Navigation:
        try:
            return self.type.navigations[name]
        except KeyError:
            allowed = ", ".join(sorted(self.type.navigations)) or "none"
            raise ConfigError(
                f"{self.set_name} has no navigation {name!r}; it has: {allowed}",
                code="UNKNOWN_FIELD", system="sap",
            ) from None

    def target(self, nav: Navigation) -> EntityType:
        return self.service.entity_type(nav.target_type)


@dataclass(frozen=True)
class ServiceModel:
    """Everything one service's ``$metadata`` says that the connector uses."""

    name: str
    types: Mapping[str, EntityType]
    sets: Mapping[str, str]
    """entity set name -> qualified entity type name"""
    undeletable: frozenset[str] = frozenset()
    """Entity sets annotated ``sap:deletable="false"``: SAP refuses a DELETE of their entries
    (unannotated sets are deletable, as in SAP's own OData V2 annotations)."""

    def entity(self, set_name: str) -> EntityModel:
        if set_name not in self.sets:
            allowed = ", ".join(sorted(self.sets))
            raise ConfigError(
                f"service {self.name or '?'} has no entity set {set_name!r}; it has: {allowed}",
                code="UNKNOWN_OBJECT", system="sap",
            )
        return EntityModel(set_name, self.entity_type(self.sets[set_name]), self)

    def entity_type(self, qualified: str) -> EntityType:
        return self.types[qualified]

    def object_schema(self, set_name: str, depth: int = 2) -> ObjectSchema:
        """Own properties by name, and ``depth`` levels of navigation as paths
        (``"to_Item/Material"``, ``"to_Item/to_PricingElement/ConditionType"``); a to-many
        navigation also names itself, typed ``Collection(<entity type>)``, because records
        carry its lines under that key (see ``reading.py``)."""
        entity = self.entity(set_name)
        fields: dict[str, FieldSchema] = dict(entity.type.properties)
        self._navigation_fields(entity.type, "", depth, fields, {entity.type.name})
        return ObjectSchema(name=set_name, fields=fields,
                            deletable=set_name not in self.undeletable)

    def _navigation_fields(self, parent: EntityType, prefix: str, depth: int,
                           fields: dict[str, FieldSchema], above: set[str]) -> None:
        """Paths below ``parent``; navigations back to a type above (``to_SalesOrder`` from
        an item) are left out, they lead nowhere new."""
        if depth <= 0:
            return
        for nav in parent.navigations.values():
            if nav.target_type in above:
                continue
            target = self.entity_type(nav.target_type)
            here = f"{prefix}{nav.name}"
            if nav.many:
                fields[here] = FieldSchema(name=here, type=f"Collection({nav.target_type})")
            for name, schema in target.properties.items():
                fields[f"{here}/{name}"] = replace(schema, name=f"{here}/{name}")
            self._navigation_fields(target, here + "/", depth - 1, fields,
                                    above | {nav.target_type})


def parse_edmx(document: bytes | str, service: str = "") -> ServiceModel:
    """Parse one ``$metadata`` document; ``ConfigError`` if it is not EDMX."""
    try:
        root = ET.fromstring(document)  # noqa: S314 - see the module docstring
    except ET.ParseError as exc:
        raise ConfigError(
            f"$metadata of {service or 'the service'} is not XML: {exc}",
            code="BAD_METADATA", system="sap",
        ) from None
    schemas = [el for el in root.iter() if _local(el.tag) == "Schema"]
    if not schemas:
        raise ConfigError(f"$metadata of {service or 'the service'} has no Schema",
                          code="BAD_METADATA", system="sap")
    associations = dict(_associations(schemas))
    association_sets = dict(_association_sets(schemas))
    types = {
        name: _entity_type(name, el, associations, association_sets)
        for name, el in _qualified(schemas, "EntityType")
    }
    found = list(_entity_sets(schemas))
    sets = {name: kind for name, kind, _ in found if kind in types}
    undeletable = frozenset(name for name, _, deletable in found if not deletable)
    return _default_target_sets(ServiceModel(name=service, types=types, sets=sets,
                                             undeletable=undeletable))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attrs(element: Element) -> dict[str, str]:
    """Attributes by local name: ``sap:creatable`` is ``creatable`` whatever its prefix."""
    return {_local(key): value for key, value in element.attrib.items()}


def _children(element: Element, local: str) -> Iterator[Element]:
    return (child for child in element if _local(child.tag) == local)


def _qualified(schemas: list[Element], local: str) -> Iterator[tuple[str, Element]]:
    for schema in schemas:
        namespace = schema.get("Namespace", "")
        for element in _children(schema, local):
            yield f"{namespace}.{element.get('Name', '')}", element


def _entity_type(
    name: str,
    element: Element,
    associations: Mapping[str, _Association],
    association_sets: Mapping[str, Mapping[str, str]],
) -> EntityType:
    keys = tuple(
        ref.get("Name", "")
        for key in _children(element, "Key")
        for ref in _children(key, "PropertyRef")
    )
    props = list(_children(element, "Property"))
    properties = {p.get("Name", ""): _field(p, p.get("Name", "") in keys) for p in props}
    etag = tuple(p.get("Name", "") for p in props if p.get("ConcurrencyMode") == "Fixed")
    navigations = {}
    for nav_element in _children(element, "NavigationProperty"):
        nav = _navigation(nav_element, associations, association_sets)
        if nav is not None:
            navigations[nav.name] = nav
    return EntityType(name, keys, properties, navigations, etag)


def _field(element: Element, is_key: bool) -> FieldSchema:
    attrs = _attrs(element)
    length = attrs.get("MaxLength", "")
    return FieldSchema(
        name=attrs.get("Name", ""),
        type=attrs.get("Type", ""),
        length=int(length) if length.isdigit() else None,
        nillable=attrs.get("Nullable", "true") != "false",
        createable=attrs.get("creatable", "true") != "false",
        updateable=not is_key and attrs.get("updatable", "true") != "false",
    )


@dataclass(frozen=True)
class _Association:
    ends: Mapping[str, tuple[str, str]]
    """role -> (qualified type, multiplicity)"""
    joins: tuple[tuple[str, str], ...]
    principal_role: str


def _associations(schemas: list[Element]) -> Iterator[tuple[str, _Association]]:
    for name, element in _qualified(schemas, "Association"):
        ends = {
            end.get("Role", ""): (end.get("Type", ""), end.get("Multiplicity", "1"))
            for end in _children(element, "End")
        }
        principal_role, joins = "", tuple[tuple[str, str], ...]()
        for constraint in _children(element, "ReferentialConstraint"):
            principal = next(_children(constraint, "Principal"), None)
            dependent = next(_children(constraint, "Dependent"), None)
            if principal is None or dependent is None:
                continue
            principal_role = principal.get("Role", "")
            joins = tuple(
                (p.get("Name", ""), d.get("Name", ""))
                for p, d in zip(_children(principal, "PropertyRef"),
                                _children(dependent, "PropertyRef"), strict=False)
            )
        yield name, _Association(ends=ends, joins=joins, principal_role=principal_role)


def _association_sets(schemas: list[Element]) -> Iterator[tuple[str, Mapping[str, str]]]:
    """qualified association -> {role: entity set}"""
    for schema in schemas:
        namespace = schema.get("Namespace", "")
        for container in _children(schema, "EntityContainer"):
            for element in _children(container, "AssociationSet"):
                association = element.get("Association", "")
                if "." not in association:
                    association = f"{namespace}.{association}"
                ends = _children(element, "End")
                yield association, {e.get("Role", ""): e.get("EntitySet", "") for e in ends}


def _navigation(
    element: Element,
    associations: Mapping[str, _Association],
    association_sets: Mapping[str, Mapping[str, str]],
) -> Navigation | None:
    relationship = element.get("Relationship", "")
    association = associations.get(relationship)
    to_role = element.get("ToRole", "")
    if association is None or to_role not in association.ends:
        return None
    target_type, multiplicity = association.ends[to_role]
    joins = association.joins
    if association.principal_role == to_role:  # we are the dependent end: flip the pairs
        joins = tuple((child, parent) for parent, child in joins)
    return Navigation(
        name=element.get("Name", ""),
        target_type=target_type,
        target_set=association_sets.get(relationship, {}).get(to_role),
        many=multiplicity == "*",
        joins=joins,
    )


def _entity_sets(schemas: list[Element]) -> Iterator[tuple[str, str, bool]]:
    """``(name, entity type, deletable)`` of each entity set."""
    for schema in schemas:
        for container in _children(schema, "EntityContainer"):
            for element in _children(container, "EntitySet"):
                deletable = _attrs(element).get("deletable", "true") != "false"
                yield element.get("Name", ""), element.get("EntityType", ""), deletable


def _default_target_sets(model: ServiceModel) -> ServiceModel:
    """Fill a navigation's missing target set with the first set of its type, for documents
    without ``AssociationSet`` elements."""
    by_type: dict[str, str] = {}
    for set_name, type_name in model.sets.items():
        by_type.setdefault(type_name, set_name)
    types = {}
    for name, entity_type in model.types.items():
        navs = {
            nav_name: nav if nav.target_set else replace(
                nav, target_set=by_type.get(nav.target_type))
            for nav_name, nav in entity_type.navigations.items()
        }
        types[name] = replace(entity_type, navigations=navs)
    return replace(model, types=types)
