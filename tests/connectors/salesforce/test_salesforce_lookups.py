"""Lookups by External ID, against the sandbox: a field ``<Relationship>.<ExternalIdField>`` is
written as a parent reference and read back flat, with no query per record."""

from __future__ import annotations

from typing import Any

from salesforce_support import SandboxControl, api_get, api_query

from connectors.base import TargetRecord
from connectors.errors import RecordRejected
from connectors.salesforce import SalesforceConnector

CUSTOMER = "Account.ERP_Customer_Number__c"


def seed_accounts(sandbox: SandboxControl, count: int) -> list[str]:
    rows = [{"Name": f"Parent {i}", "ERP_Customer_Number__c": f"P{i:04d}"} for i in range(count)]
    return list(sandbox.seed("Account", rows)["Account"])


def contacts(count: int, parents: int) -> list[TargetRecord]:
    return [TargetRecord(f"c{i}", {"ERP_Contact_Id__c": f"K{i:04d}", "LastName": f"Person {i}",
                                   CUSTOMER: f"P{i % parents:04d}"},
                         upsert_field="ERP_Contact_Id__c") for i in range(count)]


def test_the_schema_knows_parent_paths_and_whether_they_can_be_written(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    schema = connector.describe("Contact")
    path = schema.fields[CUSTOMER]
    assert path.createable and path.updateable and path.type == "string"
    assert not schema.fields["Account.Name"].createable  # Name is no External ID
    assert not schema.has("Account.No_Such__c") and not schema.has("Nobody.Name")
    describes = sandbox.served_data_calls("GET", "/describe")
    assert [c["path"].rsplit("/", 2)[1] for c in describes] == ["Contact", "Account"]


def test_contacts_are_linked_to_accounts_by_external_id_in_one_call(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    account_ids = seed_accounts(sandbox, 5)
    assert connector.describe("Contact").has(CUSTOMER)  # as the engine's start-up check does
    sandbox.clear_served()

    results = connector.write_batch("Contact", contacts(150, parents=5))

    assert {r.outcome for r in results} == {"created"}, {r.error for r in results}
    served = sandbox.served_data_calls()
    assert [(c["method"], c["path"].rsplit("/v62.0", 1)[1]) for c in served] == [
        ("PATCH", "/composite/sobjects/Contact/ERP_Contact_Id__c")]  # no lookups per record
    linked = api_get(sandbox, "Contact", str(results[7].key))
    assert linked["AccountId"] == account_ids[7 % 5]


def test_parent_fields_are_read_flat_and_none_without_a_parent(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    seed_accounts(sandbox, 2)
    connector.write_batch("Contact", contacts(3, parents=2))
    sandbox.seed("Contact", [{"LastName": "Orphan", "ERP_Contact_Id__c": "K-orphan"}])
    sandbox.clear_served()

    read = {str(r.fields["LastName"]): r.fields for r in connector.read_changes(
        "Contact", None, ["LastName", CUSTOMER, "Account.Name"])}

    assert read["Person 1"][CUSTOMER] == "P0001"
    assert read["Person 1"]["Account.Name"] == "Parent 1"
    assert read["Orphan"][CUSTOMER] is None and read["Orphan"]["Account.Name"] is None
    assert "Account" not in read["Orphan"]
    (query,) = sandbox.served_data_calls("GET", "/queryAll")
    assert CUSTOMER in str(query["query"])

    found = list(connector.read_by("Contact", CUSTOMER, ["P0000"], ["LastName"]))
    assert sorted(str(r.fields["LastName"]) for r in found) == ["Person 0", "Person 2"]


def test_a_parent_that_does_not_exist_fails_that_record_alone(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    seed_accounts(sandbox, 1)
    batch = contacts(3, parents=1)
    batch[1] = TargetRecord("lost", {"ERP_Contact_Id__c": "K-lost", "LastName": "Lost",
                                     CUSTOMER: "NO-SUCH-PARENT"}, upsert_field="ERP_Contact_Id__c")
    results = connector.write_batch("Contact", batch)
    assert [r.outcome for r in results] == ["created", "failed", "created"]
    error = results[1].error
    assert isinstance(error, RecordRejected) and error.code == "INVALID_FIELD", error


def test_none_clears_the_lookup(sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    seed_accounts(sandbox, 1)
    (created,) = connector.write_batch("Contact", contacts(1, parents=1))
    (cleared,) = connector.write_batch("Contact", [TargetRecord(
        "c", {CUSTOMER: None}, key=created.key)])
    assert cleared.outcome == "updated", cleared.error
    assert api_get(sandbox, "Contact", str(created.key))["AccountId"] is None


def test_order_items_point_at_order_product_and_price_by_external_ids(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    seeded = seed_order(sandbox)
    items = [TargetRecord(f"i{n}", {
        "ERP_Item_Key__c": f"0000004711-{n:06d}", "Order.ERP_Order_Number__c": "0000004711",
        "Product2.ERP_Product_Number__c": f"MAT-{n}", "PricebookEntry.ERP_Price_Key__c":
        f"STD-MAT-{n}", "Quantity": 2 + n, "UnitPrice": 9.5}, upsert_field="ERP_Item_Key__c")
        for n in range(2)]
    schema = connector.describe("OrderItem")
    assert all(schema.fields[name].createable for name in items[0].fields)  # start-up check
    sandbox.clear_served()

    results = connector.write_batch("OrderItem", items)

    assert [r.outcome for r in results] == ["created", "created"], [r.error for r in results]
    assert len(sandbox.served_data_calls()) == 1  # one write, no lookups
    rows = api_query(sandbox, "SELECT OrderId, Product2Id, PricebookEntryId, Quantity "
                              "FROM OrderItem ORDER BY ERP_Item_Key__c")
    assert [(r["OrderId"], r["Product2Id"], r["PricebookEntryId"], r["Quantity"])
            for r in rows] == [(seeded["order"], seeded["products"][n], seeded["prices"][n],
                                2 + n) for n in range(2)]


def seed_order(sandbox: SandboxControl) -> dict[str, Any]:
    """A customer, two products with standard prices, and a draft order for the customer."""
    (book,) = api_query(sandbox, "SELECT Id FROM Pricebook2 WHERE IsStandard = true")
    made = sandbox.seed("Account", [{"Name": "Buyer", "ERP_Customer_Number__c": "0001000001"}])
    products = sandbox.seed("Product2", [{"Name": f"Material {n}", "IsActive": True,
                                          "ERP_Product_Number__c": f"MAT-{n}"} for n in range(2)])
    prices = sandbox.seed("PricebookEntry", [{
        "Pricebook2Id": book["Id"], "Product2": {"ERP_Product_Number__c": f"MAT-{n}"},
        "UnitPrice": 9.5, "IsActive": True, "ERP_Price_Key__c": f"STD-MAT-{n}"}
        for n in range(2)])
    order = sandbox.seed("Order", [{
        "Account": {"ERP_Customer_Number__c": "0001000001"}, "Pricebook2Id": book["Id"],
        "EffectiveDate": "2026-10-01", "Status": "Draft", "ERP_Order_Number__c": "0000004711"}])
    return {"account": made["Account"][0], "products": products["Product2"],
            "prices": prices["PricebookEntry"], "order": order["Order"][0]}
