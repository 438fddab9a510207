"""Deleting through $batch against a real mock-sap: one changeset per DELETE, one result per
key in order, If-Match with the ETag read, a record already gone counts as deleted; and
what ``$metadata`` says may be deleted (mock-sap, the stock stand-in, real S/4's EDMX)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sap_support import (
    BP,
    EDMX,
    LockedAnswerSession,
    MakeConnector,
    Sleeps,
    add_fault,
    served,
    settings_for,
)

from connectors.base import TargetRecord
from connectors.errors import ConflictError
from connectors.sap import SapODataConnector
from connectors.sap.errors import PreconditionFailed
from connectors.sap.metadata import parse_edmx
from engine.capabilities import DeletesRecords
from sandbox.process import ChildServer


def partner_keys(sap: ChildServer) -> set[str]:
    answer = requests.get(f"{sap.url}/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV/{BP}",
                          params={"$format": "json", "$select": "BusinessPartner"}, timeout=10)
    answer.raise_for_status()
    return {row["BusinessPartner"].lstrip("0") for row in answer.json()["d"]["results"]}


def batch_posts(sap: ChildServer) -> list[dict[str, Any]]:
    return [r for r in served(sap) if r["path"].endswith("$batch")]


def test_deletes_go_in_batches_with_one_result_per_key_in_order(
        sap: ChildServer, make_connector: MakeConnector) -> None:
    connector = make_connector(batch_size=2)
    assert isinstance(connector, DeletesRecords)
    keys = ["1000001", "1000002", "1000003"]

    results = connector.delete_batch(BP, keys)

    assert [(r.ref, r.key, r.outcome, r.error) for r in results] == [
        (k, k, "updated", None) for k in keys]
    assert len(batch_posts(sap)) == 2, "batch_size keys per $batch"
    assert partner_keys(sap).isdisjoint(keys)


def test_a_record_already_gone_counts_as_deleted(sap: ChildServer,
                                                 connector: SapODataConnector) -> None:
    connector.delete_batch(BP, ["1000004"])

    again = connector.delete_batch(BP, ["1000004", "1000005"])

    assert [(r.key, r.outcome) for r in again] == [("1000004", "updated"),
                                                   ("1000005", "updated")]
    assert "1000005" not in partner_keys(sap)


def test_a_record_changed_since_it_was_read_is_not_deleted(
        sap: ChildServer, connector: SapODataConnector) -> None:
    (read,) = connector.read_by(BP, "BusinessPartner", ["1000006"], ["SearchTerm1"])
    assert read.etag
    (other,) = connector.read_by(BP, "BusinessPartner", ["1000007"], ["SearchTerm1"])
    connector.write_batch(BP, [TargetRecord("m", {"SearchTerm1": "MEANWHILE"}, key=read.key,
                                            etag=read.etag)])

    stale, fresh = connector.delete_batch(BP, ["1000006", "1000007"],
                                          {"1000006": read.etag, "1000007": str(other.etag)})

    assert stale.outcome == "failed" and isinstance(stale.error, PreconditionFailed)
    assert isinstance(stale.error, ConflictError)
    assert fresh.outcome == "updated"
    assert "1000006" in partner_keys(sap) and "1000007" not in partner_keys(sap)


@pytest.fixture
def stock_connector(sap: ChildServer, stock: ChildServer) -> Iterator[SapODataConnector]:
    connector = SapODataConnector(settings_for(
        sap, service_base_urls={"API_MATERIAL_STOCK_SRV": stock.url}))
    yield connector
    connector.close()


def test_metadata_says_what_may_be_deleted(stock_connector: SapODataConnector) -> None:
    assert stock_connector.describe(BP).deletable is True, "mock-sap lets partners go"
    assert stock_connector.describe("A_MatlStkInAcctMod").deletable is False
    real = parse_edmx((EDMX / "API_BUSINESS_PARTNER.edmx").read_bytes(), "API_BUSINESS_PARTNER")
    assert real.object_schema(BP).deletable is False, "S/4 blocks partners, never deletes"
    assert real.object_schema("A_BusinessPartnerAddress").deletable is True
    orders = parse_edmx((EDMX / "API_SALES_ORDER_SRV.edmx").read_bytes(), "API_SALES_ORDER_SRV")
    assert orders.object_schema("A_SalesOrder").deletable is True


def test_a_record_refused_transiently_is_sent_again(
        sap: ChildServer, make_connector: MakeConnector, sleeps: Sleeps) -> None:
    connector = make_connector(session=LockedAnswerSession(changeset=2))
    keys = ["1000018", "1000019", "1000020"]

    results = connector.delete_batch(BP, keys)

    assert [r.outcome for r in results] == ["updated"] * 3
    assert len(batch_posts(sap)) == 2 and len(sleeps.waits) == 1
    assert partner_keys(sap).isdisjoint(keys)


def test_a_delete_whose_answer_was_lost_is_sent_again(
        sap: ChildServer, make_connector: MakeConnector) -> None:
    connector = make_connector(timeout=0.5)
    connector.describe(BP)
    add_fault(sap, match=r"\$batch", method="POST", scenario="slow", count=1)

    (result,) = connector.delete_batch(BP, ["1000017"])

    assert result.outcome == "updated", result.error
    assert connector.counter.by_kind["batch"] == 2, "the lost one, then once more"
    assert "1000017" not in partner_keys(sap)
