"""Documents sync with their lines: the shipped sales-order sync against mock-sap and the
Salesforce sandbox. SAP orders arrive in Salesforce with their order products (read from SAP
with ``$expand=to_Item``, written after their orders in batches), a line changed in SAP flows
to its Salesforce line alone, a line removed in SAP is removed in Salesforce or stays, as the
collection's ``deletes`` says, and a run with nothing new writes nothing, on either side
(checked in both systems' request logs)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from engine.report import RunReport
from engine.run import plan_sync, run_sync
from tests.conftest import REPO, Sandboxes
from tests.e2e.people import API, SalesforceUser, SapServiceUser
from tests.e2e.sync_helpers import with_sync

ORDERS = REPO / "mappings" / "sales_orders.yaml"


class SapOrders(SapServiceUser):
    """A user of mock-sap's sales order service. Changing an item also stamps its order, as
    S/4HANA moves the order's LastChangeDateTime with any item (mock-sap leaves the header's
    LastChangeDate alone, so the user's change is saved with an order PATCH too)."""

    SERVICE = "/sap/opu/odata/sap/API_SALES_ORDER_SRV"

    def orders(self) -> dict[str, list[dict[str, Any]]]:
        """Order number (without zeros) → its items."""
        response = self.http.get(f"{self.base}/A_SalesOrder",
                                 params={"$expand": "to_Item", "$top": "1000"}, timeout=30)
        response.raise_for_status()
        return {o["SalesOrder"].lstrip("0"): o["to_Item"]["results"]
                for o in response.json()["d"]["results"]}

    def change_item(self, order: str, item: str, **fields: Any) -> None:
        response = self.http.patch(self._item(order, item), json=fields, timeout=30)
        assert response.status_code == 204, response.text
        self.touch(order)

    def remove_item(self, order: str, item: str) -> None:
        response = self.http.delete(self._item(order, item), timeout=30)
        assert response.status_code == 204, response.text
        self.touch(order)

    def _item(self, order: str, item: str) -> str:
        return (f"{self.base}/A_SalesOrderItem(SalesOrder='{quote(order.zfill(10))}',"
                f"SalesOrderItem='{quote(item)}')")

    def touch(self, order: str) -> None:
        """Save the order unchanged: SAP stamps it (and moves a past delivery date)."""
        response = self.http.patch(f"{self.base}/A_SalesOrder('{quote(order.zfill(10))}')",
                                   json={}, headers={"If-Match": "*"}, timeout=30)
        assert response.status_code == 204, response.text


def seed_master_data(env: Sandboxes) -> SalesforceUser:
    """Customers and products as their syncs bring them, and a standard price book entry per
    product as the prices sync would (mock-sap lacks the pricing condition service)."""
    for name in ("customers", "products"):
        report = with_sync(run_sync, REPO / "mappings" / f"{name}.yaml")
        assert report.status == "completed" and report.dead_letters == 0
    sf = SalesforceUser(env)
    (book,) = sf.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
    products = sf.query("SELECT Id, ERP_Product_Number__c FROM Product2")
    entries = [{"attributes": {"type": "PricebookEntry"}, "Pricebook2Id": book["Id"],
                "Product2Id": p["Id"], "UnitPrice": 100, "IsActive": True,
                "ERP_Price_Key__c": f"{p['ERP_Product_Number__c']}-EUR"} for p in products]
    response = sf.http.post(f"{sf.base}{API}/composite/sobjects",
                            json={"allOrNone": True, "records": entries}, timeout=30)
    assert response.status_code == 200 and all(r["success"] for r in response.json())
    return sf


def run_orders(mapping: Path = ORDERS) -> RunReport:
    report = with_sync(run_sync, mapping)
    assert report.status == "completed" and report.dead_letters == 0, report.to_json()
    return report


