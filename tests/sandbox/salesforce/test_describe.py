"""Describes: every object the product uses, standard fields as real orgs describe them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.salesforce.support import Api, load_fixture, needs_fixtures

OBJECTS = ("Account", "Contact", "Product2", "Pricebook2", "PricebookEntry", "Opportunity",
           "OpportunityLineItem", "Order", "OrderItem", "Inventory_Level__c", "Invoice__c",
           "Invoice_Line__c")
# Fields our org has that the recorded org lacks: the product's custom fields, and the ISO
# country-code picklists of an org with State and Country/Territory Picklists enabled.
OURS_ONLY = {
    "Account": {"ERP_Customer_Number__c", "ERP_Blocked__c", "Tax_Number__c", "Credit_Limit__c",
                "ERP_Tax_Number__c", "ERP_Currency__c", "BillingCountryCode",
                "ShippingCountryCode"},
    "Contact": {"ERP_Contact_Id__c", "MailingCountryCode", "OtherCountryCode"},
    "Opportunity": {"ERP_Order_Number__c"},
}
# Fields of the recorded org the sandbox leaves out, each with the reason. Only custom (``__c``)
# fields may be here: every standard field of a real describe must be served.
THEIRS_ONLY: dict[str, dict[str, str]] = {
    "Account": {
        "Primary_Contact__c": "a lookup of the CumulusCI test org the describe was recorded in; "
                              "no mapping reads or writes it",
        "History__c": "a text field of the same test org (its label says so: No-Namespace)",
        "ns__Description__c": "a field of the test org's managed package (namespace ns)",
        "ns__LinkedAccount__c": "the same package's required lookup: serving it would make "
                                "every Account insert without it fail",
    },
    "Contact": {},
    "Opportunity": {},
}
# Child relationships (parent, child object, field) that differ from the recorded describes,
# among the objects the sandbox serves.
CHILDREN_OURS_ONLY = {
    ("Account", "Invoice__c", "Account__c"): "the product's custom Invoice__c object",
    ("Opportunity", "Order", "OpportunityId"): (
        "Order.OpportunityId is in the Order object reference; the recorded org does not "
        "list it under Opportunity"),
}
CHILDREN_THEIRS_ONLY = {
    ("Contact", "Order", name): "Order's contact lookups are not modelled (the product's orders "
                                "carry the account only)"
    for name in ("BillToContactId", "ShipToContactId", "CustomerAuthorizedById")
}
NEWER_KEYS = {"associateEntityType", "associateParentEntity", "sobjectDescribeOption"}


def _fields(describe: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in describe["fields"]}


@needs_fixtures
@pytest.mark.parametrize("name", ["Account", "Contact", "Opportunity"])
def test_standard_fields_agree_with_real_describes(api: Api, name: str) -> None:
    """Both ways: every field we serve that the real org has is described exactly as there
    (every attribute, picklist values included), and every real field is served except the
    recorded org's own custom fields listed above."""
    real = load_fixture("describe", f"{name}.json")
    ours = api.call("GET", f"/sobjects/{name}/describe").json()
    assert set(ours) == set(real) - NEWER_KEYS  # the recordings come from several versions
    assert (ours["keyPrefix"], ours["name"], ours["label"]) == (
        real["keyPrefix"], real["name"], real["label"])
    real_fields, our_fields = _fields(real), _fields(ours)
    assert set(our_fields) - set(real_fields) == OURS_ONLY[name]
    assert set(real_fields) - set(our_fields) == set(THEIRS_ONLY[name])
    # by name: the recording marks even these custom: false
    assert all(n.endswith("__c") for n in THEIRS_ONLY[name])
    for field_name, field in our_fields.items():
        assert set(field) == set(real["fields"][0]), field_name
        if field_name in real_fields:
            differing = {key: (value, real_fields[field_name][key])
                         for key, value in field.items() if value != real_fields[field_name][key]}
            assert differing == {}, field_name
    shared = set(real_fields) & set(our_fields)
    assert [n for n in our_fields if n in shared] == [n for n in real_fields if n in shared]


@needs_fixtures
@pytest.mark.parametrize("name", ["Account", "Contact", "Opportunity"])
def test_child_relationships_agree_with_real_describes(api: Api, name: str) -> None:
    """The names parent-to-child subqueries use, for every child object the sandbox serves."""
    served = {s["name"] for s in api.call("GET", "/sobjects/").json()["sobjects"]}
    real = {(name, c["childSObject"], c["field"]): c
            for c in load_fixture("describe", f"{name}.json")["childRelationships"]
            if c["childSObject"] in served}
    ours = {(name, c["childSObject"], c["field"]): c
            for c in api.call("GET", f"/sobjects/{name}/describe").json()["childRelationships"]}
    assert set(ours) - set(real) == {k for k in CHILDREN_OURS_ONLY if k[0] == name}
    assert set(real) - set(ours) == {k for k in CHILDREN_THEIRS_ONLY if k[0] == name}
    assert {k: ours[k] for k in set(ours) & set(real)} == {
        k: real[k] for k in set(ours) & set(real)}


