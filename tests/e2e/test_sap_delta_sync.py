"""SAP read through delta tokens by a real sync: with ``A_BusinessPartner`` in
``delta_entity_sets`` the engine keeps SAP's delta link per (sync, system, object) in the
state store and reads from it the next run, so a business partner deleted outright in SAP
(no deletion flag; a change-stamp filter cannot see it) reaches the sync as a delete and its
Salesforce account is deactivated (``deletes: deactivate``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from connectors.base import Connector, TargetRecord, WriteResult
from connectors.errors import LimitExhausted
from engine.run import run_sync
from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import MAPPING, plan_customers, run_customers, with_sync

BP = "A_BusinessPartner"


def delta_link() -> str | None:
    store = StateStore()
    try:
        return store.delta_link("customers", "sap", BP)
    finally:
        store.close()


def partner_reads(sandboxes: Sandboxes) -> list[str]:
    """Query strings of the partner reads mock-sap served since the last ``clear_logs``."""
    mark = getattr(sandboxes, "_sap_mark", 0)
    return [str(r["query"]) for r in sandboxes.sap_requests() if r["method"] == "GET"
            and str(r["path"]).endswith(f"/{BP}") and r["id"] > mark]


@pytest.fixture
def with_delta(erpsync_env: Sandboxes, monkeypatch: pytest.MonkeyPatch) -> Sandboxes:
    monkeypatch.setenv("ERPSYNC_SAP_DELTA_ENTITY_SETS", json.dumps([BP]))
    return erpsync_env


def test_a_partner_deleted_in_sap_reaches_salesforce_through_the_delta_link(
        with_delta: Sandboxes) -> None:
    sap, sf = SapUser(with_delta), SalesforceUser(with_delta)
    first = run_customers()
    assert first.systems["salesforce"].created == 16
    link = delta_link()
    assert link is not None and "deltatoken" in link
    assert sf.account_by_number("1000005")["ERP_Blocked__c"] is False

    sap.delete("1000005")
    sap.update("1000006", BusinessPartnerFullName="Renamed Through Delta")
    with_delta.clear_logs()
    second = run_customers()

    assert second.status == "completed"
    assert sf.account_by_number("1000005")["ERP_Blocked__c"] is True, "delete → deactivate"
    assert sf.account_by_number("1000006")["Name"] == "Renamed Through Delta"
    assert second.systems["salesforce"].updated == 2
    (read,) = partner_reads(with_delta)
    assert "!deltatoken=" in read and "$filter" not in read, "one read, through the link"
    assert delta_link() not in (None, link), "the link moved on after the run"

    with_delta.clear_logs()
    third = run_customers()
    assert third.systems["salesforce"].updated == 0 and with_delta.sf_writes() == []


def test_a_dry_run_keeps_no_link(with_delta: Sandboxes) -> None:
    plan_customers()
    assert delta_link() is None


class SpentAllowance:
    """The real Salesforce connector whose API allowance runs out at its first write."""

    def __init__(self, inner: Connector) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        raise LimitExhausted("REQUEST_LIMIT_EXCEEDED", code="REQUEST_LIMIT_EXCEEDED",
                             system="salesforce")


def test_a_run_that_stops_before_the_feed_is_done_keeps_the_old_link(
        with_delta: Sandboxes) -> None:
    """The link moves only after every page read through the last one is checkpointed: a
    run stopped at the API limit reads the same changes again next time."""
    stopped = with_sync(run_sync, MAPPING, {"salesforce": SpentAllowance})
    assert stopped.status == "limit_exhausted"
    assert delta_link() is None

    resumed = run_customers()
    assert resumed.systems["salesforce"].created == 16, "nothing was lost"
    assert delta_link() is not None
