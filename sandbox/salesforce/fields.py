"""Small builders for the field kinds the catalog repeats: system fields, lookups, addresses,
custom fields. They only fill in ``FieldSpec`` attributes, so each object stays a readable
list of its fields.

Field types and their describe attributes:
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/system_fields.htm
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.countries import COUNTRIES
from sandbox.salesforce.schema import FieldSpec


def values(*names: str) -> tuple[tuple[str, str], ...]:
    """Picklist entries whose label is their value."""
    return tuple((name, name) for name in names)


def system(name: str, label: str, type_: str, **extra: Any) -> FieldSpec:
    """A field the server maintains: never nillable, never writable by the API."""
    kwargs: dict[str, Any] = {"nillable": False, "createable": False, "updateable": False,
                              "defaulted": True}
    kwargs.update(extra)
    return FieldSpec(name, label, type_, **kwargs)


def read_only(name: str, label: str, type_: str, **extra: Any) -> FieldSpec:
    """A value the server computes (formula-like) that may be empty."""
    kwargs: dict[str, Any] = {"createable": False, "updateable": False}
    kwargs.update(extra)
    return FieldSpec(name, label, type_, **kwargs)


def user_ref(name: str, label: str, relationship: str, **extra: Any) -> FieldSpec:
    return system(name, label, "reference", length=18, reference_to=("User",),
                  relationship=relationship, **extra)


def record_id(label: str) -> FieldSpec:
    return system("Id", label, "id", length=18, id_lookup=True)


def owner() -> FieldSpec:
    return user_ref("OwnerId", "Owner ID", "Owner", createable=True, updateable=True)


def audit() -> tuple[FieldSpec, ...]:
    """CreatedDate .. SystemModstamp, identical on every object."""
    return (
        system("CreatedDate", "Created Date", "datetime"),
        user_ref("CreatedById", "Created By ID", "CreatedBy"),
        system("LastModifiedDate", "Last Modified Date", "datetime"),
        user_ref("LastModifiedById", "Last Modified By ID", "LastModifiedBy"),
        system("SystemModstamp", "System Modstamp", "datetime"),
    )


def deleted() -> FieldSpec:
    return system("IsDeleted", "Deleted", "boolean", default=False)


def with_system_fields(id_label: str, *fields: FieldSpec,
                       after: tuple[FieldSpec, ...] = ()) -> tuple[FieldSpec, ...]:
    """An object's fields with the ones every object has: Id and IsDeleted first, then the
    given ones, then CreatedDate .. SystemModstamp, then ``after`` (where real describes list
    LastActivityDate, LastViewedDate ...)."""
    return (record_id(id_label), deleted(), *fields, *audit(), *after)


def master_record(target: str) -> FieldSpec:
    """``MasterRecordId``: the surviving record of a merge (the sandbox never merges)."""
    return read_only("MasterRecordId", "Master Record ID", "reference", length=18,
                     reference_to=(target,), relationship="MasterRecord", permissionable=False,
                     prefilterable=False, listed_child=False)


def record_type() -> FieldSpec:
    """``RecordTypeId``: the org defines no record types, so every value is refused."""
    return lookup("RecordTypeId", "Record Type ID", "RecordType", "RecordType",
                  permissionable=False, prefilterable=False)


def photo_url() -> FieldSpec:
    return read_only("PhotoUrl", "Photo URL", "url", length=255, extra_type="imageurl",
                     permissionable=False, derived="photo_url")


def activity_dates(*names: str) -> tuple[FieldSpec, ...]:
    """Dates the platform keeps from activities and the UI (empty for API-only records)."""
    labels = {"LastActivityDate": "Last Activity", "LastViewedDate": "Last Viewed Date",
              "LastReferencedDate": "Last Referenced Date",
              "LastCURequestDate": "Last Stay-in-Touch Request Date",
              "LastCUUpdateDate": "Last Stay-in-Touch Save Date"}
    return tuple(read_only(name, labels[name], "date" if name == "LastActivityDate" else
                           "datetime", permissionable=False) for name in names)


def data_com(kind: str) -> tuple[FieldSpec, ...]:
    """``Jigsaw`` and ``Jigsaw<kind>Id``: the Data.com key and company/contact link."""
    return (
        FieldSpec("Jigsaw", "Data.com Key", "string", 20),
        read_only(f"Jigsaw{kind}Id", f"Jigsaw {kind} ID", "string", length=20,
                  relationship=f"Jigsaw{kind}", permissionable=False),
    )


CLEAN_STATUSES = (("Matched", "In Sync"), ("Different", "Different"),
                  ("Acknowledged", "Reviewed"), ("NotFound", "Not Found"),
                  ("Inactive", "Inactive"), ("Pending", "Not Compared"),
                  ("SelectMatch", "Select Match"), ("Skipped", "Skipped"))


def clean_status() -> FieldSpec:
    return FieldSpec("CleanStatus", "Clean Status", "picklist", 40, picklist=CLEAN_STATUSES,
                     restricted=True)


def lookup(name: str, label: str, target: str, relationship: str | None,
           **extra: Any) -> FieldSpec:
    """A reference to one object (standard lookups: nillable, create/update allowed)."""
    kwargs: dict[str, Any] = {"length": 18, "reference_to": (target,),
                              "relationship": relationship, "permissionable": True}
    kwargs.update(extra)
    return FieldSpec(name, label, "reference", **kwargs)


def custom_lookup(name: str, label: str, target: str, **extra: Any) -> FieldSpec:
    """A custom lookup ``X__c``; its relationship is ``X__r``."""
    return lookup(name, label, target, name[:-3] + "__r", custom=True, **extra)


def master_detail(name: str, label: str, target: str) -> FieldSpec:
    """A custom master-detail field: required, deleted with its master; reparenting allowed
    (so an upsert may send the master again)."""
    return custom_lookup(name, label, target, nillable=False, on_parent_delete="cascade",
                         permissionable=False)


def external_key(name: str, label: str, length: int) -> FieldSpec:
    """A unique, case-insensitive External ID text field: what upserts match on."""
    return FieldSpec(name, label, "string", length, external_id=True, unique=True,
                     id_lookup=True, custom=True)


def text(name: str, label: str, length: int, **extra: Any) -> FieldSpec:
    return FieldSpec(name, label, "string", length, custom=name.endswith("__c"), **extra)


def number(name: str, label: str, precision: int, scale: int, **extra: Any) -> FieldSpec:
    return FieldSpec(name, label, "double", precision=precision, scale=scale,
                     custom=name.endswith("__c"), **extra)


def currency(name: str, label: str, precision: int = 18, scale: int = 2,
             **extra: Any) -> FieldSpec:
    return FieldSpec(name, label, "currency", precision=precision, scale=scale,
                     custom=name.endswith("__c"), **extra)


def checkbox(name: str, label: str, default: bool = False, **extra: Any) -> FieldSpec:
    return FieldSpec(name, label, "boolean", nillable=False, defaulted=True, default=default,
                     custom=name.endswith("__c"), **extra)


def record_name(label: str, length: int = 255) -> FieldSpec:
    """A required Name field that also identifies the record (``idLookup``)."""
    return FieldSpec("Name", label, "string", length, nillable=False, name_field=True,
                     id_lookup=True)


def account_lookup(on_parent_delete: str = "cascade") -> FieldSpec:
    """``AccountId`` as Contact and Opportunity have it: deleted with the account."""
    return lookup("AccountId", "Account ID", "Account", "Account",
                  on_parent_delete=on_parent_delete)


def auto_name(label: str) -> FieldSpec:
    """A custom object's Name as an Auto Number: the server numbers each new record."""
    return system("Name", label, "string", length=80, auto_number=True, name_field=True,
                  id_lookup=True, derived="auto_number")


