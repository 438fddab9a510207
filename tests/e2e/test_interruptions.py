"""Runs that meet the world: a person editing a record between our read and our write (SAP
answers 412 on the stale ETag), an API allowance running out mid-run, and a second run of the
same sync starting while one is writing.

The connectors and stand-ins are the real ones. ``Scripted`` wraps a real connector only to
time an outside event exactly: a person's edit made through SAP's own API just before our
write, or the allowance running out (as Salesforce's REQUEST_LIMIT_EXCEEDED does) after a
number of write calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Connector, TargetRecord, WriteResult
from connectors.errors import LimitExhausted
from connectors.registry import build_connector
from engine.mapping import load_mapping
from engine.run import SyncLocked, SyncRun, run_sync
from engine.state.store import StateStore
from engine.status import sync_status
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import MAPPING, run_customers, variant, with_sync

RESUME_AT = datetime(2026, 10, 2, 0, 0, tzinfo=UTC)


class Scripted:
    """A real connector; ``before_write`` runs before each ``write_batch`` it delegates."""

    def __init__(self, inner: Connector, before_write: Callable[[int], None]) -> None:
        self.inner = inner
        self.before_write = before_write
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        self.writes += 1
        self.before_write(self.writes)
        return self.inner.write_batch(obj, records)


def run_with(mapping: Path, wrap: dict[str, Callable[[Connector], Connector]]) -> Any:
    return with_sync(run_sync, mapping, wrap)


def test_write_refused_on_a_stale_etag_is_read_again_and_merged(erpsync_env: Sandboxes) -> None:
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers()
    sf.update(sf.account_by_number("1000002")["Id"], BillingCity="Leipzig")

    def someone_edits_sap(call: int) -> None:
        if call == 1:  # after our read of the partner, before our write of it
            sap.update("1000002", BusinessPartnerFullName="Talpa Renamed In SAP")

    report = run_with(MAPPING, {"sap": lambda c: Scripted(c, someone_edits_sap)})

    assert report.dead_letters == 0
    partner = sap.partner("1000002")
    assert partner["BusinessPartnerFullName"] == "Talpa Renamed In SAP", "not overwritten"
    assert partner["to_BusinessPartnerAddress"]["results"][0]["CityName"] == "Leipzig"
    assert sf.account_by_number("1000002")["Name"] == "Talpa Renamed In SAP"
    trail = StateStore().audit_trail("customers", "1000002")
    assert any(row["operation"] == "stale_remerged" for row in trail)


def test_spent_api_allowance_ends_the_run_at_its_last_checkpoint(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "pages", ("deletes: deactivate",
                                           "deletes: deactivate\npage_size: 5"))
    sf = SalesforceUser(erpsync_env)

    def allowance(call: int) -> None:
        if call > 2:
            raise LimitExhausted("daily API requests used up", code="REQUEST_LIMIT_EXCEEDED",
                                 system="salesforce", resume_at=RESUME_AT)

    report = run_with(mapping, {"salesforce": lambda c: Scripted(c, allowance)})

    assert report.status == "limit_exhausted" and report.resume_at == RESUME_AT
    assert "resume at 2026-10-02T00:00:00+00:00" in report.messages[0]
    numbered = [a for a in sf.accounts() if a["ERP_Customer_Number__c"]]
    assert len(numbered) == 10, "two pages of five were written and checkpointed"
    status = sync_status(StateStore(), "customers")
    assert status["last_run"]["status"] == "limit_exhausted"
    assert status["last_run"]["resume_at"] == RESUME_AT.isoformat()
    assert status["locked_by"] is None, "the lock is released"

    final = run_customers(mapping)

    assert final.status == "completed"
    accounts = sf.accounts()
    assert len(accounts) == 21 and len({a["ERP_Customer_Number__c"] for a in accounts}) == 21
    assert final.systems["salesforce"].created == 6


def test_a_second_run_of_the_same_sync_does_not_start_while_one_writes(
        erpsync_env: Sandboxes) -> None:
    loaded = load_mapping(MAPPING)
    stores = [StateStore(), StateStore()]
    for store in stores:
        store.migrate()
    first = SyncRun(loaded, {s: build_connector(s) for s in loaded.mapping.systems}, stores[0])
    second = SyncRun(loaded, {s: build_connector(s) for s in loaded.mapping.systems}, stores[1])
    try:
        first.prepare()
        with pytest.raises(SyncLocked, match="in progress"):
            second.prepare()
        second.finish("failed")
        first.finish()
        third = SyncRun(loaded, first.ctx.connectors, stores[1])
        third.prepare()
        third.finish()
    finally:
        for run in (first, second):
            for connector in run.ctx.connectors.values():
                connector.close()
        for store in stores:
            store.close()
