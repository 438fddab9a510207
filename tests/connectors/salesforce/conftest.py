"""Fixtures for the Salesforce connector tests: the real sandbox, started once per module and
reset before every test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from salesforce_support import SandboxControl, make_settings

from connectors.base import CallCounter
from connectors.salesforce import SalesforceConnector, SalesforceSettings
from connectors.salesforce.org_cache import clear_org_caches
from sandbox import salesforce as sandbox_salesforce
from sandbox.process import ChildServer


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    """Each test starts as a new process would: no shared session, describe or clock (the
    tests here count the calls of one connector; test_salesforce_org_cache.py the sharing)."""
    clear_org_caches()
    yield
    clear_org_caches()


@pytest.fixture(scope="module")
def sf_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    work = tmp_path_factory.mktemp("sf-sandbox")
    server = sandbox_salesforce.start(cert_dir=work / "certs", log_file=work / "sandbox.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sandbox(sf_server: ChildServer) -> Iterator[SandboxControl]:
    control = SandboxControl(sf_server)
    control.reset()
    control.clear_served()
    yield control
    control.http.close()


@pytest.fixture(scope="session")
def jwt_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh RSA key for the JWT bearer grant (the sandbox reads but does not verify it)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("jwt") / "server.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def settings(sandbox: SandboxControl) -> SalesforceSettings:
    return make_settings(sandbox.url, sandbox.ca_bundle)


@pytest.fixture
def connector(settings: SalesforceSettings) -> Iterator[SalesforceConnector]:
    made = SalesforceConnector(settings, counter=CallCounter())
    yield made
    made.close()
