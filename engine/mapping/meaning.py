"""Checks of what a mapping means, which its format alone cannot express.

Every name must refer to something that exists (canonical fields and collections, value maps,
systems of this sync), literal values must fit the canonical types they stand for, and
declarations must not contradict each other (an owner against a direction, a deactivation
field that is not synced, a match rule made only of names). Each issue names the offending
key and what would be valid; all are collected so that an admin fixes everything at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from canonical import ENTITIES
from connectors.deletability import static_delete_refusal
from engine.mapping import transforms
from engine.mapping.canonical_paths import (
    collections,
    leaf_annotation,
    leaf_paths,
    literal_values,
)
from engine.mapping.errors import MappingIssue
from engine.mapping.fields import FieldRule, read_path
from engine.mapping.model import SYSTEM_NAMES, SYSTEM_ROLES, ConflictPolicy, SyncMapping
from engine.mapping.yaml_source import LocatedYaml, Path_


@dataclass
class _Report:
    mapping: SyncMapping
    source: LocatedYaml
    issues: list[MappingIssue] = field(default_factory=list)

    def add(self, at: Path_, message: str) -> None:
        """One issue at ``at``, its message starting with the key's dotted path."""
        where = ".".join(map(str, at)) or "(top level)"
        self.issues.append(self.source.issue(at, f"{where}: {message}"))

    @property
    def systems(self) -> str:
        return ", ".join(self.mapping.systems)

    @property
    def both(self) -> str:
        return " and ".join(self.mapping.systems)


def semantic_issues(mapping: SyncMapping, source: LocatedYaml) -> list[MappingIssue]:
    """Every meaning problem of ``mapping``, each at its place in ``source``."""
    report = _Report(mapping, source)
    entity = ENTITIES.get(mapping.entity)
    if entity is None:
        report.add(("entity",), f"unknown entity {mapping.entity!r}; "
                                f"allowed: {', '.join(sorted(ENTITIES))}")
        return report.issues
    _check_rules(report, mapping.fields, entity, ("fields",))
    _check_match(report, entity)
    _check_policy(report, mapping.conflicts, ("conflicts",))
    _check_deletes(report, entity)
    _check_children(report, entity)
    return report.issues


def _check_rules(report: _Report, rules: Mapping[str, FieldRule], model: type[BaseModel],
                 at: Path_) -> None:
    allowed = leaf_paths(model)
    for name, rule in rules.items():
        if name not in allowed:
            report.add((*at, name), f"unknown {_label(model)} field {name!r}; allowed: "
                                    f"{', '.join(allowed)}")
            continue
        _check_rule(report, name, rule, model, (*at, name))
    _check_targets(report, rules, at)


def _label(model: type[BaseModel]) -> str:
    for entity, cls in ENTITIES.items():
        if cls is model:
            return entity
    return model.__name__


def _check_rule(report: _Report, name: str, rule: FieldRule, model: type[BaseModel],
                at: Path_) -> None:
    mapping = report.mapping
    for system in _sides_in_sync(report, [s for s in SYSTEM_NAMES if rule.side(s)], at,
                                 f"field {name!r} must be mapped on both systems "
                                 f"({report.both}) to be synced"):
        _check_side(report, name, rule, system, model=model, at=(*at, system))
    if rule.owner and rule.owner not in mapping.systems:
        report.add((*at, "owner"), f"{rule.owner!r} is not a system of this sync; "
                                   f"allowed: {report.systems}")
    if rule.conflicts is not None:
        _check_policy(report, rule.conflicts, (*at, "conflicts"))
    _check_direction(report, rule, at)


def _sides_in_sync(report: _Report, sides: list[str], at: Path_, both: str) -> list[str]:
    """The sides that name systems of this sync; an issue for each that does not, and one
    (``both``) when fewer than the sync's two systems are covered."""
    inside = []
    for system in sides:
        if system in report.mapping.systems:
            inside.append(system)
        else:
            report.add((*at, system), f"{system!r} is not a system of this sync; "
                                      f"allowed: {report.systems}")
    if len(inside) < 2:
        report.add(at, both)
    return inside


