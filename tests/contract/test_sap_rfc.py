"""The contract suite for SAP over RFC, against mock-sap with basic auth: customers (reads)
and sales orders (writes), so that both halves of the suite run over RFC as over OData.

The harnesses reach mock-sap through its own OData API and control plane, never through the
connector. What RFC cannot do for customers: write them (no customer create/change BAPI in
the stand-in; on S/4HANA customers are business partners, written over OData), so the suite's
create/update tests are skipped for them and ``test_customer_writes_are_refused_before_any_
call`` checks the refusal instead; and the BAPIs return no change stamp, so ``modified_at`` is
the change date of the configured change table (mock-sap: ``A_BusinessPartner.LastChangeDate``
through RFC_READ_TABLE), at the start of that day.

Sales orders are the other way round: created and changed with ``BAPI_SALESORDER_*`` and
``BAPI_TRANSACTION_COMMIT``, looked up by order number through the status BAPI, but without
a change feed over RFC, so the suite's change-capture tests are skipped for them and
``test_sales_orders_have_no_change_capture_over_rfc`` checks the refusal. The connection here
is mock-sap's own (which commits every call at once); that a create without its commit is
lost is shown against the strict connection in ``tests/connectors/sap/rfc/``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
import requests

from connectors.base import Connector, TargetRecord
from connectors.errors import ConfigError
from connectors.sap.rfc import SapRfcConnector, SapRfcSettings
from sandbox.process import ChildServer
from tests.conftest import WRITE_METHODS
from tests.contract.suite import ConnectorContract
from tests.contract.test_sap_odata import (  # the same mock-sap, reached the same way
    BP,
    PASSWORD,
    USER,
    SapODataHarness,
    SapSalesOrderHarness,
    sap_with_auth,  # noqa: F401 - the module's mock-sap with basic auth
)

READ_ONLY_FUNCTIONS = {"RFC_PING", "RFC_READ_TABLE", "BAPI_CUSTOMER_GETLIST",
                       "BAPI_CUSTOMER_GETDETAIL2", "BAPI_MATERIAL_GETLIST",
                       "BAPI_SALESORDER_GETLIST", "BAPI_SALESORDER_GETSTATUS"}


class OverRfc:
    """Drives the RFC connector (json-http onto mock-sap) where the OData harness it is mixed
    into would drive the OData one; what the stand-in served is counted the RFC way."""

    url: str
    http: requests.Session
    secret: Callable[[], str]  # the OData harness's

    def _settings(self, password: str) -> SapRfcSettings:
        return SapRfcSettings(rfc_library="json-http", base_url=self.url, user=USER,
                              password=password, retry_base_wait=0.01, retry_max_wait=0.05,
                              timeout=10.0)

    def connector(self) -> Connector:
        return SapRfcConnector(self._settings(PASSWORD))

    def broken_connector(self) -> Connector:
        return SapRfcConnector(self._settings(self.secret()))

    def served_writes(self) -> int:
        """Modifying requests mock-sap served: OData writes and RFC calls of functions that
        write (every RFC call is a POST, reads included)."""
        answer = self.http.get(f"{self.url}/_mock/requests", params={"limit": 100000},
                               timeout=10)
        answer.raise_for_status()
        return sum(1 for r in answer.json()["results"] if r["method"] in WRITE_METHODS
                   and not r["path"].startswith("/_mock")
                   and r["path"].rsplit("/", 1)[-1] not in READ_ONLY_FUNCTIONS)


class SapRfcHarness(OverRfc, SapODataHarness):
    """Reaches mock-sap as the OData harness does (reset, clock, OData writes), but drives
    the RFC connector and sees customers as RFC does: by customer number."""

    obj = "Customer"
    text_field = "NAME"
    lookup_field = "SEARCHTERM"
    fields = ("NAME", "SEARCHTERM")
    writes = False

    def __init__(self, server: ChildServer) -> None:
        super().__init__(server)
        self._partners: dict[str, str] = {}

    def reset(self) -> None:
        super().reset()
        self._partners.clear()

    def seed(self, count: int) -> list[str]:
        """Business partners with a customer number, as SAP's customer/vendor integration
        links them; the customer number is what the RFC side sees."""
        keys = []
        for _ in range(count):
            self._seeded += 1
            customer = f"C{self._run}{self._seeded:04d}"
            body = {"BusinessPartnerCategory": "2", "OrganizationBPName1": "seed",
                    "BusinessPartnerFullName": "seed", "Customer": customer,
                    "SearchTerm1": f"S{self._run}{self._seeded:04d}"}
            self._partners[customer] = self._native("POST", BP, body).json()["d"][
                "BusinessPartner"]
            keys.append(customer)
        return keys

    def lookup_value(self, key: str) -> str:
        return str(self.read_native(key)["SEARCHTERM"])

    def touch(self, key: str, text: str) -> None:
        self._native("PATCH", f"{BP}('{self._partners[key]}')",
                     {"BusinessPartnerFullName": text}, headers={"If-Match": "*"})

    def read_native(self, key: str) -> dict[str, Any]:
        row = self._native("GET", f"{BP}('{self._partners[key]}')").json()["d"]
        return {"CUSTOMER": row["Customer"], "NAME": row["BusinessPartnerFullName"],
                "SEARCHTERM": row["SearchTerm1"]}

    def new_record(self, n: int) -> TargetRecord:
        return TargetRecord(ref=f"new-{n}", fields={"NAME": f"contract {n}"})

    def invalid_record(self) -> TargetRecord:
        return TargetRecord(ref="invalid", fields={"NAME": "y" * 41})

    def update_of(self, key: str, text: str) -> TargetRecord:
        return TargetRecord(ref="update", key=key, fields={"NAME": text})

class TestSapRfcContract(ConnectorContract):
    @pytest.fixture
    def harness(self, sap_with_auth: ChildServer  # noqa: F811 - the imported fixture
                ) -> Iterator[SapRfcHarness]:
        made = SapRfcHarness(sap_with_auth)
        yield made
        made.http.close()

    def test_customer_writes_are_refused_before_any_call(
            self, harness: SapRfcHarness, connector: Connector) -> None:
        before = harness.served_writes()
        for batch in ([harness.new_record(0)], [harness.update_of("1000001", "x")]):
            with pytest.raises(ConfigError) as caught:
                connector.write_batch(harness.obj, batch)
            assert caught.value.code == "WRITE_UNSUPPORTED"
        assert harness.served_writes() == before
        assert connector.counter.calls == 0


class SapRfcSalesOrderHarness(OverRfc, SapSalesOrderHarness):
    """Sales orders as the RFC connector writes them (the BAPI's field names), seeded and
    read back through mock-sap's own OData API. The PO number is the text the suite edits
    (``BAPI_SALESORDER_CHANGE`` with ``PURCH_NO_C`` flagged); records are looked up by order
    number, the one field the status BAPI reads by."""

    obj = "SalesOrder"
    text_field = "PURCH_NO_C"
    lookup_field = "SD_DOC"
    fields = ("SD_DOC", "PROCESS_STAT", "DLV_STAT")
    changes = False

    def seed(self, count: int) -> list[str]:
        keys = []
        for _ in range(count):
            self._seeded += 1
            body = self.seed_body(f"C{self._run}{self._seeded:04d}")
            keys.append(self._native("POST", "A_SalesOrder", body).json()["d"]["SalesOrder"])
        return keys

    def lookup_value(self, key: str) -> str:
        return key

    def touch(self, key: str, text: str) -> None:
        self._native("PATCH", f"A_SalesOrder('{key}')", {"PurchaseOrderByCustomer": text},
                     headers={"If-Match": "*"})

    def read_native(self, key: str) -> dict[str, Any]:
        row = self._native("GET", f"A_SalesOrder('{key}')").json()["d"]
        return {"SD_DOC": row["SalesOrder"], "PURCH_NO_C": row["PurchaseOrderByCustomer"],
                "SOLD_TO": row["SoldToParty"]}

    def new_record(self, n: int, sold_to: str = "1000001") -> TargetRecord:
        return TargetRecord(ref=f"new-{n}", fields={
            "DOC_TYPE": "OR", "SALES_ORG": "1710", "DISTR_CHAN": "10", "DIVISION": "00",
            "SOLD_TO": sold_to, "PURCH_NO_C": f"contract {n}",
            "ITEMS": [{"MATERIAL": "TG11", "REQ_QTY": Decimal("1")}]})

    def invalid_record(self) -> TargetRecord:
        """SAP's own refusal (RETURN type E): the sold-to party does not exist."""
        return replace(self.new_record(1, sold_to="9999999"), ref="invalid")

    def update_of(self, key: str, text: str) -> TargetRecord:
        return TargetRecord(ref="update", key=key, fields={"PURCH_NO_C": text})


class TestSapRfcSalesOrderContract(ConnectorContract):
    @pytest.fixture
    def harness(self, sap_with_auth: ChildServer  # noqa: F811 - the imported fixture
                ) -> Iterator[SapRfcSalesOrderHarness]:
        made = SapRfcSalesOrderHarness(sap_with_auth)
        yield made
        made.http.close()

    def test_sales_orders_have_no_change_capture_over_rfc(
            self, harness: SapRfcSalesOrderHarness, connector: Connector) -> None:
        with pytest.raises(ConfigError) as caught:
            connector.read_changes(harness.obj, None, harness.fields)
        assert caught.value.code == "UNSUPPORTED"
        assert connector.counter.calls == 0
