"""Compact field definitions for the sObjects the sandbox serves, and the describe documents
built from them.

The standard Account fields below agree with a real org's describe in name, label, type,
length, nillable, createable, updateable and picklist values (a test compares them with a
recorded describe when the shared fixtures are present). The custom fields are ours:
``ERP_Customer_Number__c`` is the unique External ID the sync upserts by; ``Tax_Number__c`` is a
second, non-unique External ID (a declared match key, and the way to reach Salesforce's
"more than one record found" upsert error). ``BillingCountryCode``/``ShippingCountryCode`` exist
only in orgs with State and Country/Territory Picklists enabled; we model such an org because
ISO codes are what an ERP sends (see ``countries.py``).

Describe resources:
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sandbox.salesforce.countries import COUNTRIES

TEXT_TYPES = frozenset({"string", "textarea", "phone", "url", "email", "picklist"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
ID_TYPES = frozenset({"id", "reference"})
Json = Any  # JSON-shaped values; precise recursive types add nothing for a stand-in


@dataclass(frozen=True)
class FieldSpec:
    """One field, with only the attributes that differ between fields."""

    name: str
    label: str
    type: str
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted: bool = False
    default: bool | None = None
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

    @property
    def is_text(self) -> bool:
        return self.type in TEXT_TYPES

    @property
    def is_number(self) -> bool:
        return self.type in NUMBER_TYPES

    @property
    def is_id(self) -> bool:
        return self.type in ID_TYPES

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
    _by_folded: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_folded", {f.name.casefold(): f for f in self.fields})

    def field(self, name: str) -> FieldSpec | None:
        return self._by_folded.get(name.casefold())

    @property
    def external_ids(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.external_id)

    @property
    def unique_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.unique)


def _values(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((value, value) for value in values)


def _system(name: str, label: str, type_: str, **extra: Any) -> FieldSpec:
    """A field the server maintains: never nillable, never writable by the API."""
    kwargs: dict[str, Any] = {"nillable": False, "createable": False, "updateable": False}
    kwargs["defaulted"] = True
    kwargs.update(extra)
    return FieldSpec(name, label, type_, **kwargs)


def _user_ref(name: str, label: str, relationship: str, **extra: Any) -> FieldSpec:
    return _system(
        name, label, "reference", length=18, reference_to=("User",),
        relationship=relationship, **extra,
    )


def _address(prefix: str) -> tuple[FieldSpec, ...]:
    """The Billing*/Shipping* parts of a compound address field."""
    compound = f"{prefix}Address"
    return (
        FieldSpec(f"{prefix}Street", f"{prefix} Street", "textarea", 255,
                  extra_type="plaintextarea", compound=compound),
        FieldSpec(f"{prefix}City", f"{prefix} City", "string", 40, compound=compound),
        FieldSpec(f"{prefix}State", f"{prefix} State/Province", "string", 80, compound=compound),
        FieldSpec(f"{prefix}PostalCode", f"{prefix} Zip/Postal Code", "string", 20,
                  compound=compound),
        FieldSpec(f"{prefix}Country", f"{prefix} Country", "string", 80, compound=compound),
        FieldSpec(f"{prefix}CountryCode", f"{prefix} Country Code", "picklist", 10,
                  picklist=COUNTRIES, restricted=True, compound=compound),
    )


ACCOUNT_TYPES = _values(
    "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
    "Installation Partner", "Technology Partner", "Other",
)
INDUSTRIES = _values(
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
    "Construction", "Consulting", "Education", "Electronics", "Energy", "Engineering",
    "Entertainment", "Environmental", "Finance", "Food & Beverage", "Government", "Healthcare",
    "Hospitality", "Insurance", "Machinery", "Manufacturing", "Media", "Not For Profit",
    "Recreation", "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other",
)

ACCOUNT = ObjectSpec(
    name="Account",
    label="Account",
    label_plural="Accounts",
    key_prefix="001",
    fields=(
        _system("Id", "Account ID", "id", length=18, id_lookup=True),
        _system("IsDeleted", "Deleted", "boolean", default=False),
        FieldSpec("Name", "Account Name", "string", 255, nillable=False, name_field=True,
                  extra_type="switchablepersonname", compound="Name"),
        FieldSpec("Type", "Account Type", "picklist", 40, picklist=ACCOUNT_TYPES),
        *_address("Billing"),
        *_address("Shipping"),
        FieldSpec("Phone", "Account Phone", "phone", 40),
        FieldSpec("Fax", "Account Fax", "phone", 40),
        FieldSpec("AccountNumber", "Account Number", "string", 40),
        FieldSpec("Website", "Website", "url", 255),
        FieldSpec("Industry", "Industry", "picklist", 40, picklist=INDUSTRIES),
        FieldSpec("AnnualRevenue", "Annual Revenue", "currency", precision=18),
        FieldSpec("NumberOfEmployees", "Employees", "int", digits=8),
        FieldSpec("Description", "Account Description", "textarea", 32000,
                  extra_type="plaintextarea", filterable=False, sortable=False),
        replace(_user_ref("OwnerId", "Owner ID", "Owner"), createable=True, updateable=True),
        _system("CreatedDate", "Created Date", "datetime"),
        _user_ref("CreatedById", "Created By ID", "CreatedBy"),
        _system("LastModifiedDate", "Last Modified Date", "datetime"),
        _user_ref("LastModifiedById", "Last Modified By ID", "LastModifiedBy"),
        _system("SystemModstamp", "System Modstamp", "datetime"),
        FieldSpec("ERP_Customer_Number__c", "ERP Customer Number", "string", 20,
                  external_id=True, unique=True, id_lookup=True, custom=True),
        FieldSpec("ERP_Blocked__c", "ERP Blocked", "boolean", nillable=False, defaulted=True,
                  default=False, custom=True),
        FieldSpec("Tax_Number__c", "Tax Number", "string", 20, external_id=True,
                  id_lookup=True, custom=True),
        FieldSpec("Credit_Limit__c", "Credit Limit", "currency", precision=18, scale=2,
                  custom=True),
    ),
)

OBJECTS: dict[str, ObjectSpec] = {ACCOUNT.name.casefold(): ACCOUNT}


def find_object(name: str) -> ObjectSpec | None:
    return OBJECTS.get(name.casefold())


def object_by_prefix(record_id: str) -> ObjectSpec | None:
    return next((o for o in OBJECTS.values() if record_id.startswith(o.key_prefix)), None)
