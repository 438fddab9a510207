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
SERVICE = "/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV"
BP = "A_BusinessPartner"


class SapODataHarness:
    system = "sap"
    obj = BP
    text_field = "OrganizationBPName1"
    lookup_field = "SearchTerm1"
    fields = ("OrganizationBPName1", "SearchTerm1")

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
        answer = self.http.get(f"{self.url}{SERVICE}/", headers={"X-CSRF-Token": "Fetch"},
                               timeout=10)
        answer.raise_for_status()
        return answer.headers["X-CSRF-Token"]

    def _native(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        sent = {"Accept": "application/json", **(headers or {})}
        if method != "GET":
            sent["X-CSRF-Token"] = self._csrf()
        answer = self.http.request(method, f"{self.url}{SERVICE}/{path}", json=body,
                                   headers=sent, timeout=10)
        answer.raise_for_status()
        return answer

    def seed(self, count: int) -> list[str]:
        keys = []
        for _ in range(count):
            self._seeded += 1
            body = {"BusinessPartnerCategory": "2", "OrganizationBPName1": "seed",
                    "SearchTerm1": f"C{self._run}{self._seeded:04d}"}
            keys.append(self._native("POST", BP, body).json()["d"]["BusinessPartner"])
        return keys

    def lookup_value(self, key: str) -> str:
        return str(self.read_native(key)["SearchTerm1"])

    def touch(self, key: str, text: str) -> None:
        self._native("PATCH", f"{BP}('{key}')", {"OrganizationBPName1": text},
                     headers={"If-Match": "*"})

    def read_native(self, key: str) -> dict[str, Any]:
        return dict(self._native("GET", f"{BP}('{key}')").json()["d"])

    def new_record(self, n: int) -> TargetRecord:
        return TargetRecord(ref=f"new-{n}", fields={
            "BusinessPartnerCategory": "2", "OrganizationBPName1": f"contract {n}"})

    def invalid_record(self) -> TargetRecord:
        return TargetRecord(ref="invalid", fields={
            "BusinessPartnerCategory": "2", "OrganizationBPName1": "y" * 41})

    def update_of(self, key: str, text: str) -> TargetRecord:
        etag = self._native("GET", f"{BP}('{key}')").headers.get("ETag")
        return TargetRecord(ref="update", key=key, etag=etag,
                            fields={"OrganizationBPName1": text})

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
