"""The mapping format as frozen pydantic models (``extra="forbid"``: unknown keys are errors).

One file describes one sync: which canonical entity, which object in each of two systems, how
each canonical field (and each line of a document) maps to each side, who owns it, which way
it flows, and how conflicts, deletes and first matches resolve. ``erpsync mappings schema``
exports these models as JSON Schema for editors. The parts live in small modules
(``systems``, ``fields``, ``policies``, ``children``); this module assembles the whole file.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from canonical import ENTITIES
from engine.mapping.children import ChildCollection, ChildSide
from engine.mapping.fields import FieldRule, FieldSide, Lookup, ValueMap, read_path
from engine.mapping.policies import (
    ConflictPolicy,
    Deactivation,
    DeletePolicy,
    Direction,
    MatchRule,
)
from engine.mapping.systems import (
    SYSTEM_NAMES,
    SYSTEM_ROLES,
    Condition,
    FixedLookup,
    Scalar,
    Strict,
    SystemName,
    SystemObject,
)

__all__ = [
    "SYSTEM_NAMES", "SYSTEM_ROLES", "ChildCollection", "ChildSide", "Condition",
    "ConflictPolicy", "Deactivation", "DeletePolicy", "Direction", "FieldRule", "FieldSide",
    "FixedLookup", "Lookup", "MatchRule", "Scalar", "Strict", "SyncMapping", "SystemName",
    "SystemObject", "ValueMap", "read_path",
]


class SyncMapping(Strict):
    """A whole mapping file: one canonical entity between two systems, both ways.

    Engine: ``fields`` (and the lines of ``children``) are what is compared and written;
    ``match`` identifies records seen for the first time; ``conflicts`` decides fields changed
    on both sides unless a field says otherwise; ``deletes`` says what a delete on one side
    does on the other (``deactivate`` sets ``deactivate_with`` — by default the entity's own
    deactivation field — ``propagate`` deletes the counterpart, ``ignore`` does nothing).
    """

    version: int = Field(description="Format version; only 1 exists.")
    sync: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Name used by `erpsync run`.")
    description: str | None = Field(default=None, description="What this sync is for.")
    entity: str = Field(description="Canonical entity, e.g. customer.")
    systems: dict[str, SystemObject] = Field(
        min_length=2, max_length=2, description="The two systems and their objects.")
    match_rules: tuple[MatchRule, ...] = Field(
        default=(),
        alias="match",
        description="Rules tried in order to identify a record seen for the first time on "
        "the other side: a canonical field, or a list of fields that must all be equal "
        "(an external ID first, then e.g. [tax_number, billing_address.country]); never a "
        "name alone.",
    )
    fields: dict[str, FieldRule] = Field(min_length=1, description="Canonical field → sides.")
    children: dict[str, ChildCollection] = Field(
        default_factory=dict,
        description="Canonical collection (e.g. lines) → how its lines map.")
    value_maps: dict[str, ValueMap] = Field(
        default_factory=dict, description="Named value maps fields refer to.")
    conflicts: ConflictPolicy = Field(
        default_factory=ConflictPolicy, description="The sync's conflict policy.")
    deletes: DeletePolicy = Field(
        default="deactivate",
        description="A record deleted on one side: deactivate it on the other, delete it "
        "there too (propagate: only in a system this sync writes into, and not when it was "
        "edited there since the last sync), or do nothing (ignore). Default: deactivate when "
        "the entity's deactivation field is mapped, else ignore.",
    )
    deactivate_with: Deactivation | None = Field(
        default=None, description="Canonical field and value that mean inactive; default: "
        "the entity's own (blocked: true for a customer).")
    page_size: int = Field(default=500, ge=1, le=10000, description="Records per page.")

    @model_validator(mode="before")
    @classmethod
    def _default_deletes(cls, data: Any) -> Any:
        """Without ``deletes``, deactivate where the entity can be deactivated (its
        deactivation field is mapped), and otherwise leave deletes alone."""
        if not isinstance(data, dict) or "deletes" in data:
            return data
        entity = ENTITIES.get(str(data.get("entity")))
        deactivation = entity.deactivation if entity else None
        fields = data.get("fields")
        can = deactivation is not None and isinstance(fields, dict) and deactivation[0] in fields
        return {**data, "deletes": "deactivate" if can or "deactivate_with" in data
                else "ignore"}

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"unknown format version {value}; allowed: 1")
        return value

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

    @property
    def match(self) -> tuple[str, ...]:
        """The fields of the one-field match rules, in order. Kept for code written before
        rules could combine fields; new code reads ``match_rules``."""
        return tuple(rule.fields[0] for rule in self.match_rules if len(rule.fields) == 1)

    def policy_for(self, name: str) -> ConflictPolicy:
        """The conflict policy of canonical field ``name``: its own, else the sync's."""
        rule = self.fields.get(name)
        return rule.conflicts if rule is not None and rule.conflicts else self.conflicts

    def flows(self, rule: FieldRule, source: str, target: str) -> bool:
        """Whether ``rule``'s values may be written from ``source`` into ``target``."""
        if rule.direction == "both":
            return True
        wanted = ("erp", "crm") if rule.direction == "to_crm" else ("crm", "erp")
        return (SYSTEM_ROLES.get(source), SYSTEM_ROLES.get(target)) == wanted

    def writes_into(self, rule: FieldRule, system: str) -> bool:
        """Whether ``rule``'s values are ever written into ``system`` (direction allows it
        and the side is neither a constant nor read only)."""
        side = rule.side(system)
        if side is None or side.constant is not None or side.read_only or (
                system not in self.systems):
            return False
        return self.flows(rule, self.other(system), system)

    def receives_deletes(self, system: str) -> bool:
        """Whether ``deletes: propagate`` deletes records in ``system``: only a system this
        sync writes into (a field flows into it). A delete in the other system of a one-way
        sync (stock that SAP reports to the CRM) never deletes at its source."""
        return self.deletes == "propagate" and any(
            self.writes_into(rule, system) for rule in self.fields.values())

    def mapped_fields(self, system: str) -> dict[str, FieldSide]:
        """Canonical field → this system's side, for the fields mapped on it."""
        result: dict[str, FieldSide] = {}
        for name, rule in self.fields.items():
            side = rule.side(system)
            if side is not None:
                result[name] = side
        return result
