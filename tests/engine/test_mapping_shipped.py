"""Every shipped mapping loads, and fits the systems it names:
the live Salesforce sandbox's describes, mock-sap's live ``$metadata`` and SAP's real
``$metadata`` files. Where a stand-in lacks an object or a name differs from real S/4, the
difference is listed below with its reason, and the test fails if the list is wrong either
way (a gap that closed, or a new one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import ObjectSchema
from engine.mapping import MappingError, load_mapping
from engine.mapping.loader import LoadedMapping
from engine.mapping.schema_check import check_against_schemas, related_objects
from tests.conftest import SHARED_FIXTURES, Sandboxes
from tests.engine.mapping_support.live_schemas import (
    SchemaSource,
    mock_sap_schemas,
    real_edmx_schemas,
    salesforce_schemas,
)

MAPPINGS = Path(__file__).parents[2] / "mappings"
SHIPPED = sorted(MAPPINGS.glob("*.yaml"))
ENTITIES_SHIPPED = {"customer", "contact", "product", "price_list_entry", "inventory_level",
                    "sales_order", "invoice"}

UNSERVED_BY_MOCK_SAP = {
    "contacts": ["A_BusinessPartnerContact"],      # mock-sap 0.22 has no contact relationships
    "inventory": ["A_MatlStkInAcctMod"],           # API_MATERIAL_STOCK_SRV: a separate stand-in
    "prices": ["A_SlsPrcgCndnRecdValidity"],       # no pricing-condition service in mock-sap
}
NOT_IN_RECORDED_EDMX = {
    # only API_BUSINESS_PARTNER, API_PRODUCT_SRV and API_SALES_ORDER_SRV are recorded
    "inventory": ["A_MatlStkInAcctMod"],
    "invoice_payments": ["A_BillingDocument", "A_OperationalAcctgDocItemCube"],
    "invoices": ["A_BillingDocument", "A_BillingDocumentItem"],
    "prices": ["A_SlsPrcgCndnRecdValidity"],
}
DIFFERS_IN_REAL_S4 = {
    # real S/4 derives BusinessPartnerFullName (not creatable), and keeps phone and e-mail
    # on to_PhoneNumber / to_EmailAddress, not on the address as mock-sap does (README)
    "customers": ["45:5: fields.name.sap: sap A_BusinessPartner.BusinessPartnerFullName can "
                  "be neither created nor updated, but values flow into it: set direction so "
                  "that they never do, or read_only: true",
                  "53:5: fields.phone.sap: sap A_BusinessPartner has no field "
                  "'to_BusinessPartnerAddress/PhoneNumber'; similar: "
                  "to_BusinessPartnerAddress/to_PhoneNumber, "
                  "to_BusinessPartnerAddress/HouseNumber, "
                  "to_BusinessPartnerAddress/to_MobilePhoneNumber"],
    # mock-sap's OverallDeliveryStatus is real S/4's OverallTotalDeliveryStatus
    "order_status": ["38:5: fields.delivery_status.sap: sap A_SalesOrder has no field "
                     "'OverallDeliveryStatus'; similar: OverallTotalDeliveryStatus"],
}


def check(loaded: LoadedMapping, system: str, source: SchemaSource) -> tuple[list[str],
                                                                             list[str]]:
    """(issues as line:column: message, objects the source does not have)."""
    obj = loaded.mapping.systems[system].object
    main = source(obj)
    related = {(system, name): source(name) for name in related_objects(loaded.mapping, system)}
    missing = sorted([name for (_, name), schema in related.items() if schema is None]
                     + ([obj] if main is None else []))
    if main is None:
        return [], missing
    try:
        check_against_schemas(loaded, {system: main},
                              {key: schema for key, schema in related.items() if schema})
    except MappingError as exc:
        return [f"{i.line}:{i.column}: {i.message}" for i in exc.issues], missing
    return [], missing


def test_mappings_ship_for_every_entity_and_none_for_oracle() -> None:
    loaded = [load_mapping(path).mapping for path in SHIPPED]
    assert {m.entity for m in loaded} == ENTITIES_SHIPPED
    assert all(set(m.systems) == {"sap", "salesforce"} for m in loaded)
    assert all(m.description for m in loaded), "each says what it is for"


@pytest.fixture(scope="module")
def salesforce(sandboxes: Sandboxes) -> SchemaSource:
    return salesforce_schemas(sandboxes)


@pytest.fixture(scope="module")
def mock_sap(sandboxes: Sandboxes) -> SchemaSource:
    return mock_sap_schemas(sandboxes)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_fits_the_live_salesforce_describes(path: Path, salesforce: SchemaSource) -> None:
    assert check(load_mapping(path), "salesforce", salesforce) == ([], [])


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_fits_mock_saps_live_metadata(path: Path, mock_sap: SchemaSource) -> None:
    assert check(load_mapping(path), "sap", mock_sap) == ([], UNSERVED_BY_MOCK_SAP.get(
        path.stem, []))


@pytest.mark.skipif(not (SHARED_FIXTURES / "sap" / "edmx").is_dir(),
                    reason="../shared/fixtures/sap/edmx (real SAP $metadata) is absent")
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_fits_real_s4_metadata(path: Path) -> None:
    issues, missing = check(load_mapping(path), "sap", real_edmx_schemas())
    assert missing == NOT_IN_RECORDED_EDMX.get(path.stem, [])
    assert issues == DIFFERS_IN_REAL_S4.get(path.stem, [])


def test_sales_order_from_sap_reaches_the_crm_shape() -> None:
    """A record as the SAP connector delivers mock-sap's order 4712 (lines expanded, values
    decoded by EDM type) becomes the Salesforce order and lines the CRM needs."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from engine.mapping.convert import Converter

    converter = Converter(load_mapping(MAPPINGS / "sales_orders.yaml").mapping)
    values = converter.to_canonical("sap", {
        "SalesOrder": "0000004712", "SoldToParty": "1000006",
        "PurchaseOrderByCustomer": "PO-50306", "TransactionCurrency": "EUR",
        "SalesOrderDate": datetime(2025, 8, 30, tzinfo=UTC),
        "RequestedDeliveryDate": datetime(2025, 9, 13, tzinfo=UTC),
        "to_Item": [{"SalesOrder": "0000004712", "SalesOrderItem": "000010",
                     "Material": "TG31", "SalesOrderItemText": "Smart Multimedia Player",
                     "RequestedQuantity": Decimal("21.000"), "RequestedQuantityUnit": "PC",
                     "NetAmount": Decimal("24786.720"), "TransactionCurrency": "EUR",
                     "to_PricingElement": [
                         {"ConditionType": "PPR0", "ConditionCurrency": "EUR",
                          "ConditionRateValue": Decimal("1180.320000000")}]}]})
    order = converter.to_system("salesforce", values)
    assert order["ERP_Order_Number__c"] == "4712"
    assert order["Account.ERP_Customer_Number__c"] == "1000006"
    assert order["EffectiveDate"] == "2025-08-30"
    (line,) = order["OrderItems"]  # TotalPrice is Salesforce's to compute: never written
    assert line == {"ERP_Item_Key__c": "4712-10", "Product2.ERP_Product_Number__c": "TG31",
                    "PricebookEntry.ERP_Price_Key__c": "TG31-EUR",
                    "Description": "Smart Multimedia Player", "Quantity": "21",
                    "UnitPrice": "1180.32"}
    back = converter.to_system("sap", values)
    assert back["SalesOrder"] == "0000004712"
    assert back["SalesOrderDate"] == datetime(2025, 8, 30, tzinfo=UTC)


