"""Compact field and object definitions: the data every describe, validation and query uses.

A ``FieldSpec`` holds only the attributes that differ between fields; ``describe.py`` expands
it into a full describe entry. The objects themselves are data in ``objects_*.py`` and are
registered in ``catalog.py``.

Describe resources:
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEXT_TYPES = frozenset({"string", "textarea", "phone", "url", "email", "picklist"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
ID_TYPES = frozenset({"id", "reference"})
Json = Any  # JSON-shaped values; precise recursive types add nothing for a stand-in


@dataclass(frozen=True)
class FieldSpec:
    """One field, with only the attributes that differ between fields.

    Beyond the describe attributes: ``required`` marks a field the server demands on create
    although its describe says nillable (Order.AccountId); ``derived`` names the server rule
    that computes a read-only value (see ``derived.py``); ``on_parent_delete`` says what a
    reference does when its parent is deleted: ``cascade`` (master-detail and the standard
    cascades), ``restrict`` (the delete fails) or ``clear`` (the lookup default).
    """

    name: str
    label: str
    type: str
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted: bool = False
    default: bool | str | None = None
    external_id: bool = False
    unique: bool = False
    id_lookup: bool = False
    picklist: tuple[tuple[str, str], ...] = ()  # (value, label)
    restricted: bool = False
    precision: int = 0
    scale: int = 0
    digits: int = 0
    reference_to: tuple[str, ...] = ()
    relationship: str | None = None
    extra_type: str | None = None
    compound: str | None = None
    name_field: bool = False
    filterable: bool = True
    sortable: bool = True
    custom: bool = False
    auto_number: bool = False
    calculated: bool = False
    required: bool = False
    derived: str | None = None
    on_parent_delete: str = "clear"
    permissionable: bool | None = None  # None: derived from nillable/custom

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def is_number(self) -> bool:
        return self.type in NUMBER_TYPES

    @property
    def is_id(self) -> bool:
        return self.type in ID_TYPES

    @property
    def is_reference(self) -> bool:
        return self.type == "reference"

    @property
    def cascades(self) -> bool:
        return self.on_parent_delete == "cascade"

    def picklist_label(self, value: str) -> str | None:
        return next((label for val, label in self.picklist if val == value), None)


@dataclass(frozen=True)
class ObjectSpec:
    """One sObject: its identity and fields. Field lookup is case-insensitive, as in SOQL/JSON."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: tuple[FieldSpec, ...]
    custom: bool = False
    _by_folded: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)
    _by_relationship: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_folded", {f.name.casefold(): f for f in self.fields})
        object.__setattr__(self, "_by_relationship", {
            f.relationship.casefold(): f for f in self.fields if f.relationship})

    def field(self, name: str) -> FieldSpec | None:
        return self._by_folded.get(name.casefold())

    def relationship(self, name: str) -> FieldSpec | None:
        """The reference field whose relationship name is ``name`` (``Account`` -> AccountId)."""
        return self._by_relationship.get(name.casefold())

    @property
    def external_ids(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.external_id)

    @property
    def unique_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.unique)

    @property
    def references(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.is_reference)

    @property
    def indexed_keys(self) -> tuple[FieldSpec, ...]:
        """Text fields matched case-insensitively by value: External IDs and unique fields."""
        return tuple(f for f in self.fields if (f.external_id or f.unique) and f.is_text)
