"""Helpers for the Salesforce connector tests: the sandbox's control plane and settings."""

from __future__ import annotations

import time
from typing import Any

import requests

from connectors.salesforce import SalesforceSettings
from sandbox.process import ChildServer

USERNAME = "integration@sandbox.local"
PASSWORD = "sandbox"
CLIENT_ID = "erpsync-sandbox"
CLIENT_SECRET = "sandbox-secret"
API = "/services/data/v62.0"
LOG_SETTLE_SECONDS = 0.05


class SandboxControl:
    """The sandbox's control plane (``/_sandbox/...``), spoken with plain requests."""

    def __init__(self, server: ChildServer) -> None:
        self.url = server.url
        self.ca_bundle = server.ca_bundle
        self.http = requests.Session()
        self.http.verify = server.ca_bundle or True
        self.http.trust_env = False  # else REQUESTS_CA_BUNDLE overrides verify (requests#3829)

    def _post(self, path: str, body: Any = None) -> Any:
        response = self.http.post(self.url + "/_sandbox/" + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self) -> None:
        self._post("reset")

    def seed(self, obj: str, rows: list[dict[str, Any]]) -> Any:
        return self._post("seed", {obj: rows})

    def faults(self, **faults: Any) -> None:
        self._post("faults", faults)

    def expire_sessions(self) -> None:
        self._post("expire-sessions")

    def set_clock(self, moment: str) -> None:
        self._post("clock", {"to": moment})

    def advance_clock(self, seconds: float) -> None:
        self._post("clock", {"advance_seconds": seconds})

    def _log(self) -> list[dict[str, Any]]:
        response = self.http.get(self.url + "/_sandbox/requests", timeout=30)
        response.raise_for_status()
        return list(response.json())

    def served(self) -> list[dict[str, Any]]:
        """The request log once it stopped growing: the sandbox appends an entry only after
        it sent the reply, so the client can be faster than the log."""
        log = self._log()
        for _ in range(40):
            time.sleep(LOG_SETTLE_SECONDS)
            again = self._log()
            if len(again) == len(log):
                return again
            log = again
        return log

    def clear_served(self) -> None:
        self.served()  # let the last reply's entry land first, or it survives the clear
        self.http.delete(self.url + "/_sandbox/requests", timeout=30).raise_for_status()

    def served_data_calls(
        self, method: str | None = None, marker: str = ""
    ) -> list[dict[str, Any]]:
        """Served data-API requests (not control plane, not token), optionally filtered."""
        return [
            r
            for r in self.served()
            if r["path"].startswith(API)
            and marker in r["path"]
            and (method is None or r["method"] == method)
        ]


def make_settings(server_url: str, ca_bundle: str | None, **overrides: Any) -> SalesforceSettings:
    values: dict[str, Any] = {
        "login_url": server_url,
        "auth": "password",
        "username": USERNAME,
        "password": PASSWORD,
        "client_id": CLIENT_ID,
        "ca_bundle": ca_bundle,
        "timeout": 30,
        "retry_backoff_seconds": 0.01,
        "retry_backoff_max_seconds": 0.05,
    }
    values.update(overrides)
    return SalesforceSettings.model_validate(values)


class OtherUser:
    """The REST API as another Salesforce user calls it, with a token of its own: how tests
    change and read the org behind the connector's back."""

    def __init__(self, control: SandboxControl) -> None:
        self.control = control
        token = control.http.post(
            control.url + "/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": CLIENT_ID,
                "username": USERNAME,
                "password": PASSWORD,
            },
            timeout=30,
        )
        token.raise_for_status()
        self.base = token.json()["instance_url"] + API
        self.headers = {"Authorization": "Bearer " + token.json()["access_token"]}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.control.http.request(
            method, self.base + path, headers=self.headers, timeout=60, **kwargs
        )
        response.raise_for_status()
        return response.json() if response.content else None


def api_delete(control: SandboxControl, obj: str, record_id: str) -> None:
    """Delete a record the way another Salesforce user would."""
    OtherUser(control).call("DELETE", f"/sobjects/{obj}/{record_id}")


def api_patch(control: SandboxControl, obj: str, record_id: str, fields: dict[str, Any]) -> None:
    """Update a record the way another Salesforce user would (its stamp moves)."""
    OtherUser(control).call("PATCH", f"/sobjects/{obj}/{record_id}", json=fields)


def api_get(control: SandboxControl, obj: str, record_id: str) -> dict[str, Any]:
    """A record as another Salesforce user reads it."""
    return dict(OtherUser(control).call("GET", f"/sobjects/{obj}/{record_id}"))


def api_query(control: SandboxControl, soql: str) -> list[dict[str, Any]]:
    """Every row of ``soql``, following ``nextRecordsUrl``, as another user reads them."""
    user = OtherUser(control)
    page = user.call("GET", "/query", params={"q": soql})
    rows = list(page["records"])
    while not page.get("done", True):
        page = user.call("GET", page["nextRecordsUrl"].split(API, 1)[1])
        rows += page["records"]
    return rows