def test_invoice_payment_status_reads_the_clearing_date() -> None:
    from datetime import UTC, datetime

    from engine.mapping.convert import Converter

    converter = Converter(load_mapping(MAPPINGS / "invoice_payments.yaml").mapping)
    open_item = {"AccountingDocument": "0090000001", "Customer": "1000006",
                 "NetDueDate": datetime(2025, 10, 11, tzinfo=UTC), "ClearingDate": None}
    assert converter.to_canonical("sap", open_item)["payment_status"] == "open"
    cleared = {**open_item, "ClearingDate": datetime(2025, 10, 2, tzinfo=UTC)}
    values = converter.to_canonical("sap", cleared)
    assert values["payment_status"] == "paid"
    assert converter.to_system("salesforce", values)["Payment_Status__c"] == "Paid"


@pytest.mark.skipif(not (SHARED_FIXTURES / "sap" / "edmx").is_dir(),
                    reason="../shared/fixtures/sap/edmx (real SAP $metadata) is absent")
def test_propagating_line_removals_needs_lines_the_system_lets_us_delete() -> None:
    """Real S/4 lets a client delete a sales order item (A_SalesOrderItem carries no
    sap:deletable="false"), so the shipped propagate passes; where an entity set refuses
    deletes, the mapping is refused before any run instead of auditing a removal that
    cannot happen."""
    from dataclasses import replace

    from connectors.sap.metadata import parse_edmx

    edmx = (SHARED_FIXTURES / "sap" / "edmx" / "API_SALES_ORDER_SRV.edmx").read_text()
    assert parse_edmx(edmx).object_schema("A_SalesOrderItem").deletable
    marked = parse_edmx(edmx.replace('<EntitySet Name="A_SalesOrderItem" ',
                                     '<EntitySet Name="A_SalesOrderItem" sap:deletable="false" '))
    assert not marked.object_schema("A_SalesOrderItem").deletable
    source = real_edmx_schemas()

    def undeletable_items(name: str) -> ObjectSchema | None:
        schema = source(name)
        return replace(schema, deletable=False) if schema and name == "A_SalesOrderItem" \
            else schema

    issues, _ = check(load_mapping(MAPPINGS / "sales_orders.yaml"), "sap", undeletable_items)
    assert [i.split(": ", 1)[1] for i in issues] == [
        "children.lines.deletes: propagate removes lines in sap too, but sap does not let "
        "A_SalesOrderItem records be deleted; choose deletes: ignore"]
