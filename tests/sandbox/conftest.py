"""One sandbox server subprocess per test module; every test starts from an empty org (the
Standard Price Book only) with the clock at 2026-10-01T08:00Z."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce

from sandbox.process import ChildServer
from sandbox.salesforce import start
from tests.sandbox.support import CLOCK, Api, V, get_token, new_session


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("salesforce-sandbox")


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[ChildServer]:
    child = start(cert_dir=workdir / "certs", log_file=workdir / "sf.log", clock=CLOCK)
    yield child
    child.stop()


@pytest.fixture(scope="module")
def http(server: ChildServer) -> requests.Session:
    return new_session(server.ca_bundle)


@pytest.fixture(autouse=True)
def clean_org(server: ChildServer, http: requests.Session) -> None:
    assert http.post(server.url + "/_sandbox/reset", json={}).status_code == 200
    assert http.post(server.url + "/_sandbox/clock", json={"to": CLOCK}).status_code == 200


@pytest.fixture
def token(server: ChildServer, http: requests.Session) -> str:
    return get_token(server, http)


@pytest.fixture
def api(server: ChildServer, http: requests.Session, token: str) -> Api:
    return Api(server, http, token)


@pytest.fixture
def sf(server: ChildServer, http: requests.Session, token: str) -> Salesforce:
    return Salesforce(instance_url=server.url, session_id=token, session=http, version=V)
