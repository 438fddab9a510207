"""What mock-sap cannot show, against SAP's real ``$metadata`` and S/4HANA's answer shapes:
change capture on ``LastChangeDateTime`` (sales orders) and on ``LastChangeDate`` +
``LastChangeTime`` (business partners), and settings checked against the real model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sap_support import EDMX, S4ReplaySession

from connectors.base import Cursor
from connectors.errors import ConfigError
from connectors.sap import SapODataConnector, SapSettings


def edmx(name: str) -> Path:
    path = EDMX / name
    if not path.exists():
        pytest.skip(f"real EDMX fixtures not present at {EDMX} (shared/ is not on this machine)")
    return path


def s4(session: S4ReplaySession, **settings: Any) -> SapODataConnector:
    return SapODataConnector(SapSettings(base_url="https://s4.example", **settings),
                             session=session)


ORDER_ROW = {
    "__metadata": {"etag": "W/\"datetimeoffset'2026-10-01T09%3A15%3A00.1230000Z'\""},
    "SalesOrder": "4711", "SoldToParty": "17100001",
    "LastChangeDateTime": "/Date(1790846100123+0000)/",
    "to_Item": {"results": [{"SalesOrder": "4711", "SalesOrderItem": "10",
                             "Material": "TG11", "RequestedQuantity": "2"}]},
}


def test_sales_orders_are_captured_on_last_change_date_time() -> None:
    session = S4ReplaySession(edmx("API_SALES_ORDER_SRV.edmx"), [ORDER_ROW])
    connector = s4(session, services={"A_SalesOrder": "API_SALES_ORDER_SRV"},
                   change_fields={"A_SalesOrder": "LastChangeDateTime"})
    since = Cursor(datetime(2026, 10, 1, 8, 0, 0, 250000, tzinfo=UTC), "4700")
    (record,) = connector.read_changes("A_SalesOrder", since, [
        "SoldToParty", "to_Item/Material", "to_Item/RequestedQuantity"])
    query = session.query_of()
    stamp = "datetimeoffset'2026-10-01T08:00:00.250Z'"
    assert query["$filter"] == (f"(LastChangeDateTime gt {stamp}) or "
                                f"((LastChangeDateTime eq {stamp}) and (SalesOrder ge '4700'))")
    assert query["$orderby"] == "LastChangeDateTime,SalesOrder"
    assert query["$select"].startswith("SalesOrder,LastChangeDateTime,SoldToParty,")
    assert record.modified_at == datetime(2026, 10, 1, 9, 15, 0, 123000, tzinfo=UTC)
    assert record.etag == ORDER_ROW["__metadata"]["etag"]
    assert [line["SalesOrderItem"] for line in record.fields["to_Item"]] == ["10"]


PARTNER_ROW = {
    "BusinessPartner": "17", "OrganizationBPName1": "Real Shape GmbH",
    "LastChangeDate": "/Date(1790812800000)/", "LastChangeTime": "PT09H15M07S",
}


def test_partners_are_captured_on_a_date_and_a_time() -> None:
    session = S4ReplaySession(edmx("API_BUSINESS_PARTNER.edmx"), [PARTNER_ROW])
    connector = s4(session, services={"A_BusinessPartner": "API_BUSINESS_PARTNER"},
                   change_fields={"A_BusinessPartner": "LastChangeDate+LastChangeTime"})
    since = Cursor(datetime(2026, 10, 1, 8, 30, 15, 900000, tzinfo=UTC), "12")
    (record,) = connector.read_changes("A_BusinessPartner", since, ["OrganizationBPName1"])
    query = session.query_of()
    day, clock = "datetime'2026-10-01T00:00:00'", "time'PT08H30M15S'"
    assert query["$filter"] == (
        f"(LastChangeDate gt {day}) or ((LastChangeDate eq {day}) and "
        f"((LastChangeTime gt {clock}) or ((LastChangeTime eq {clock}) and "
        f"(BusinessPartner ge '12'))))")
    assert query["$orderby"] == "LastChangeDate,LastChangeTime,BusinessPartner"
    assert record.modified_at == datetime(2026, 10, 1, 9, 15, 7, tzinfo=UTC)


def test_the_next_page_starts_after_the_last_date_time_and_key() -> None:
    rows = [{**PARTNER_ROW, "BusinessPartner": str(n)} for n in (17, 18)]
    session = S4ReplaySession(edmx("API_BUSINESS_PARTNER.edmx"), rows)
    connector = s4(session, services={"A_BusinessPartner": "API_BUSINESS_PARTNER"},
                   change_fields={"A_BusinessPartner": "LastChangeDate+LastChangeTime"},
                   page_size=2)
    reader = iter(connector.read_changes("A_BusinessPartner", None, []))
    assert [next(reader).key, next(reader).key] == ["17", "18"]
    session.rows = []
    assert list(reader) == []
    second = session.query_of(1)["$filter"]
    assert second.startswith("(LastChangeDate gt datetime'2026-10-01T00:00:00') or ")
    assert "(LastChangeTime eq time'PT09H15M07S') and (BusinessPartner gt '18')" in second


def test_a_change_stamp_the_real_model_lacks_is_refused_at_describe() -> None:
    session = S4ReplaySession(edmx("API_BUSINESS_PARTNER.edmx"), [])
    connector = s4(session, services={"A_BusinessPartner": "API_BUSINESS_PARTNER"},
                   change_fields={"A_BusinessPartner": "LastChangeDateTime"})
    with pytest.raises(ConfigError, match=r"no change stamp 'LastChangeDateTime'.*"
                                          r"LastChangeDate, LastChangeTime"):
        connector.describe("A_BusinessPartner")
    assert all("$metadata" in url for url in session.urls)  # nothing else was asked


def test_the_default_reference_field_exists_in_the_real_sales_order() -> None:
    session = S4ReplaySession(edmx("API_SALES_ORDER_SRV.edmx"), [])
    connector = s4(session, services={"A_SalesOrder": "API_SALES_ORDER_SRV"})
    schema = connector.describe("A_SalesOrder")
    assert schema.fields["PurchaseOrderByCustomer"].type == "Edm.String"
    assert schema.has("to_Item/to_PricingElement/ConditionType")
