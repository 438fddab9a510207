"""Fixtures for the RFC transport tests, on the SAP tests' mock-sap process (reset per test)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rfc_support import MockSapOData, StrictLedger, rfc_settings, strict_factory
from sap_support import Sleeps

from connectors.sap.retry import RetryPolicy
from connectors.sap.rfc import SapRfcConnector
from connectors.sap.rfc.protocol import ConnectionFactory
from sandbox.process import ChildServer

MakeRfc = Any
"""``make_rfc(connect=None, **settings)``: a connector on the reset server, closed after."""


@pytest.fixture
def odata(sap: ChildServer) -> Iterator[MockSapOData]:
    made = MockSapOData(sap)
    yield made
    made.http.close()


@pytest.fixture
def ledger(odata: MockSapOData) -> StrictLedger:
    return StrictLedger(odata)


@pytest.fixture
def make_rfc(sap: ChildServer, sleeps: Sleeps, ledger: StrictLedger) -> Iterator[MakeRfc]:
    """Connectors whose connections are strict by default; waits go to ``sleeps``."""
    made: list[SapRfcConnector] = []

    def make(connect: ConnectionFactory | None = None, **overrides: Any) -> SapRfcConnector:
        settings = rfc_settings(sap, **overrides)
        policy = RetryPolicy(settings.max_retries, settings.retry_base_wait,
                             settings.retry_max_wait, sleep=sleeps)
        connector = SapRfcConnector(settings, connect=connect or strict_factory(settings, ledger),
                                    retry=policy)
        made.append(connector)
        return connector

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def rfc(make_rfc: MakeRfc) -> SapRfcConnector:
    connector: SapRfcConnector = make_rfc()
    return connector
