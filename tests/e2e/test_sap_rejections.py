"""SAP's business errors end as rejected records, never as a failed run: over OData a record
SAP refuses inside the page's ``$batch`` lands in dead letters with SAP's error code, the
error class and SAP's message while the rest of the page is written, and ``dead-letters
replay`` writes it once the cause is gone; over RFC a sales order whose BAPI RETURN holds
type E is a rejected record with SAP's message, the other orders of the batch are created,
and the same order is created once when it is sent again after the cause is gone.

The RFC half runs at the connector level (the product's connector, configured as a user
would): no shipped mapping writes sales orders over RFC (its ``SalesOrder`` has no change
capture, which the engine needs on both systems of a sync).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests

from connectors.base import TargetRecord
from connectors.errors import RecordRejected
from connectors.registry import build_connector
from connectors.sap.rfc import SapRfcConnector
from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import replay_customers, run_customers

# SAP's PostalCode is CHAR 10; Salesforce's BillingPostalCode takes 20, so the CRM accepts a
# value SAP refuses ("exceeds maximum length 10", a business error, HTTP 400 in a changeset).
TOO_LONG = "10115-BERLIN-MITTE"
BUSINESS_ERROR = "/IWBEP/CX_MGW_BUSI_EXCEPTION"


def dead_letters() -> list[dict[str, Any]]:
    store = StateStore()
    try:
        return store.dead_letters("customers")
    finally:
        store.close()


def batches(sandboxes: Sandboxes) -> list[dict[str, Any]]:
    return [r for r in sandboxes.sap_writes() if r["path"].endswith("$batch")]


def test_a_record_sap_refuses_waits_in_dead_letters_and_replay_writes_it_once_fixed(
        erpsync_env: Sandboxes) -> None:
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    refused = sf.create(Name="Spree Logistik GmbH", BillingCountryCode="DE",
                        BillingCity="Berlin", BillingPostalCode=TOO_LONG)
    erpsync_env.clear_logs()

    report = run_customers()

    assert report.status == "completed"
    assert (report.systems["sap"].created, report.systems["sap"].failed) == (5, 1)
    assert report.dead_letters == 1
    assert len(batches(erpsync_env)) == 1, "the refused record travelled with the others"
    (letter,) = dead_letters()
    assert (letter["system"], letter["stage"], letter["status"]) == ("sap", "write", "open")
    assert letter["code"] == BUSINESS_ERROR and letter["error_class"] == "RecordRejected"
    assert "Value of property 'PostalCode' exceeds maximum length 10" in letter["message"]
    assert (letter["source_system"], letter["source_key"]) == ("salesforce", refused)
    assert letter["payload"]["to_BusinessPartnerAddress/PostalCode"] == TOO_LONG
    names = {p["BusinessPartnerFullName"] for p in sap.partners()}
    assert "Spree Logistik GmbH" not in names
    created = [a for a in sf.accounts() if a["ERP_Customer_Number__c"] and a["Id"] != refused]
    assert len(created) == 21, "the 16 SAP customers and the 5 CRM-only accounts are linked"

    sf.update(refused, BillingPostalCode="10115")  # the cause is gone
    replayed = replay_customers()

    assert replayed.systems["sap"].created == 1 and replayed.dead_letters == 0
    (letter,) = dead_letters()
    assert letter["status"] == "replayed"
    (partner,) = [p for p in sap.partners()
                  if p["BusinessPartnerFullName"] == "Spree Logistik GmbH"]
    (address,) = partner["to_BusinessPartnerAddress"]["results"]
    assert (address["CityName"], address["PostalCode"]) == ("Berlin", "10115")
    account = next(a for a in sf.accounts() if a["Id"] == refused)
    assert account["ERP_Customer_Number__c"] == partner["BusinessPartner"].lstrip("0")


# -- RFC ------------------------------------------------------------------------------------

CREATE = "BAPI_SALESORDER_CREATEFROMDAT2"


def order(po: str) -> TargetRecord:
    return TargetRecord(ref=po, fields={
        "SOLD_TO": "1000001", "PURCH_NO_C": po, "SALES_ORG": "1710", "DOC_TYPE": "OR",
        "ITEMS": [{"MATERIAL": "TG11", "REQ_QTY": Decimal("3")}]})


def orders_with_po(sandboxes: Sandboxes, po: str) -> list[dict[str, Any]]:
    answer = requests.get(
        f"{sandboxes.sap.url}/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder",
        params={"$filter": f"PurchaseOrderByCustomer eq '{po}'"},
        headers={"Accept": "application/json"}, timeout=30)
    answer.raise_for_status()
    return list(answer.json()["d"]["results"])


@pytest.fixture
def rfc(erpsync_env: Sandboxes, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ERPSYNC_SAP_TRANSPORT", "rfc")
    monkeypatch.setenv("ERPSYNC_SAP_RFC_LIBRARY", "json-http")
    connector = build_connector("sap")
    assert isinstance(connector, SapRfcConnector)
    yield connector
    connector.close()


def test_an_order_whose_bapi_return_holds_e_is_rejected_and_created_once_later(
        erpsync_env: Sandboxes, rfc: SapRfcConnector) -> None:
    # SAP refuses the first create it is asked for (a credit block), once.
    erpsync_env.sap_call("POST", "/_mock/bapi-behaviour", {
        "function": CREATE, "type": "E", "id": "VK", "number": "021",
        "message": "Credit limit exceeded for customer 1000001", "count": 1})

    refused, accepted = rfc.write_batch("SalesOrder", [order("SF-REJ-1"), order("SF-REJ-2")])

    assert (refused.outcome, accepted.outcome) == ("failed", "created")
    assert isinstance(refused.error, RecordRejected)
    assert refused.error.code == "VK/021" and refused.error.system == "sap"
    assert "Credit limit exceeded for customer 1000001" in refused.error.message
    assert rfc.counter.by_kind[CREATE] == 2, "a business error is not retried"
    assert rfc.counter.by_kind["BAPI_TRANSACTION_ROLLBACK"] == 1
    assert orders_with_po(erpsync_env, "SF-REJ-1") == []
    assert len(orders_with_po(erpsync_env, "SF-REJ-2")) == 1

    (again,) = rfc.write_batch("SalesOrder", [order("SF-REJ-1")])  # the block is released

    assert again.outcome == "created", again.error
    (held,) = orders_with_po(erpsync_env, "SF-REJ-1")
    assert held["SalesOrder"] == again.key and held["SoldToParty"] == "1000001"
