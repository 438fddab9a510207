"""Task retries only for crashes: Prefect's own retry machinery with our condition, on real
task runs against the harness. API-level errors (the error tree) were already retried inside
the connector, so the page task must not repeat them."""

from __future__ import annotations

import pytest
from prefect import flow, task

from connectors.errors import ConfigError, TransientError
from flows.tasks import CRASH_RETRIES, check_systems, retry_only_crashes, sync_page

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
