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
from functools import cached_property
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

    How the parent's describe lists a reference among its ``childRelationships``:
    ``child_relationship`` is the name a parent-to-child subquery uses (``""``: the platform's
    default name, see ``catalog.child_relationship_name``; ``None``: listed without a name, so
    no subquery can use it) and ``listed_child=False`` leaves it out (MasterRecordId).
    ``prefilterable``, ``groupable`` (with ``aggregatable``) and ``byte_length`` override
    the rules ``describe.py`` derives those describe attributes by, for the few real fields
    that depart from them (ChannelProgramName, Fiscal).
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
    prefilterable: bool | None = None  # None: optional lookups with a relationship name
    groupable: bool | None = None  # None: sortable fields of groupable types
    byte_length: int | None = None  # None: three bytes per character of text
    child_relationship: str | None = ""
    listed_child: bool = True

    @property
    def is_key(self) -> bool:
        """Text values records are looked up by: External IDs, unique and idLookup fields."""
        return self.external_id or self.unique or (self.id_lookup and self.type != "id")

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
    def is_compound(self) -> bool:
        """A read-only compound value (``BillingAddress``) assembled from its parts."""
        return self.type == "address"

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

    @cached_property
    def required_on_create(self) -> tuple[FieldSpec, ...]:
        """Fields a create must set: not nillable (or required by a server rule), writable
        on create and without a default."""
        return tuple(f for f in self.fields if (not f.nillable or f.required)
                     and f.createable and not f.defaulted)

    @cached_property
    def derived_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.derived is not None)

    @property
    def indexed_keys(self) -> tuple[FieldSpec, ...]:
        """Text fields matched case-insensitively by value: External IDs, unique fields and
        the other ``idLookup`` fields (Contact.Email) an upsert may match on."""
        return tuple(f for f in self.fields if f.is_key and f.is_text)

    def upsert_key(self, name: str) -> FieldSpec | None:
        """The field an upsert may match records on: ``Id``, an External ID, or (standard
        objects) any other ``idLookup`` field such as Contact.Email; None otherwise.
        https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_upsert.htm
        """
        spec = self.field(name)
        if spec is None or not (spec.external_id or spec.id_lookup):
            return None
        return spec if spec.name == "Id" or spec.external_id or not self.custom else None
