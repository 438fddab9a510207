"""Sales orders over RFC against mock-sap, through the strict connection (commit rule of real
SAP): created once even when an attempt's commit or answer is lost, BAPI errors rejected with
SAP's message and rolled back, warnings logged, changes committed or undone."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from conftest import MakeRfc
from rfc_support import (
    COMMIT,
    CREATE,
    LoseAnswer,
    MockSapOData,
    StrictConnection,
    StrictLedger,
    UncommittedRead,
    add_behaviour,
    add_fault,
    rfc_log,
    rfc_settings,
    strict_factory,
)

from connectors.base import TargetRecord
from connectors.errors import ConfigError, RecordRejected
from connectors.sap.rfc import SapRfcConnector
from connectors.sap.rfc.errors import BapiRejected
from connectors.sap.rfc.json_http import JsonHttpConnection
from connectors.sap.rfc.protocol import RfcConnection
from sandbox.process import ChildServer

ORDER = "SalesOrder"


def order(po: str, sold_to: str = "1000001", **extra: Any) -> TargetRecord:
    return TargetRecord(ref=po, fields={
        "SOLD_TO": sold_to, "PURCH_NO_C": po, "SALES_ORG": "1710", "DOC_TYPE": "OR",
        "ITEMS": [{"MATERIAL": "TG11", "REQ_QTY": Decimal("2")},
                  {"MATERIAL": "TG12", "REQ_QTY": Decimal("1.5")}], **extra})


def losing(sap: ChildServer, ledger: StrictLedger, function: str, times: int = 1) -> Any:
    """Strict connections whose first ``times`` answers to ``function`` are lost."""
    settings = rfc_settings(sap)
    plan = {function: times}

    def connect() -> RfcConnection:
        return LoseAnswer(StrictConnection(JsonHttpConnection(settings), ledger), function, plan)

    return connect


def test_a_created_order_is_committed_on_the_same_connection(
        rfc: SapRfcConnector, sap: ChildServer, odata: MockSapOData) -> None:
    (result,) = rfc.write_batch(ORDER, [order("SF-801")])
    assert result.outcome == "created", result.error
    rfc.close()  # uncommitted work would be discarded now
    (held,) = odata.orders_with_po("SF-801")
    assert held["SalesOrder"] == result.key and held["SoldToParty"] == "1000001"
    items = odata.order(str(result.key))["to_Item"]["results"]  # type: ignore[index]
    assert [(i["Material"], Decimal(i["RequestedQuantity"])) for i in items] == [
        ("TG11", Decimal("2")), ("TG12", Decimal("1.5"))]
    assert rfc_log(sap)[-2:] == [CREATE, COMMIT]
    assert rfc.pool.opened == 1


def test_the_strict_connection_keeps_only_committed_work(
        sap: ChildServer, odata: MockSapOData, ledger: StrictLedger) -> None:
    """What makes a forgotten commit fail the tests: uncommitted work is gone afterwards."""
    connect = strict_factory(rfc_settings(sap), ledger)
    params = {"ORDER_HEADER_IN": {"PURCH_NO_C": "SF-NOCOMMIT"},
              "ORDER_PARTNERS": [{"PARTN_ROLE": "AG", "PARTN_NUMB": "1000001"}],
              "ORDER_ITEMS_IN": [{"MATERIAL": "TG11", "TARGET_QTY": "1"}]}
    first = connect()
    doc = first.call(CREATE, **params)["SALESDOCUMENT"]
    with pytest.raises(UncommittedRead):
        first.call("BAPI_SALESORDER_GETSTATUS", SALESDOCUMENT=doc)
    first.close()
    assert odata.order(doc) is None and odata.orders_with_po("SF-NOCOMMIT") == []

    second = connect()
    kept = second.call(CREATE, **params)["SALESDOCUMENT"]
    second.call(COMMIT, WAIT="X")
    second.close()
    assert odata.order(kept) is not None


def test_a_lost_commit_creates_the_order_once(
        make_rfc: MakeRfc, sap: ChildServer, odata: MockSapOData, ledger: StrictLedger) -> None:
    """mock-sap refuses the first commit (503, "no work process"): SAP never committed, the
    broken session's order is discarded, the read-back finds nothing and the retry creates
    it - once."""
    add_fault(sap, match=f"/sap/bc/rfc/{COMMIT}$", scenario="busy", count=1)
    rfc = make_rfc()
    (result,) = rfc.write_batch(ORDER, [order("SF-802")])
    assert result.outcome == "created", result.error
    rfc.close()
    assert [o["SalesOrder"] for o in odata.orders_with_po("SF-802")] == [result.key]
    assert len(ledger.discarded) == 1 and ledger.discarded[0] != result.key
    assert rfc.counter.by_kind[CREATE] == 2 and rfc.counter.by_kind[COMMIT] == 2
    assert rfc.counter.by_kind["BAPI_SALESORDER_GETLIST"] == 2  # batch check + read-back
    assert rfc.pool.opened == 2


def test_a_commit_whose_answer_is_lost_is_found_by_its_po_number(
        make_rfc: MakeRfc, sap: ChildServer, odata: MockSapOData, ledger: StrictLedger) -> None:
    """The commit ran, its answer did not arrive: the read-back finds the order and the
    connector does not create it again."""
    rfc = make_rfc(connect=losing(sap, ledger, COMMIT))
    (result,) = rfc.write_batch(ORDER, [order("SF-803")])
    assert result.outcome == "created", result.error
    rfc.close()
    assert [o["SalesOrder"] for o in odata.orders_with_po("SF-803")] == [result.key]
    assert rfc.counter.by_kind[CREATE] == 1 and ledger.discarded == []


def test_a_create_whose_answer_is_lost_is_created_again_once(
        make_rfc: MakeRfc, sap: ChildServer, odata: MockSapOData, ledger: StrictLedger) -> None:
    rfc = make_rfc(connect=losing(sap, ledger, CREATE))
    (result,) = rfc.write_batch(ORDER, [order("SF-804")])
    assert result.outcome == "created", result.error
    rfc.close()
    assert [o["SalesOrder"] for o in odata.orders_with_po("SF-804")] == [result.key]
    assert rfc.counter.by_kind[CREATE] == 2 and len(ledger.discarded) == 1


def test_a_repeated_batch_creates_nothing_twice(rfc: SapRfcConnector,
                                                odata: MockSapOData) -> None:
    first = rfc.write_batch(ORDER, [order("SF-805"), order("SF-806")])
    again = rfc.write_batch(ORDER, [order("SF-805"), order("SF-806"), order("SF-807")])
    assert [r.outcome for r in again] == ["unchanged", "unchanged", "created"]
    assert [r.key for r in again[:2]] == [r.key for r in first]
    rfc.close()
    assert all(len(odata.orders_with_po(po)) == 1 for po in ("SF-805", "SF-806", "SF-807"))
    assert rfc.counter.by_kind[CREATE] == 3


def test_return_type_e_is_rejected_with_sap_message_rolled_back_and_not_retried(
        rfc: SapRfcConnector, sap: ChildServer, odata: MockSapOData) -> None:
    add_behaviour(sap, function=CREATE, type="E", message="Credit limit exceeded",
                  id="VK", number="021", count=1)
    results = rfc.write_batch(ORDER, [order("SF-810"), order("SF-811")])
    assert [r.outcome for r in results] == ["failed", "created"]
    error = results[0].error
    assert isinstance(error, BapiRejected) and error.code == "VK/021"
    assert "Credit limit exceeded" in error.message
    assert rfc.counter.by_kind[CREATE] == 2  # one each: the refusal was not retried
    assert rfc.counter.by_kind["BAPI_TRANSACTION_ROLLBACK"] == 1
    rfc.close()
    assert odata.orders_with_po("SF-810") == [] and len(odata.orders_with_po("SF-811")) == 1


def test_a_commit_that_reports_an_error_saves_nothing(
        rfc: SapRfcConnector, sap: ChildServer, odata: MockSapOData) -> None:
    """COMMIT with WAIT answers E when the update task failed: the order is rejected with
    that message, rolled back, and the next order's commit does not carry it along."""
    add_behaviour(sap, function=COMMIT, type="E", message="Update was terminated",
                  id="00", number="377", count=1)
    results = rfc.write_batch(ORDER, [order("SF-817"), order("SF-818")])
    assert [r.outcome for r in results] == ["failed", "created"]
    assert isinstance(results[0].error, BapiRejected) and results[0].error.code == "00/377"
    assert rfc.counter.by_kind["BAPI_TRANSACTION_ROLLBACK"] == 1
    rfc.close()
    assert odata.orders_with_po("SF-817") == [] and len(odata.orders_with_po("SF-818")) == 1


