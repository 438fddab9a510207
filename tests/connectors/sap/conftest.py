"""Fixtures for the SAP connector tests: one real mock-sap process for the session, reset
before every test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sap_support import (
    SLOW_MS,
    MakeConnector,
    Sleeps,
    settings_for,
    settle_slow_requests,
    until_stopped,
)

from connectors.sap import SapODataConnector
from connectors.sap.retry import RetryPolicy
from sandbox import sap_stock
from sandbox.process import ChildServer
from sandbox.sap import start


@pytest.fixture(scope="session")
def sap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    log = tmp_path_factory.mktemp("sap") / "mock-sap.log"
    yield from until_stopped(start(log_file=log, extra_args=("--slow-ms", str(SLOW_MS))))


@pytest.fixture
def sap(sap_server: ChildServer) -> ChildServer:
    """The server reset to its seed data, with no fault rules and an empty request log."""
    settle_slow_requests(sap_server)
    requests.delete(f"{sap_server.url}/_mock/faults", timeout=10).raise_for_status()
    requests.post(f"{sap_server.url}/_mock/reset", timeout=30).raise_for_status()
    return sap_server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_connector(sap: ChildServer, sleeps: Sleeps) -> Iterator[MakeConnector]:
    """``make_connector(session=None, **settings)``: a connector on the reset server, closed
    afterwards; its retry waits are recorded in ``sleeps`` instead of slept."""
    made: list[SapODataConnector] = []

    def make(session: requests.Session | None = None, **overrides: Any) -> SapODataConnector:
        settings = settings_for(sap, **overrides)
        policy = RetryPolicy(settings.max_retries, settings.retry_base_wait,
                             settings.retry_max_wait, sleep=sleeps)
        made.append(SapODataConnector(settings, session=session, retry=policy))
        return made[-1]

    yield make
    for connector in made:
        connector.close()


@pytest.fixture
def connector(make_connector: MakeConnector) -> SapODataConnector:
    return make_connector()


@pytest.fixture(scope="session")
def stock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    """The stand-in for API_MATERIAL_STOCK_SRV, with a small page cap so that its answers
    are cut and linked with ``__next`` as S/4HANA Cloud does."""
    log = tmp_path_factory.mktemp("sap-stock") / "stock.log"
    yield from until_stopped(sap_stock.start(log_file=log, page_cap=7))


@pytest.fixture
def stock(stock_server: ChildServer) -> ChildServer:
    requests.post(f"{stock_server.url}/_stock/reset", timeout=10).raise_for_status()
    return stock_server
