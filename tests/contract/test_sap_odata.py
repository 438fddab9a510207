"""The contract suite for the SAP OData connector, against mock-sap with basic auth."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from connectors.base import Connector, TargetRecord
from connectors.sap import SapODataConnector, SapSettings
from sandbox import sap
from sandbox.process import ChildServer
from tests.conftest import WRITE_METHODS
from tests.contract.suite import ConnectorContract

USER, PASSWORD = "CONTRACT", "contract-pass"
BP = "A_BusinessPartner"


class SapODataHarness:
    """Business partners; subclasses run the same suite on other entity sets."""

    system = "sap"
    obj = BP
    key_field = "BusinessPartner"
    service = "/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV"
    text_field = "OrganizationBPName1"
    lookup_field = "SearchTerm1"
    fields: tuple[str, ...] = ("OrganizationBPName1", "SearchTerm1")

    def __init__(self, server: ChildServer) -> None:
        self.url = server.url
        self.http = requests.Session()
        self.http.auth = (USER, PASSWORD)
        self._run = uuid.uuid4().hex[:4].upper()
        self._seeded = 0

    def _settings(self, password: str) -> SapSettings:
        return SapSettings(base_url=self.url, user=USER, password=password,
                           retry_base_wait=0.01, retry_max_wait=0.05, timeout=10.0)

    def connector(self) -> Connector:
        return SapODataConnector(self._settings(PASSWORD))

    def broken_connector(self) -> Connector:
        return SapODataConnector(self._settings(self.secret()))

    def secret(self) -> str:
        return "not-the-password-9c1e"

    def reset(self) -> None:
        self.http.delete(f"{self.url}/_mock/faults", timeout=10).raise_for_status()
        self.http.post(f"{self.url}/_mock/reset", json={}, timeout=30).raise_for_status()

    def mark(self) -> datetime:
        """mock-sap stamps business partners with a date only: the next day starts clean."""
        moved = self.http.post(f"{self.url}/_mock/advance", json={"days": 1}, timeout=10)
        moved.raise_for_status()
        day = datetime.fromisoformat(moved.json()["to"].replace("Z", "+00:00")).date()
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    def _csrf(self) -> str:
        answer = self.http.get(f"{self.url}{self.service}/",
                               headers={"X-CSRF-Token": "Fetch"}, timeout=10)
        answer.raise_for_status()
        return answer.headers["X-CSRF-Token"]

    def _native(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        sent = {"Accept": "application/json", **(headers or {})}
        if method != "GET":
            sent["X-CSRF-Token"] = self._csrf()
        answer = self.http.request(method, f"{self.url}{self.service}/{path}", json=body,
                                   headers=sent, timeout=10)
        answer.raise_for_status()
        return answer

    def seed_body(self, lookup: str) -> dict[str, Any]:
        return {"BusinessPartnerCategory": "2", "OrganizationBPName1": "seed",
                "SearchTerm1": lookup}

    def seed(self, count: int) -> list[str]:
        keys = []
        for _ in range(count):
            self._seeded += 1
            body = self.seed_body(f"C{self._run}{self._seeded:04d}")
            keys.append(self._native("POST", self.obj, body).json()["d"][self.key_field])
        return keys

    def lookup_value(self, key: str) -> str:
        return str(self.read_native(key)[self.lookup_field])

    def touch(self, key: str, text: str) -> None:
        self._native("PATCH", f"{self.obj}('{key}')", {self.text_field: text},
                     headers={"If-Match": "*"})

    def read_native(self, key: str) -> dict[str, Any]:
        return dict(self._native("GET", f"{self.obj}('{key}')").json()["d"])

    def create_fields(self) -> dict[str, Any]:
        return {"BusinessPartnerCategory": "2"}

    def new_record(self, n: int) -> TargetRecord:
        return TargetRecord(ref=f"new-{n}",
                            fields={**self.create_fields(), self.text_field: f"contract {n}"})

    def invalid_record(self) -> TargetRecord:
        return TargetRecord(ref="invalid", fields={**self.create_fields(),
                                                   self.text_field: "y" * 41})

    def update_of(self, key: str, text: str) -> TargetRecord:
        etag = self._native("GET", f"{self.obj}('{key}')").headers.get("ETag")
        return TargetRecord(ref="update", key=key, etag=etag, fields={self.text_field: text})

    def served_writes(self) -> int:
        answer = self.http.get(f"{self.url}/_mock/requests", params={"limit": 100000},
                               timeout=10)
        answer.raise_for_status()
        return sum(1 for r in answer.json()["results"] if r["method"] in WRITE_METHODS
                   and not r["path"].startswith("/_mock"))


@pytest.fixture(scope="module")
def sap_with_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    log: Path = tmp_path_factory.mktemp("sap-contract") / "mock-sap.log"
    server = sap.start(log_file=log, extra_args=("--auth", f"{USER}:{PASSWORD}"))
    try:
        yield server
    finally:
        server.stop()


class TestSapODataContract(ConnectorContract):
    @pytest.fixture
    def harness(self, sap_with_auth: ChildServer) -> Iterator[SapODataHarness]:
        made = SapODataHarness(sap_with_auth)
        yield made
        made.http.close()


class SapSalesOrderHarness(SapODataHarness):
    """Sales orders: the purchase order number is both what the suite edits and what it looks
    records up by - the one free-text field of a header, and the connector's reference for
    exactly-once creates (every create is looked for by it first)."""

    obj = "A_SalesOrder"
    key_field = "SalesOrder"
    service = "/sap/opu/odata/sap/API_SALES_ORDER_SRV"
    text_field = "PurchaseOrderByCustomer"
    lookup_field = "PurchaseOrderByCustomer"
    fields = ("PurchaseOrderByCustomer", "SoldToParty", "to_Item/Material")

    def seed_body(self, lookup: str) -> dict[str, Any]:
        return {**self.create_fields(), "PurchaseOrderByCustomer": lookup,
                "to_Item": [{"Material": "TG11", "RequestedQuantity": "1"}]}

    def create_fields(self) -> dict[str, Any]:
        return {"SalesOrderType": "OR", "SalesOrganization": "1710",
                "DistributionChannel": "10", "OrganizationDivision": "00",
                "SoldToParty": "1000001"}


class TestSapSalesOrderContract(ConnectorContract):
    @pytest.fixture
    def harness(self, sap_with_auth: ChildServer) -> Iterator[SapSalesOrderHarness]:
        made = SapSalesOrderHarness(sap_with_auth)
        yield made
        made.http.close()
