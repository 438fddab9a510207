"""Nothing is overwritten blindly: updates that come without an ETag are checked against
what SAP holds now (see ``connectors/sap/guard.py``), against a real mock-sap - one that
refuses any unguarded change (``--require-if-match``), as newer Gateway services do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sap_support import (
    BP,
    CITY,
    native,
    native_write,
    served,
    settings_for,
    until_stopped,
)

from connectors.base import TargetRecord
from connectors.errors import ConflictError
from connectors.sap import SapODataConnector
from connectors.sap.errors import ChangedMeanwhile, PreconditionRequired
from sandbox.process import ChildServer
from sandbox.sap import start

FIELDS = ["SearchTerm1", "OrganizationBPName1", CITY]


@pytest.fixture(scope="module")
def strict_sap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    log = tmp_path_factory.mktemp("sap-strict") / "mock-sap.log"
    yield from until_stopped(start(log_file=log, extra_args=("--require-if-match",)))


@pytest.fixture
def strict(strict_sap: ChildServer) -> Iterator[SapODataConnector]:
    requests.post(f"{strict_sap.url}/_mock/reset", timeout=30).raise_for_status()
    connector = SapODataConnector(settings_for(strict_sap))
    yield connector
    connector.close()


def read(connector: SapODataConnector, key: str) -> dict[str, object]:
    (record,) = connector.read_by(BP, "BusinessPartner", [key], FIELDS)
    return dict(record.fields)


def batch_bodies(server: ChildServer) -> list[str]:
    logged = requests.get(f"{server.url}/_mock/requests", params={"limit": 50, "verbose": 1},
                          timeout=10).json()["results"]
    return [r["body"] for r in logged if r["path"].endswith("$batch")]


def test_the_server_really_refuses_an_unguarded_change(strict_sap: ChildServer) -> None:
    with pytest.raises(requests.HTTPError) as caught:
        native_write(strict_sap, "PATCH",
                     f"/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV/{BP}('1000001')",
                     {"SearchTerm1": "BLIND"})
    assert caught.value.response.status_code == 428


def test_values_unchanged_since_read_go_out_under_the_etag_read_now(
    strict_sap: ChildServer, strict: SapODataConnector
) -> None:
    current = read(strict, "1000002")
    (result,) = strict.write_batch(BP, [TargetRecord(
        ref="g", key="1000002", current=current, fields={"SearchTerm1": "GUARDED"})])
    assert (result.outcome, result.error) == ("updated", None)
    assert read(strict, "1000002")["SearchTerm1"] == "GUARDED"
    assert "If-Match: W/" in batch_bodies(strict_sap)[0]


def test_values_changed_in_sap_meanwhile_are_a_conflict_and_nothing_is_sent(
    strict_sap: ChildServer, strict: SapODataConnector
) -> None:
    current = read(strict, "1000003")
    native_write(strict_sap, "PATCH", f"/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV/{BP}"
                 "('1000003')", {"SearchTerm1": "SOMEONE"}, headers={"If-Match": "*"})
    (result,) = strict.write_batch(BP, [TargetRecord(
        ref="c", key="1000003", current=current, fields={"SearchTerm1": "MINE",
                                                          "OrganizationBPName1": "Mine"})])
    assert result.outcome == "failed"
    assert isinstance(result.error, ChangedMeanwhile)
    assert isinstance(result.error, ConflictError)
    assert "SearchTerm1" in result.error.message
    assert "OrganizationBPName1" not in result.error.message  # that one did not change
    assert batch_bodies(strict_sap) == []
    assert read(strict, "1000003")["SearchTerm1"] == "SOMEONE"


def test_a_write_with_no_expectation_goes_out_under_a_fresh_etag(
    strict_sap: ChildServer, strict: SapODataConnector
) -> None:
    (result,) = strict.write_batch(BP, [TargetRecord(
        ref="b", key="1000004", fields={"BusinessPartnerIsBlocked": True})])
    assert (result.outcome, result.error) == ("updated", None)
    body = native(strict_sap, "API_BUSINESS_PARTNER_SRV", f"{BP}('1000004')")
    assert body["d"]["BusinessPartnerIsBlocked"] is True


def test_one_read_prepares_every_update_of_a_batch(
    strict_sap: ChildServer, strict: SapODataConnector
) -> None:
    keys = ["1000005", "1000006", "1000007"]
    results = strict.write_batch(BP, [TargetRecord(ref=k, key=k, fields={CITY: f"C{k}"})
                                      for k in keys])
    assert [r.outcome for r in results] == ["updated"] * 3, [r.error for r in results]
    assert strict.counter.by_kind["query"] == 1
    assert [read(strict, k)[CITY] for k in keys] == [f"C{k}" for k in keys]


def test_a_composite_key_without_an_etag_is_not_written(
    strict_sap: ChildServer, strict: SapODataConnector
) -> None:
    (result,) = strict.write_batch("A_BusinessPartnerAddress", [TargetRecord(
        ref="a", key="BusinessPartner='1000001',AddressID='0000020000'",
        fields={"CityName": "Nowhere"})])
    assert isinstance(result.error, PreconditionRequired)
    assert not [r for r in served(strict_sap) if r["method"] != "GET"]
