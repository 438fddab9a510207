"""mock-sap's fault scenarios against the connector: locks retried, conflicts reported as
conflicts, expired tokens stopping with a clear ``ConfigError``, a random error rate survived
without a lost or doubled record, and the CSRF handshake sending the session cookie back."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from sap_support import (
    BP,
    MakeConnector,
    Sleeps,
    add_fault,
    native,
    served,
    settings_for,
    until_stopped,
)

from connectors.base import TargetRecord
from connectors.errors import ConfigError, ConflictError
from connectors.sap import SapODataConnector
from connectors.sap.errors import PreconditionFailed
from connectors.sap.retry import RetryPolicy
from sandbox.process import ChildServer
from sandbox.sap import start

BP_SRV = "API_BUSINESS_PARTNER_SRV"


def new_partner(name: str) -> TargetRecord:
    return TargetRecord(ref=name, fields={"BusinessPartnerCategory": "2",
                                          "OrganizationBPName1": name})


def statuses(server: ChildServer, suffix: str) -> list[int]:
    return [r["status"] for r in served(server) if r["path"].endswith(suffix)]


def test_a_locked_batch_is_sent_again(sap: ChildServer, connector: SapODataConnector,
                                      sleeps: Sleeps) -> None:
    connector.describe(BP)
    add_fault(sap, match=r"\$batch", method="POST", scenario="lock", count=1)
    (result,) = connector.write_batch(BP, [new_partner("Locked First")])
    assert result.outcome == "created", result.error
    assert statuses(sap, "$batch") == [423, 202]
    assert len(sleeps.waits) == 1


def test_a_locked_read_is_repeated(sap: ChildServer, connector: SapODataConnector) -> None:
    connector.describe(BP)
    add_fault(sap, match=f"{BP}$", method="GET", scenario="lock", count=2)
    assert len(list(connector.read_changes(BP, None, []))) == 24
    assert statuses(sap, BP) == [423, 423, 200]


def test_a_precondition_failure_is_a_conflict_and_writes_nothing(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    (before,) = connector.read_by(BP, "BusinessPartner", ["1000013"], ["SearchTerm1"])
    add_fault(sap, match=r"\$batch", method="POST", scenario="precondition", count=1)
    (result,) = connector.write_batch(BP, [TargetRecord(
        ref="p", key=before.key, etag=before.etag, fields={"SearchTerm1": "NEVER"})])
    assert result.outcome == "failed"
    assert isinstance(result.error, PreconditionFailed)
    assert isinstance(result.error, ConflictError)
    (after,) = connector.read_by(BP, "BusinessPartner", ["1000013"], ["SearchTerm1"])
    assert after.fields["SearchTerm1"] == before.fields["SearchTerm1"]


def test_an_expired_token_stops_with_a_clear_config_error(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    connector.describe(BP)
    add_fault(sap, match=f"{BP}$", method="GET", scenario="expired-token", count=5)
    with pytest.raises(ConfigError) as caught:
        list(connector.read_changes(BP, None, []))
    assert caught.value.code == "AUTH_FAILED"
    assert "access token" in caught.value.message
    assert statuses(sap, BP) == [401]  # not retried


def test_a_missing_authorization_on_write_is_a_config_error_per_record(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    connector.describe(BP)
    add_fault(sap, match=r"\$batch", method="POST", scenario="forbidden", count=1)
    results = connector.write_batch(BP, [new_partner("A"), new_partner("B")])
    assert [r.outcome for r in results] == ["failed", "failed"]
    assert all(isinstance(r.error, ConfigError) and r.error.code == "FORBIDDEN"
               for r in results)
    assert statuses(sap, "$batch") == [403]


def test_the_csrf_token_travels_with_the_session_cookie(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    connector.write_batch(BP, [new_partner("Cookie Check")])
    logged = requests.get(f"{sap.url}/_mock/requests", params={"limit": 10, "verbose": 1},
                          timeout=10).json()["results"]
    fetch = next(r for r in logged if r["method"] == "GET" and "x-csrf-token" in r["headers"])
    post = next(r for r in logged if r["path"].endswith("$batch"))
    assert "cookie" not in fetch["headers"]  # the first request has no session yet
    assert "cookie" in post["headers"] and "x-csrf-token" in post["headers"]


@pytest.fixture(scope="module")
def flaky_sap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    log = tmp_path_factory.mktemp("sap-flaky") / "mock-sap.log"
    flaky = ("--error-rate", "0.3", "--seed", "11")
    yield from until_stopped(start(log_file=log, extra_args=flaky))


def test_a_random_error_rate_loses_and_doubles_nothing(flaky_sap: ChildServer) -> None:
    requests.post(f"{flaky_sap.url}/_mock/reset", timeout=30).raise_for_status()
    settings = settings_for(flaky_sap, page_size=5, batch_size=2, max_retries=8)
    policy = RetryPolicy(settings.max_retries, 0.0, 0.0, sleep=Sleeps())
    connector = SapODataConnector(settings, retry=policy)
    try:
        assert len({r.key for r in connector.read_changes(BP, None, [])}) == 24
        names = [f"Flaky {n}" for n in range(8)]
        results = connector.write_batch(BP, [new_partner(name) for name in names])
        assert [r.outcome for r in results] == ["created"] * 8, [r.error for r in results]
    finally:
        connector.close()
    stored = native(flaky_sap, BP_SRV, BP, {"$filter": "startswith(OrganizationBPName1,'Flaky')",
                                            "$select": "OrganizationBPName1"})
    assert sorted(r["OrganizationBPName1"] for r in stored["d"]["results"]) == sorted(names)
    answered = [r["status"] for r in served(flaky_sap)]
    assert answered.count(500) >= 3, answered  # the faults did happen, and were retried


def test_a_failed_record_names_the_operation_that_failed(
    sap: ChildServer, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    (before,) = connector.read_by(BP, "BusinessPartner", ["1000014"], [
        "to_BusinessPartnerAddress/CityName"])
    (result,) = connector.write_batch(BP, [TargetRecord(
        ref="x", key=before.key, etag=before.etag, current=before.fields,
        fields={"SearchTerm1": "OK", "to_BusinessPartnerAddress/CityName": "y" * 41})])
    assert result.outcome == "failed" and result.error is not None
    assert "CityName" in result.error.message
    body = json.dumps(native(sap, BP_SRV, f"{BP}('1000014')", {"$select": "SearchTerm1"}))
    assert '"OK"' not in body  # the changeset was rolled back as a whole