def _check_side(report: _Report, name: str, rule: FieldRule, system: str, *,
                model: type[BaseModel], at: Path_) -> None:
    side = rule.side(system)
    assert side is not None
    value_maps = report.mapping.value_maps
    annotation = leaf_annotation(model, name)
    if side.value_map and side.value_map not in value_maps:
        report.add((*at, "value_map"), f"unknown value map {side.value_map!r}; defined: "
                                       f"{', '.join(value_maps) or 'none'}")
    elif side.value_map:
        _check_map_keys(report, name, side.value_map, annotation)
    for key in ("constant", "default"):
        value = getattr(side, key)
        if value is not None:
            _check_literal(report, (*at, key), name, value, annotation)
    if any(not transforms.build(spec).writes for spec in side.transform) and (
            report.mapping.writes_into(rule, system)):
        report.add((*at, "transform"), f"a transform here only reads, but {name!r} would be "
                                       f"written into {system}: set direction so that values "
                                       f"never flow into {system}")
    if side.lookup and side.lookup.entity and side.lookup.entity not in ENTITIES:
        report.add((*at, "lookup", "entity"), f"unknown entity {side.lookup.entity!r}; "
                                              f"allowed: {', '.join(sorted(ENTITIES))}")
    if side.lookup and system != "salesforce" and not (side.lookup.relationship
                                                       or side.lookup.key):
        report.add((*at, "lookup"), f"{system} cannot follow a reference by itself: give "
                                    "the related object's key (lookup.key) or a navigation "
                                    "(lookup.relationship)")


def _check_map_keys(report: _Report, name: str, map_name: str, annotation: Any) -> None:
    allowed = literal_values(annotation)
    if allowed is None:
        return
    bad = [v for v in report.mapping.value_maps[map_name].values if v not in allowed]
    if bad:
        report.add(("value_maps", map_name, "values", bad[0]),
                   f"value map {map_name!r} maps canonical value(s) {bad} that field "
                   f"{name!r} cannot hold; allowed: {', '.join(map(str, allowed))}")


def _check_literal(report: _Report, at: Path_, name: str, value: Any, annotation: Any) -> None:
    """A constant or default must be a value the canonical field can hold."""
    if annotation is None:
        return
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        report.add(at, f"{value!r} does not fit canonical field {name!r}: {reason}")


def _check_direction(report: _Report, rule: FieldRule, at: Path_) -> None:
    if rule.direction == "both":
        return
    roles = {SYSTEM_ROLES[s] for s in report.mapping.systems}
    if roles != {"erp", "crm"}:
        report.add((*at, "direction"), f"direction {rule.direction} needs an ERP and a CRM "
                                       f"in the sync; this one has {report.systems}; allowed "
                                       "here: both")
        return
    source_role = "erp" if rule.direction == "to_crm" else "crm"
    if rule.owner and SYSTEM_ROLES[rule.owner] != source_role:
        report.add((*at, "owner"), f"owner {rule.owner} contradicts direction "
                                   f"{rule.direction}: values never flow from {rule.owner}")


def _check_policy(report: _Report, policy: ConflictPolicy, at: Path_) -> None:
    if policy.tie_breaker and policy.tie_breaker not in report.mapping.systems:
        report.add((*at, "tie_breaker"), f"{policy.tie_breaker!r} is not a system of this "
                                         f"sync; allowed: {report.systems}")


