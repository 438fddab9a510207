"""The contract suite for SAP over RFC (customers), against mock-sap with basic auth.

The harness reaches mock-sap through its own OData API and control plane, never through the
connector. What RFC cannot do for customers: write them (no customer create/change BAPI in
the stand-in; on S/4HANA customers are business partners, written over OData), so the suite's
create/update tests are skipped and ``test_customer_writes_are_refused_before_any_call``
checks the refusal instead; and the BAPIs return no change stamp, so ``modified_at`` is the
change date of the configured change table (mock-sap: ``A_BusinessPartner.LastChangeDate``
through RFC_READ_TABLE), at the start of that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

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
    sap_with_auth,  # noqa: F401 - the module's mock-sap with basic auth
)

READ_ONLY_FUNCTIONS = {"RFC_PING", "RFC_READ_TABLE", "BAPI_CUSTOMER_GETLIST",
                       "BAPI_CUSTOMER_GETDETAIL2", "BAPI_MATERIAL_GETLIST",
                       "BAPI_SALESORDER_GETLIST", "BAPI_SALESORDER_GETSTATUS"}


class SapRfcHarness(SapODataHarness):
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

    def _settings(self, password: str) -> SapRfcSettings:
        return SapRfcSettings(rfc_library="json-http", base_url=self.url, user=USER,
                              password=password, retry_base_wait=0.01, retry_max_wait=0.05,
                              timeout=10.0)

    def connector(self) -> Connector:
        return SapRfcConnector(self._settings(PASSWORD))

    def broken_connector(self) -> Connector:
        return SapRfcConnector(self._settings(self.secret()))

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

    def served_writes(self) -> int:
        """Modifying requests mock-sap served: OData writes and RFC calls of functions that
        write (every RFC call is a POST, reads included)."""
        answer = self.http.get(f"{self.url}/_mock/requests", params={"limit": 100000},
                               timeout=10)
        answer.raise_for_status()
        return sum(1 for r in answer.json()["results"] if r["method"] in WRITE_METHODS
                   and not r["path"].startswith("/_mock")
                   and r["path"].rsplit("/", 1)[-1] not in READ_ONLY_FUNCTIONS)


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