GEOCODE_ACCURACIES = values("Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip",
                            "Neighborhood", "City", "County", "State", "Unknown")


def address(prefix: str, *, country_codes: bool = True) -> tuple[FieldSpec, ...]:
    """A compound address as real describes list it: the parts (``BillingStreet`` ..
    ``BillingCountry``, the ISO ``<prefix>CountryCode`` picklist of an org with State and
    Country Picklists), the geolocation parts, then the read-only compound
    ``<prefix>Address`` the server assembles from them (``derived.py``)."""
    compound = f"{prefix}Address"
    parts = (
        FieldSpec(f"{prefix}Street", f"{prefix} Street", "textarea", 255,
                  extra_type="plaintextarea", compound=compound),
        FieldSpec(f"{prefix}City", f"{prefix} City", "string", 40, compound=compound),
        FieldSpec(f"{prefix}State", f"{prefix} State/Province", "string", 80, compound=compound),
        FieldSpec(f"{prefix}PostalCode", f"{prefix} Zip/Postal Code", "string", 20,
                  compound=compound),
        FieldSpec(f"{prefix}Country", f"{prefix} Country", "string", 80, compound=compound),
    )
    code = FieldSpec(f"{prefix}CountryCode", f"{prefix} Country Code", "picklist", 10,
                     picklist=COUNTRIES, restricted=True, compound=compound)
    geo = (
        *(FieldSpec(f"{prefix}{part}", f"{prefix} {part}", "double", precision=18, scale=15,
                    compound=compound) for part in ("Latitude", "Longitude")),
        FieldSpec(f"{prefix}GeocodeAccuracy", f"{prefix} Geocode Accuracy", "picklist", 40,
                  picklist=GEOCODE_ACCURACIES, restricted=True, compound=compound),
    )
    whole = read_only(compound, f"{prefix} Address", "address", sortable=False,
                      derived=f"address:{prefix}")
    return (*parts, *((code,) if country_codes else ()), *geo, whole)
