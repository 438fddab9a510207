"""Preflight and credentials against a mock-sap that demands HTTP basic authentication."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sap_support import BP, add_fault, settings_for, until_stopped

from connectors.errors import ConfigError
from connectors.sap import SapODataConnector, SapSettings
from connectors.sap.settings import DEFAULT_SERVICES
from sandbox.process import ChildServer, free_port
from sandbox.sap import start

USER, PASSWORD = "SYNC_USER", "right-password"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildServer]:
    log = tmp_path_factory.mktemp("sap-auth") / "mock-sap.log"
    yield from until_stopped(start(log_file=log, extra_args=("--auth", f"{USER}:{PASSWORD}")))


def test_right_credentials_pass_the_preflight_and_read(guarded: ChildServer) -> None:
    connector = SapODataConnector(settings_for(guarded, user=USER, password=SecretStr(PASSWORD)))
    try:
        connector.check()
        assert next(iter(connector.read_changes(BP, None, []))).key
    finally:
        connector.close()


def test_the_preflight_checks_the_entity_sets_an_admin_routed_not_the_catalogue(
        guarded: ChildServer) -> None:
    """mock-sap lacks A_BusinessPartnerContact, which the defaults route to the business
    partner service (real S/4 has it): no reason to refuse every sync at check. An entity
    set an admin routed there and SAP does not serve is refused at check."""
    routed = {**DEFAULT_SERVICES, "A_BusinessPartnerTypo": "API_BUSINESS_PARTNER_SRV"}
    for services, fails in ((DEFAULT_SERVICES, False), (routed, True)):
        connector = SapODataConnector(settings_for(guarded, user=USER, services=services,
                                                   password=SecretStr(PASSWORD)))
        try:
            if not fails:
                connector.check()
                continue
            with pytest.raises(ConfigError) as caught:
                connector.check()
            assert "A_BusinessPartnerTypo" in caught.value.message
        finally:
            connector.close()


@pytest.mark.parametrize("password", ["wrong-password", None])
def test_refused_credentials_are_a_config_error(guarded: ChildServer,
                                                password: str | None) -> None:
    secret = SecretStr(password) if password else None
    connector = SapODataConnector(settings_for(guarded, user=USER, password=secret))
    try:
        with pytest.raises(ConfigError) as caught:
            connector.check()
    finally:
        connector.close()
    assert caught.value.code == "AUTH_FAILED"
    assert "ERPSYNC_SAP_PASSWORD" in caught.value.message
    assert "wrong-password" not in str(caught.value)
    assert connector.counter.calls == 1  # a refused login is not retried


def test_missing_credentials_fail_reads_too(guarded: ChildServer) -> None:
    connector = SapODataConnector(settings_for(guarded))
    try:
        with pytest.raises(ConfigError, match="anonymous"):
            list(connector.read_changes(BP, None, []))
    finally:
        connector.close()


def test_unreachable_host_is_a_config_error_at_once() -> None:
    settings = SapSettings(base_url=f"http://127.0.0.1:{free_port()}", timeout=2.0)
    connector = SapODataConnector(settings)
    try:
        with pytest.raises(ConfigError, match="cannot reach SAP") as caught:
            connector.check()
    finally:
        connector.close()
    assert caught.value.code == "UNREACHABLE"
    assert connector.counter.calls == 1


def test_unknown_service_is_a_config_error(sap: ChildServer) -> None:
    settings = settings_for(sap, services={BP: "API_NO_SUCH_SRV"})
    connector = SapODataConnector(settings)
    try:
        with pytest.raises(ConfigError) as caught:
            connector.check()
    finally:
        connector.close()
    assert caught.value.code == "NOT_FOUND"
    assert "API_NO_SUCH_SRV" in caught.value.message


def test_unknown_entity_set_is_a_config_error(sap: ChildServer) -> None:
    settings = settings_for(sap, services={"A_Nothing": "API_BUSINESS_PARTNER_SRV"})
    connector = SapODataConnector(settings)
    try:
        with pytest.raises(ConfigError, match="no entity set 'A_Nothing'"):
            connector.check()
    finally:
        connector.close()


def test_missing_authorization_is_a_config_error(sap: ChildServer) -> None:
    add_fault(sap, match="metadata", method="GET", scenario="forbidden", count=1)
    connector = SapODataConnector(settings_for(sap))
    try:
        with pytest.raises(ConfigError, match="lacks authorization") as caught:
            connector.check()
    finally:
        connector.close()
    assert caught.value.code == "FORBIDDEN"
