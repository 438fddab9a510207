"""Documents with lines against a real mock-sap: sales orders with items and pricing elements
(read, create by deep insert, change, status), products with descriptions and plants,
billing documents and outbound deliveries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sap_support import MakeConnector, native, native_write, served

from connectors.base import Cursor, SourceRecord, TargetRecord
from connectors.errors import RecordRejected
from connectors.sap import SapODataConnector
from sandbox.process import ChildServer

SO = "A_SalesOrder"
SO_SRV = "API_SALES_ORDER_SRV"
ORDER_FIELDS = [
    "SoldToParty", "PurchaseOrderByCustomer", "TransactionCurrency", "TotalNetAmount",
    "OverallSDProcessStatus", "OverallDeliveryStatus",
    "to_Item/Material", "to_Item/RequestedQuantity", "to_Item/RequestedQuantityUnit",
    "to_Item/to_PricingElement/ConditionType", "to_Item/to_PricingElement/ConditionRateValue",
]


def order(connector: SapODataConnector, key: str) -> SourceRecord:
    (record,) = connector.read_by(SO, "SalesOrder", [key], ORDER_FIELDS)
    return record


def native_items(server: ChildServer, key: str) -> list[dict[str, Any]]:
    body = native(server, SO_SRV, f"{SO}('{key}')/to_Item",
                  {"$expand": "to_PricingElement"})
    return list(body["d"]["results"])


def new_order(reference: str, **header: Any) -> TargetRecord:
    return TargetRecord(ref=reference, fields={
        "SalesOrderType": "OR", "SalesOrganization": "1710", "DistributionChannel": "10",
        "OrganizationDivision": "00", "SoldToParty": "1000001",
        "PurchaseOrderByCustomer": reference, **header,
        "to_Item": [
            {"Material": "MZ-FG-C100", "RequestedQuantity": Decimal("2"),
             "RequestedQuantityUnit": "PC",
             "to_PricingElement": [{"ConditionType": "PPR0",
                                    "ConditionRateValue": Decimal("120.50"),
                                    "ConditionCurrency": "EUR"}]},
            {"Material": "MZ-RM-S200", "RequestedQuantity": Decimal("5"),
             "RequestedQuantityUnit": "KG"},
        ]})


def test_orders_come_with_their_items_and_pricing_elements_as_lines(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    records = list(connector.read_changes(SO, None, ORDER_FIELDS))
    assert len(records) == 25
    first = next(r for r in records if r.key == "0000004712")
    assert first.fields["OverallSDProcessStatus"] == "A"
    assert first.fields["OverallDeliveryStatus"] == "C"
    assert first.fields["TotalNetAmount"] == Decimal("24786.720")
    (item,) = first.fields["to_Item"]
    assert item == {
        "SalesOrderItem": "000010", "Material": "TG31", "RequestedQuantity": Decimal("21"),
        "RequestedQuantityUnit": "PC",
        "to_PricingElement": [{"PricingProcedureStep": "010", "PricingProcedureCounter": "01",
                               "ConditionType": "PPR0",
                               "ConditionRateValue": Decimal("1180.32")}],
    }
    by_key = {r.key: r for r in records}
    for key in ("0000004712", "0000004713"):
        assert [i["Material"] for i in by_key[key].fields["to_Item"]] == [
            i["Material"] for i in native_items(sap, key)]
    query = next(r["query"] for r in served(sap) if r["path"].endswith(SO))
    assert "$expand=to_Item,to_Item/to_PricingElement" in query
    assert "to_Item/to_PricingElement/ConditionType" in query


def test_describe_names_lines_and_their_fields(connector: SapODataConnector) -> None:
    schema = connector.describe(SO)
    assert schema.fields["to_Item"].type == "Collection(API_SALES_ORDER_SRV.A_SalesOrderItemType)"
    for path in ORDER_FIELDS:
        assert schema.has(path), path
    assert not schema.has("to_Item/to_SalesOrder/SoldToParty")  # no walking back up


def test_an_order_is_created_with_items_and_pricing_in_one_deep_insert(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    (result,) = connector.write_batch(SO, [new_order("SF-8010000001")])
    assert result.outcome == "created", result.error
    assert result.key is not None
    items = native_items(sap, result.key)
    assert [(i["SalesOrderItem"], i["Material"], i["RequestedQuantity"]) for i in items] == [
        ("000010", "MZ-FG-C100", "2.000"), ("000020", "MZ-RM-S200", "5.000")]
    (price,) = items[0]["to_PricingElement"]["results"]
    assert (price["ConditionType"], price["ConditionRateValue"]) == ("PPR0", "120.500")
    posts = [r for r in served(sap) if r["method"] == "POST"]
    assert [r["path"].rsplit("/", 1)[1] for r in posts] == ["$batch"]
    again = order(connector, result.key)
    assert again.fields["PurchaseOrderByCustomer"] == "SF-8010000001"
    assert again.fields["OverallSDProcessStatus"] == "A"


def test_an_order_change_patches_changed_lines_and_adds_new_ones(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    (created,) = connector.write_batch(SO, [new_order("SF-8010000002")])
    assert created.key is not None
    before = order(connector, created.key)
    lines = [dict(line) for line in before.fields["to_Item"]]
    lines[0] = {**lines[0], "SalesOrderItem": "10", "RequestedQuantity": Decimal("3")}
    lines[0]["to_PricingElement"] = [{**lines[0]["to_PricingElement"][0],
                                      "ConditionRateValue": Decimal("99.00")}]
    lines.append({"Material": "MZ-FG-C100", "RequestedQuantity": Decimal("1"),
                  "RequestedQuantityUnit": "PC"})
    change = TargetRecord(ref="c", key=created.key, etag=before.etag, current=before.fields,
                          fields={"PurchaseOrderByCustomer": "SF-8010000002-B",
                                  "to_Item": lines})
    (result,) = connector.write_batch(SO, [change])
    assert (result.outcome, result.error) == ("updated", None)
    items = native_items(sap, created.key)
    assert [(i["SalesOrderItem"], i["RequestedQuantity"]) for i in items] == [
        ("000010", "3.000"), ("000020", "5.000"), ("000030", "1.000")]
    assert items[0]["to_PricingElement"]["results"][0]["ConditionRateValue"] == "99.000"
    assert order(connector, created.key).fields["PurchaseOrderByCustomer"] == "SF-8010000002-B"


def test_lines_equal_to_the_current_ones_send_nothing(connector: SapODataConnector) -> None:
    before = order(connector, "0000004713")
    unchanged = TargetRecord(ref="u", key=before.key, etag=before.etag, current=before.fields,
                             fields={"to_Item": before.fields["to_Item"]})
    (result,) = connector.write_batch(SO, [unchanged])
    assert result.outcome == "unchanged"
    assert "batch" not in connector.counter.by_kind


def test_a_stale_order_is_refused_with_its_lines(sap: ChildServer,
                                                 connector: SapODataConnector) -> None:
    before = order(connector, "0000004714")
    lines = [{**before.fields["to_Item"][0], "RequestedQuantity": Decimal("77")}]
    stale = TargetRecord(ref="s", key=before.key, current=before.fields,
                         etag="W/\"datetime'2000-01-01T00%3A00%3A00'\"",
                         fields={"to_Item": lines})
    (result,) = connector.write_batch(SO, [stale])
    assert result.outcome == "failed"
    assert result.error is not None and result.error.code == "PRECONDITION_FAILED"
    assert native_items(sap, "0000004714")[0]["RequestedQuantity"] != "77.000"


def test_a_bad_line_rejects_the_order_alone(connector: SapODataConnector) -> None:
    bad = new_order("SF-8010000003")
    bad_lines = [*bad.fields["to_Item"], {"Material": "X" * 41, "RequestedQuantity": 1}]
    results = connector.write_batch(SO, [TargetRecord(ref="bad", fields={
        **bad.fields, "to_Item": bad_lines}), new_order("SF-8010000004")])
    assert [r.outcome for r in results] == ["failed", "created"]
    assert isinstance(results[0].error, RecordRejected)
    assert "Material" in results[0].error.message
    assert list(connector.read_by(SO, "PurchaseOrderByCustomer", ["SF-8010000003"], [])) == []


def test_lines_given_as_paths_are_refused_with_the_shape_to_use(
    connector: SapODataConnector,
) -> None:
    (result,) = connector.write_batch(SO, [TargetRecord(ref="p", fields={
        "SoldToParty": "1000001", "to_Item/Material": "MZ-FG-C100"})])
    assert isinstance(result.error, RecordRejected)
    assert result.error.code == "BAD_RECORD_SHAPE"
    assert "fields['to_Item'] = [{...}" in result.error.message


def test_order_status_changes_are_captured(sap: ChildServer,
                                           connector: SapODataConnector) -> None:
    (created,) = connector.write_batch(SO, [new_order("SF-8010000005")])
    assert created.key is not None
    first = order(connector, created.key)
    assert first.fields["OverallDeliveryStatus"] == "A"
    answer = native_write(sap, "POST", "/sap/bc/rfc/BAPI_OUTB_DELIVERY_CREATE_SLS", {
        "SALES_ORDER_ITEMS": [{"REF_DOC": created.key, "REF_ITEM": "000010", "DLV_QTY": "2"}]})
    assert answer.json()["RETURN"][0]["TYPE"] in {"S", ""}, answer.json()
    since = Cursor(first.modified_at, first.key)
    changed = {r.key: r for r in connector.read_changes(SO, since, ORDER_FIELDS)}
    assert changed[created.key].fields["OverallDeliveryStatus"] == "B"


def test_products_come_with_descriptions_and_plants(make_connector: MakeConnector) -> None:
    connector = make_connector(page_size=4)
    fields = ["ProductType", "BaseUnit", "to_Description/Language",
              "to_Description/ProductDescription", "to_Plant/MRPType"]
    products = list(connector.read_changes("A_Product", None, fields))
    assert len(products) == 10 and len({p.key for p in products}) == 10
    cable = next(p for p in products if p.key == "MZ-FG-C100")
    assert cable.fields["to_Description"] == [
        {"Language": "DE", "ProductDescription": "Cable Assembly C100"},
        {"Language": "EN", "ProductDescription": "Cable Assembly C100"}]
    assert [p["Plant"] for p in cable.fields["to_Plant"]] == ["1010", "1710"]


def test_billing_documents_and_deliveries_are_read_with_their_items(
    connector: SapODataConnector,
) -> None:
    invoices = list(connector.read_changes("A_BillingDocument", None, [
        "SoldToParty", "TotalNetAmount", "TotalGrossAmount", "to_Item/NetAmount",
        "to_Item/SalesDocument"]))
    assert len(invoices) == 6
    for invoice in invoices:
        lines = invoice.fields["to_Item"]
        assert lines and all(line["BillingDocumentItem"] for line in lines)
        assert sum(line["NetAmount"] for line in lines) == invoice.fields["TotalNetAmount"]
    deliveries = list(connector.read_changes("A_OutbDeliveryHeader", None, [
        "OverallGoodsMovementStatus", "to_DeliveryDocumentItem/ReferenceSDDocument",
        "to_DeliveryDocumentItem/ActualDeliveredQtyInOrderQtyUnit"]))
    assert len(deliveries) == 8
    assert all(d.fields["to_DeliveryDocumentItem"] for d in deliveries)