def test_return_type_a_is_rejected_too(rfc: SapRfcConnector, sap: ChildServer) -> None:
    add_behaviour(sap, function=CREATE, type="A", message="Posting period closed", count=1)
    (result,) = rfc.write_batch(ORDER, [order("SF-812")])
    assert result.outcome == "failed" and isinstance(result.error, BapiRejected)


def test_sap_own_refusal_of_a_bad_customer_is_a_rejected_record(
        rfc: SapRfcConnector) -> None:
    (result,) = rfc.write_batch(ORDER, [order("SF-813", sold_to="9999999")])
    assert isinstance(result.error, BapiRejected)
    assert result.error.messages[0].field == "PARTN_NUMB"


def test_a_warning_is_logged_and_the_order_saved(
        rfc: SapRfcConnector, sap: ChildServer, odata: MockSapOData,
        caplog: pytest.LogCaptureFixture) -> None:
    add_behaviour(sap, function=CREATE, type="W", message="Delivery date moved", count=1)
    with caplog.at_level(logging.WARNING, logger="connectors.sap.rfc.errors"):
        (result,) = rfc.write_batch(ORDER, [order("SF-814")])
    assert result.outcome == "created"
    assert any("Delivery date moved" in r.getMessage() for r in caplog.records)
    rfc.close()
    assert len(odata.orders_with_po("SF-814")) == 1


