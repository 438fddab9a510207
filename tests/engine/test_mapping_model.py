"""What the mapping model declares for the engine: directions, per-field policies, match
rules, deletes, lookups and child collections, read from real YAML."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.mapping import MappingError, load_mapping
from engine.mapping.convert import Converter
from engine.mapping.model import SyncMapping

ORDER_MAPPING = """\
version: 1
sync: sales_orders
entity: sales_order
systems:
  sap: {object: A_SalesOrder, key: SalesOrder}
  salesforce:
    object: Order
    key: Id
    upsert_field: ERP_Order_Number__c
    create_lookups:
      Pricebook2Id: {object: Pricebook2, where: {IsStandard: true}}
match:
  - order_number
  - [customer_reference, customer_number]
fields:
  order_number:
    sap: {field: SalesOrder, transform: [strip_leading_zeros]}
    salesforce: ERP_Order_Number__c
    owner: sap
  customer_number:
    sap: SoldToParty
    salesforce: {field: AccountId, lookup: {object: Account, by: ERP_Customer_Number__c}}
  customer_reference: {sap: PurchaseOrderByCustomer, salesforce: Id, direction: to_erp}
  currency: {sap: TransactionCurrency, salesforce: {constant: EUR}}
  delivery_status:
    sap: {field: OverallDeliveryStatus, value_map: sap_progress}
    salesforce: ERP_Delivery_Status__c
    direction: to_crm
  order_date: {sap: SalesOrderDate, salesforce: EffectiveDate, conflicts: {policy: manual}}
children:
  lines:
    sap: {field: to_Item, object: A_SalesOrderItem}
    salesforce: {field: OrderItems, object: OrderItem, key: Id}
    match: [line_number]
    fields:
      line_number:
        sap: {field: SalesOrderItem, transform: [strip_leading_zeros]}
        salesforce: ERP_Line_Number__c
      product_number:
        sap: Material
        salesforce: {field: Product2Id, lookup: {object: Product2, by: ERP_Product_Number__c}}
      quantity.value: {sap: RequestedQuantity, salesforce: Quantity}
      quantity.unit: {sap: RequestedQuantityUnit, salesforce: {constant: PC}}
value_maps:
  sap_progress: {values: {not_started: A, partially: B, complete: C}}
deletes: ignore
"""


def load_text(tmp_path: Path, text: str) -> SyncMapping:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path).mapping


def issues_for(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(MappingError) as caught:
        load_text(tmp_path, text)
    return [issue.message for issue in caught.value.issues]


def test_directions_policies_and_match_rules(tmp_path: Path) -> None:
    mapping = load_text(tmp_path, ORDER_MAPPING)
    status, reference = mapping.fields["delivery_status"], mapping.fields["customer_reference"]
    assert mapping.flows(status, "sap", "salesforce")
    assert not mapping.flows(status, "salesforce", "sap")
    assert mapping.flows(reference, "salesforce", "sap")
    assert not mapping.flows(reference, "sap", "salesforce")
    assert mapping.policy_for("order_date").policy == "manual"
    assert mapping.policy_for("currency").policy == "newest_wins"
    assert [rule.fields for rule in mapping.match_rules] == [
        ("order_number",), ("customer_reference", "customer_number")]
    assert mapping.match == ("order_number",)
    lookup = mapping.systems["salesforce"].create_lookups["Pricebook2Id"]
    assert lookup.object == "Pricebook2" and lookup.where == {"IsStandard": True}


def test_lines_lookups_and_constants_convert_both_ways(tmp_path: Path) -> None:
    converter = Converter(load_text(tmp_path, ORDER_MAPPING))
    assert "Account.ERP_Customer_Number__c" in converter.fields_of("salesforce")
    assert converter.children_of("salesforce") == {
        "OrderItems": ["ERP_Line_Number__c", "Product2.ERP_Product_Number__c", "Quantity"]}
    values = converter.to_canonical("sap", {
        "SalesOrder": "0000004712", "SoldToParty": "1000006", "TransactionCurrency": "EUR",
        "OverallDeliveryStatus": "C", "SalesOrderDate": "2026-09-01",
        "to_Item": [{"SalesOrderItem": "000020", "Material": "TG11",
                     "RequestedQuantity": Decimal("2.000"), "RequestedQuantityUnit": "PC"},
                    {"SalesOrderItem": "000010", "Material": "TG31",
                     "RequestedQuantity": Decimal("21"), "RequestedQuantityUnit": "PC"}]})
    assert values["order_number"] == "4712" and values["delivery_status"] == "complete"
    assert [line["line_number"] for line in values["lines"]] == ["10", "20"], "sorted by match"
    assert values["lines"][1] == {"line_number": "20", "product_number": "TG11",
                                  "quantity.value": "2", "quantity.unit": "PC"}
    written = converter.to_system("salesforce", values)
    assert written["Account.ERP_Customer_Number__c"] == "1000006"
    assert "EUR" not in written.values(), "a constant side is never written"
    assert written["OrderItems"][0] == {"ERP_Line_Number__c": "10",
                                        "Product2.ERP_Product_Number__c": "TG31",
                                        "Quantity": "21"}
    from_sf = converter.to_canonical("salesforce", {
        "ERP_Order_Number__c": "4712", "Account.ERP_Customer_Number__c": "1000006",
        "ERP_Delivery_Status__c": "complete", "EffectiveDate": "2026-09-01",
        "OrderItems": [{"ERP_Line_Number__c": "10", "Quantity": 21,
                        "Product2": {"ERP_Product_Number__c": "TG31"}}]})
    assert from_sf["currency"] == "EUR"
    assert from_sf["lines"][0]["product_number"] == "TG31", "nested parent field read too"


def test_an_owned_field_cannot_also_have_a_conflict_policy(tmp_path: Path) -> None:
    broken = ORDER_MAPPING.replace("conflicts: {policy: manual}",
                                   "conflicts: {policy: manual}, owner: sap")
    (message,) = issues_for(tmp_path, broken)
    assert "a field owned by sap never conflicts: remove either owner or conflicts" in message


def test_owner_must_agree_with_direction(tmp_path: Path) -> None:
    broken = ORDER_MAPPING.replace("direction: to_crm", "direction: to_crm\n    owner: salesforce")
    assert issues_for(tmp_path, broken) == [
        "fields.delivery_status.owner: owner salesforce contradicts direction to_crm: values "
        "never flow from salesforce"]


def test_deactivate_needs_a_synced_deactivation_field(tmp_path: Path) -> None:
    messages = issues_for(tmp_path, ORDER_MAPPING.replace("deletes: ignore",
                                                          "deletes: deactivate"))
    assert messages == ["deletes: sales_order has no deactivation field: set deactivate_with "
                        "(field and value), or choose deletes: ignore or propagate"]
