"""A real Prefect API for the flow tests (the test harness: a temporary server with its own
database), started once per session, and helpers that read back what runs left there.

Everything a flow run records reaches the server asynchronously (logs in batches, task runs
through the event stream), so the readers poll until what they wait for is there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import pytest

from tests.conftest import REPO

ERPSYNC = str(Path(sys.executable).parent / "erpsync")
# No telemetry from the temporary server (this machine may have no route out).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
T = TypeVar("T")


@pytest.fixture(autouse=True)
def new_process_per_test() -> None:
    """Each test's flow runs start as a flow run under ``prefect serve`` does, in a process of
    its own: without the Salesforce session and describes an earlier test's runs left in this
    one (``connectors.salesforce.org_cache``), so that the calls a run makes, and the API
    budget they spend, do not depend on which tests ran before."""
    from connectors.salesforce.org_cache import clear_org_caches

    clear_org_caches()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    # Heartbeats make every flow run wait ~1 s at its end (PREFECT_NOTES.md).
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), \
            prefect_test_harness(server_startup_timeout=180):
        yield str(PREFECT_API_URL.value())


def child_env(prefect_api: str, **extra: str) -> dict[str, str]:
    """The environment of an `erpsync` child process pointed at the test server."""
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("ERPSYNC_", "PATH", "HOME", "PREFECT_HOME"))}
    return {**env, "PREFECT_API_URL": prefect_api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            **extra}


def erpsync(*args: str, env: dict[str, str],
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ERPSYNC, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def poll(read: Callable[[], T], done: Callable[[T], bool], timeout: float = 60) -> T:
    """``read()`` until ``done`` says it is complete or ``timeout`` passes; the last value."""
    deadline = time.monotonic() + timeout
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.5)
        value = read()
    return value


def artifacts_of(flow_run_id: str | UUID) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        return list(client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(str(flow_run_id))]))))


def wait_for_artifacts(flow_run_id: str | UUID, keys: set[str]) -> dict[str, Any]:
    found = poll(lambda: {a.key: a for a in artifacts_of(flow_run_id)},
                 lambda got: keys <= set(got))
    assert keys <= set(found), f"artifacts {keys - set(found)} never arrived"
    return found


def logs_of(flow_run_id: str | UUID) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    with get_client(sync_client=True) as client:
        return list(client.read_logs(log_filter=LogFilter(
            flow_run_id=LogFilterFlowRunId(any_=[UUID(str(flow_run_id))])),
            sort=LogSort.TIMESTAMP_ASC, limit=200))


def task_runs_of(flow_run_id: str | UUID) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        return list(client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[UUID(str(flow_run_id))]))))


def flow_run(flow_run_id: str | UUID) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(UUID(str(flow_run_id)))
