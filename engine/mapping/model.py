"""The mapping format as frozen pydantic models (``extra="forbid"``: unknown keys are errors).

One file describes one sync: which canonical entity, which object in each of two systems, how
each canonical field maps to each side, who owns it, and how conflicts and deletes resolve.
``erpsync mappings schema`` (later) exports these models as JSON Schema for editors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from engine.mapping import transforms

SystemName = Literal["sap", "salesforce", "oracle"]
SYSTEM_NAMES: tuple[str, ...] = ("sap", "salesforce", "oracle")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Scalar = str | int | float | bool


class Condition(Strict):
    """One test a record must pass to take part in the sync (all conditions must hold)."""

    field: str = Field(description="The system's field name.")
    op: Literal["eq", "ne", "in", "empty", "not_empty"]
    value: Scalar | tuple[Scalar, ...] | None = Field(
        default=None, description="Literal to compare with (a list for `in`)."
    )

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        needs_value = self.op in ("eq", "ne", "in")
        if needs_value and self.value is None:
            raise ValueError(f"op {self.op!r} needs a value")
        if not needs_value and self.value is not None:
            raise ValueError(f"op {self.op!r} takes no value")
        if self.op == "in" and not isinstance(self.value, tuple):
            raise ValueError("op 'in' needs a list of values")
        return self

    def holds(self, value: object) -> bool:
        if self.op == "empty":
            return value in (None, "")
        if self.op == "not_empty":
            return value not in (None, "")
        if self.op == "in":
            return isinstance(self.value, tuple) and value in self.value
        return (value == self.value) == (self.op == "eq")


class SystemObject(Strict):
    """Which object of a system holds the entity, and how its records are identified."""

    object: str = Field(description="Object name in that system, e.g. Account.")
    key: str = Field(description="The system's own record id field, e.g. Id.")
    upsert_field: str | None = Field(
        default=None,
        description="An External ID field to upsert on (Salesforce); it must be mapped to a "
        "canonical field listed in `match`.",
    )
    filter: tuple[Condition, ...] = Field(
        default=(), description="Only records passing every condition take part."
    )
    create_defaults: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Constant field values sent when a record is created in this system "
        "(a category or grouping the system requires).",
    )

    def includes(self, fields: Mapping[str, Any]) -> bool:
        return all(condition.holds(fields.get(condition.field)) for condition in self.filter)


class FieldSide(Strict):
    """One system's side of a field: its name there, a value map and transforms."""

    field: str = Field(description="The system's field name; nested as nav/Field.")
    value_map: str | None = Field(default=None, description="Name of an entry in value_maps.")
    transform: tuple[str | dict[str, Any], ...] = Field(
        default=(), description=f"Applied in order. Allowed: {', '.join(transforms.ALLOWED)}."
    )

    @field_validator("transform")
    @classmethod
    def _known_transforms(cls, value: tuple[str | dict[str, Any], ...]) -> Any:
        for spec in value:
            transforms.build(spec)
        return value


class FieldRule(Strict):
    """How one canonical field maps to each system, and which system owns it."""

    sap: FieldSide | None = None
    salesforce: FieldSide | None = None
    oracle: FieldSide | None = None
    owner: SystemName | None = Field(
        default=None,
        description="The system whose value always wins; edits on the other side are restored.",
    )

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        """``sap: Name1`` is short for ``sap: {field: Name1}``."""
        if isinstance(data, dict):
            return {k: ({"field": v} if k in SYSTEM_NAMES and isinstance(v, str) else v)
                    for k, v in data.items()}
        return data

    def side(self, system: str) -> FieldSide | None:
        value: FieldSide | None = getattr(self, system, None)
        return value


class ValueMap(Strict):
    """Canonical value → system value. Read back through the inverse, so it must be 1:1."""

    values: dict[str, str] = Field(min_length=1)
    unknown: Literal["reject", "pass"] = Field(
        default="reject",
        description="A value missing from the map: reject the record to dead letters, or pass "
        "it through unchanged.",
    )

    @model_validator(mode="after")
    def _one_to_one(self) -> ValueMap:
        seen: dict[str, str] = {}
        for canonical, system in self.values.items():
            if system in seen:
                raise ValueError(
                    f"values {seen[system]!r} and {canonical!r} both map to {system!r}; "
                    "a value map must be one-to-one so it can be read back"
                )
            seen[system] = canonical
        return self


class ConflictPolicy(Strict):
    """How a field changed differently on both sides is decided when no system owns it."""

    policy: Literal["newest_wins", "prefer"] = "newest_wins"
    clock_skew_seconds: int = Field(
        default=120, ge=0, description="Changes closer in time than this are a tie."
    )
    tie_breaker: SystemName | None = Field(
        default=None, description="Who wins a tie (and always, with policy: prefer)."
    )


class SyncMapping(Strict):
    """A whole mapping file."""

    version: Literal[1]
    sync: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Name used by `erpsync run`.")
    entity: str = Field(description="Canonical entity, e.g. customer.")
    systems: dict[str, SystemObject] = Field(min_length=2, max_length=2)
    match: tuple[str, ...] = Field(
        default=(),
        description="Canonical fields that identify a record seen for the first time on the "
        "other side (an external ID, a tax number); never a name alone.",
    )
    fields: dict[str, FieldRule] = Field(min_length=1)
    value_maps: dict[str, ValueMap] = Field(default_factory=dict)
    conflicts: ConflictPolicy = Field(default_factory=ConflictPolicy)
    deletes: Literal["deactivate", "ignore"] = Field(
        default="deactivate",
        description="A record deleted on one side: block it on the other, or do nothing.",
    )
    page_size: int = Field(default=500, ge=1, le=10000, description="Records per page.")

    @field_validator("systems")
    @classmethod
    def _known_systems(cls, value: dict[str, SystemObject]) -> dict[str, SystemObject]:
        unknown = sorted(set(value) - set(SYSTEM_NAMES))
        if unknown:
            raise ValueError(f"unknown system(s) {unknown}; allowed: {', '.join(SYSTEM_NAMES)}")
        return value

    @property
    def system_names(self) -> tuple[str, str]:
        first, second = self.systems
        return (first, second)

    def other(self, system: str) -> str:
        first, second = self.system_names
        return second if system == first else first

    def mapped_fields(self, system: str) -> dict[str, FieldSide]:
        """Canonical field → this system's side, for the fields mapped on it."""
        result: dict[str, FieldSide] = {}
        for name, rule in self.fields.items():
            side = rule.side(system)
            if side is not None:
                result[name] = side
        return result