def sf_lines(sf: SalesforceUser) -> dict[str, dict[str, Any]]:
    """Salesforce order products by their ERP item key."""
    rows = sf.query("SELECT Id, OrderId, Order.ERP_Order_Number__c, ERP_Item_Key__c, "
                    "Product2.ERP_Product_Number__c, Description, Quantity, UnitPrice "
                    "FROM OrderItem")
    return {row["ERP_Item_Key__c"]: row for row in rows}


def sap_key(order: str, item: dict[str, Any]) -> str:
    return f"{order}-{item['SalesOrderItem'].lstrip('0')}"


def a_two_line_order(sap: SapOrders) -> tuple[str, list[dict[str, Any]]]:
    return next((number, items) for number, items in sorted(sap.orders().items())
                if len(items) >= 2)


def test_sap_orders_arrive_with_their_lines_and_a_rerun_writes_nothing(
        erpsync_env: Sandboxes) -> None:
    sf, sap = seed_master_data(erpsync_env), SapOrders(erpsync_env)
    orders = sap.orders()
    plan = with_sync(plan_sync, ORDERS)
    planned = {f.after for c in plan.changes if c.operation == "create"
               for f in c.fields if f.field == "ERP_Order_Number__c"}
    planned_lines = [line for c in plan.changes if c.operation == "create"
                     for f in c.fields if f.field == "OrderItems" for line in f.after]
    assert planned == set(orders)
    assert len(planned_lines) == sum(len(items) for items in orders.values())
    erpsync_env.clear_logs()

    report = run_orders()

    assert report.systems["salesforce"].created == len(orders)
    lines = sf_lines(sf)
    assert len(lines) == sum(len(items) for items in orders.values())
    for number, items in orders.items():
        for item in items:
            line = lines[sap_key(number, item)]
            assert line["Order"]["ERP_Order_Number__c"] == number
            assert line["Product2"]["ERP_Product_Number__c"] == item["Material"]
            assert line["Description"] == item["SalesOrderItemText"]
            assert Decimal(str(line["Quantity"])) == Decimal(item["RequestedQuantity"])
    paths = [r["path"] for r in erpsync_env.sf_writes()]
    assert all("/composite/" in p for p in paths), "collections only: no call per record"
    assert [p for p in paths if "OrderItem" in p] == [
        f"{API}/composite/sobjects/OrderItem/ERP_Item_Key__c"], "one upsert for all lines"
    assert erpsync_env.sap_writes() == []

    erpsync_env.clear_logs()
    again = run_orders()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert again.systems["salesforce"].created == again.systems["salesforce"].updated == 0


def test_a_line_changed_in_sap_reaches_its_salesforce_line_with_one_write(
        erpsync_env: Sandboxes) -> None:
    sf, sap = seed_master_data(erpsync_env), SapOrders(erpsync_env)
    number, items = a_two_line_order(sap)
    sap.touch(number)  # SAP moves a past delivery date to today on any change: not now
    run_orders()
    item = items[1]
    price = Decimal(item["NetAmount"]) / Decimal(item["RequestedQuantity"])
    quantity = Decimal(item["RequestedQuantity"]) + 5
    sap.change_item(number, item["SalesOrderItem"], RequestedQuantity=str(quantity),
                    NetAmount=str((quantity * price).quantize(Decimal("0.01"))))
    before = sf_lines(sf)
    erpsync_env.clear_logs()

    report = run_orders()

    after = sf_lines(sf)
    key = sap_key(number, item)
    assert Decimal(str(after[key]["Quantity"])) == quantity
    assert after[key]["Id"] == before[key]["Id"], "the same line, changed in place"
    unchanged = {k: v for k, v in after.items() if k != key}
    assert unchanged == {k: v for k, v in before.items() if k != key}
    writes = erpsync_env.sf_writes()
    assert [(w["method"], w["path"]) for w in writes] == [
        ("PATCH", f"{API}/composite/sobjects")], "one update of the one line, nothing else"
    assert erpsync_env.sap_writes() == [], "no echo back to SAP"
    assert report.systems["salesforce"].updated == 1

    erpsync_env.clear_logs()
    run_orders()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []


