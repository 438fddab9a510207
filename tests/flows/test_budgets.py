"""API budgets shared across runs: Prefect global concurrency limits per external system,
charged by real runs against the real sandboxes and read back from the Prefect server."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import Sandboxes
from tests.flows.conftest import poll

NAMES = ("erpsync-api-sap", "erpsync-api-salesforce", "erpsync-pages-sap")


@pytest.fixture
def limits(prefect_api: str) -> Iterator[Callable[[str, int, float], None]]:
    """Create limits on the shared test server; remove them afterwards (other tests run
    without budgets)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    created: list[str] = []

    def create(name: str, limit: int, decay: float) -> None:
        with get_client(sync_client=True) as client:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
                name=name, limit=limit, slot_decay_per_second=decay))
        created.append(name)

    yield create
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        for name in created:
            with contextlib.suppress(ObjectNotFound):  # the test may have removed it itself
                client.delete_global_concurrency_limit_by_name(name)


def active_slots(name: str) -> int:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return int(client.read_global_concurrency_limit_by_name(name).active_slots)


def concurrency_events(flow_run_id: str) -> list[dict[str, Any]]:
    from prefect.client.orchestration import get_client

    query = {"filter": {"event": {"name": ["prefect.concurrency-limit.acquired"]},
                        "related": {"id": [f"prefect.flow-run.{flow_run_id}"]}}, "limit": 50}
    with get_client(sync_client=True) as client:
        return list(client.request("POST", "/events/filter", json=query).json()["events"])


@pytest.mark.prefect
def test_every_api_call_and_every_page_takes_a_slot(
        erpsync_env: Sandboxes, limits: Callable[[str, int, float], None]) -> None:
    from flows.sync_flow import sync

    limits("erpsync-api-sap", 1000, 0.01)  # decays 1 slot per 100 s: a run's calls stay
    limits("erpsync-api-salesforce", 1000, 0.01)
    limits("erpsync-pages-sap", 1, 0.0)  # one page at a time against SAP, across all runs

    report = sync("customers")

    for system in ("sap", "salesforce"):
        calls = report[system]["api_calls"]
        assert calls > 0
        assert calls - 1 <= active_slots(f"erpsync-api-{system}") <= calls, system
    events = poll(lambda: concurrency_events(report["flow_run_id"]),
                  lambda got: len(got) >= report["api_calls"] + report["pages"])
    page_holders = sorted(r["prefect.resource.name"] for e in events
                          if e["resource"]["prefect.resource.name"] == "erpsync-pages-sap"
                          for r in e["related"] if r["prefect.resource.role"] == "task-run")
    assert page_holders == ["sync salesforce page 1 to sap", "sync sap page 1 to salesforce"]
    assert active_slots("erpsync-pages-sap") == 0, "page slots are given back"


@pytest.mark.prefect
def test_a_spent_budget_stops_the_run_at_a_checkpoint_and_the_next_run_resumes(
        erpsync_env: Sandboxes, limits: Callable[[str, int, float], None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.sync_flow import sync

    monkeypatch.setenv("ERPSYNC_API_BUDGET_WAIT_SECONDS", "1")
    limits("erpsync-api-salesforce", 2, 0.0001)  # two calls, refilled in hours, not seconds
    erpsync_env.clear_logs()

    state = sync("customers", return_state=True)

    assert state.is_completed() and state.name == "Stopped at API limit"
    assert "salesforce's API allowance is spent (API_BUDGET_SPENT)" in str(state.message)
    stopped = state.result()
    assert stopped["status"] == "limit_exhausted" and stopped["pages"] == 0
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == [], \
        "stopped before the first page: nothing half-written"

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.delete_global_concurrency_limit_by_name("erpsync-api-salesforce")
    monkeypatch.delenv("ERPSYNC_API_BUDGET_WAIT_SECONDS")
    again = sync("customers")
    assert again["salesforce"]["created"] == 16 and again["sap"]["created"] == 5
