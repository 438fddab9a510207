"""Task retries only for crashes: Prefect's own retry machinery with our condition, on real
task runs against the harness — first on a small task, then on the sync's own page tasks with
a real connector that crashes once (before its write, or after the system took it). API-level
errors (the error tree) were already retried inside the connector, so the page task must not
repeat them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, cast

import pytest
from prefect import flow, task

from connectors.base import Connector, TargetRecord, WriteResult
from connectors.errors import ConfigError, RecordRejected, SyncError, TransientError
from flows.redaction import SECRETS
from flows.tasks import CRASH_RETRIES, check_systems, retry_only_crashes, sync_page
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.flows.conftest import poll, task_runs_of

attempts: dict[str, int] = {}


@task(retries=CRASH_RETRIES, retry_delay_seconds=0, retry_condition_fn=retry_only_crashes,
      persist_result=False)
def fails_once(kind: str) -> str:
    attempts[kind] = attempts.get(kind, 0) + 1
    if attempts[kind] == 1:
        raise {"crash": OSError("connection reset by peer"),
               "transient": TransientError("503 after the connector's own retries"),
               "config": ConfigError("bad credentials")}[kind]
    return "done"


@flow(persist_result=False)
def one_task(kind: str) -> str:
    return fails_once(kind)


@pytest.mark.prefect
@pytest.mark.parametrize(("kind", "retried"), [("crash", True), ("transient", False),
                                               ("config", False)])
def test_only_a_crash_is_retried(kind: str, retried: bool, prefect_api: str) -> None:
    attempts.clear()
    state = one_task(kind, return_state=True)
    assert state.is_completed() is retried
    assert attempts[kind] == (2 if retried else 1)


def test_the_page_task_uses_that_policy_and_the_check_is_never_retried() -> None:
    assert sync_page.retries == CRASH_RETRIES
    assert sync_page.retry_condition_fn is retry_only_crashes
    assert check_systems.retries == 0, "a retried check would find its own lock"


class CrashesOnce:
    """A real connector whose first ``write_batch`` raises ``error`` — in this test, not in
    each run: before the batch goes out, or after the system took it (the answer lost, as
    when a worker dies mid-page)."""

    def __init__(self, inner: Connector, error: Exception, after_write: bool,
                 crashes: list[Exception]) -> None:
        self.inner = inner
        self.error = error
        self.after_write = after_write
        self.crashes = crashes

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        crash = not self.crashes
        if crash and not self.after_write:
            self.crashes.append(self.error)
            raise self.error
        results = self.inner.write_batch(obj, records)
        if crash:
            self.crashes.append(self.error)
            raise self.error
        return results


def crash_in(monkeypatch: pytest.MonkeyPatch, system: str, error: Exception,
             after_write: bool = False) -> list[Exception]:
    """The flow's sessions get ``system``'s real connector wrapped in ``CrashesOnce``; the
    crashes that happened."""
    import flows.session

    real = flows.session.open_connectors
    crashes: list[Exception] = []

    def open_connectors(systems: list[str], registry: Any = SECRETS) -> dict[str, Connector]:
        connectors = real(systems, registry)
        connectors[system] = cast("Connector", CrashesOnce(connectors[system], error,
                                                           after_write, crashes))
        return connectors

    monkeypatch.setattr(flows.session, "open_connectors", open_connectors)
    return crashes


def run_customers_flow() -> Any:
    from flows.sync_flow import sync

    return sync(name="customers", return_state=True)


def page_task(flow_run_id: str, name: str) -> Any:
    def done(tasks: list[Any]) -> bool:
        return any(t.name == name and t.state and t.state.is_final() for t in tasks)

    tasks = poll(lambda: task_runs_of(flow_run_id), done)
    (found,) = [t for t in tasks if t.name == name]
    return found


def assert_every_customer_once(sandboxes: Sandboxes) -> None:
    """21 customers on each side (16 from SAP, 5 from the CRM), none twice."""
    accounts = SalesforceUser(sandboxes).accounts()
    numbers = [a["ERP_Customer_Number__c"] for a in accounts]
    assert len(accounts) == 21 and None not in numbers and len(set(numbers)) == 21, numbers
    customers = [p for p in SapUser(sandboxes).partners() if not p["Supplier"]]
    names = Counter(p["BusinessPartnerFullName"] for p in customers)
    assert len(customers) == 21, names
    assert [n for n, times in names.items() if times > 1] == [], names


@pytest.mark.prefect
@pytest.mark.parametrize("case", [
    ("salesforce", "sync sap page 1 to salesforce", False),
    ("salesforce", "sync sap page 1 to salesforce", True),
    ("sap", "sync salesforce page 1 to sap", True)],
    ids=["before-salesforce-write", "after-salesforce-write", "after-sap-write"])
def test_a_crashed_page_task_is_retried_and_every_record_is_written_once(
        erpsync_env: Sandboxes, prefect_api: str, monkeypatch: pytest.MonkeyPatch,
        case: tuple[str, str, bool]) -> None:
    system, page, after_write = case
    crashes = crash_in(monkeypatch, system,
                       RuntimeError("worker lost its database connection"), after_write)

    state = run_customers_flow()

    assert state.is_completed(), state.message
    assert len(crashes) == 1
    task_run = page_task(str(state.state_details.flow_run_id), page)
    assert task_run.state.is_completed() and task_run.run_count == 2, \
        "Prefect ran the crashed page task again"
    report = state.result()
    assert report["dead_letters"] == 0
    assert_every_customer_once(erpsync_env)
    erpsync_env.clear_logs()
    again = run_customers_flow().result()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == [], again


@pytest.mark.prefect
@pytest.mark.parametrize("error", [
    TransientError("503 after the connector's own retries", system="salesforce"),
    RecordRejected("the batch was refused", code="INVALID_BATCH", system="salesforce")],
    ids=["transient", "rejected"])
def test_an_erpsync_error_in_a_page_task_is_not_retried_by_prefect(
        erpsync_env: Sandboxes, prefect_api: str, monkeypatch: pytest.MonkeyPatch,
        error: SyncError) -> None:
    crashes = crash_in(monkeypatch, "salesforce", error)
    erpsync_env.clear_logs()

    state = run_customers_flow()

    assert state.is_failed() and crashes == [error]
    assert type(error).__name__ in str(state.message)
    task_run = page_task(str(state.state_details.flow_run_id), "sync sap page 1 to salesforce")
    assert task_run.state.is_failed() and task_run.run_count == 1, \
        "the connector already retried; Prefect must not repeat the page"
    assert erpsync_env.sf_writes() == [], "the one attempt wrote nothing"

    # The next run meets no error (the connector crashes once): the failed page was not
    # checkpointed, so it is read and written again.
    assert run_customers_flow().is_completed()
    assert_every_customer_once(erpsync_env)
