"""Connectors of one process share the session, describes and clock of the same org and user
(``org_cache``), against the sandbox as a real server; other credentials share nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from salesforce_support import SandboxControl, make_settings

from connectors.base import CallCounter, SourceRecord
from connectors.errors import ConfigError
from connectors.salesforce import SalesforceConnector, SalesforceSettings
from connectors.salesforce.records import once_per_instant

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def kinds(sandbox: SandboxControl) -> list[str]:
    """The served requests as ``METHOD /path`` below the API version (token: ``token``)."""
    return ["token" if r["path"].endswith("/oauth2/token") else
            f"{r['method']} {r['path'].split('/v62.0/')[-1]}" for r in sandbox.served()]


def warmed(settings: SalesforceSettings) -> None:
    """A first connector of the process: checks, describes, reads."""
    with SalesforceConnector(settings) as first:
        first.check()
        first.describe("Account")
        list(first.read_changes("Account", None, ["Name"]))


def test_a_later_connector_reuses_session_and_describe(
    sandbox: SandboxControl, settings: SalesforceSettings
) -> None:
    warmed(settings)
    sandbox.clear_served()

    with SalesforceConnector(settings, CallCounter()) as later:
        later.check()
        assert later.describe("Account").has("ERP_Customer_Number__c")
        list(later.read_changes("Account", None, ["Name"]))

    assert kinds(sandbox) == ["GET sobjects", "GET queryAll/"]  # preflight, read: no login


def test_other_credentials_share_nothing(
    sandbox: SandboxControl, settings: SalesforceSettings
) -> None:
    warmed(settings)
    wrong = make_settings(sandbox.url, sandbox.ca_bundle, password="not-the-password")
    with SalesforceConnector(wrong) as other, pytest.raises(ConfigError):
        other.check()
    with SalesforceConnector(wrong) as other, pytest.raises(ConfigError):
        other.describe("Account")


def test_describes_are_shared_only_as_long_as_describe_cache_seconds(
    sandbox: SandboxControl,
) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, describe_cache_seconds=0)
    warmed(settings)
    sandbox.clear_served()

    with SalesforceConnector(settings) as later:
        later.describe("Account")

    assert kinds(sandbox) == ["GET sobjects/Account/describe"]


def test_a_call_refused_for_an_unknown_field_forgets_the_shared_describes(
    sandbox: SandboxControl, settings: SalesforceSettings
) -> None:
    """The org changed under the cached describe (here: a query naming a field it lacks, sent
    past the connector's own name check): the next connector describes again."""
    warmed(settings)
    with SalesforceConnector(settings) as first, pytest.raises(ConfigError) as refused:
        list(first._client.query_pages("SELECT Gone__c FROM Account", include_deleted=False,
                                       context="probe"))
    assert refused.value.code == "INVALID_FIELD"
    sandbox.clear_served()

    with SalesforceConnector(settings) as later:
        later.describe("Account")

    assert kinds(sandbox) == ["GET sobjects/Account/describe"]


def test_a_shared_session_that_expired_is_renewed_once_on_first_use(
    sandbox: SandboxControl, settings: SalesforceSettings
) -> None:
    (acme,) = sandbox.seed("Account", [{"Name": "Acme"}])["Account"]
    warmed(settings)
    sandbox.expire_sessions()
    sandbox.clear_served()

    with SalesforceConnector(settings, CallCounter()) as later:
        later.check()
        (record,) = list(later.read_changes("Account", None, ["Name"]))
        assert later.counter.by_kind["auth"] == 1

    assert record.key == acme
    assert kinds(sandbox) == ["GET sobjects", "token", "GET sobjects", "GET queryAll/"]


# -- one row per Id and instant ------------------------------------------------------------

def row(key: str, seconds: int) -> SourceRecord:
    return SourceRecord(system="salesforce", object="Account", key=key,
                        fields={"Name": key}, modified_at=T0 + timedelta(seconds=seconds))


def test_a_row_repeated_at_its_instant_is_yielded_once() -> None:
    """Reads are ordered by (SystemModstamp, Id), so a repeat shares its row's instant; only
    that instant's keys are held (memory bounded by the rows of one stamp)."""
    rows = [row("001A", 0), row("001B", 0), row("001A", 0), row("001B", 1), row("001B", 1)]
    assert [(r.key, r.modified_at) for r in once_per_instant(rows)] == [
        ("001A", T0), ("001B", T0), ("001B", T0 + timedelta(seconds=1))]


def test_the_same_record_at_a_later_instant_is_a_newer_version_and_comes_again() -> None:
    rows = [row("001A", 0), row("001B", 2), row("001A", 5)]
    assert [r.key for r in once_per_instant(rows)] == ["001A", "001B", "001A"]

