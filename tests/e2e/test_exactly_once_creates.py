"""Partners created in SAP from CRM accounts, exactly once and without paying for it.

SAP numbers a new partner itself, so a create whose run dies before its checkpoint leaves
nothing that links the partner to its account - except the account's Id, which the mapping's
``create_reference`` (SearchTerm1 in mock-sap) carries into SAP. The engine notes each such
create in its state before sending it and settles it in the page's checkpoint: only a create
noted and never settled is looked up by that reference before it is sent again, and a partner
whose reference names such a create is linked to its account when SAP's change feed brings it
back. An ordinary run therefore makes no look-up at all; a run after a crash creates nothing
twice on either side (counted in both systems). A page retried at once after a crash (the
Prefect task retry) takes the other way, the look-up before sending: see
tests/flows/test_task_retries.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import select

from connectors.base import Connector, TargetRecord, WriteResult
from engine.run import run_sync
from engine.state import schema
from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import MAPPING, run_customers, with_sync

CRM_ONLY = 5  # the demo accounts that exist only in Salesforce


class DiesAfterSapWrite:
    """The real SAP connector; the first write reaches SAP, then the worker "dies" before
    anything is checkpointed (the exception stands in for the lost process)."""

    def __init__(self, inner: Connector) -> None:
        self.inner = inner
        self.died = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        results = self.inner.write_batch(obj, records)
        if not self.died:
            self.died = True
            raise RuntimeError("worker lost after SAP took the batch")
        return results


def reference_lookups(sandboxes: Sandboxes) -> list[dict[str, Any]]:
    """Reads of partners filtered by the create reference, as mock-sap logged them."""
    return [r for r in sandboxes.sap_requests() if r["method"] == "GET"
            and "SearchTerm1 eq" in unquote_plus(str(r.get("query", "")))]


def pending(sync: str = "customers") -> list[str]:
    store = StateStore()
    try:
        with store.engine.connect() as conn:
            c = schema.pending_creates.c
            return sorted(conn.execute(select(c.source_key).where(c.sync == sync)).scalars())
    finally:
        store.close()


def crm_born_partners(sap: SapUser, sf: SalesforceUser) -> list[str]:
    ids = {a["Id"] for a in sf.accounts()}
    return [p["BusinessPartner"] for p in sap.partners() if p.get("SearchTerm1") in ids]


def test_an_ordinary_run_creates_with_the_reference_and_looks_nothing_up(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser) -> None:
    erpsync_env.clear_logs()

    report = run_customers()

    assert report.systems["sap"].created == CRM_ONLY
    assert reference_lookups(erpsync_env) == [], "nothing was sent before: nothing to look up"
    assert len(crm_born_partners(sap, sf)) == CRM_ONLY, "each carries its account's Id"
    assert pending() == [], "the checkpoint settled every create"


def test_after_a_crash_the_partners_made_are_linked_and_none_is_made_twice(
        erpsync_env: Sandboxes, sap: SapUser, sf: SalesforceUser) -> None:
    crashing = DiesAfterSapWrite
    with pytest.raises(RuntimeError, match="worker lost"):
        with_sync(run_sync, MAPPING, {"sap": crashing})
    assert len(crm_born_partners(sap, sf)) == CRM_ONLY, "SAP created them before the crash"
    open_creates = pending()
    assert len(open_creates) == CRM_ONLY, "the crash left them unsettled"
    erpsync_env.clear_logs()

    report = run_customers()

    # SAP's change feed brings the 5 partners first: their reference names accounts whose
    # create the journal holds open, so they are linked to those accounts (one read by Id),
    # not created in Salesforce; the accounts then need no create in SAP either.
    assert report.systems["sap"].created == 0 and report.systems["salesforce"].created == 0
    assert len(crm_born_partners(sap, sf)) == CRM_ONLY, "not one partner twice"
    assert len(sf.accounts()) == 21, "not one account twice"
    assert pending() == []
    numbers = {a["ERP_Customer_Number__c"] for a in sf.accounts()}
    assert None not in numbers, "every account got its SAP number back"
    erpsync_env.clear_logs()
    run_customers()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
