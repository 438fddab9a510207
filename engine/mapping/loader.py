"""Load a mapping file and check it before anything runs; every error names file:line:column.

Three layers of checks, all collected before reporting so an admin fixes everything at once:
1. YAML syntax and duplicate keys (``yaml_source``);
2. the format itself (pydantic models with ``extra="forbid"``);
3. meaning: canonical fields exist, value maps are defined, owners and match keys are systems
   and fields of this sync. Checks against the live systems' schemas are in ``schema_check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from canonical import ENTITIES
from engine.mapping.canonical_paths import leaf_paths
from engine.mapping.errors import MappingError, MappingIssue
from engine.mapping.model import SyncMapping
from engine.mapping.yaml_source import LocatedYaml, load_located


@dataclass(frozen=True)
class LoadedMapping:
    """A valid mapping and where its parts are in the file (for later schema errors)."""

    mapping: SyncMapping
    source: LocatedYaml

    @property
    def file(self) -> str:
        return self.source.file


def load_mapping(path: Path | str) -> LoadedMapping:
    """Read and fully validate one mapping file; raise ``MappingError`` listing every issue."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        issue = MappingIssue(str(path), 1, 1, f"cannot read: {exc.strerror}")
        raise MappingError([issue]) from None
    source = load_located(text, str(path))
    if not isinstance(source.data, dict):
        raise MappingError([source.issue((), "a mapping file must be a YAML mapping (key: value)")])
    try:
        mapping = SyncMapping.model_validate(source.data)
    except ValidationError as exc:
        raise MappingError([_issue_from_pydantic(source, err) for err in exc.errors()]) from None
    issues = semantic_issues(mapping, source)
    if issues:
        raise MappingError(issues)
    return LoadedMapping(mapping=mapping, source=source)


def _issue_from_pydantic(source: LocatedYaml, err: Any) -> MappingIssue:
    path = tuple(part for part in err["loc"] if not str(part).startswith("function-"))
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = f"unknown key {path[-1]!r}"
    elif err["type"] == "missing":
        message = f"missing required key {path[-1]!r}"
    elif err["type"] == "literal_error":
        message = f"{message} (at {'.'.join(map(str, path))})"
    return source.issue(path, message)


def semantic_issues(mapping: SyncMapping, source: LocatedYaml) -> list[MappingIssue]:
    """Checks the format cannot express: names that must refer to something that exists."""
    entity = ENTITIES.get(mapping.entity)
    if entity is None:
        return [source.issue(("entity",), f"unknown entity {mapping.entity!r}; "
                                          f"allowed: {', '.join(sorted(ENTITIES))}")]
    allowed_paths = leaf_paths(entity)
    issues: list[MappingIssue] = []
    for name, rule in mapping.fields.items():
        issues.extend(_field_issues(mapping, source, name, rule, allowed_paths))
    issues.extend(_match_issues(mapping, source))
    issues.extend(_duplicate_target_issues(mapping, source))
    if mapping.conflicts.tie_breaker and mapping.conflicts.tie_breaker not in mapping.systems:
        issues.append(source.issue(("conflicts", "tie_breaker"),
                                   f"{mapping.conflicts.tie_breaker!r} is not a system of this "
                                   f"sync; allowed: {', '.join(mapping.system_names)}"))
    return issues


def _field_issues(mapping: SyncMapping, source: LocatedYaml, name: str, rule: Any,
                  allowed_paths: list[str]) -> list[MappingIssue]:
    at = ("fields", name)
    issues: list[MappingIssue] = []
    if name not in allowed_paths:
        issues.append(source.issue(at, f"unknown {mapping.entity} field {name!r}; allowed: "
                                       f"{', '.join(allowed_paths)}"))
    mapped = [s for s in ("sap", "salesforce", "oracle") if rule.side(s) is not None]
    for system in mapped:
        if system not in mapping.systems:
            issues.append(source.issue((*at, system), f"{system!r} is not a system of this sync;"
                                                      f" allowed: {', '.join(mapping.systems)}"))
        side = rule.side(system)
        if side.value_map and side.value_map not in mapping.value_maps:
            issues.append(source.issue((*at, system, "value_map"),
                                       f"unknown value map {side.value_map!r}; defined: "
                                       f"{', '.join(mapping.value_maps) or 'none'}"))
    if len([s for s in mapped if s in mapping.systems]) < 2:
        issues.append(source.issue(at, f"field {name!r} must be mapped on both systems "
                                       f"({' and '.join(mapping.systems)}) to be synced"))
    if rule.owner and rule.owner not in mapping.systems:
        allowed = ", ".join(mapping.systems)
        issues.append(source.issue((*at, "owner"), f"owner {rule.owner!r} is not a system of "
                                                   f"this sync; allowed: {allowed}"))
    return issues


def _match_issues(mapping: SyncMapping, source: LocatedYaml) -> list[MappingIssue]:
    issues = [source.issue(("match", i), f"match field {name!r} is not in fields")
              for i, name in enumerate(mapping.match) if name not in mapping.fields]
    for system, obj in mapping.systems.items():
        if obj.upsert_field is None:
            continue
        matched = {mapping.fields[m].side(system).field  # type: ignore[union-attr]
                   for m in mapping.match if m in mapping.fields and mapping.fields[m].side(system)}
        if obj.upsert_field not in matched:
            issues.append(source.issue(("systems", system, "upsert_field"),
                                       f"upsert_field {obj.upsert_field!r} must be the {system} "
                                       "field of a canonical field listed in `match`"))
    return issues


def _duplicate_target_issues(mapping: SyncMapping, source: LocatedYaml) -> list[MappingIssue]:
    issues: list[MappingIssue] = []
    for system in mapping.systems:
        seen: dict[str, str] = {}
        for name, side in mapping.mapped_fields(system).items():
            if side.field in seen:
                issues.append(source.issue(("fields", name, system),
                                           f"{system} field {side.field!r} is already mapped "
                                           f"by {seen[side.field]!r}"))
            seen[side.field] = name
    return issues
