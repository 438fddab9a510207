"""`erpsync reconcile customers` as a user runs it: a separate process, after a sync run
through the real Prefect API (the test harness's server), against the real sandboxes. Drift a
change feed cannot see — an address changed without moving SAP's change stamp, a partner
deleted outright — is repaired, and the JSON report and the summary table say what was
scanned, drifted and missing; a second reconcile finds nothing and writes nothing."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.flows.conftest import child_env, erpsync


@pytest.mark.prefect
def test_reconcile_command_repairs_drift_and_reports_it(erpsync_env: Sandboxes,
                                                        prefect_api: str) -> None:
    env = child_env(prefect_api)
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    first = erpsync("run", "customers", "--json", env=env)
    assert first.returncode == 0, first.stderr
    sap.update_address("1000008", CityName="Perth")  # mock-sap moves no change stamp
    sap.delete("1000018")  # outright: nothing in the change feed
    run = erpsync("run", "customers", "--json", env=env)
    assert run.returncode == 0, run.stderr
    assert sf.account_by_number("1000008")["BillingCity"] != "Perth", "the feed missed it"
    assert sf.account_by_number("1000018")["ERP_Blocked__c"] is False, "and the delete"
    erpsync_env.clear_logs()

    repaired = erpsync("reconcile", "customers", "--json", env=env)

    assert repaired.returncode == 0, repaired.stderr
    report = json.loads(repaired.stdout)
    partners = len(sap.partners())
    assert report["sync"] == "customers" and report["status"] == "completed"
    assert report["reconciled"]["sap"] == {"scanned": partners, "drifted": 1, "missing": 1}
    assert report["reconciled"]["salesforce"] == {"scanned": len(sf.accounts()),
                                                  "drifted": 0, "missing": 0}
    assert report["salesforce"]["updated"] == 2, "the city, and the block (deactivate)"
    assert report["sap"]["updated"] == report["sap"]["created"] == 0
    assert sf.account_by_number("1000008")["BillingCity"] == "Perth"
    assert sf.account_by_number("1000018")["ERP_Blocked__c"] is True
    assert erpsync_env.sap_writes() == [], "nothing to repair in SAP"
    # One sObject Collections call per repair pass: the changed records, then the missing.
    assert [(w["method"], w["path"]) for w in erpsync_env.sf_writes()] == \
        [("PATCH", "/services/data/v62.0/composite/sobjects")] * 2

    erpsync_env.clear_logs()
    again = erpsync("reconcile", "customers", env=env)

    assert again.returncode == 0, again.stderr
    assert "reconcile customers" in again.stdout
    rows = {m[1]: tuple(int(n) for n in m.groups()[1:]) for m in re.finditer(
        r"^\W*(sap|salesforce)\W+(\d+)\W+(\d+)\W+(\d+)\W*$", again.stdout, re.MULTILINE)}
    assert rows == {"sap": (partners, 0, 0), "salesforce": (len(sf.accounts()), 0, 0)}, \
        again.stdout
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
