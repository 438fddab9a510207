"""How one canonical field maps to each system: names, value maps, transforms, lookups.

A field side names where the value lives in one system (a field, several fields joined, or a
constant), how it is converted on the way (value map, transforms, default) and, for a
reference to another record, how that record is found by its external ID (a lookup).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from engine.mapping import transforms
from engine.mapping.policies import ConflictPolicy, Direction
from engine.mapping.systems import SYSTEM_NAMES, Scalar, Strict, SystemName


def _known_transform(spec: Any) -> Any:
    transforms.build(spec)
    return spec


TransformSpec = Annotated[
    Any,
    AfterValidator(_known_transform),
    WithJsonSchema({"anyOf": [
        {"type": "string", "enum": sorted(transforms.NO_ARGUMENT)},
        {"type": "object", "minProperties": 1, "maxProperties": 1,
         "propertyNames": {"enum": sorted(transforms.WITH_ARGUMENT)}}]}),
]
"""A transform name, or a one-key mapping of name to literal argument. Checked by
``transforms.build`` (which names every allowed transform), not by the type."""


class Lookup(Strict):
    """The system field refers to another record (a lookup); the canonical value is a field
    of that record — its external ID (a contact's customer number, a line's product number)
    or, read only, another of its fields (a person's last name, a product's unit).

    Engine and converter: on Salesforce the reference is followed by the API itself, through
    the relationship: read as the parent field ``<relationship>.<by>`` and, when ``by`` is an
    External ID, written as a reference by External ID under the same dotted name (no query
    per record). On a system that cannot follow references, ``field`` holds the value of the
    related record's ``key`` field: the engine resolves the page's values to ``by`` (and back)
    with one batch ``read_by`` on ``object`` per page. A value with no related record is
    rejected to dead letters.
    """

    object: str = Field(description="The related object, e.g. Account or Product2.")
    by: str = Field(description="The related object's field the canonical value is: its "
                                "External ID (ERP_Customer_Number__c), or any field to read.")
    relationship: str | None = Field(
        default=None,
        description="Relationship name to follow (Salesforce); default from the field name: "
        "AccountId → Account, Product__c → Product__r.")
    key: str | None = Field(
        default=None,
        description="The related object's field (its key, or another unique field) whose value "
        "the field holds, where the system cannot follow the reference itself (the engine "
        "resolves it in batch).")
    entity: str | None = Field(
        default=None, description="Canonical entity of the related record, e.g. customer.")


class FieldSide(Strict):
    """One system's side of a canonical field.

    Converter: read ``field`` (or every one of ``fields``, as a list, or the ``constant``),
    apply ``transform`` in order, then the ``value_map``; an empty result becomes ``default``.
    Writing runs the same steps backwards; a constant or ``read_only`` side is never written.
    """

    field: str | None = Field(
        default=None, description="The system's field name; a to-one navigation as nav/Field "
        "(SAP) or a parent field as Relationship.Field (Salesforce).")
    fields: tuple[str, ...] = Field(
        default=(), description="Several system fields read together as a list (joined into "
        "one canonical value by a join transform, split back on write).")
    constant: Scalar | None = Field(
        default=None, description="A fixed canonical value this system stands for (e.g. the "
        "currency of a single-currency org); read as this value, never written.")
    default: Scalar | None = Field(
        default=None, description="Canonical value used when the system's value is empty.")
    value_map: str | None = Field(default=None, description="Name of an entry in value_maps.")
    transform: tuple[TransformSpec, ...] = Field(
        default=(), description=f"Applied in order. Allowed: {', '.join(transforms.ALLOWED)}."
    )
    lookup: Lookup | None = Field(
        default=None, description="The field refers to another record, found by external ID.")
    read_only: bool = Field(
        default=False,
        description="Read from this system to compare, never written to it (a parent's "
        "field, a formula).")
    pick: dict[str, Scalar] = Field(
        default_factory=dict,
        description="Where the path crosses a to-many navigation (a list of lines), take the "
        "line whose fields equal these literals, e.g. {Language: EN}; without it, the first.")

    @model_validator(mode="after")
    def _one_source(self) -> FieldSide:
        given = [k for k in ("field", "fields", "constant") if getattr(self, k) not in (None, ())]
        if len(given) != 1:
            raise ValueError("a field side needs exactly one of field, fields or constant; "
                             f"got {', '.join(given) or 'none'}")
        if len(self.fields) == 1:
            raise ValueError("fields lists several system fields; for one, write field")
        if self.lookup is not None and self.field is None:
            raise ValueError("a lookup needs field: the reference field that holds it")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """The system field names this side reads (none for a constant)."""
        return (self.field,) if self.field is not None else self.fields


def relationship_of(reference_field: str) -> str:
    """Salesforce's relationship name for a lookup field: ``AccountId`` → ``Account``,
    ``Product__c`` → ``Product__r`` (Object Reference, "Relationship fields",
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/field_types.htm)."""
    if reference_field.endswith("__c"):
        return reference_field[:-3] + "__r"
    if reference_field.endswith("Id") and len(reference_field) > 2:
        return reference_field[:-2]
    return reference_field


def read_path(system: str, side: FieldSide) -> str | None:
    """The record key the converter reads and writes for a single-field side: the field
    itself, or for a lookup the parent field path the system follows for us."""
    if side.field is None:
        return None
    lookup = side.lookup
    if lookup is None:
        return side.field
    if system == "salesforce":
        return f"{lookup.relationship or relationship_of(side.field)}.{lookup.by}"
    if lookup.relationship is not None:
        return f"{lookup.relationship}/{lookup.by}"
    return side.field


class FieldRule(Strict):
    """How one canonical field maps to each system, who owns it and which way it flows.

    Engine:
    - ``owner``: the owner's value always wins; an edit on the other side is restored and
      audited as such ("owner wins");
    - ``direction``: ``to_crm`` values flow only from the ERP to the CRM (a CRM edit is kept
      there but never written to the ERP), ``to_erp`` the other way, ``both`` both ways;
    - ``conflicts``: the policy for this field when it changed differently on both sides
      (overrides the sync's ``conflicts``; see ``ConflictPolicy``).
    """

    sap: FieldSide | None = Field(default=None, description="The field in SAP: its name, or "
                                                            "a mapping with field and more.")
    salesforce: FieldSide | None = Field(default=None, description="The field in Salesforce.")
    oracle: FieldSide | None = Field(default=None, description="The field in Oracle ERP.")
    owner: SystemName | None = Field(
        default=None,
        description="The system whose value always wins; edits on the other side are restored.",
    )
    direction: Direction = Field(
        default="both",
        description="both, to_crm (ERP → CRM only) or to_erp (CRM → ERP only).")
    conflicts: ConflictPolicy | None = Field(
        default=None, description="Conflict policy for this field; default: the sync's.")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        """``sap: Name1`` is short for ``sap: {field: Name1}``."""
        if isinstance(data, dict):
            return {k: ({"field": v} if k in SYSTEM_NAMES and isinstance(v, str) else v)
                    for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _owner_or_policy(self) -> FieldRule:
        if self.owner is not None and self.conflicts is not None:
            raise ValueError(f"a field owned by {self.owner} never conflicts: remove either "
                             "owner or conflicts")
        return self

    def side(self, system: str) -> FieldSide | None:
        value: FieldSide | None = getattr(self, system, None)
        return value


UnknownValuePolicy = Literal["reject", "default", "pass"]


class ValueMap(Strict):
    """Canonical value → system value. Read back through the inverse, so it must be 1:1.

    Converter: a value missing from the map is, by ``unknown``: rejected (the record goes to
    dead letters with the value and the map named), replaced by ``default`` (a canonical
    value when reading, its mapped system value when writing), or passed through unchanged.
    """

    values: dict[str, str] = Field(min_length=1, description="Canonical value → system value.")
    unknown: UnknownValuePolicy = Field(
        default="reject",
        description="A value missing from the map: reject the record to dead letters, use "
        "default, or pass it through unchanged.",
    )
    default: str | None = Field(
        default=None, description="Canonical value used for unknown values (unknown: default); "
        "it must be one of the map's canonical values.")

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

    @model_validator(mode="after")
    def _default_fits(self) -> ValueMap:
        if (self.unknown == "default") != (self.default is not None):
            raise ValueError("default is needed with unknown: default, and only then")
        if self.default is not None and self.default not in self.values:
            raise ValueError(f"default {self.default!r} is not a canonical value of the map; "
                             f"allowed: {', '.join(self.values)}")
        return self