def test_a_bad_record_fails_alone_before_any_call(rfc: SapRfcConnector,
                                                  odata: MockSapOData) -> None:
    missing_po = TargetRecord(ref="bad", fields={"SOLD_TO": "1000001",
                                                 "ITEMS": [{"MATERIAL": "TG11"}]})
    bad_qty = order("SF-815", ITEMS=[{"MATERIAL": "TG11", "REQ_QTY": "two"}])
    results = rfc.write_batch(ORDER, [missing_po, bad_qty, order("SF-816")])
    assert [r.outcome for r in results] == ["failed", "failed", "created"]
    assert all(isinstance(r.error, RecordRejected) and r.error.code == "INVALID_RECORD"
               for r in results[:2])
    assert rfc.counter.by_kind[CREATE] == 1
    rfc.close()
    assert len(odata.orders_with_po("SF-816")) == 1


def test_a_change_is_committed_and_lines_are_updated_added_and_removed(
        rfc: SapRfcConnector, odata: MockSapOData) -> None:
    (created,) = rfc.write_batch(ORDER, [order("SF-820")])
    doc = str(created.key)
    (status,) = rfc.read_by(ORDER, "SD_DOC", [doc], [])
    change = TargetRecord(ref="c", key=doc, current=status.fields, fields={
        "PURCH_NO_C": "SF-820-B",
        "ITEMS": [{"ITM_NUMBER": "10", "REQ_QTY": Decimal("7")},
                  {"ITM_NUMBER": "30", "MATERIAL": "TG12", "REQ_QTY": Decimal("1")}]})
    (result,) = rfc.write_batch(ORDER, [change])
    assert result.outcome == "updated", result.error
    rfc.close()
    held = odata.order(doc)
    assert held is not None and held["PurchaseOrderByCustomer"] == "SF-820-B"
    lines = {i["SalesOrderItem"]: Decimal(i["RequestedQuantity"])
             for i in held["to_Item"]["results"]}
    assert lines == {"000010": Decimal("7"), "000030": Decimal("1")}


def test_a_refused_change_is_rolled_back_whole(rfc: SapRfcConnector,
                                               odata: MockSapOData) -> None:
    """mock-sap writes the header before it refuses an unknown line; the rollback (here: the
    strict connection, as SAP would) must undo the header too - else the next order's commit
    on the same session would commit it."""
    (created,) = rfc.write_batch(ORDER, [order("SF-821")])
    doc = str(created.key)
    change = TargetRecord(ref="c", key=doc, fields={
        "PURCH_NO_C": "SF-821-B", "ITEMS": [{"ITM_NUMBER": "990", "REQ_QTY": Decimal("1")}]})
    result, after = rfc.write_batch(ORDER, [change, order("SF-821-NEXT")])
    assert result.outcome == "failed" and isinstance(result.error, BapiRejected)
    assert after.outcome == "created"
    assert rfc.counter.by_kind["BAPI_TRANSACTION_ROLLBACK"] == 1
    rfc.close()
    held = odata.order(doc)
    assert held is not None and held["PurchaseOrderByCustomer"] == "SF-821"


def test_status_is_read_by_order_number(rfc: SapRfcConnector) -> None:
    (created,) = rfc.write_batch(ORDER, [order("SF-822")])
    found = list(rfc.read_by(ORDER, "SD_DOC", [str(created.key), "0099999999"], []))
    assert [r.key for r in found] == [created.key]
    assert found[0].fields["PROCESS_STAT"] == "A"
    assert [line["REQ_QTY"] for line in found[0].fields["ITEMS"]] == [Decimal("2"),
                                                                        Decimal("1.5")]


def test_objects_rfc_cannot_write_are_refused_before_any_call(
        rfc: SapRfcConnector, sap: ChildServer) -> None:
    before = len(rfc_log(sap))
    with pytest.raises(ConfigError) as caught:
        rfc.write_batch("Customer", [TargetRecord(ref="x", fields={"NAME": "n"})])
    assert caught.value.code == "WRITE_UNSUPPORTED"
    assert len(rfc_log(sap)) == before and rfc.counter.calls == 0
