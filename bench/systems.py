"""Both stand-ins for one benchmark size: started on free ports, seeded fast through their own
APIs, and read back through their request logs (what they served, whoever counted it).

SAP (mock-sap) gets its N business partners as OData ``$batch`` creates of 500 partners each,
every create a top-level part (not a changeset: mock-sap copies its whole database before each
changeset, which makes seeding 100k partners quadratic). Each partner carries one address
(deep insert), so every mapped field of the ``customers`` sync has a value. Changes to k
partners go the same way, as ``MERGE`` parts. Seeding is setup: never inside a measurement.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from sandbox import salesforce, sap
from sandbox.process import ChildServer

REPO = Path(__file__).resolve().parents[1]
CLOCK = "2026-10-01T08:00"
BP_SERVICE = "/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV"
SEED_CHUNK = 500
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "MERGE", "DELETE"})
# Salesforce requests that POST but only read: a Bulk query job, a composite GET batch.
SF_READ_POSTS = ("/jobs/query", "/composite/batch")
_CREATED = re.compile(rb"\nLocation: [^\r\n]*A_BusinessPartner\('(\d+)'\)")


@dataclass
class LogCount:
    """Requests one system served in a window: all, and those that modify data."""

    calls: int = 0
    writes: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"calls": self.calls, "writes": self.writes,
                "by_method": dict(sorted(self.by_method.items()))}


@dataclass
class Systems:
    """mock-sap and the Salesforce sandbox, with the seeded partners' keys."""

    sap: ChildServer
    salesforce: ChildServer
    work: Path
    partner_keys: list[str] = field(default_factory=list)
    _http: requests.Session = field(default_factory=requests.Session)
    _sap_mark: int = 0

    # -- configuration of the product ---------------------------------------------------------

    def env(self, state_db: Path) -> dict[str, str]:
        """What ``build_connector`` and the flows read: both systems and a state database."""
        return {
            "ERPSYNC_HOME": str(self.work / "home"),
            "ERPSYNC_STATE_URL": f"sqlite:///{state_db}",
            "ERPSYNC_MAPPINGS": str(REPO / "mappings"),
            "ERPSYNC_SAP_BASE_URL": self.sap.url,
            "ERPSYNC_SALESFORCE_LOGIN_URL": self.salesforce.url,
            "ERPSYNC_SALESFORCE_CA_BUNDLE": self.salesforce.ca_bundle or "",
            "ERPSYNC_SALESFORCE_PASSWORD": salesforce.PASSWORD,
        }

    def use_state(self, state_db: Path) -> None:
        os.environ.update(self.env(state_db))

    # -- control planes -----------------------------------------------------------------------

    def sf_control(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.request(method, self.salesforce.url + "/_sandbox/" + path,
                                      json=body, verify=self.salesforce.ca_bundle, timeout=600)
        response.raise_for_status()
        return response.json() if response.content else None

    def sap_control(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.request(method, self.sap.url + "/_mock/" + path, json=body,
                                      timeout=600)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset_salesforce(self) -> None:
        """An empty org again (records, request log, API usage), on SAP's clock."""
        self.sf_control("POST", "reset", {"demo_data": False})
        self.align_clocks()

    def align_clocks(self) -> None:
        self.sf_control("POST", "clock", {"to": self.sap_control("GET", "state")["clock"]["now"]})

    def next_day(self) -> None:
        """Both clocks a day forward (mock-sap moves by whole days): the next scheduled run
        happens later, not within the Salesforce connector's lookback of the last one."""
        self.sap_control("POST", "advance", {"days": 1})
        self.align_clocks()

    # -- request logs -------------------------------------------------------------------------

    def mark_logs(self) -> None:
        """Start a counting window: what both systems serve from now on."""
        self.sf_control("DELETE", "requests")
        latest = self.sap_control("GET", "requests?limit=1")["results"]
        self._sap_mark = int(latest[0]["id"]) if latest else 0

    def counted(self) -> dict[str, LogCount]:
        """Requests served since ``mark_logs``, per system, from the systems' own logs."""
        return {"sap": self._sap_count(), "salesforce": self._sf_count()}

    def _sap_count(self) -> LogCount:
        count = LogCount()
        rows = self.sap_control("GET", "requests?limit=10000000")["results"]
        for row in rows:
            if int(row["id"]) <= self._sap_mark or str(row["path"]).startswith("/_mock"):
                continue
            _add(count, str(row["method"]), str(row["method"]) in WRITE_METHODS)
        return count

    def _sf_count(self) -> LogCount:
        count = LogCount()
        for row in self.sf_control("GET", "requests"):
            path, method = str(row["path"]), str(row["method"])
            writes = (method in WRITE_METHODS and "/services/data/" in path
                      and not any(marker in path for marker in SF_READ_POSTS))
            _add(count, method, writes)
        return count

    # -- SAP data -----------------------------------------------------------------------------

    def seed_partners(self, size: int) -> None:
        """``size`` new customer partners with an address each, in $batch calls of 500."""
        for start in range(0, size, SEED_CHUNK):
            numbers = range(start, min(start + SEED_CHUNK, size))
            answer = self.sap_batch(BP_SERVICE, [("POST", "A_BusinessPartner", partner(n))
                                                 for n in numbers])
            self.partner_keys.extend(key.decode() for key in _CREATED.findall(answer))
        if len(self.partner_keys) < size:
            raise RuntimeError(f"mock-sap created {len(self.partner_keys)} of {size} partners")

    def change_partners(self, keys: Sequence[str], tag: str) -> None:
        """A new name for each partner in ``keys`` (``MERGE``, as an SAP user's edit)."""
        for start in range(0, len(keys), SEED_CHUNK):
            chunk = keys[start:start + SEED_CHUNK]
            self.sap_batch(BP_SERVICE, [
                ("MERGE", f"A_BusinessPartner('{key}')",
                 {"BusinessPartnerFullName": f"Bench Customer {key} {tag}"})
                for key in chunk])

    def sap_batch(self, service: str, operations: Sequence[tuple[str, str, dict[str, Any]]]
                  ) -> bytes:
        """One OData ``$batch`` call to ``service``: each operation a top-level part."""
        url = self.sap.url + service
        token = self._http.get(url + "/", headers={"X-CSRF-Token": "Fetch"},
                               timeout=60).headers["x-csrf-token"]
        boundary = f"batch_{uuid.uuid4()}"
        parts = [f"--{boundary}\r\nContent-Type: application/http\r\n"
                 f"Content-Transfer-Encoding: binary\r\n\r\n{method} {target} HTTP/1.1\r\n"
                 f"Content-Type: application/json\r\nAccept: application/json\r\n\r\n"
                 f"{json.dumps(body)}\r\n" for method, target, body in operations]
        response = self._http.post(
            url + "/$batch", data=("".join(parts) + f"--{boundary}--\r\n").encode(),
            headers={"Content-Type": f"multipart/mixed; boundary={boundary}",
                     "X-CSRF-Token": token}, timeout=600)
        response.raise_for_status()
        failed = re.findall(rb"HTTP/1.1 ([45]\d\d)", response.content)
        if failed:
            raise RuntimeError(f"mock-sap refused {len(failed)} seeding operations: {failed[:3]}")
        return response.content

    def stop(self) -> None:
        self._http.close()
        for server in (self.salesforce, self.sap):
            server.stop()


def partner(n: int) -> dict[str, Any]:
    """One organisation that is a customer, with the address every mapped field reads."""
    return {
        "BusinessPartnerCategory": "2", "BusinessPartnerGrouping": "BP01",
        "BusinessPartnerFullName": f"Bench Customer {n:07d}", "SearchTerm1": f"B{n:07d}",
        "to_BusinessPartnerAddress": {"results": [{
            "AddressID": "1", "StreetName": f"Bench Street {n % 997}", "CityName": "Berlin",
            "PostalCode": f"{10115 + n % 800}", "Country": "DE",
            "PhoneNumber": f"+49 30 {n:07d}"}]},
    }


@contextmanager
def started(work: Path) -> Iterator[Systems]:
    """Both stand-ins on free ports, on the same clock, stopped on the way out."""
    work.mkdir(parents=True, exist_ok=True)
    sap_server = sap.start(log_file=work / "sap.log", clock=CLOCK)
    try:
        sf_server = salesforce.start(cert_dir=work / "certs", log_file=work / "sf.log",
                                     clock=CLOCK, api_limit=100_000_000)
    except BaseException:
        sap_server.stop()
        raise
    systems = Systems(sap_server, sf_server, work)
    try:
        systems.align_clocks()
        yield systems
    finally:
        systems.stop()


def _add(count: LogCount, method: str, writes: bool) -> None:
    count.calls += 1
    count.writes += int(writes)
    count.by_method[method] = count.by_method.get(method, 0) + 1
