"""The systems a mapping names, and which object of each one a sync reads and writes.

Also the base of every mapping model (``Strict``: frozen, unknown keys refused) and the record
filter: the literal conditions a record must pass to take part in a sync.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SystemName = Literal["sap", "salesforce", "oracle"]
SYSTEM_NAMES: tuple[str, ...] = ("sap", "salesforce", "oracle")
SYSTEM_ROLES: Mapping[str, Literal["erp", "crm"]] = {
    "sap": "erp", "oracle": "erp", "salesforce": "crm"}
"""Which systems are ERPs and which CRMs: what a field's ``direction`` (to_crm / to_erp) means."""

Scalar = str | int | float | bool


class Strict(BaseModel):
    """Base of every mapping model: immutable, and an unknown (mistyped) key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


ConditionOp = Literal["eq", "ne", "in", "not_in", "empty", "not_empty", "gt", "ge", "lt", "le"]


class Condition(Strict):
    """One test a record must pass to take part in the sync (all conditions must hold).

    Engine: a record failing any condition of its system's ``filter`` is left out of the
    sync (not read further, not written, not deleted on the other side).
    """

    field: str = Field(description="The system's field name the condition tests.")
    op: ConditionOp = Field(
        description="eq / ne: equal or not to value; in / not_in: one of the values (a list); "
        "empty / not_empty: null or empty string, or not; gt / ge / lt / le: greater, "
        "greater or equal, less, less or equal than value (numbers, or ISO dates as text).")
    value: Scalar | tuple[Scalar, ...] | None = Field(
        default=None, description="Literal to compare with (a list for in / not_in).")

    @model_validator(mode="after")
    def _value_fits_op(self) -> Condition:
        needs_value = self.op not in ("empty", "not_empty")
        if needs_value and self.value is None:
            raise ValueError(f"op {self.op!r} needs a value")
        if not needs_value and self.value is not None:
            raise ValueError(f"op {self.op!r} takes no value")
        if self.op in ("in", "not_in") and not isinstance(self.value, tuple):
            raise ValueError(f"op {self.op!r} needs a list of values")
        if self.op not in ("in", "not_in") and isinstance(self.value, tuple):
            raise ValueError(f"op {self.op!r} takes one value, not a list")
        return self

    def holds(self, value: object) -> bool:
        if self.op in ("empty", "not_empty"):
            return (value in (None, "")) == (self.op == "empty")
        if self.op in ("in", "not_in"):
            return (isinstance(self.value, tuple) and value in self.value) == (self.op == "in")
        if self.op in ("eq", "ne"):
            return (value == self.value) == (self.op == "eq")
        return _ordered(self.op, value, self.value)


def _ordered(op: str, value: object, limit: object) -> bool:
    """gt/ge/lt/le; a missing value or one of another kind than the limit never passes."""
    if value is None or isinstance(value, bool) or isinstance(limit, bool):
        return False
    numbers = (int, float)
    comparable = (isinstance(value, numbers) and isinstance(limit, numbers)) or (
        isinstance(value, str) and isinstance(limit, str))
    if not comparable:
        try:
            value, limit = float(str(value)), float(str(limit))
        except ValueError:
            return False
    left: Any = value
    return bool({"gt": left > limit, "ge": left >= limit,
                 "lt": left < limit, "le": left <= limit}[op])


class FixedLookup(Strict):
    """A reference field set to the key of one record found by constant conditions.

    Engine: resolve it once per run with one read (``read_by`` or a query on ``where``) and
    send the key it found in every create to this system, e.g. the standard price book
    (``Pricebook2`` with ``IsStandard = true``) that Salesforce requires on a price book entry.
    No match, or more than one, stops the run with a ``ConfigError``.
    """

    object: str = Field(description="The related object, e.g. Pricebook2.")
    where: dict[str, Scalar] = Field(
        min_length=1, description="Field → literal value; the one record matching all of them.")


class SystemObject(Strict):
    """Which object of a system holds the entity, and how its records are identified.

    Engine: read changes of ``object`` (its ``key`` is the system's record id), keep only
    records passing ``filter``, create with ``create_defaults`` and ``create_lookups`` added
    (never, with ``create: false``) carrying the source key in ``create_reference``, and
    upsert on ``upsert_field`` where set.
    """

    object: str = Field(description="Object name in that system, e.g. Account or A_SalesOrder.")
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
    create: bool = Field(
        default=True,
        description="False: records missing in this system are never created here; only "
        "existing ones are updated (a status sync).")
    create_lookups: dict[str, FixedLookup] = Field(
        default_factory=dict,
        description="Reference fields set on create to the key of one record found by "
        "constant conditions (the standard price book).",
    )
    create_reference: str | None = Field(
        default=None,
        description="A field of this object in which every create carries the record's key "
        "in the system it came from (the Salesforce account Id in the SAP partner's "
        "external-number field). Before creating, the connector looks for records "
        "already holding those keys, so a create whose answer was lost, or whose run crashed "
        "before its checkpoint, is found instead of made twice. For systems that assign their "
        "own keys (SAP); Salesforce upserts on upsert_field instead.",
    )

    def includes(self, fields: Mapping[str, Any]) -> bool:
        return all(condition.holds(fields.get(condition.field)) for condition in self.filter)
