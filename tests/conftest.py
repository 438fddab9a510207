"""Shared fixtures: the real stand-in systems, started once per test session as child
processes on free loopback ports (mock-sap as published on PyPI; our Salesforce sandbox)."""

from __future__ import annotations

import json
import os
import ssl
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sandbox import salesforce, sap, sap_stock
from sandbox.process import ChildServer

# Prefect keeps its database under PREFECT_HOME: a private one per test session, so that
# temporary servers of parallel sessions (or a user's own ~/.prefect) never share a database.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="erpsync-test-prefect-"))

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
CLOCK = "2026-10-01T08:00"
WRITE_METHODS = {"POST", "PATCH", "PUT", "MERGE", "DELETE"}


@dataclass
class Sandboxes:
    """Both stand-ins and small helpers to read their request logs and control planes."""

    sap: ChildServer
    salesforce: ChildServer
    sap_stock: ChildServer | None = None
    """The stand-in for API_MATERIAL_STOCK_SRV, which mock-sap does not serve."""

    def sf_call(self, method: str, path: str, body: Any = None) -> Any:
        return _call(self.salesforce.url + path, method, body, self.salesforce.ca_bundle)

    def sap_call(self, method: str, path: str, body: Any = None) -> Any:
        return _call(self.sap.url + path, method, body)

    def reset(self) -> None:
        """Seed data again, and both clocks at the same instant (a test may have moved one)."""
        self.sap_call("POST", "/_mock/reset", {})
        if self.sap_stock is not None:
            _call(self.sap_stock.url + "/_stock/reset", "POST", {})
        self.sf_call("POST", "/_sandbox/reset", {"demo_data": True})
        self.align_clocks()

    def align_clocks(self) -> None:
        sap_now = self.sap_call("GET", "/_mock/state")["clock"]["now"]
        self.sf_call("POST", "/_sandbox/clock", {"to": sap_now})

    def sap_requests(self) -> list[dict[str, Any]]:
        return list(self.sap_call("GET", "/_mock/requests?limit=100000")["results"])

    def sf_requests(self) -> list[dict[str, Any]]:
        return list(self.sf_call("GET", "/_sandbox/requests"))

    def clear_logs(self) -> None:
        """Forget what was served so far (mock-sap's log only empties on reset, so we
        remember its last id instead)."""
        self.sf_call("DELETE", "/_sandbox/requests")
        ids = [r["id"] for r in self.sap_requests()]
        self._sap_mark = max(ids, default=0)

    def sap_writes(self) -> list[dict[str, Any]]:
        mark = getattr(self, "_sap_mark", 0)
        return [r for r in self.sap_requests()
                if r["id"] > mark and r["method"] in WRITE_METHODS
                and not r["path"].startswith("/_mock")]

    def sf_writes(self) -> list[dict[str, Any]]:
        return [r for r in self.sf_requests() if r["method"] in WRITE_METHODS
                and "/services/data/" in r["path"]]


def _call(url: str, method: str, body: Any, ca_bundle: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else None
    with urllib.request.urlopen(request, timeout=30, context=context) as response:  # noqa: S310
        raw = response.read()
    return json.loads(raw) if raw else None


@pytest.fixture(scope="session")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandboxes]:
    base = tmp_path_factory.mktemp("sandbox")
    started: list[ChildServer] = []
    try:
        sap_server = sap.start(log_file=base / "sap.log", clock=CLOCK)
        started.append(sap_server)
        stock_server = sap_stock.start(log_file=base / "sap_stock.log")
        started.append(stock_server)
        sf_server = salesforce.start(cert_dir=base / "certs", log_file=base / "sf.log",
                                     demo_data=True, clock=CLOCK)
        started.append(sf_server)
        yield Sandboxes(sap_server, sf_server, stock_server)
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture
def erpsync_env(sandboxes: Sandboxes, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Sandboxes:
    """Fresh sandbox data, fresh state, and the product configured to reach both."""
    sandboxes.reset()
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("ERPSYNC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ERPSYNC_STATE_URL", f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("ERPSYNC_SAP_BASE_URL", sandboxes.sap.url)
    if sandboxes.sap_stock is not None:
        monkeypatch.setenv("ERPSYNC_SAP_SERVICE_BASE_URLS",
                           json.dumps({"API_MATERIAL_STOCK_SRV": sandboxes.sap_stock.url}))
    monkeypatch.setenv("ERPSYNC_SALESFORCE_LOGIN_URL", sandboxes.salesforce.url)
    monkeypatch.setenv("ERPSYNC_SALESFORCE_CA_BUNDLE", sandboxes.salesforce.ca_bundle or "")
    monkeypatch.setenv("ERPSYNC_SALESFORCE_PASSWORD", "sandbox")
    return sandboxes
