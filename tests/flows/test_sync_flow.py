"""The sync flow against a real Prefect API (the harness) and the real sandboxes: what an
operator sees of a run — task runs, artifacts, logs, states — read back through Prefect's API,
and what the systems received, read from their own request logs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.run import SyncLocked
from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.flows.conftest import (
    flow_run,
    logs_of,
    poll,
    task_runs_of,
    wait_for_artifacts,
)

ARTIFACTS = {"customers-counts", "customers-summary", "customers-failed-records",
             "customers-open-conflicts", "customers-progress"}


def run_flow(**parameters: Any) -> Any:
    """Run the flow in this process; its state, whatever it ended in."""
    from flows.sync_flow import sync

    return sync(name="customers", return_state=True, **parameters)


def flow_run_id_of(state: Any) -> str:
    return str(state.state_details.flow_run_id)


def rows(artifact: Any) -> list[dict[str, Any]]:
    data = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    return list(data)


@pytest.mark.prefect
def test_a_run_shows_counts_summary_failures_and_progress(erpsync_env: Sandboxes,
                                                          prefect_api: str) -> None:
    SalesforceUser(erpsync_env).create(Name="Kiwi Imports Ltd", BillingCountryCode="NZ",
                                       BillingCity="Auckland")
    state = run_flow()
    assert state.is_completed(), state.message
    report = state.result()
    run_id = flow_run_id_of(state)
    assert report["flow_run_id"] == run_id and report["mode"] == "incremental"

    found = wait_for_artifacts(run_id, ARTIFACTS)
    counts = {row["system"]: row for row in rows(found["customers-counts"])}
    assert counts["salesforce"]["created"] == 16 and counts["sap"]["created"] == 5
    assert counts["all"]["dead letters"] == 1 and counts["salesforce"]["dead letters"] == 1
    assert counts["all"]["API calls"] == report["api_calls"] > 0

    (failed,) = rows(found["customers-failed-records"])
    assert failed["system"] == "salesforce" and failed["code"] == "UNMAPPED_VALUE"
    assert "NZ" in failed["reason"] and failed["error"] == "RecordRejected"

    summary = str(found["customers-summary"].data)
    assert "**salesforce**: 16 created" in summary and "**sap**: 5 created" in summary
    assert "1 customer could not be synced" in summary and "1 for salesforce" in summary

    assert found["customers-progress"].data == 100
    assert found["customers-progress"].description == "Run completed"


@pytest.mark.prefect
def test_task_runs_are_named_steps_one_per_page(erpsync_env: Sandboxes,
                                                prefect_api: str) -> None:
    state = run_flow()
    run_id = flow_run_id_of(state)
    expected = {"check systems and mapping", "sync sap page 1 to salesforce",
                "sync salesforce page 1 to sap"}
    tasks = poll(lambda: task_runs_of(run_id), lambda got: len(got) >= len(expected))
    assert {t.name for t in tasks} == expected
    assert all(t.state_name == "Completed" for t in tasks)
    assert flow_run(run_id).name == "sync customers (incremental)"


@pytest.mark.prefect
def test_logs_use_the_run_logger_with_counts_and_no_payloads(erpsync_env: Sandboxes,
                                                             prefect_api: str) -> None:
    state = run_flow()
    run_id = flow_run_id_of(state)
    logs = poll(lambda: logs_of(run_id),
                lambda got: any("sync customers done" in log.message for log in got))
    messages = [log.message for log in logs]
    assert any("16 records from sap: 16 created" in m for m in messages), messages
    assert any(log.task_run_id for log in logs), "page logs belong to their task runs"
    names = {a["Name"] for a in SalesforceUser(erpsync_env).accounts()}
    info = [log.message for log in logs if log.level <= 20]
    assert not [m for m in info if any(name in m for name in names)], \
        "no record content (names) at INFO"


@pytest.mark.prefect
def test_full_mode_repairs_what_change_capture_cannot_see(erpsync_env: Sandboxes,
                                                          prefect_api: str) -> None:
    """mock-sap does not stamp a partner's change date when only its address changes, so an
    incremental run cannot see that edit; a full run re-reads every record and carries it."""
    assert run_flow().is_completed()
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    number = sf.accounts()[0]["ERP_Customer_Number__c"]
    sap.update_address(number, CityName="Neustadt an der Weinstrasse")

    incremental = run_flow().result()
    assert sf.account_by_number(number)["BillingCity"] != "Neustadt an der Weinstrasse"
    assert incremental["salesforce"]["updated"] == 0

    full = run_flow(mode="full").result()
    assert full["mode"] == "full"
    assert sf.account_by_number(number)["BillingCity"] == "Neustadt an der Weinstrasse"
    assert full["salesforce"]["updated"] == 1, full
    assert full["sap"]["read"] >= 21 and full["salesforce"]["read"] >= 21, \
        "a full run re-reads every record of both sides"
    assert incremental["sap"]["read"] < full["sap"]["read"]


@pytest.mark.prefect
def test_a_locked_sync_fails_clearly_and_writes_nothing(erpsync_env: Sandboxes,
                                                        prefect_api: str) -> None:
    store = StateStore()
    store.migrate()
    assert store.acquire_lock("customers", "another-worker:1")
    erpsync_env.clear_logs()
    try:
        state = run_flow()
    finally:
        store.release_lock("customers", "another-worker:1")
        store.close()
    assert state.is_failed()
    assert "another run of 'customers' is in progress" in str(state.message)
    with pytest.raises(SyncLocked):
        state.result()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    progress = wait_for_artifacts(flow_run_id_of(state), {"customers-progress"})
    assert "Run stopped: another run" in str(progress["customers-progress"].description)


@pytest.mark.prefect
def test_reconcile_repairs_an_edit_that_moved_no_timestamp(erpsync_env: Sandboxes,
                                                           prefect_api: str) -> None:
    assert run_flow().is_completed()
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    number = sf.accounts()[0]["ERP_Customer_Number__c"]
    sap.update_address(number, CityName="Bad Dürkheim")  # mock-sap stamps no change date

    state = run_flow(mode="reconcile")

    assert state.is_completed(), state.message
    report = state.result()
    assert sf.account_by_number(number)["BillingCity"] == "Bad Dürkheim"
    assert report["reconciled"]["sap"]["drifted"] == 1, report["reconciled"]
    assert report["reconciled"]["sap"]["scanned"] >= 21
    tasks = poll(lambda: task_runs_of(flow_run_id_of(state)),
                 lambda got: any(t.name.startswith("repair changed sap") for t in got))
    assert "repair changed sap page 1 to salesforce" in {t.name for t in tasks}


@pytest.mark.prefect
def test_an_unknown_mode_is_refused_before_anything_runs(erpsync_env: Sandboxes,
                                                         prefect_api: str) -> None:
    erpsync_env.clear_logs()
    state = run_flow(mode="sometimes")
    assert state.is_failed()
    assert "Input should be 'incremental', 'full' or 'reconcile'" in str(state.message)
    assert erpsync_env.sap_writes() == []
    assert [r for r in erpsync_env.sf_requests() if "/services/" in r["path"]] == [], \
        "not even a login: the parameters are checked before the flow body runs"
