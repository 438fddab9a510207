"""Describe documents (field entries, sObject describe, global describe) from the compact specs.

Every field entry carries the full key set a real describe has, so clients that read any of
those attributes see a plausible value rather than a missing key.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
"""

from __future__ import annotations

from sandbox.salesforce.catalog import OBJECTS, children_of
from sandbox.salesforce.schema import FieldSpec, Json, ObjectSpec

NOT_GROUPABLE = frozenset({"datetime", "double", "currency", "percent"})
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "datetime": "xsd:dateTime",
    "date": "xsd:date",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
}

MASTER_RECORD_TYPE_ID = "012000000000000AAA"
_SUMMARY_KEYS = (
    "activateable", "createable", "custom", "customSetting", "deepCloneable", "deletable",
    "deprecatedAndHidden", "feedEnabled", "hasSubtypes", "isInterface", "isSubtype",
    "keyPrefix", "label", "labelPlural", "layoutable", "mergeable", "mruEnabled", "name",
    "queryable", "replicateable", "retrieveable", "searchable", "triggerable", "undeletable",
    "updateable",
)


def field_entry(spec: FieldSpec) -> dict[str, Json]:
    """A describe field entry: the spec's attributes plus the constant ones, keys sorted."""
    byte_length = spec.length * 3 if spec.is_text else (18 if spec.is_id else 0)
    entry: dict[str, Json] = {
        "aggregatable": spec.sortable and spec.type != "boolean",
        "aiPredictionField": False, "autoNumber": spec.auto_number, "byteLength": byte_length,
        "calculated": spec.calculated, "calculatedFormula": None,
        "cascadeDelete": spec.cascades and spec.custom,
        "caseSensitive": False, "compoundFieldName": spec.compound, "controllerName": None,
        "createable": spec.createable, "custom": spec.custom, "defaultValue": spec.default,
        "defaultValueFormula": None, "defaultedOnCreate": spec.defaulted,
        "dependentPicklist": False, "deprecatedAndHidden": False, "digits": spec.digits,
        "displayLocationInDecimal": False, "encrypted": False, "externalId": spec.external_id,
        "extraTypeInfo": spec.extra_type, "filterable": spec.filterable,
        "filteredLookupInfo": None, "formulaTreatNullNumberAsZero": False,
        "groupable": spec.sortable and spec.type not in NOT_GROUPABLE,
        "highScaleNumber": False, "htmlFormatted": False, "idLookup": spec.id_lookup,
        "inlineHelpText": None, "label": spec.label, "length": spec.length, "mask": None,
        "maskType": None, "name": spec.name, "nameField": spec.name_field,
        "namePointing": False, "nillable": spec.nillable,
        "permissionable": _permissionable(spec),
        "picklistValues": [_picklist_entry(value, label) for value, label in spec.picklist],
        "polymorphicForeignKey": False, "precision": spec.precision, "queryByDistance": False,
        "referenceTargetField": None, "referenceTo": list(spec.reference_to),
        "relationshipName": spec.relationship, "relationshipOrder": None,
        "restrictedDelete": False, "restrictedPicklist": spec.restricted, "scale": spec.scale,
        "searchPrefilterable": False, "soapType": SOAP_TYPES.get(spec.type, "xsd:string"),
        "sortable": spec.sortable, "type": spec.type, "unique": spec.unique,
        "updateable": spec.updateable, "writeRequiresMasterRead": False,
    }
    return dict(sorted(entry.items()))


def _permissionable(spec: FieldSpec) -> bool:
    """Field-level security applies to optional and custom fields (and a few the spec says)."""
    if spec.permissionable is not None:
        return spec.permissionable
    return spec.nillable or spec.custom


def _picklist_entry(value: str, label: str) -> dict[str, Json]:
    return {"active": True, "defaultValue": False, "label": label, "validFor": None,
            "value": value}


def _urls(obj: ObjectSpec, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "describe": f"{base}/describe",
        "layouts": f"{base}/describe/layouts",
        "rowTemplate": f"{base}/{{ID}}",
        "sobject": base,
    }