def test_a_line_removed_in_sap_is_removed_in_salesforce(erpsync_env: Sandboxes) -> None:
    sf, sap = seed_master_data(erpsync_env), SapOrders(erpsync_env)
    number, items = a_two_line_order(sap)
    sap.touch(number)
    run_orders()
    gone, kept = items[0], items[1:]
    sap.remove_item(number, gone["SalesOrderItem"])
    erpsync_env.clear_logs()

    report = run_orders()

    lines = sf_lines(sf)
    assert sap_key(number, gone) not in lines
    assert all(sap_key(number, item) in lines for item in kept)
    assert [w["method"] for w in erpsync_env.sf_writes()] == ["DELETE"]
    assert erpsync_env.sap_writes() == []
    assert report.systems["salesforce"].updated == 1
    erpsync_env.clear_logs()
    run_orders()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []


def test_with_deletes_ignore_a_line_removed_in_sap_stays_in_salesforce(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    text = ORDERS.read_text(encoding="utf-8")
    assert "    match: [line_key]\n" in text
    mapping = tmp_path / "sales_orders.yaml"
    mapping.write_text(text.replace("    match: [line_key]\n",
                                    "    match: [line_key]\n    deletes: ignore\n"),
                       encoding="utf-8")
    sf, sap = seed_master_data(erpsync_env), SapOrders(erpsync_env)
    number, items = a_two_line_order(sap)
    sap.touch(number)
    run_orders(mapping)
    sap.remove_item(number, items[0]["SalesOrderItem"])
    erpsync_env.clear_logs()

    run_orders(mapping)

    assert sap_key(number, items[0]) in sf_lines(sf)
    assert erpsync_env.sf_writes() == []
    assert erpsync_env.sap_writes() == [], "ignore does not add the line back in SAP either"


def test_a_line_removed_in_salesforce_is_removed_in_sap_in_the_orders_changeset(
        erpsync_env: Sandboxes) -> None:
    sf, sap = seed_master_data(erpsync_env), SapOrders(erpsync_env)
    number, items = a_two_line_order(sap)
    sap.touch(number)
    run_orders()
    gone = items[-1]
    line = sf_lines(sf)[sap_key(number, gone)]
    response = sf.http.delete(f"{sf.base}{API}/sobjects/OrderItem/{line['Id']}", timeout=30)
    assert response.status_code == 204, response.text
    # Salesforce stamps the order too (its TotalAmount rolls the lines up); the sandbox
    # has no roll-up, so the user's edit of the order stands in for it.
    response = sf.http.patch(f"{sf.base}{API}/sobjects/Order/{line['OrderId']}",
                             json={"Description": "one product less"}, timeout=30)
    assert response.status_code == 204, response.text
    erpsync_env.clear_logs()

    report = run_orders()

    remaining = [i["SalesOrderItem"] for i in sap.orders()[number]]
    assert remaining == [i["SalesOrderItem"] for i in items[:-1]]
    assert [(w["method"], w["path"].rsplit("/", 1)[-1]) for w in erpsync_env.sap_writes()] \
        == [("POST", "$batch")], "one changeset: the order's guard and the line's DELETE"
    assert erpsync_env.sf_writes() == []
    assert report.systems["sap"].updated == 1
    erpsync_env.clear_logs()
    run_orders()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []



def test_sap_invoices_arrive_with_their_lines(erpsync_env: Sandboxes) -> None:
    sf = seed_master_data(erpsync_env)
    http = requests.Session()
    http.trust_env = False
    answer = http.get(f"{erpsync_env.sap.url}/sap/opu/odata/sap/API_BILLING_DOCUMENT_SRV/"
                      "A_BillingDocument", params={"$expand": "to_Item", "$format": "json",
                                                   "$filter": "SDDocumentCategory eq 'M'"},
                      timeout=30)
    answer.raise_for_status()
    invoices = {d["BillingDocument"].lstrip("0"): d["to_Item"]["results"]
                for d in answer.json()["d"]["results"]}
    assert invoices, "mock-sap seeds invoices"
    erpsync_env.clear_logs()

    report = with_sync(run_sync, REPO / "mappings" / "invoices.yaml")

    assert report.systems["salesforce"].created == len(invoices) and report.dead_letters == 0
    rows = sf.query("SELECT ERP_Invoice_Line_Key__c, Quantity__c, Amount__c, "
                    "Invoice__r.ERP_Invoice_Number__c FROM Invoice_Line__c")
    lines = {row["ERP_Invoice_Line_Key__c"]: row for row in rows}
    assert len(lines) == sum(len(items) for items in invoices.values())
    for number, items in invoices.items():
        for item in items:
            line = lines[f"{number}-{item['BillingDocumentItem'].lstrip('0')}"]
            assert line["Invoice__r"]["ERP_Invoice_Number__c"].lstrip("0") == number
            assert Decimal(str(line["Quantity__c"])) == Decimal(item["BillingQuantity"])
            assert Decimal(str(line["Amount__c"])) == Decimal(item["NetAmount"])
    assert erpsync_env.sap_writes() == []
    erpsync_env.clear_logs()
    with_sync(run_sync, REPO / "mappings" / "invoices.yaml")
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []


def test_an_order_taken_in_salesforce_reaches_sap_with_its_lines_and_learns_their_numbers(
        erpsync_env: Sandboxes) -> None:
    sf, sap = seed_master_data(erpsync_env), SapOrders(erpsync_env)
    run_orders()
    (account,) = sf.query("SELECT Id FROM Account WHERE ERP_Customer_Number__c = '1000001'")
    (book,) = sf.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
    entries = sf.query("SELECT Id, Product2.ERP_Product_Number__c FROM PricebookEntry "
                       "WHERE ERP_Price_Key__c IN ('TG11-EUR', 'TG12-EUR') ORDER BY Id")
    order_id = sf.http.post(f"{sf.base}{API}/sobjects/Order", json={
        "AccountId": account["Id"], "Pricebook2Id": book["Id"], "EffectiveDate": "2026-10-01",
        "Status": "Draft", "PoNumber": "CRM-PO-1"}, timeout=30).json()["id"]
    for entry, quantity in zip(entries, (3, 4), strict=True):
        response = sf.http.post(f"{sf.base}{API}/sobjects/OrderItem", json={
            "OrderId": order_id, "PricebookEntryId": entry["Id"], "Quantity": quantity,
            "UnitPrice": 100, "Description": "taken by phone"}, timeout=30)
        assert response.status_code == 201, response.text
    before = {line["Id"] for line in sf.query("SELECT Id, OrderId FROM OrderItem")
              if line["OrderId"] == order_id}

    first = run_orders()  # SAP creates the order with both lines in one deep insert
    (number,) = [n for n, items in sap.orders().items()
                 if any(i["SalesOrderItemText"] == "taken by phone" for i in items)]
    items = sap.orders()[number]
    for item in items:  # S/4 gives each item the order's currency; mock-sap leaves it empty
        sap.change_item(number, item["SalesOrderItem"], TransactionCurrency="EUR")
    second = run_orders()  # the CRM lines learn the item numbers SAP gave them

    assert first.systems["sap"].created == 1
    assert [(i["Material"], Decimal(i["RequestedQuantity"])) for i in items] == [
        (entries[0]["Product2"]["ERP_Product_Number__c"], 3),
        (entries[1]["Product2"]["ERP_Product_Number__c"], 4)]
    mine = {k: v for k, v in sf_lines(sf).items() if v["OrderId"] == order_id}
    assert set(mine) == {sap_key(number, item) for item in items}, "numbered, not doubled"
    assert {line["Id"] for line in mine.values()} == before, "the CRM's own lines, kept"
    assert second.systems["sap"].created == 0
    erpsync_env.clear_logs()
    run_orders()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []

