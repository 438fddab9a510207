"""Helpers for the sandbox tests: plain HTTPS clients of the sandbox's data API and control
plane. NB: ``requests`` lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override ``Session.verify``,
so sessions here set ``trust_env = False``."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.process import ChildServer
from sandbox.salesforce import CLIENT_ID, PASSWORD, USERNAME

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
SF_FIXTURES = FIXTURES / "salesforce"
needs_fixtures = pytest.mark.skipif(
    not SF_FIXTURES.is_dir(),
    reason=f"shared Salesforce fixtures not found at {SF_FIXTURES} (not shipped to users)",
)
CLOCK = "2026-10-01T08:00:00Z"
V = "62.0"
DATA = f"/services/data/v{V}"


def new_session(ca_bundle: str | None) -> requests.Session:
    session = requests.Session()
    session.verify = ca_bundle or True
    session.trust_env = False  # else REQUESTS_CA_BUNDLE in the environment overrides verify
    return session


def get_token(server: ChildServer, http: requests.Session) -> str:
    form = {"grant_type": "password", "client_id": CLIENT_ID, "username": USERNAME,
            "password": PASSWORD}
    response = http.post(server.url + "/services/oauth2/token", data=form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


class Api:
    """Data API calls with a bearer token, paths relative to /services/data/v62.0."""

    def __init__(self, server: ChildServer, http: requests.Session, token: str) -> None:
        self.server, self.http, self.token = server, http, token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else self.server.url + (
            path if path.startswith("/services") else DATA + path)
        kwargs.setdefault("timeout", 60)  # a hung server fails the test instead of the run
        return self.http.request(method, url, headers=headers, **kwargs)

    def query(self, soql: str, endpoint: str = "query", **kwargs: Any) -> dict[str, Any]:
        response = self.call("GET", f"/{endpoint}/", params={"q": soql}, **kwargs)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def names(self, where: str, obj: str = "Account") -> list[str]:
        soql = f"SELECT Name FROM {obj} {where}"  # noqa: S608 - SOQL test text, not SQL
        return [r["Name"] for r in self.query(soql)["records"]]

    def collection(self, method: str, records: list[dict[str, Any]], path: str = "",
                   all_or_none: bool = False, obj: str = "Account") -> requests.Response:
        typed = [{"attributes": {"type": obj}, **r} for r in records]
        return self.call(method, "/composite/sobjects" + path,
                         json={"allOrNone": all_or_none, "records": typed})


def seed(server: ChildServer, http: requests.Session, rows: list[dict[str, Any]],
         obj: str = "Account") -> list[str]:
    response = http.post(server.url + "/_sandbox/seed", json={obj: rows})
    assert response.status_code == 200, response.text
    return list(response.json()[obj])


def control(server: ChildServer, http: requests.Session, method: str, name: str,
            body: Any = None) -> Any:
    response = http.request(method, f"{server.url}/_sandbox/{name}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def load_fixture(*parts: str) -> Any:
    return json.loads(SF_FIXTURES.joinpath(*parts).read_text(encoding="utf-8"))


def unsigned_jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.bm90LWNoZWNrZWQ"


def wait_for_job(api: Api, kind: str, job_id: str, timeout: float = 120) -> dict[str, Any]:
    """Poll a Bulk job until it reaches a final state (the worker runs asynchronously)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = api.call("GET", f"/jobs/{kind}/{job_id}").json()
        if info["state"] in ("JobComplete", "Failed", "Aborted"):
            return dict(info)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {info['state']} after {timeout}s")
