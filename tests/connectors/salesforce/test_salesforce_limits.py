"""The API budget and the org's daily limit, against the sandbox's Sforce-Limit-Info header."""

from __future__ import annotations

import pytest
from salesforce_support import SandboxControl, make_settings

from connectors.base import TargetRecord
from connectors.errors import LimitExhausted
from connectors.salesforce import SalesforceConnector

EXT = "ERP_Customer_Number__c"


def budgeted(sandbox: SandboxControl, calls: int, **overrides: object) -> SalesforceConnector:
    """A connector whose budget is ``calls`` calls of the sandbox's daily limit."""
    with SalesforceConnector(make_settings(sandbox.url, sandbox.ca_bundle)) as probe:
        probe.check()
        assert probe.api_usage is not None
        limit = probe.api_usage[1]
    share = calls / limit
    return SalesforceConnector(make_settings(sandbox.url, sandbox.ca_bundle,
                                             api_budget_share=share, **overrides))


def test_a_write_the_budget_cannot_cover_is_not_started(sandbox: SandboxControl) -> None:
    with budgeted(sandbox, 10, bulk_threshold=100_000) as connector:
        connector.describe("Account")  # one call of the ten
        sandbox.clear_served()
        records = [TargetRecord(f"r{i}", {EXT: f"B{i:05d}", "Name": "x"}, upsert_field=EXT)
                   for i in range(2_000)]  # ten collection calls: one too many
        with pytest.raises(LimitExhausted) as caught:
            connector.write_batch("Account", records)
    assert caught.value.code == "API_BUDGET_SPENT"
    assert sandbox.served_data_calls() == []


def test_a_read_stops_at_the_budget_and_never_overspends(sandbox: SandboxControl) -> None:
    sandbox.seed("Account", [{"Name": f"Acme {i}"} for i in range(3_000)])
    with budgeted(sandbox, 8, query_page_size=200) as connector:
        sandbox.clear_served()
        seen = 0
        with pytest.raises(LimitExhausted) as caught:
            for _ in connector.read_changes("Account", None, ["Name"]):
                seen += 1
    assert caught.value.code == "API_BUDGET_SPENT"
    assert len(sandbox.served_data_calls()) == 8  # describe + 7 pages, then no 9th call
    assert seen == 7 * 200


def test_without_a_budget_only_the_org_limit_counts(sandbox: SandboxControl) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, api_budget_share=None,
                             query_page_size=200)
    sandbox.seed("Account", [{"Name": f"Acme {i}"} for i in range(3_000)])
    with SalesforceConnector(settings) as connector:
        assert sum(1 for _ in connector.read_changes("Account", None, ["Name"])) == 3_000
