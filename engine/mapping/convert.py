"""Turn one system's record into canonical values and back, as the mapping says.

Canonical values travel through the engine as a flat ``{path: json-value}`` dictionary
(``{"billing_address.city": "Walldorf"}``): validated by the canonical model, then dumped in
JSON mode so that a value has exactly one spelling (decimals, datetimes) and two equal records
hash alike whichever system they came from. Empty strings become ``None``: SAP sends ``""``
where Salesforce sends ``null`` for the same absence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from canonical import ENTITIES
from connectors.errors import RecordRejected
from engine.mapping import transforms
from engine.mapping.canonical_paths import flatten, unflatten
from engine.mapping.model import FieldSide, SyncMapping, ValueMap

CanonicalValues = dict[str, Any]


class Converter:
    """Maps records of the two systems of one sync to and from canonical values."""

    def __init__(self, mapping: SyncMapping) -> None:
        self.mapping = mapping
        self.entity: type[BaseModel] = ENTITIES[mapping.entity]
        self._sides = {system: mapping.mapped_fields(system) for system in mapping.systems}
        self._transforms = {
            (system, name): [transforms.build(spec) for spec in side.transform]
            for system, sides in self._sides.items()
            for name, side in sides.items()
        }

    def fields_of(self, system: str) -> list[str]:
        """The system's field names this mapping reads (for ``$select`` / SOQL): mapped
        fields and those its filter tests."""
        fields = [side.field for side in self._sides[system].values()]
        obj = self.mapping.systems[system]
        return fields + [c.field for c in obj.filter if c.field not in fields]

    def canonical_fields(self, system: str) -> list[str]:
        return list(self._sides[system])

    def to_canonical(self, system: str, record: Mapping[str, Any]) -> CanonicalValues:
        """Validate one system record as the canonical entity; ``RecordRejected`` if it fails."""
        flat: CanonicalValues = {}
        for name, side in self._sides[system].items():
            value = record.get(side.field)
            for transform in self._transforms[(system, name)]:
                value = transform.to_canonical(value)
            flat[name] = self._read_value_map(side, value)
        flat = {k: (None if v == "" else v) for k, v in flat.items()}
        try:
            model = self.entity.model_validate(unflatten(flat))
        except ValidationError as exc:
            raise RecordRejected(_explain(exc), code="CANONICAL_VALIDATION",
                                 system=system) from None
        dumped = flatten(model.model_dump(mode="json", exclude_none=False))
        return {name: dumped.get(name) for name in self._sides[system]}

    def to_system(self, system: str, values: Mapping[str, Any],
                  only: Iterable[str] | None = None) -> dict[str, Any]:
        """System field values for the canonical ``values`` (restricted to ``only``)."""
        names = set(only) if only is not None else set(values)
        result: dict[str, Any] = {}
        for name, side in self._sides[system].items():
            if name not in names:
                continue
            value = self._write_value_map(side, values.get(name))
            for transform in reversed(self._transforms[(system, name)]):
                value = transform.to_system(value)
            result[side.field] = value
        return result

    def to_canonical_value(self, system: str, canonical_name: str, raw: Any) -> Any:
        """One system value read through the field's transforms and value map (for a key the
        system just assigned)."""
        side = self._sides[system][canonical_name]
        value = raw
        for transform in self._transforms[(system, canonical_name)]:
            value = transform.to_canonical(value)
        return self._read_value_map(side, value)

    def system_field(self, system: str, canonical_name: str) -> str | None:
        side = self._sides[system].get(canonical_name)
        return side.field if side else None

    def _value_map(self, side: FieldSide) -> ValueMap | None:
        return self.mapping.value_maps[side.value_map] if side.value_map else None

    def _read_value_map(self, side: FieldSide, value: Any) -> Any:
        value_map = self._value_map(side)
        if value_map is None or value in (None, ""):
            return value
        inverse = {system: canonical for canonical, system in value_map.values.items()}
        if value in inverse:
            return inverse[value]
        return self._unknown(value_map, side, value)

    def _write_value_map(self, side: FieldSide, value: Any) -> Any:
        value_map = self._value_map(side)
        if value_map is None or value is None:
            return value
        if value in value_map.values:
            return value_map.values[value]
        return self._unknown(value_map, side, value)

    @staticmethod
    def _unknown(value_map: ValueMap, side: FieldSide, value: Any) -> Any:
        if value_map.unknown == "pass":
            return value
        raise RecordRejected(
            f"{side.field}: value {value!r} is not in value map {side.value_map!r}",
            code="UNMAPPED_VALUE",
        )


def _explain(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return "; ".join(parts)
