"""The contract suite for the Salesforce connector, against the Salesforce sandbox."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import requests

from connectors.base import Connector, TargetRecord
from connectors.salesforce import SalesforceConnector, SalesforceSettings
from tests.conftest import WRITE_METHODS, Sandboxes
from tests.contract.suite import ConnectorContract

API = "/services/data/v62.0"
PASSWORD = "sandbox"


class SalesforceHarness:
    system = "salesforce"
    obj = "Account"
    text_field = "Name"
    lookup_field = "ERP_Customer_Number__c"
    fields = ("Name", "ERP_Customer_Number__c", "BillingCity")

    def __init__(self, sandboxes: Sandboxes) -> None:
        self.server = sandboxes.salesforce
        self.control = sandboxes.sf_call
        self.http = requests.Session()
        self.http.verify = self.server.ca_bundle or True
        self.http.trust_env = False
        self._token: tuple[str, str] | None = None
        self._run = uuid.uuid4().hex[:6]

    def _settings(self, password: str) -> SalesforceSettings:
        return SalesforceSettings.model_validate({
            "login_url": self.server.url, "auth": "password",
            "username": "integration@sandbox.local", "password": password,
            "client_id": "erpsync-sandbox", "ca_bundle": self.server.ca_bundle,
            "retry_backoff_seconds": 0.01, "retry_backoff_max_seconds": 0.05})

    def connector(self) -> Connector:
        return SalesforceConnector(self._settings(PASSWORD))

    def broken_connector(self) -> Connector:
        return SalesforceConnector(self._settings(self.secret()))

    def secret(self) -> str:
        return "not-the-password-7f3a"

    def reset(self) -> None:
        self.control("POST", "/_sandbox/reset", {"demo_data": False})

    def mark(self) -> datetime:
        now = self.control("POST", "/_sandbox/clock", {"advance_seconds": 60})["now"]
        return datetime.fromisoformat(now)

    def seed(self, count: int) -> list[str]:
        rows = [{"Name": f"seed {n}", "ERP_Customer_Number__c": f"S{self._run}{n:04d}"}
                for n in range(count)]
        return list(self.control("POST", "/_sandbox/seed", {"Account": rows})["Account"])

    def lookup_value(self, key: str) -> str:
        return str(self.read_native(key)["ERP_Customer_Number__c"])

    def _api(self, method: str, path: str, body: Any = None) -> Any:
        """The REST API as another integration user would call it (its own token)."""
        if self._token is None:
            answer = self.http.post(self.server.url + "/services/oauth2/token", data={
                "grant_type": "password", "client_id": "erpsync-sandbox",
                "username": "integration@sandbox.local", "password": PASSWORD}, timeout=30)
            answer.raise_for_status()
            self._token = (answer.json()["instance_url"], answer.json()["access_token"])
        base, token = self._token
        response = self.http.request(method, base + API + path, json=body, timeout=30,
                                     headers={"Authorization": "Bearer " + token})
        response.raise_for_status()
        return response.json() if response.content else None

    def touch(self, key: str, text: str) -> None:
        self._api("PATCH", f"/sobjects/Account/{key}", {"Name": text})

    def read_native(self, key: str) -> dict[str, Any]:
        return dict(self._api("GET", f"/sobjects/Account/{key}"))

    def new_record(self, n: int) -> TargetRecord:
        return TargetRecord(ref=f"new-{n}", fields={
            "Name": f"contract {n}", "ERP_Customer_Number__c": f"N{self._run}{n:04d}"},
            upsert_field="ERP_Customer_Number__c")

    def invalid_record(self) -> TargetRecord:
        return TargetRecord(ref="invalid", fields={
            "Name": "x" * 300, "ERP_Customer_Number__c": f"B{self._run}"},
            upsert_field="ERP_Customer_Number__c")

    def update_of(self, key: str, text: str) -> TargetRecord:
        return TargetRecord(ref="update", key=key, fields={"Name": text})

    def served_writes(self) -> int:
        log = self.control("GET", "/_sandbox/requests")
        return sum(1 for r in log if r["method"] in WRITE_METHODS
                   and r["path"].startswith("/services/data/"))


class TestSalesforceContract(ConnectorContract):
    @pytest.fixture
    def harness(self, sandboxes: Sandboxes) -> Iterator[SalesforceHarness]:
        made = SalesforceHarness(sandboxes)
        yield made
        made.http.close()
