"""Helpers shared by the SAP connector tests (imported by name: no package here)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[3]
if str(REPO) not in sys.path:  # the project is not installed in the venv; tests import it
    sys.path.insert(0, str(REPO))

from connectors.sap import SapODataConnector, SapSettings  # noqa: E402
from sandbox.process import ChildServer  # noqa: E402

FIXTURES = REPO.parent / "shared" / "fixtures"
EDMX = FIXTURES / "sap" / "edmx"
BP = "A_BusinessPartner"
ADDRESS = "to_BusinessPartnerAddress"
CITY = f"{ADDRESS}/CityName"
ADDRESS_ID = f"{ADDRESS}/AddressID"

MakeConnector = Callable[..., SapODataConnector]
"""The ``make_connector`` fixture: ``make_connector(session=None, **settings)``."""


class Sleeps:
    """Records the waits the retry policy asked for instead of sleeping them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def settings_for(server: ChildServer, **overrides: Any) -> SapSettings:
    values: dict[str, Any] = {"base_url": server.url, "retry_base_wait": 0.01,
                              "retry_max_wait": 0.05, "timeout": 10.0}
    values.update(overrides)
    return SapSettings(**values)


def served(server: ChildServer) -> list[dict[str, Any]]:
    """What mock-sap served since the last reset, oldest first (its own log, not ours)."""
    answer = requests.get(f"{server.url}/_mock/requests", params={"limit": 1000}, timeout=10)
    answer.raise_for_status()
    return list(reversed(answer.json()["results"]))


class ScenarioSession(requests.Session):
    """A real session that asks mock-sap for a fault scenario on chosen ``$batch`` posts
    (counted from 1), for faults a path rule cannot aim at one request of several."""

    def __init__(self, scenario: str, on_batches: set[int]) -> None:
        super().__init__()
        self.scenario = scenario
        self.on_batches = on_batches
        self.batches = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        if method == "POST" and "$batch" in str(url):
            self.batches += 1
            if self.batches in self.on_batches:
                kwargs["headers"] = {**(kwargs.get("headers") or {}),
                                     "sap-mock-scenario": self.scenario}
        return super().request(method, url, *args, **kwargs)


class LockedAnswerSession(requests.Session):
    """Plays SAP refusing one changeset of the first ``$batch`` with 423 "locked" - a
    per-record transient failure mock-sap cannot inject inside a batch: changeset number
    ``changeset`` (from 1) is taken out of the request before it reaches mock-sap, and the
    lock answer put in its place in mock-sap's real response."""

    LOCKED = (b"HTTP/1.1 423 Locked\r\nContent-Type: application/json\r\n\r\n"
              b'{"error":{"code":"/IWBEP/CX_MGW_BUSI_EXCEPTION","message":'
              b'{"lang":"en","value":"Partner is locked by user OTHER"}}}\r\n')

    def __init__(self, changeset: int) -> None:
        super().__init__()
        self.changeset = changeset
        self.rewritten = False

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        if method != "POST" or "$batch" not in str(url) or self.rewritten:
            return super().request(method, url, *args, **kwargs)
        self.rewritten = True
        boundary = kwargs["headers"]["Content-Type"].split("boundary=", 1)[1].encode()
        parts = kwargs["data"].split(b"--" + boundary)
        del parts[self.changeset]
        kwargs["data"] = (b"--" + boundary).join(parts)
        response = super().request(method, url, *args, **kwargs)
        response._content = self._lock(response)
        return response

    def _lock(self, response: requests.Response) -> bytes:
        boundary = response.headers["Content-Type"].split("boundary=", 1)[1].encode()
        parts = response.content.split(b"--" + boundary)
        head = b"\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        parts.insert(self.changeset, head + self.LOCKED)
        return (b"--" + boundary).join(parts)


