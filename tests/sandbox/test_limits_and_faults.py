"""API limits, token lifetime and injected network faults, against the running sandbox."""

from __future__ import annotations

import re
import time

import pytest
import requests

from sandbox.process import ChildServer
from tests.sandbox.support import DATA, Api, control, get_token, seed

LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"


def _usage(response: requests.Response) -> tuple[int, int]:
    match = re.fullmatch(r"api-usage=(\d+)/(\d+)", response.headers["Sforce-Limit-Info"])
    assert match is not None
    return int(match.group(1)), int(match.group(2))


def test_limits_resource_and_header_agree(api: Api) -> None:
    response = api.call("GET", "/limits")
    assert response.status_code == 200
    body = response.json()
    used, limit = _usage(response)
    assert body["DailyApiRequests"] == {"Max": limit, "Remaining": limit - used}
    assert {"DailyBulkV2QueryJobs", "DataStorageMB"} <= set(body)
    assert _usage(api.call("GET", "/sobjects")) == (used + 1, limit)


def test_daily_limit_runs_out_and_recovers_after_24_hours(server: ChildServer,
                                                          http: requests.Session,
                                                          api: Api) -> None:
    control(server, http, "POST", "limits", {"max": 5, "used": 3})
    assert [api.call("GET", "/sobjects").status_code for _ in range(4)] == [200, 200, 403, 403]
    refused = api.call("GET", "/query", params={"q": "SELECT Id FROM Account"})
    assert refused.status_code == 403
    assert refused.json() == [{"message": "TotalRequests Limit exceeded.",
                               "errorCode": LIMIT_EXCEEDED}]
    assert _usage(refused) == (5, 5)
    assert control(server, http, "GET", "limits") == {"used": 5, "max": 5}
    token = http.post(server.url + "/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": "erpsync-sandbox",
        "client_secret": "sandbox-secret"})
    assert token.status_code == 200  # logging in is not an API call
    control(server, http, "POST", "clock", {"advance_seconds": 24 * 3600 + 3600})
    fresh = Api(server, http, get_token(server, http))
    recovered = fresh.call("GET", "/sobjects")
    assert recovered.status_code == 200 and _usage(recovered) == (1, 5)


def test_token_lifetime_is_configurable(server: ChildServer, http: requests.Session) -> None:
    assert control(server, http, "POST", "config", {"token_ttl": 60}) == {"token_ttl": 60}
    try:
        api = Api(server, http, get_token(server, http))
        assert api.call("GET", "/limits").status_code == 200
        control(server, http, "POST", "clock", {"advance_seconds": 61})
        for path in ("/limits", "/sobjects/Account/describe", "/jobs/ingest"):
            expired = api.call("GET", path)
            assert (expired.status_code, expired.json()[0]["errorCode"]) == (
                401, "INVALID_SESSION_ID")
    finally:
        control(server, http, "POST", "config", {"token_ttl": 7200})


def test_dropped_connection_before_processing_writes_nothing(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    control(server, http, "POST", "faults", {"bursts": [
        {"kind": "drop", "count": 1, "method": "POST", "path_contains": "/composite/sobjects"}]})
    with pytest.raises(requests.exceptions.ConnectionError):
        api.collection("POST", [{"Name": "Lost"}])
    assert api.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    assert api.collection("POST", [{"Name": "Kept"}]).status_code == 200
    log = control(server, http, "GET", "requests")
    composite = [e for e in log if e["path"] == f"{DATA}/composite/sobjects"]
    assert [(e["status"], e.get("dropped")) for e in composite] == [(0, True), (200, None)]


def test_dropped_connection_after_processing_keeps_the_write(
        server: ChildServer, http: requests.Session, api: Api) -> None:
    control(server, http, "POST", "faults", {"bursts": [
        {"kind": "drop", "count": 1, "skip": 1, "method": "PATCH", "phase": "after"}]})
    path = "/Account/ERP_Customer_Number__c"
    first = api.collection("PATCH", [{"ERP_Customer_Number__c": "D-1", "Name": "One"}], path)
    assert first.status_code == 200  # skipped: the burst starts with the second PATCH
    with pytest.raises(requests.exceptions.ConnectionError):
        api.collection("PATCH", [{"ERP_Customer_Number__c": "D-2", "Name": "Two"}], path)
    assert api.names("ORDER BY Name") == ["One", "Two"]  # written, only the answer was lost
    retried = api.collection("PATCH", [{"ERP_Customer_Number__c": "D-2", "Name": "Two"}], path)
    assert retried.json()[0]["created"] is False  # an idempotent retry does not duplicate
    assert control(server, http, "GET", "faults")["bursts"] == []


def test_503_and_latency_bursts(server: ChildServer, http: requests.Session, api: Api) -> None:
    control(server, http, "POST", "faults", {"bursts": [
        {"kind": "503", "count": 2, "path_contains": "/query"},
        {"kind": "latency", "count": 1, "latency_ms": 300, "path_contains": "/limits"}]})
    assert api.call("GET", "/sobjects").status_code == 200
    statuses = [api.call("GET", "/query", params={"q": "SELECT Id FROM Account"}).status_code
                for _ in range(3)]
    assert statuses == [503, 503, 200]
    started = time.monotonic()
    assert api.call("GET", "/limits").status_code == 200
    assert time.monotonic() - started >= 0.3
    bad = http.post(server.url + "/_sandbox/faults", json={"bursts": [{"kind": "boom"}]})
    assert bad.status_code == 400 and "kind" in bad.json()["error"]
    control(server, http, "POST", "faults", {"http_503_next": 1})
    assert control(server, http, "DELETE", "faults")["http_503_next"] == 0


def test_seed_does_not_count_as_api_usage(server: ChildServer, http: requests.Session,
                                          api: Api) -> None:
    before = _usage(api.call("GET", "/limits"))[0]
    seed(server, http, [{"Name": f"S{n}"} for n in range(10)])
    assert _usage(api.call("GET", "/limits"))[0] == before + 1
