"""Authentication against the real sandbox: each grant, refusals, expiry, TLS, preflight."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from salesforce_support import CLIENT_SECRET, SandboxControl, make_settings

from connectors.base import CallCounter
from connectors.errors import ConfigError
from connectors.salesforce import SalesforceConnector
from sandbox.process import free_port

WRONG_SECRET = "not-the-password-0xC0FFEE"


def test_password_grant(connector: SalesforceConnector) -> None:
    connector.check()
    assert connector.counter.by_kind["auth"] == 1
    assert connector.counter.by_kind["describe"] == 1
    assert connector.counter.calls == 2


def test_client_credentials_grant(sandbox: SandboxControl) -> None:
    settings = make_settings(
        sandbox.url,
        sandbox.ca_bundle,
        auth="client_credentials",
        username=None,
        password=None,
        client_secret=CLIENT_SECRET,
    )
    with SalesforceConnector(settings) as connector:
        connector.check()
        assert connector.describe("Account").has("ERP_Customer_Number__c")


def test_jwt_grant(sandbox: SandboxControl, jwt_key_file: Path) -> None:
    settings = make_settings(
        sandbox.url, sandbox.ca_bundle, auth="jwt", password=None, private_key_file=jwt_key_file
    )
    with SalesforceConnector(settings) as connector:
        connector.check()


@pytest.mark.parametrize(
    "overrides",
    [
        {"password": WRONG_SECRET},
        {"auth": "client_credentials", "client_secret": WRONG_SECRET},
        {"client_id": "no-such-app", "password": WRONG_SECRET},
    ],
)
def test_bad_credentials_are_config_errors_without_the_secret(
    sandbox: SandboxControl, overrides: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, **overrides)
    connector = SalesforceConnector(settings)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError) as caught:
        connector.check()
    error = caught.value
    assert error.code  # the OAuth error code, e.g. invalid_grant / invalid_client_id
    for text in (str(error), repr(error), repr(error.args), repr(connector), caplog.text):
        assert WRONG_SECRET not in text
    assert error.__cause__ is None and error.__context__ is None
    connector.close()


def test_reads_fail_the_same_way_with_bad_credentials(sandbox: SandboxControl) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, password=WRONG_SECRET)
    connector = SalesforceConnector(settings)
    with pytest.raises(ConfigError) as caught:
        list(connector.read_changes("Account", None, ["Name"]))
    assert WRONG_SECRET not in str(caught.value)


def test_session_expiry_mid_run_is_transparent(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    sandbox.seed("Account", [{"Name": f"Acme {i}"} for i in range(3)])
    first = list(connector.read_changes("Account", None, ["Name"]))
    sandbox.expire_sessions()
    second = list(connector.read_changes("Account", None, ["Name"]))
    assert [r.key for r in first] == [r.key for r in second]
    assert connector.counter.by_kind["auth"] == 2


def test_session_expiry_between_pages_is_transparent(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    sandbox.seed("Account", [{"Name": f"Acme {i}"} for i in range(2100)])
    keys = []
    for record in connector.read_changes("Account", None, ["Name"]):
        keys.append(record.key)
        if len(keys) == 1:
            sandbox.expire_sessions()  # the next page is fetched with an expired session
    assert len(keys) == len(set(keys)) == 2100
    assert connector.counter.by_kind["auth"] == 2


def test_a_session_refused_right_after_a_new_login_is_a_config_error_without_a_loop(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    connector.check()
    sandbox.faults(bursts=[{"kind": "expire_session", "count": 2, "path_contains": "/query"}])
    sandbox.clear_served()

    with pytest.raises(ConfigError, match="brand-new session") as caught:
        list(connector.read_changes("Account", None, ["Name"]))

    assert caught.value.code == "INVALID_SESSION_ID"
    assert connector.counter.by_kind["auth"] == 2  # check's login and exactly one more
    assert [c["status"] for c in sandbox.served_data_calls(marker="/query")] == [401, 401]
    assert list(connector.read_changes("Account", None, ["Name"])) == []  # and it recovers


def test_a_token_that_outlives_its_ttl_is_renewed_once(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    answer = sandbox.http.post(sandbox.url + "/_sandbox/config", json={"token_ttl": 60},
                               timeout=30)
    answer.raise_for_status()
    try:
        sandbox.seed("Account", [{"Name": "Acme"}])
        connector.check()
        sandbox.advance_clock(120)  # the token has expired on the org's clock
        (record,) = list(connector.read_changes("Account", None, ["Name"]))
    finally:
        sandbox.http.post(sandbox.url + "/_sandbox/config", json={"token_ttl": 7200},
                          timeout=30).raise_for_status()
    assert record.fields["Name"] == "Acme"
    assert connector.counter.by_kind["auth"] == 2
    refused = [c for c in sandbox.served_data_calls() if c["status"] == 401]
    assert len(refused) == 1


def test_wrong_ca_bundle_is_a_config_error(sandbox: SandboxControl) -> None:
    settings = make_settings(sandbox.url, None, max_retries=3)  # system CAs: not the sandbox's
    counter = CallCounter()
    with pytest.raises(ConfigError) as caught:
        SalesforceConnector(settings, counter).check()
    assert caught.value.code == "TLS"
    assert counter.calls == 0  # TLS failures are not retried


def test_unreachable_org_is_a_config_error_at_preflight(sandbox: SandboxControl) -> None:
    nowhere = f"https://127.0.0.1:{free_port()}"
    settings = make_settings(nowhere, sandbox.ca_bundle, max_retries=1)
    with pytest.raises(ConfigError) as caught:
        SalesforceConnector(settings).check()
    assert caught.value.code == "UNREACHABLE"


def test_api_usage_comes_from_sforce_limit_info(connector: SalesforceConnector) -> None:
    assert connector.api_usage is None
    connector.check()
    usage = connector.api_usage
    assert usage is not None
    used, limit = usage
    assert 0 < used <= limit


def test_secrets_stay_out_of_reprs(sandbox: SandboxControl) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, password=WRONG_SECRET)
    connector = SalesforceConnector(settings)
    assert WRONG_SECRET not in repr(settings)
    assert WRONG_SECRET not in repr(connector)
    assert WRONG_SECRET not in str(settings.model_dump())
    connector.close()


def test_a_configured_instance_url_takes_the_api_calls(sandbox: SandboxControl) -> None:
    """The token is asked of login_url; the REST calls go to instance_url when it is set
    (here the same org under its other name, localhost, which its certificate covers)."""
    port = sandbox.url.rsplit(":", 1)[1]
    other_name = f"https://localhost:{port}"
    with SalesforceConnector(make_settings(sandbox.url, sandbox.ca_bundle,
                                           instance_url=other_name)) as connector:
        connector.check()
        assert connector.describe("Account").has("ERP_Customer_Number__c")

    nowhere = f"https://127.0.0.1:{free_port()}"
    settings = make_settings(sandbox.url, sandbox.ca_bundle, instance_url=nowhere, max_retries=1)
    counter = CallCounter()
    with pytest.raises(ConfigError) as caught:
        SalesforceConnector(settings, counter).check()
    assert caught.value.code == "UNREACHABLE"
    assert f"port={nowhere.rsplit(':', 1)[1]}" in str(caught.value), "names the API address"
    assert counter.by_kind["auth"] == 1, "the token came from login_url, which answered"
