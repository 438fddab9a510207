"""Order to cash: the syncs as subflows of one business flow, in order, against the real
sandboxes and a real Prefect API."""

from __future__ import annotations

import pytest

from connectors.errors import ConfigError
from flows.business import ORDER_TO_CASH, _steps
from tests.conftest import Sandboxes
from tests.flows.conftest import flow_run


def test_steps_keep_the_business_order_whatever_order_they_are_asked_in() -> None:
    assert _steps(["invoices", "customers"]) == ["customers", "invoices"]
    assert _steps(None) == [s for s in ORDER_TO_CASH if s in _steps(None)]
    with pytest.raises(ConfigError, match="not order-to-cash syncs"):
        _steps(["customers", "payroll"])


@pytest.mark.prefect
def test_order_to_cash_runs_each_sync_as_its_own_subflow(erpsync_env: Sandboxes,
                                                         prefect_api: str) -> None:
    from flows.business import order_to_cash

    state = order_to_cash(syncs=["customers"], return_state=True)
    assert state.is_completed(), state.message
    results = state.result()
    assert results["customers"]["salesforce"]["created"] == 16
    child = flow_run(results["customers"]["flow_run_id"])
    assert child.parent_task_run_id is not None, "the sync ran nested in the business flow"
    assert child.name == "sync customers (incremental)"
