"""Related records: references by External ID in writes, parent fields in SOQL, the values the
server derives from parents, price-book and order rules, and what deleting a parent does."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.process import ChildServer
from tests.sandbox.support import DATA, Api, control, seed

CUSTOMER = "ERP_Customer_Number__c"


def _accounts(server: ChildServer, http: requests.Session) -> list[str]:
    return seed(server, http, [{"Name": "Alpha", CUSTOMER: "0001000001"},
                               {"Name": "Beta", CUSTOMER: "0001000002"}])


def test_single_create_links_a_parent_by_external_id(server: ChildServer,
                                                     http: requests.Session, api: Api) -> None:
    alpha, _ = _accounts(server, http)
    body = {"LastName": "Muster", "FirstName": "Erika", "ERP_Contact_Id__c": "C-1",
            "Account": {"attributes": {"type": "Account"}, CUSTOMER: "0001000001"}}
    created = api.call("POST", "/sobjects/Contact", json=body)
    assert created.status_code == 201, created.text
    contact = api.call("GET", f"/sobjects/Contact/{created.json()['id']}").json()
    assert contact["AccountId"] == alpha
    assert contact["Name"] == "Erika Muster"  # derived full name
    missing = api.call("POST", "/sobjects/Contact",
                       json={"LastName": "X", "Account": {CUSTOMER: "nope"}})
    assert missing.status_code == 400
    assert missing.json()[0]["errorCode"] == "INVALID_FIELD"
    assert "Foreign key external ID: nope not found" in missing.json()[0]["message"]
    not_external = api.call("POST", "/sobjects/Contact",
                            json={"LastName": "X", "Account": {"Name": "Alpha"}})
    assert (not_external.status_code, not_external.json()[0]["errorCode"]) == (400,
                                                                                "INVALID_FIELD")
    both = api.call("POST", "/sobjects/Contact",
                    json={"LastName": "X", "AccountId": alpha, "Account": {CUSTOMER: "1"}})
    assert both.status_code == 400 and "Cannot specify both" in both.json()[0]["message"]


def test_collections_upsert_resolves_each_record_and_fails_only_the_bad_one(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    alpha, beta = _accounts(server, http)
    rows = [{"ERP_Contact_Id__c": f"C-{n}", "LastName": f"Person {n}",
             "Account": {CUSTOMER: number}}
            for n, number in enumerate(["0001000001", "0001000002", "0009999999"])]
    results = api.collection("PATCH", rows, "/Contact/ERP_Contact_Id__c", obj="Contact").json()
    assert [(r["success"], r["created"]) for r in results] == [(True, True), (True, True),
                                                               (False, False)]
    assert results[2]["errors"][0]["statusCode"] == "INVALID_FIELD"
    assert results[2]["errors"][0]["fields"] == ["AccountId"]
    linked = api.query("SELECT ERP_Contact_Id__c, AccountId FROM Contact "
                       "ORDER BY ERP_Contact_Id__c")["records"]
    assert [r["AccountId"] for r in linked] == [alpha, beta]


def test_parent_fields_in_select_where_and_order_by(server: ChildServer,
                                                    http: requests.Session, api: Api) -> None:
    _, beta = _accounts(server, http)
    seed(server, http, [
        {"LastName": "Zeta", "Account": {CUSTOMER: "0001000001"}},
        {"LastName": "Eta", "Account": {CUSTOMER: "0001000002"}},
        {"LastName": "Orphan"},
    ], obj="Contact")
    body = api.query("SELECT LastName, Account.Name, Account.ERP_Customer_Number__c "
                     "FROM Contact ORDER BY Account.Name DESC NULLS LAST")
    records = body["records"]
    assert [r["LastName"] for r in records] == ["Eta", "Zeta", "Orphan"]
    assert records[0]["Account"] == {
        "attributes": {"type": "Account", "url": f"{DATA}/sobjects/Account/{beta}"},
        "Name": "Beta", CUSTOMER: "0001000002"}
    assert records[2]["Account"] is None
    assert list(records[0]) == ["attributes", "LastName", "Account"]
    filtered = api.query("SELECT LastName FROM Contact WHERE Account.ERP_Customer_Number__c "
                         "IN ('0001000001') OR Account.Name = null")
    assert sorted(r["LastName"] for r in filtered["records"]) == ["Orphan", "Zeta"]


def _price_book(server: ChildServer, http: requests.Session, api: Api) -> dict[str, Any]:
    """A product with a standard price and an order on the standard price book."""
    [account] = seed(server, http, [{"Name": "Buyer", CUSTOMER: "0001000009"}])
    standard = api.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")["records"]
    assert len(standard) == 1
    book = standard[0]["Id"]
    [product] = seed(server, http, [{"Name": "Widget", "ProductCode": "W-1",
                                     "ERP_Product_Number__c": "MAT-1", "IsActive": True}],
                     obj="Product2")
    [entry] = seed(server, http, [{"Pricebook2Id": book, "Product2": {
        "ERP_Product_Number__c": "MAT-1"}, "UnitPrice": 12.5, "IsActive": True,
        "ERP_Price_Key__c": "MAT-1|STD"}], obj="PricebookEntry")
    [order] = seed(server, http, [{"Account": {CUSTOMER: "0001000009"}, "Pricebook2Id": book,
                                   "EffectiveDate": "2026-10-01",
                                   "ERP_Order_Number__c": "SO-1"}], obj="Order")
    return {"account": account, "book": book, "product": product, "entry": entry,
            "order": order}


def test_orders_and_items_get_server_values(server: ChildServer, http: requests.Session,
                                            api: Api) -> None:
    ids = _price_book(server, http, api)
    entry = api.call("GET", f"/sobjects/PricebookEntry/{ids['entry']}").json()
    assert (entry["Product2Id"], entry["Name"], entry["ProductCode"]) == (
        ids["product"], "Widget", "W-1")
    order = api.call("GET", f"/sobjects/Order/{ids['order']}").json()
    assert (order["Status"], order["StatusCode"]) == ("Draft", "Draft")
    assert order["OrderNumber"].isdigit() and len(order["OrderNumber"]) == 8
    item = {"ERP_Item_Key__c": "SO-1|10", "Order": {"ERP_Order_Number__c": "SO-1"},
            "PricebookEntry": {"ERP_Price_Key__c": "MAT-1|STD"}, "Quantity": 4,
            "UnitPrice": 11}
    result = api.collection("PATCH", [item], "/OrderItem/ERP_Item_Key__c", obj="OrderItem")
    assert result.json()[0]["success"], result.text
    rows = api.query("SELECT Product2Id, ListPrice, TotalPrice, Order.Account.Name, "
                     "Order.OrderNumber FROM OrderItem")["records"]
    assert rows[0]["Product2Id"] == ids["product"]
    assert (rows[0]["ListPrice"], rows[0]["TotalPrice"]) == (12.5, 44.0)
    assert rows[0]["Order"]["Account"]["Name"] == "Buyer"
    assert rows[0]["Order"]["OrderNumber"] == order["OrderNumber"]
    again = api.collection("PATCH", [{**item, "Quantity": 5, "Order": None}],
                           "/OrderItem/ERP_Item_Key__c", obj="OrderItem")
    assert again.status_code == 400  # a reference must name a parent key
    update = {k: v for k, v in item.items() if k not in ("Order", "PricebookEntry")}
    updated = api.collection("PATCH", [{**update, "Quantity": 5}],
                             "/OrderItem/ERP_Item_Key__c", obj="OrderItem").json()
    assert updated[0]["created"] is False
    refused = api.collection("PATCH", [item], "/OrderItem/ERP_Item_Key__c",
                             obj="OrderItem").json()
    assert refused[0]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_price_book_rules(server: ChildServer, http: requests.Session, api: Api) -> None:
    ids = _price_book(server, http, api)
    twice = api.call("POST", "/sobjects/PricebookEntry", json={
        "Pricebook2Id": ids["book"], "Product2Id": ids["product"], "UnitPrice": 1})
    assert twice.json()[0]["errorCode"] == "DUPLICATE_VALUE"
    custom = api.call("POST", "/sobjects/Pricebook2", json={"Name": "EU", "IsActive": True})
    [other] = seed(server, http, [{"Name": "No standard price"}], obj="Product2")
    no_standard = api.call("POST", "/sobjects/PricebookEntry", json={
        "Pricebook2Id": custom.json()["id"], "Product2Id": other, "UnitPrice": 1})
    assert no_standard.json()[0]["errorCode"] == "STANDARD_PRICE_NOT_DEFINED"
    in_custom = api.call("POST", "/sobjects/PricebookEntry", json={
        "Pricebook2Id": custom.json()["id"], "Product2Id": ids["product"], "UnitPrice": 9})
    assert in_custom.status_code == 201
    wrong_book = api.call("POST", "/sobjects/OrderItem", json={
        "OrderId": ids["order"], "PricebookEntryId": in_custom.json()["id"], "Quantity": 1,
        "UnitPrice": 9})
    assert wrong_book.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    wrong_type = api.call("POST", "/sobjects/Contact", json={"LastName": "X",
                                                             "AccountId": ids["order"]})
    assert wrong_type.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_opportunity_stage_drives_derived_fields(api: Api) -> None:
    created = api.call("POST", "/sobjects/Opportunity", json={
        "Name": "Deal", "StageName": "Prospecting", "CloseDate": "2026-12-31",
        "ERP_Order_Number__c": "SO-7"})
    assert created.status_code == 201, created.text
    path = f"/sobjects/Opportunity/{created.json()['id']}"
    first = api.call("GET", path).json()
    assert (first["Probability"], first["IsClosed"], first["ForecastCategory"]) == (
        10, False, "Pipeline")
    api.call("PATCH", path, json={"StageName": "Closed Won"})
    won = api.call("GET", path).json()
    assert (won["Probability"], won["IsClosed"], won["IsWon"], won["ForecastCategoryName"]) == (
        100, True, True, "Closed")


def test_deleting_parents_cascades_restricts_or_clears(server: ChildServer,
                                                       http: requests.Session, api: Api) -> None:
    ids = _price_book(server, http, api)
    [invoice] = seed(server, http, [{"ERP_Invoice_Number__c": "INV-1",
                                     "Account__c": ids["account"], "Order__c": ids["order"],
                                     "Payment_Status__c": "Open"}], obj="Invoice__c")
    lines = seed(server, http, [{"ERP_Invoice_Line_Key__c": f"INV-1|{n}",
                                 "Invoice__r": {"ERP_Invoice_Number__c": "INV-1"},
                                 "Quantity__c": n} for n in (1, 2)], obj="Invoice_Line__c")
    [level] = seed(server, http, [{"ERP_Inventory_Key__c": "MAT-1|1000", "Plant__c": "1000",
                                   "Product__c": ids["product"], "On_Hand__c": 5.125}],
                   obj="Inventory_Level__c")
    restricted = api.call("DELETE", f"/sobjects/Account/{ids['account']}")
    assert (restricted.status_code, restricted.json()[0]["errorCode"]) == (400, "DELETE_FAILED")
    assert api.call("DELETE", f"/sobjects/Invoice__c/{invoice}").status_code == 204
    deleted = api.query("SELECT Id, IsDeleted FROM Invoice_Line__c", endpoint="queryAll")
    assert {r["Id"]: r["IsDeleted"] for r in deleted["records"]} == {i: True for i in lines}
    assert api.call("DELETE", f"/sobjects/Product2/{ids['product']}").status_code == 204
    cleared = api.call("GET", f"/sobjects/Inventory_Level__c/{level}").json()
    assert cleared["Product__c"] is None and cleared["On_Hand__c"] == 5.125
    soql = f"SELECT Id FROM PricebookEntry WHERE Product2Id = '{ids['product']}'"  # noqa: S608
    entries = api.query(soql)
    assert entries["totalSize"] == 0  # entries go with their product
    assert control(server, http, "GET", "health")["status"] == "ok"