class ServerPagingSession(requests.Session):
    """Plays real S/4HANA's server-driven paging over mock-sap's real answers: a collection
    longer than ``cap`` is cut there and the rest linked with ``d.__next`` (a ``$skiptoken``
    link this session answers itself from what mock-sap returned - mock-sap never pages)."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.pending: dict[str, list[Any]] = {}
        self.links_followed = 0
        self.issued = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        text = str(url)
        if "$skiptoken=" in text:
            token = text.split("$skiptoken=", 1)[1].split("&", maxsplit=1)[0]
            self.links_followed += 1
            return self._page(text, self.pending.pop(token))
        response = super().request(method, url, *args, **kwargs)
        if method != "GET" or "$metadata" in text or "$select" not in text:
            return response
        return self._page(text, response.json()["d"]["results"])

    def _page(self, url: str, rows: list[Any]) -> requests.Response:
        body: dict[str, Any] = {"results": rows[: self.cap]}
        if len(rows) > self.cap:
            self.issued += 1
            token = str(self.issued)
            self.pending[token] = rows[self.cap :]
            body["__next"] = url.split("?", 1)[0] + f"?$skiptoken={token}"
        answer = requests.Response()
        answer.status_code = 200
        answer.headers["Content-Type"] = "application/json"
        answer._content = json.dumps({"d": body}).encode()
        answer.url = url
        return answer


SLOW_MS = 1500
"""How long mock-sap holds back an answer under the ``slow`` scenario (``--slow-ms``)."""
_slow_faults_added: list[float] = []


def add_fault(server: ChildServer, **rule: Any) -> None:
    """A mock-sap fault rule (regex ``match`` on the path, ``method``, ``status`` or
    ``scenario``, ``count``)."""
    requests.post(f"{server.url}/_mock/faults", json=rule, timeout=10).raise_for_status()
    if rule.get("scenario") == "slow":
        _slow_faults_added.append(time.monotonic())


def settle_slow_requests(server: ChildServer) -> None:
    """Wait for the answers mock-sap still holds back under a ``slow`` fault. A client that
    gave up on one (a timeout test) has moved on, but mock-sap logs the request only when it
    answers it, after the test may have ended: it would land in the next test's request log.
    Waits only after a test that added a slow fault."""
    if not _slow_faults_added:
        return
    answered_by = max(_slow_faults_added) + SLOW_MS / 1000 + 0.5
    _slow_faults_added.clear()
    time.sleep(max(0.0, answered_by - time.monotonic()))
    logged, deadline = -1, time.monotonic() + 30
    while time.monotonic() < deadline:  # a loaded machine answers later: until the log rests
        now = len(served(server))
        if now == logged:
            return
        logged = now
        time.sleep(0.3)


def native(server: ChildServer, service: str, path: str,
           query: dict[str, str] | None = None) -> Any:
    """What mock-sap itself answers to a GET (its own API, not the connector's)."""
    answer = requests.get(f"{server.url}/sap/opu/odata/sap/{service}/{path}",
                          params={"$format": "json", **(query or {})}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def native_write(server: ChildServer, method: str, path: str, body: Any = None,
                 headers: dict[str, str] | None = None) -> requests.Response:
    """A modifying request straight to mock-sap under ``/sap/``, with a fetched CSRF token."""
    with requests.Session() as http:
        fetched = http.get(f"{server.url}/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV/",
                           headers={"X-CSRF-Token": "Fetch"}, timeout=10)
        sent = {"X-CSRF-Token": fetched.headers["x-csrf-token"], "Accept": "application/json",
                **(headers or {})}
        answer = http.request(method, f"{server.url}{path}", json=body, headers=sent,
                              timeout=10)
    answer.raise_for_status()
    return answer


def seed_partners(server: ChildServer, count: int, chunk: int = 500) -> None:
    """``count`` new organisation partners, created by mock-sap itself through ``$batch``
    (top-level parts, no changesets: fast setup for paging tests, not the connector's path)."""
    url = f"{server.url}/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV"
    with requests.Session() as http:
        token = http.get(url + "/", headers={"X-CSRF-Token": "Fetch"},
                         timeout=10).headers["x-csrf-token"]
        for start in range(0, count, chunk):
            boundary = f"batch_seed_{start}"
            parts = [f"--{boundary}\r\nContent-Type: application/http\r\n"
                     f"Content-Transfer-Encoding: binary\r\n\r\n"
                     f"POST A_BusinessPartner HTTP/1.1\r\nContent-Type: application/json\r\n"
                     f"Accept: application/json\r\n\r\n"
                     + json.dumps({"BusinessPartnerCategory": "2",
                                   "OrganizationBPName1": f"Paging {n:05d}"}) + "\r\n"
                     for n in range(start, min(start + chunk, count))]
            answer = http.post(url + "/$batch",
                               data=("".join(parts) + f"--{boundary}--\r\n").encode(),
                               headers={"Content-Type": f"multipart/mixed; boundary={boundary}",
                                        "X-CSRF-Token": token}, timeout=120)
            answer.raise_for_status()
            created = answer.content.count(b"HTTP/1.1 201")
            if created != len(parts):
                raise RuntimeError(f"mock-sap created {created} of {len(parts)} partners")

class S4ReplaySession(requests.Session):
    """Answers the way real S/4HANA does, from recorded shapes, without any server: the
    ``$metadata`` is SAP's own EDMX of the service (``shared/fixtures/sap/edmx``) and a query
    gets ``rows`` in S/4's V2 JSON shape. For what mock-sap cannot show (``LastChangeDateTime``,
    ``LastChangeTime``); the URLs asked for are kept for the test to read."""

    def __init__(self, edmx: Path, rows: list[dict[str, Any]]) -> None:
        super().__init__()
        self.edmx = edmx.read_bytes()
        self.rows = rows
        self.urls: list[str] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        text = str(url)
        self.urls.append(text)
        answer = requests.Response()
        answer.status_code = 200
        answer.url = text
        if "$metadata" in text:
            answer.headers["Content-Type"] = "application/xml"
            answer._content = self.edmx
        else:
            answer.headers["Content-Type"] = "application/json"
            answer._content = json.dumps({"d": {"results": self.rows}}).encode()
        return answer

    def query_of(self, index: int = -1) -> dict[str, str]:
        """The decoded query parameters of a data request (metadata requests left out)."""
        from urllib.parse import parse_qsl, urlsplit

        data = [u for u in self.urls if "$metadata" not in u]
        return dict(parse_qsl(urlsplit(data[index]).query))


def until_stopped(server: ChildServer) -> Iterator[ChildServer]:
    """Yield a started server to a fixture and stop it afterwards, whatever happened."""
    try:
        yield server
    finally:
        server.stop()
