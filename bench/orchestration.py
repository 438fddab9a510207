"""The same initial load run as the Prefect flow (``flows.sync_flow.sync``), in this process,
against a temporary Prefect server (``prefect_test_harness``, its own database under a
private ``PREFECT_HOME``) with flow heartbeats off (see shared/PREFECT_NOTES.md: a heartbeat
makes every flow run wait ~1 s at its end).

Reported: the task runs the server recorded for the flow run (read back through its API,
polled: they arrive asynchronously), task runs per 1000 records, and the share of wall time
spent outside the systems' APIs (wall time minus the time inside HTTP calls to SAP and
Salesforce): engine, state store and Prefect together. The plain ``run_sync`` load of the
same size gives the same share without Prefect, so the difference is Prefect's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.meter import measuring
from bench.systems import Systems

TASK_RUNS_WAIT_SECONDS = 120.0


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A temporary Prefect API for this process; its URL."""
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )
    from prefect.testing.utilities import prefect_test_harness

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), \
            prefect_test_harness(server_startup_timeout=180):
        yield str(PREFECT_API_URL.value())


def flow_load(systems: Systems, state_db: Path) -> dict[str, Any]:
    """Run the sync flow once (a fresh state: an initial load); counts, time, task runs."""
    from flows.sync_flow import sync

    systems.use_state(state_db)
    systems.mark_logs()
    with measuring(python_memory=False) as cost:
        state: Any = sync(name="customers", mode="incremental", return_state=True)
    if not state.is_completed():
        raise RuntimeError(f"the sync flow ended {state.name}: {state.message}")
    report = state.result()
    flow_run_id = str(state.state_details.flow_run_id)
    started = report["pages"] + 1  # one task per page, and the check before them
    recorded = _recorded_task_runs(flow_run_id, started)
    records = report["sap"]["read"] + report["salesforce"]["read"]
    served = systems.counted()
    return {
        **cost.as_json(),
        "flow_run_id": flow_run_id, "pages": report["pages"], "records_read": records,
        "records_written": sum(report[s]["created"] + report[s]["updated"]
                               for s in ("sap", "salesforce")),
        "api_calls": report["api_calls"],
        "served_calls": sum(c.calls for c in served.values()),
        "task_runs_started": started, "task_runs_recorded": recorded,
        "task_runs_per_1000_records": round(1000 * started / records, 2) if records else None,
    }


def _recorded_task_runs(flow_run_id: str, expected: int) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    only_this = FlowRunFilter(id=FlowRunFilterId(any_=[UUID(flow_run_id)]))
    deadline = time.monotonic() + TASK_RUNS_WAIT_SECONDS
    with get_client(sync_client=True) as client:
        while True:
            found = 0
            while True:  # the server answers at most 200 per request
                page = client.read_task_runs(flow_run_filter=only_this, limit=200,
                                             offset=found)
                found += len(page)
                if len(page) < 200:
                    break
            if found >= expected or time.monotonic() > deadline:
                return found
            time.sleep(0.5)