def describe_object(obj: ObjectSpec, version: str) -> dict[str, Json]:
    """The sObject Describe document (``GET /sobjects/{name}/describe``)."""
    doc: dict[str, Json] = {
        "actionOverrides": [], "activateable": False,
        "childRelationships": child_relationships(obj),
        "compactLayoutable": True, "createable": True, "custom": obj.custom,
        "customSetting": False,
        "deepCloneable": False, "defaultImplementation": None, "deletable": True,
        "deprecatedAndHidden": False, "extendedBy": None, "extendsInterfaces": None,
        "feedEnabled": False, "fields": [field_entry(spec) for spec in obj.fields],
        "hasSubtypes": False, "implementedBy": None, "implementsInterfaces": None,
        "isInterface": False, "isSubtype": False, "keyPrefix": obj.key_prefix,
        "label": obj.label, "labelPlural": obj.label_plural, "layoutable": True,
        "listviewable": None, "lookupLayoutable": None, "mergeable": True, "mruEnabled": True,
        "name": obj.name, "namedLayoutInfos": [], "networkScopeFieldName": None,
        "queryable": True, "recordTypeInfos": [_master_record_type(obj, version)],
        "replicateable": True, "retrieveable": True, "searchLayoutable": True,
        "searchable": True, "supportedScopes": [{"label": "All records", "name": "everything"}],
        "triggerable": True, "undeletable": True, "updateable": True,
        "urls": _urls(obj, version),
    }
    return doc


def child_relationships(obj: ObjectSpec) -> list[dict[str, Json]]:
    """The describe's ``childRelationships``: every reference to ``obj`` in the org."""
    return [{
        "cascadeDelete": spec.cascades, "childSObject": child.name,
        "deprecatedAndHidden": False, "field": spec.name, "junctionIdListNames": [],
        "junctionReferenceTo": [], "relationshipName": _plural_relationship(child, spec),
        "restrictedDelete": spec.on_parent_delete == "restrict",
    } for child, spec in children_of(obj)]


# Standard child relationships are named after the child's API name, not its label: an
# Order's lines are ``OrderItems`` although OrderItem's label is "Order Product" (Object
# Reference, "Order" and "OrderItem": "OrderItems" is the relationship SOQL uses,
# https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_orderitem.htm).
_STANDARD_PLURALS = {"OrderItem": "OrderItems", "PricebookEntry": "PricebookEntries"}


def _plural_relationship(child: ObjectSpec, spec: FieldSpec) -> str:
    """Contacts, OrderItems, Invoice_Lines__r: the name a parent-to-child subquery uses."""
    if child.custom or spec.custom:
        return child.label_plural.replace(" ", "_") + "__r"
    return _STANDARD_PLURALS.get(child.name, child.label_plural.replace(" ", ""))


def _master_record_type(obj: ObjectSpec, version: str) -> dict[str, Json]:
    layout = f"/services/data/v{version}/sobjects/{obj.name}/describe/layouts/"
    return {
        "active": True, "available": True, "defaultRecordTypeMapping": True,
        "developerName": "Master", "master": True, "name": "Master",
        "recordTypeId": MASTER_RECORD_TYPE_ID,
        "urls": {"layout": layout + MASTER_RECORD_TYPE_ID},
    }


def object_summary(obj: ObjectSpec, version: str) -> dict[str, Json]:
    """One entry of the global describe: the object-level flags without the fields."""
    full = describe_object(obj, version)
    summary: dict[str, Json] = {key: full[key] for key in _SUMMARY_KEYS}
    summary["associateEntityType"] = None
    summary["associateParentEntity"] = None
    summary["urls"] = {k: v for k, v in full["urls"].items() if k != "compactLayouts"}
    return dict(sorted(summary.items()))


def describe_global(version: str) -> dict[str, Json]:
    """``GET /sobjects``: the objects this org exposes (only the ones the sandbox serves)."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(obj, version) for obj in OBJECTS.values()],
    }
