"""A sales order created over OData appears once in SAP, even when the answer to the first
attempt is lost: the connector looks for it by the caller's reference (the Salesforce order
id in ``PurchaseOrderByCustomer``) before it creates anything again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sap_support import (
    BP,
    MakeConnector,
    ScenarioSession,
    Sleeps,
    native,
    served,
    settings_for,
)
from test_sap_documents import SO, SO_SRV, new_order

from connectors.base import TargetRecord
from connectors.sap import SapODataConnector
from connectors.sap.errors import OutcomeUnknown
from connectors.sap.retry import RetryPolicy
from sandbox.process import ChildServer


class UntilServed:
    """Stands in for the retry policy's sleep: rather than sleeping a guessed time, it waits
    until mock-sap has logged an answer to every ``$batch`` the session sent - the one whose
    answer we gave up on included - so what the read-back sees does not depend on timing."""

    def __init__(self, server: ChildServer, session: ScenarioSession) -> None:
        self.server = server
        self.session = session
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        deadline = time.monotonic() + 120
        while len(batch_posts(self.server)) < self.session.batches:
            if time.monotonic() > deadline:
                raise AssertionError("mock-sap never finished the slow $batch")
            time.sleep(0.05)


class LostRequestSession(requests.Session):
    """Loses the first ``$batch`` on its way out: the connection drops before mock-sap gets
    it, so SAP holds nothing - and the client cannot know that."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = False

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        if method == "POST" and "$batch" in str(url) and not self.dropped:
            self.dropped = True
            raise requests.exceptions.ConnectionError("connection reset by peer")
        return super().request(method, url, *args, **kwargs)


def batch_posts(server: ChildServer) -> list[dict[str, Any]]:
    return [r for r in served(server) if r["method"] == "POST" and r["path"].endswith("$batch")]


def orders_with(server: ChildServer, reference: str) -> list[str]:
    body = native(server, SO_SRV, SO, {"$filter": f"PurchaseOrderByCustomer eq '{reference}'",
                                       "$select": "SalesOrder"})
    return [row["SalesOrder"] for row in body["d"]["results"]]


@pytest.fixture
def slow_first_batch(sap: ChildServer) -> Iterator[tuple[SapODataConnector, UntilServed]]:
    """A connector whose first ``$batch`` mock-sap answers only after the client gave up."""
    session = ScenarioSession("slow", on_batches={1})
    settings = settings_for(sap, timeout=1.0)
    sleeper = UntilServed(sap, session)
    policy = RetryPolicy(settings.max_retries, 0.01, 0.05, sleep=sleeper)
    connector = SapODataConnector(settings, session=session, retry=policy)
    yield connector, sleeper
    connector.close()


def test_a_lost_answer_does_not_create_the_order_twice(
    sap: ChildServer, slow_first_batch: tuple[SapODataConnector, UntilServed]
) -> None:
    connector, sleeper = slow_first_batch
    orders = [new_order(f"SF-80100000{n:02d}") for n in range(3)]
    results = connector.write_batch(SO, orders)
    assert [r.outcome for r in results] == ["created"] * 3, [r.error for r in results]
    for order, result in zip(orders, results, strict=True):
        assert orders_with(sap, order.ref) == [result.key]
    assert len(batch_posts(sap)) == 1  # the slow one: found afterwards, never sent again
    assert connector.settings.outcome_wait in sleeper.waits  # it did wait for the lost one


def test_an_order_created_in_an_earlier_run_is_found_not_created(
    sap: ChildServer, make_connector: MakeConnector
) -> None:
    earlier = make_connector()
    (first,) = earlier.write_batch(SO, [new_order("SF-8010000099")])
    assert first.outcome == "created"
    before = len(batch_posts(sap))
    again = make_connector()  # a new run that never learnt the key
    (second,) = again.write_batch(SO, [new_order("SF-8010000099")])
    assert (second.outcome, second.key) == ("created", first.key)
    assert len(batch_posts(sap)) == before
    assert again.counter.by_kind.get("query") == 1  # one lookup for the whole batch
    assert orders_with(sap, "SF-8010000099") == [first.key]


def test_a_request_lost_before_sap_got_it_is_sent_again_once(
    sap: ChildServer, make_connector: MakeConnector, sleeps: Sleeps
) -> None:
    connector = make_connector(session=LostRequestSession())
    (result,) = connector.write_batch(SO, [new_order("SF-8010000098")])
    assert result.outcome == "created", result.error
    assert orders_with(sap, "SF-8010000098") == [result.key]
    assert len(batch_posts(sap)) == 1
    assert connector.settings.outcome_wait in sleeps.waits


def test_a_create_without_a_reference_is_never_repeated_blindly(
    sap: ChildServer, make_connector: MakeConnector
) -> None:
    connector = make_connector(session=LostRequestSession())
    partner = TargetRecord(ref="p", fields={"BusinessPartnerCategory": "2",
                                            "OrganizationBPName1": "Unknown Outcome"})
    (result,) = connector.write_batch(BP, [partner])
    assert result.outcome == "failed"
    assert isinstance(result.error, OutcomeUnknown)
    assert "not sent again" in result.error.message
    assert batch_posts(sap) == []