def _check_targets(report: _Report, rules: Mapping[str, FieldRule], at: Path_) -> None:
    """One system field may hold only one canonical field, or writes would fight."""
    for system in report.mapping.systems:
        seen: dict[str, str] = {}
        for name, rule in rules.items():
            side = rule.side(system)
            if side is None or not report.mapping.writes_into(rule, system):
                continue  # read only here: several canonical fields may read one field
            path = read_path(system, side)
            for target in (path,) if path else side.names:
                if target in seen:
                    report.add((*at, name, system), f"{system} field {target!r} is already "
                                                    f"mapped by {seen[target]!r}")
                seen[target] = name


def _check_match(report: _Report, entity: type[BaseModel]) -> None:
    mapping = report.mapping
    names: frozenset[str] = getattr(entity, "name_fields", frozenset())
    for i, rule in enumerate(mapping.match_rules):
        missing = [f for f in rule.fields if f not in mapping.fields]
        if missing:
            report.add(("match", i), f"match field(s) {missing} are not in fields; allowed: "
                                     f"{', '.join(mapping.fields)}")
        elif set(rule.fields) <= names:
            report.add(("match", i), f"match rule {list(rule.fields)} uses only names, which "
                                     "two different records may share; add an identifier "
                                     "(an external ID, a tax number)")
    _check_upsert(report)


def _check_upsert(report: _Report) -> None:
    mapping = report.mapping
    for system, obj in mapping.systems.items():
        if obj.upsert_field is None:
            continue
        matched = {side.field for rule in mapping.match_rules for m in rule.fields
                   if m in mapping.fields
                   for side in [mapping.fields[m].side(system)] if side is not None}
        if obj.upsert_field not in matched:
            report.add(("systems", system, "upsert_field"),
                       f"upsert_field {obj.upsert_field!r} must be the {system} field of a "
                       "canonical field listed in `match`")


def _check_deletes(report: _Report, entity: type[BaseModel]) -> None:
    mapping = report.mapping
    if mapping.deletes == "propagate":
        _check_propagate(report)
    if mapping.deletes != "deactivate":
        return
    declared = mapping.deactivate_with
    default: tuple[str, Any] | None = getattr(entity, "deactivation", None)
    at: Path_ = ("deactivate_with",) if declared else ("deletes",)
    target = (declared.field, declared.value) if declared else default
    if target is None:
        report.add(at, f"{mapping.entity} has no deactivation field: set deactivate_with "
                       "(field and value), or choose deletes: ignore or propagate")
        return
    name, value = target
    if name not in mapping.fields:
        report.add(at, f"deactivate sets {name!r}, which is not in fields: map it on both "
                       "systems, or choose deletes: ignore or propagate")
    elif declared:
        _check_literal(report, (*at, "value"), name, value, leaf_annotation(entity, name))


def _check_propagate(report: _Report) -> None:
    """Every system that would receive deletes must be able to delete the mapped object
    (what can be known without asking it; the live schema is checked when a run starts)."""
    mapping = report.mapping
    for system, obj in mapping.systems.items():
        refusal = (static_delete_refusal(system, obj.object, obj.key)
                   if mapping.receives_deletes(system) else None)
        if refusal is not None:
            report.add(("deletes",), f"propagate would delete in {system}, but {refusal}; "
                                     "allowed here: deactivate, ignore")


def _check_children(report: _Report, entity: type[BaseModel]) -> None:
    mapping = report.mapping
    allowed = collections(entity)
    for name, child in mapping.children.items():
        at: Path_ = ("children", name)
        if name not in allowed:
            report.add(at, f"{mapping.entity} has no collection {name!r}; allowed: "
                           f"{', '.join(allowed) or 'none'}")
            continue
        _sides_in_sync(report, [s for s in SYSTEM_NAMES if child.side(s)], at,
                       f"collection {name!r} needs a side on both systems ({report.both})")
        _check_rules(report, child.fields, allowed[name], (*at, "fields"))
        for i, line_field in enumerate(child.match):
            if line_field not in child.fields:
                report.add((*at, "match", i), f"match field {line_field!r} is not in the "
                                              f"collection's fields; allowed: "
                                              f"{', '.join(child.fields)}")
