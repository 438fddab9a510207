"""Check a mapping against what each live system says it has (describe / ``$metadata``).

Runs at the start of every sync, before any read or write: a field renamed in Salesforce or a
property missing in this SAP release stops the run with ``file:line:column`` instead of
failing halfway through.

``schemas`` holds each system's main object. Lookups and child collections name other
objects (``Account`` behind a contact's ``AccountId``, ``OrderItem`` for an order's lines);
``related`` holds their schemas by ``(system, object)`` — ``related_objects`` lists which ones
the engine should describe. Checks that need a schema nobody passed are skipped, never
guessed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from canonical import ENTITIES
from connectors.base import ObjectSchema
from engine.mapping.canonical_paths import collections
from engine.mapping.errors import MappingError, MappingIssue
from engine.mapping.fields import FieldRule, FieldSide
from engine.mapping.loader import LoadedMapping
from engine.mapping.model import SyncMapping
from engine.mapping.schema_types import type_issue
from engine.mapping.yaml_source import Path_

Related = Mapping[tuple[str, str], ObjectSchema]


def related_objects(mapping: SyncMapping, system: str) -> list[str]:
    """Objects of ``system`` besides its main one that the mapping refers to (lookup targets,
    child objects), for the engine to describe before ``check_against_schemas``."""
    names: list[str] = []
    rules = [*mapping.fields.values(),
             *(rule for child in mapping.children.values() for rule in child.fields.values())]
    for rule in rules:
        side = rule.side(system)
        if side is not None and side.lookup is not None:
            names.append(side.lookup.object)
    for child in mapping.children.values():
        child_side = child.side(system)
        if child_side is not None:
            names.append(child_side.object)
    if system in mapping.systems:
        names.extend(lookup.object for lookup in mapping.systems[system].create_lookups.values())
    return sorted(set(names))


def check_against_schemas(loaded: LoadedMapping, schemas: Mapping[str, ObjectSchema],
                          related: Related | None = None) -> None:
    """Raise ``MappingError`` if any mapped field, key or picklist value does not fit."""
    issues: list[MappingIssue] = []
    for system, schema in schemas.items():
        check = _SystemCheck(loaded, system, schema, related or {})
        check.run()
        issues.extend(check.issues)
    if issues:
        raise MappingError(issues)


@dataclass
class _SystemCheck:
    loaded: LoadedMapping
    system: str
    schema: ObjectSchema
    related: Related
    issues: list[MappingIssue] = field(default_factory=list)

    @property
    def mapping(self) -> SyncMapping:
        return self.loaded.mapping

    def add(self, at: Path_, message: str) -> None:
        """One issue at ``at``, its message starting with the key's dotted path."""
        where = ".".join(map(str, at)) or "(top level)"
        self.issues.append(self.loaded.source.issue(at, f"{where}: {message}"))

    def missing(self, at: Path_, name: str, schema: ObjectSchema) -> None:
        near = ", ".join(difflib.get_close_matches(name, list(schema.fields), n=3, cutoff=0.7))
        hint = f"; similar: {near}" if near else ""
        self.add(at, f"{self.system} {schema.name} has no field {name!r}{hint}")

    def run(self) -> None:
        obj = self.mapping.systems[self.system]
        at: Path_ = ("systems", self.system)
        if not self.schema.has(obj.key):
            self.missing((*at, "key"), obj.key, self.schema)
        self._check_upsert()
        self._check_deletable()
        for i, condition in enumerate(obj.filter):
            if not self.schema.has(condition.field):
                self.missing((*at, "filter", i, "field"), condition.field, self.schema)
        self._check_create_reference()
        for name in [*obj.create_defaults, *obj.create_lookups]:
            if not self.schema.has(name):
                self.missing((*at, "create_defaults" if name in obj.create_defaults
                              else "create_lookups", name), name, self.schema)
        for name, lookup in obj.create_lookups.items():
            target = self.related.get((self.system, lookup.object))
            for where in lookup.where if target else ():
                if target is not None and not target.has(where):
                    self.missing((*at, "create_lookups", name, "where", where), where, target)
        entity = ENTITIES[self.mapping.entity]
        self._check_rules(entity, self.mapping.fields, self.schema, ("fields",))
        line_models = collections(entity)
        for name, child in self.mapping.children.items():
            side = child.side(self.system)
            schema = self.related.get((self.system, side.object)) if side else None
            if schema is not None and name in line_models:
                self._check_rules(line_models[name], child.fields, schema,
                                  ("children", name, "fields"))
            if schema is not None and child.deletes == "propagate" and not schema.deletable:
                self.add(("children", name, "deletes"),
                         f"propagate removes lines in {self.system} too, but "
                         f"{self.system} does not let {schema.name} records be deleted; "
                         "choose deletes: ignore")

    def _check_create_reference(self) -> None:
        name = self.mapping.systems[self.system].create_reference
        if name is None:
            return
        at: Path_ = ("systems", self.system, "create_reference")
        field = self.schema.fields.get(name)
        if field is None:
            self.missing(at, name, self.schema)
        elif not field.createable:
            self.add(at, f"{name!r} cannot be set on create in {self.system} "
                         f"{self.schema.name}")

    def _check_deletable(self) -> None:
        """``deletes: propagate`` into an object the system says cannot be deleted (SAP's
        ``sap:deletable="false"``, Salesforce describe ``deletable: false``)."""
        if self.mapping.receives_deletes(self.system) and not self.schema.deletable:
            self.add(("deletes",), f"propagate would delete in {self.system}, but "
                                   f"{self.system} {self.schema.name} cannot be deleted "
                                   "there; allowed here: deactivate, ignore")

    def _check_upsert(self) -> None:
        obj = self.mapping.systems[self.system]
        if not obj.upsert_field:
            return
        at: Path_ = ("systems", self.system, "upsert_field")
        upsert = self.schema.fields.get(obj.upsert_field)
        if upsert is None:
            self.missing(at, obj.upsert_field, self.schema)
        elif not upsert.external_id:
            self.add(at, f"{obj.upsert_field!r} is not an External ID field")

    def _check_rules(self, model: type[BaseModel], rules: Mapping[str, FieldRule],
                     schema: ObjectSchema, at: Path_) -> None:
        for name, rule in rules.items():
            side = rule.side(self.system)
            if side is None:
                continue
            written = self.mapping.writes_into(rule, self.system)
            self._check_side(model, name, side, schema, (*at, name, self.system))
            if written:
                self._check_writable(side, schema, (*at, name, self.system))
            if side.lookup is not None:
                self._check_lookup(side, written, (*at, name, self.system))

    def _check_writable(self, side: FieldSide, schema: ObjectSchema, at: Path_) -> None:
        """A field the sync writes must take writes on create or on update; the system's own
        key is exempt (it is read back after the system assigned it)."""
        key = self.mapping.systems[self.system].key if schema is self.schema else None
        for system_field in side.names:
            if system_field == key:
                continue
            spec = schema.fields.get(system_field)
            if spec is not None and not (spec.createable or spec.updateable):
                self.add(at, f"{self.system} {schema.name}.{system_field} can be neither "
                             "created nor updated, but values flow into it: set direction "
                             "so that they never do, or read_only: true")

    def _check_side(self, model: type[BaseModel], name: str, side: FieldSide,
                    schema: ObjectSchema, at: Path_) -> None:
        for system_field in side.names:
            spec = schema.fields.get(system_field)
            if spec is None:
                self.missing(at, system_field, schema)
                continue
            problem = type_issue(model, name, side, spec, self.mapping.value_maps)
            if problem:
                self.add(at, problem)
            if side.value_map and spec.restricted_picklist:
                self._check_picklist(side.value_map, spec.name, spec.picklist_values)

    def _check_picklist(self, map_name: str, field_name: str, allowed: tuple[str, ...]) -> None:
        values = self.mapping.value_maps[map_name].values.values()
        bad = sorted(v for v in values if v not in allowed)
        if bad:
            self.add(("value_maps", map_name), f"values {bad} are not in the restricted "
                                               f"picklist {self.system} {field_name}; allowed: "
                                               f"{', '.join(allowed)}")

    def _check_lookup(self, side: FieldSide, written: bool, at: Path_) -> None:
        assert side.lookup is not None
        target = self.related.get((self.system, side.lookup.object))
        if target is None:
            return
        by = target.fields.get(side.lookup.by)
        if by is None:
            self.missing((*at, "lookup", "by"), side.lookup.by, target)
        elif self.system == "salesforce" and written and not by.external_id:
            self.add((*at, "lookup", "by"), f"{side.lookup.object}.{side.lookup.by} is not an "
                                            "External ID field, so it cannot be referenced")