@needs_fixtures
def test_global_describe_lists_objects_like_the_real_one(api: Api) -> None:
    real = {s["name"]: s for s in load_fixture("describe", "Global.json")["sobjects"]}
    body = api.call("GET", "/sobjects/").json()
    ours = {s["name"]: s for s in body["sobjects"]}
    assert set(ours) == set(OBJECTS)
    for name in ("Account", "Contact", "Opportunity"):
        assert set(ours[name]) == set(real[name])
        for key in ("keyPrefix", "label", "labelPlural", "custom", "queryable", "createable"):
            assert ours[name][key] == real[name][key], (name, key)
    assert body["maxBatchSize"] == 200


def test_every_object_describes_with_the_contract_fields(api: Api) -> None:
    expected: dict[str, dict[str, tuple[str, int, bool]]] = {
        # field: (type, length, externalId)
        "Account": {"ERP_Customer_Number__c": ("string", 20, True),
                    "ERP_Tax_Number__c": ("string", 20, False),
                    "ERP_Currency__c": ("string", 3, False)},
        "Contact": {"ERP_Contact_Id__c": ("string", 20, True), "AccountId": ("reference", 18,
                                                                             False)},
        "Product2": {"ERP_Product_Number__c": ("string", 40, True),
                     "ProductCode": ("string", 255, False)},
        "PricebookEntry": {"ERP_Price_Key__c": ("string", 80, True)},
        "Inventory_Level__c": {"ERP_Inventory_Key__c": ("string", 80, True),
                               "Plant__c": ("string", 4, False), "Unit__c": ("string", 3, False)},
        "Opportunity": {"ERP_Order_Number__c": ("string", 20, False)},
        "Order": {"ERP_Order_Number__c": ("string", 20, True)},
        "OrderItem": {"ERP_Item_Key__c": ("string", 40, True)},
        "Invoice__c": {"ERP_Invoice_Number__c": ("string", 20, True),
                       "Currency__c": ("string", 3, False)},
        "Invoice_Line__c": {"ERP_Invoice_Line_Key__c": ("string", 40, True)},
    }
    for name, wanted in expected.items():
        fields = _fields(api.call("GET", f"/sobjects/{name}/describe").json())
        for field_name, (type_, length, external) in wanted.items():
            field = fields[field_name]
            assert (field["type"], field["length"], field["externalId"]) == (
                type_, length, external), (name, field_name)
            if external:
                assert field["unique"] and not field["caseSensitive"], (name, field_name)


def test_custom_field_types_picklists_and_relationships(api: Api) -> None:
    def fields(name: str) -> dict[str, dict[str, Any]]:
        return _fields(api.call("GET", f"/sobjects/{name}/describe").json())

    account = fields("Account")
    credit = account["Credit_Limit__c"]
    assert (credit["type"], credit["precision"], credit["scale"]) == ("currency", 18, 2)
    blocked = account["ERP_Blocked__c"]
    assert (blocked["type"], blocked["defaultValue"], blocked["nillable"]) == ("boolean", False,
                                                                               False)
    code = account["BillingCountryCode"]
    assert code["type"] == "picklist" and code["restrictedPicklist"] is True
    assert {"DE", "US", "FR", "GB", "CH", "JP"} <= {p["value"] for p in code["picklistValues"]}
    order = fields("Order")
    for status in ("ERP_Delivery_Status__c", "ERP_Billing_Status__c"):
        assert order[status]["restrictedPicklist"] is True
        assert [p["value"] for p in order[status]["picklistValues"]] == [
            "Not Started", "Partially", "Complete"]
    assert [p["value"] for p in order["ERP_Payment_Status__c"]["picklistValues"]] == [
        "Open", "Partially Paid", "Paid", "Overdue"]
    assert [p["value"] for p in order["Status"]["picklistValues"]] == ["Draft", "Activated"]
    assert order["OrderNumber"]["autoNumber"] is True and not order["OrderNumber"]["createable"]
    inventory = fields("Inventory_Level__c")
    assert (inventory["Product__c"]["referenceTo"], inventory["Product__c"]["relationshipName"]
            ) == (["Product2"], "Product__r")
    assert (inventory["On_Hand__c"]["type"], inventory["On_Hand__c"]["scale"]) == ("double", 3)
    line = fields("Invoice_Line__c")["Invoice__c"]
    assert (line["nillable"], line["cascadeDelete"], line["relationshipName"]) == (
        False, True, "Invoice__r")
    invoice = api.call("GET", "/sobjects/Invoice__c/describe").json()
    assert invoice["custom"] is True and invoice["keyPrefix"].startswith("a")
    children = {(c["childSObject"], c["field"]): c for c in invoice["childRelationships"]}
    assert children[("Invoice_Line__c", "Invoice__c")]["cascadeDelete"] is True
    entry = fields("PricebookEntry")
    assert "CurrencyIsoCode" not in entry  # a single-currency org
    assert (entry["Product2Id"]["createable"], entry["Product2Id"]["updateable"]) == (True, False)
