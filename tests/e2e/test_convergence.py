"""Property: whatever people edit on either side between runs, the two systems converge, and
a run after convergence writes nothing (counted in the sandboxes' request logs)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import run_customers, salesforce_customers, sap_customers

CUSTOMERS = ["1000001", "1000002", "1000003", "1000017", "1000022"]
words = st.text(alphabet="abcXYZ '", min_size=1, max_size=8).filter(lambda s: s.strip() != "")

sf_edits = st.tuples(st.just("salesforce"), st.sampled_from(CUSTOMERS),
                     st.sampled_from(["Name", "Phone", "BillingCity", "BillingPostalCode"]),
                     words)
sap_edits = st.one_of(
    st.tuples(st.just("sap"), st.sampled_from(CUSTOMERS), st.just("BusinessPartnerFullName"),
              words),
    st.tuples(st.just("sap"), st.sampled_from(CUSTOMERS), st.just("BusinessPartnerIsBlocked"),
              st.booleans()),
)
runs = st.just(("run", "", "", None))
steps = st.lists(st.one_of(sf_edits, sap_edits, runs), min_size=1, max_size=6)


def apply(step: tuple[str, str, str, Any], sap: SapUser, sf: SalesforceUser) -> None:
    system, number, field, value = step
    if system == "run":
        run_customers()
    elif system == "sap":
        sap.update(number, **{field: value})
    else:
        sf.update(sf.account_by_number(number)["Id"], **{field: value})


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=steps)
def test_any_sequence_of_edits_converges(erpsync_env: Sandboxes, tmp_path: Path,
                                         plan: list[tuple[str, str, str, Any]]) -> None:
    erpsync_env.reset()
    os.environ["ERPSYNC_STATE_URL"] = f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db"
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers()
    for step in plan:
        apply(step, sap, sf)

    run_customers()

    assert sap_customers(sap) == salesforce_customers(sf)
    erpsync_env.clear_logs()
    report = run_customers()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert all(counts.writes == 0 for counts in report.systems.values())
