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

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.base import Connector, TargetRecord
from connectors.errors import ConfigError
from connectors.sap.rfc import SapRfcConnector, SapRfcSettings
from sandbox import sap
from sandbox.process import ChildServer
from tests.conftest import WRITE_METHODS
from tests.contract.suite import ConnectorContract

USER, PASSWORD = "CONTRACT", "contract-pass"
SERVICE = "/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV"
BP = "A_BusinessPartner"
READ_ONLY_FUNCTIONS = {"RFC_PING", "RFC_READ_TABLE", "BAPI_CUSTOMER_GETLIST",
                       "BAPI_CUSTOMER_GETDETAIL2", "BAPI_MATERIAL_GETLIST",
                       "BAPI_SALESORDER_GETLIST", "BAPI_SALESORDER_GETSTATUS"}


class SapRfcHarness:
    system = "sap"
    obj = "Customer"
    text_field = "NAME"
    lookup_field = "SEARCHTERM"
    fields = ("NAME", "SEARCHTERM")
    writes = False

    def __init__(self, server: ChildServer) -> None:
        self.url = server.url
        self.http = requests.Session()
        self.http.auth = (USER, PASSWORD)
        self._run = uuid.uuid4().hex[:4].upper()
        self._seeded = 0
        self._partners: dict[str, str] = {}

    def _settings(self, password: str) -> SapRfcSettings:
        return SapRfcSettings(rfc_library="json-http", base_url=self.url, user=USER,
                              password=password, retry_base_wait=0.01, retry_max_wait=0.05,
                              timeout=10.0)

    def connector(self) -> Connector:
        return SapRfcConnector(self._settings(PASSWORD))

    def broken_connector(self) -> Connector:
        return SapRfcConnector(self._settings(self.secret()))

    def secret(self) -> str:
        return "not-the-password-7b2f"

    def reset(self) -> None:
        self.http.delete(f"{self.url}/_mock/faults", timeout=10).raise_for_status()
        self.http.post(f"{self.url}/_mock/reset", json={}, timeout=30).raise_for_status()
        self._partners.clear()

    def mark(self) -> datetime:
        """Change stamps over RFC are dates: the next day starts clean."""
        moved = self.http.post(f"{self.url}/_mock/advance", json={"days": 1}, timeout=10)
        moved.raise_for_status()
        day = datetime.fromisoformat(moved.json()["to"].replace("Z", "+00:00")).date()
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    def _native(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        sent = {"Accept": "application/json", **(headers or {})}
        if method != "GET":
            fetched = self.http.get(f"{self.url}{SERVICE}/", headers={"X-CSRF-Token": "Fetch"},
                                    timeout=10)
            sent["X-CSRF-Token"] = fetched.headers["X-CSRF-Token"]
        answer = self.http.request(method, f"{self.url}{SERVICE}/{path}", json=body,
                                   headers=sent, timeout=10)
        answer.raise_for_status()
        return answer

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


@pytest.fixture(scope="module")
def sap_rfc_with_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    log: Path = tmp_path_factory.mktemp("sap-rfc-contract") / "mock-sap.log"
    server = sap.start(log_file=log, extra_args=("--auth", f"{USER}:{PASSWORD}"))
    try:
        yield server
    finally:
        server.stop()


class TestSapRfcContract(ConnectorContract):
    @pytest.fixture
    def harness(self, sap_rfc_with_auth: ChildServer) -> Iterator[SapRfcHarness]:
        made = SapRfcHarness(sap_rfc_with_auth)
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
