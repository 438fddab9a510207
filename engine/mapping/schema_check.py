"""Check a mapping against what each live system says it has (describe / ``$metadata``).

Runs at the start of every sync, before any read or write: a field renamed in Salesforce or a
property missing in this SAP release stops the run with ``file:line`` instead of failing
halfway through.
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import ObjectSchema
from engine.mapping.errors import MappingError, MappingIssue
from engine.mapping.loader import LoadedMapping


def check_against_schemas(loaded: LoadedMapping, schemas: Mapping[str, ObjectSchema]) -> None:
    """Raise ``MappingError`` if any mapped field, key or picklist value does not fit."""
    issues: list[MappingIssue] = []
    for system, schema in schemas.items():
        issues.extend(_system_issues(loaded, system, schema))
    if issues:
        raise MappingError(issues)


def _system_issues(loaded: LoadedMapping, system: str, schema: ObjectSchema) -> list[MappingIssue]:
    mapping, source = loaded.mapping, loaded.source
    obj = mapping.systems[system]
    issues: list[MappingIssue] = []

    def missing(path: tuple[str | int, ...], name: str) -> None:
        near = ", ".join(sorted(n for n in schema.fields if n.lower()[:4] == name.lower()[:4]))
        hint = f"; similar: {near}" if near else ""
        issues.append(source.issue(path, f"{system} {schema.name} has no field {name!r}{hint}"))

    if not schema.has(obj.key):
        missing(("systems", system, "key"), obj.key)
    if obj.upsert_field:
        upsert = schema.fields.get(obj.upsert_field)
        if upsert is None:
            missing(("systems", system, "upsert_field"), obj.upsert_field)
        elif not upsert.external_id:
            issues.append(source.issue(("systems", system, "upsert_field"),
                                       f"{obj.upsert_field!r} is not an External ID field"))
    for i, condition in enumerate(obj.filter):
        if not schema.has(condition.field):
            missing(("systems", system, "filter", i, "field"), condition.field)
    for name in obj.create_defaults:
        if not schema.has(name):
            missing(("systems", system, "create_defaults", name), name)
    for name, side in mapping.mapped_fields(system).items():
        spec = schema.fields.get(side.field)
        if spec is None:
            missing(("fields", name, system), side.field)
            continue
        if side.value_map and spec.restricted_picklist:
            allowed = set(spec.picklist_values)
            values = mapping.value_maps[side.value_map].values.values()
            bad = sorted(v for v in values if v not in allowed)
            if bad:
                issues.append(source.issue(("value_maps", side.value_map),
                                           f"values {bad} are not in the restricted picklist "
                                           f"{system} {side.field}"))
    return issues
