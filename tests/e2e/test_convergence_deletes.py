"""The convergence property with deletes: people edit, create and delete accounts in
Salesforce and edit partners in SAP between runs, under the shipped ``deletes: deactivate``.

The engine's rules (``engine/planning.py``): an account deleted in Salesforce blocks its SAP
partner (the deactivation field, ``blocked``); from then on the partner's own changes are not
sent anywhere (``skip_deleted_target``): the account is never created again, and SAP, which
owns ``blocked``, may unblock the partner without the sync blocking it again.

After the last run: the systems agree on every customer present on both sides, the only SAP
customers without an account are those whose account was deleted, the partner of a deleted
account is blocked unless SAP unblocked it after the sync blocked it, a field owned by SAP
kept SAP's value, and a further run writes nothing (the sandboxes' request logs).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import run_customers, salesforce_customers, sap_customers
from tests.e2e.test_convergence import CUSTOMERS, runs, sap_edits, sf_creates, sf_edits

Step = tuple[str, str, str, Any]
sf_deletes = st.tuples(st.just("salesforce delete"), st.sampled_from(CUSTOMERS), st.just(""),
                       st.none())
steps = st.lists(st.one_of(sf_edits, sap_edits, sf_creates, sf_deletes, runs), min_size=1,
                 max_size=8)


@dataclass
class Expected:
    """What the people did, as far as the end state depends on it."""

    owned: dict[str, dict[str, Any]]
    deleted: set[str] = field(default_factory=set)  # accounts deleted in Salesforce
    pending: set[str] = field(default_factory=set)  # deleted, no run since
    blocked: dict[str, bool] = field(default_factory=dict)  # SAP block of deleted ones


def apply(step: Step, sap: SapUser, sf: SalesforceUser, expected: Expected) -> None:
    system, number, name, value = step
    if system == "run":
        run_customers()
        for gone in expected.pending:  # the run saw the delete: the partner is blocked
            expected.blocked[gone] = True
        expected.pending.clear()
    elif system == "salesforce delete":
        if number not in expected.deleted:
            sf.delete(sf.account_by_number(number)["Id"])
            expected.deleted.add(number)
            expected.pending.add(number)
    elif system == "salesforce":
        if number not in expected.deleted:  # nobody can edit a deleted account
            sf.update(sf.account_by_number(number)["Id"], **{name: value})
    elif system == "salesforce create":
        sf.create(Name=f"New {value}", BillingCity="Leipzig", BillingCountryCode="DE")
    elif system == "sap address":
        sap.update_address(number, **{name: value})
        sap.update(number, SearchTerm1=value.strip().upper()[:20])  # as in test_convergence
    else:
        sap.update(number, **{name: value})
        field_name = "name" if name == "BusinessPartnerFullName" else "blocked"
        expected.owned[number][field_name] = value.strip() if isinstance(value, str) else value
        if field_name == "blocked" and number in expected.deleted \
                and number not in expected.pending:
            expected.blocked[number] = value


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=steps, delete=sf_deletes, at=st.integers(min_value=0, max_value=8))
def test_any_sequence_with_deletes_converges_under_deactivate(
        erpsync_env: Sandboxes, tmp_path: Path, plan: list[Step], delete: Step,
        at: int) -> None:
    plan = [*plan[:at], delete, *plan[at:]]  # at least one delete in every example
    erpsync_env.reset()
    os.environ["ERPSYNC_STATE_URL"] = f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db"
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers()
    expected = Expected({n: {"name": v["name"], "blocked": v["blocked"]}
                         for n, v in sap_customers(sap).items() if n in CUSTOMERS})
    for step in plan:
        apply(step, sap, sf, expected)

    apply(("run", "", "", None), sap, sf, expected)

    in_sap, in_sf = sap_customers(sap), salesforce_customers(sf)
    assert set(in_sf) <= set(in_sap), "every account has its SAP customer"
    assert set(in_sap) - set(in_sf) == expected.deleted, \
        "only deleted accounts are missing, and none was created again"
    both = set(in_sap) & set(in_sf)
    assert {n: in_sap[n] for n in both} == {n: in_sf[n] for n in both}
    for number in expected.deleted:
        assert in_sap[number]["blocked"] is expected.blocked[number], number
    for number, owned in expected.owned.items():
        # The partner of a deleted account was blocked by the sync: checked above.
        kept = {k: v for k, v in owned.items() if k != "blocked" or number not in expected.deleted}
        assert {k: in_sap[number][k] for k in kept} == kept
    erpsync_env.clear_logs()
    report = run_customers()
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert all(counts.writes == 0 for counts in report.systems.values())
