"""`erpsync reconcile`: full key + content-hash comparison of both systems, in pages, repairs
the drift change feeds cannot see — here a change that moves no timestamp (mock-sap does not
stamp a partner when only its address changes) and a delete that leaves no trace in the feed
(a partner deleted outright) — and writes nothing when nothing drifted."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import reconcile_customers, run_customers, variant

SMALL_PAGES = ("deletes: deactivate", "deletes: deactivate\npage_size: 7")


def test_reconcile_repairs_drift_the_change_feed_missed(erpsync_env: Sandboxes,
                                                        tmp_path: Path) -> None:
    mapping = variant(tmp_path / "small", SMALL_PAGES)
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers(mapping)
    sap.update_address("1000008", CityName="Perth")  # no change stamp moves
    sap.delete("1000018")
    run_customers(mapping)
    assert sf.account_by_number("1000008")["BillingCity"] != "Perth", "the feed missed it"
    assert sf.account_by_number("1000018")["ERP_Blocked__c"] is False, "and this delete"

    report = reconcile_customers(mapping)

    assert sf.account_by_number("1000008")["BillingCity"] == "Perth"
    assert sf.account_by_number("1000018")["ERP_Blocked__c"] is True, "deletes: deactivate"
    # scanned: every partner read, suppliers too (the sync's filter applies after reading)
    assert report.reconciled["sap"] == {"scanned": len(sap.partners()), "drifted": 1,
                                        "missing": 1}
    assert report.reconciled["salesforce"]["drifted"] == 0
    assert report.reconciled["salesforce"]["missing"] == 0
    assert report.pages >= 2


def test_reconcile_of_agreeing_systems_writes_nothing(erpsync_env: Sandboxes,
                                                      tmp_path: Path) -> None:
    mapping = variant(tmp_path / "small", SMALL_PAGES)
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers(mapping)
    erpsync_env.clear_logs()

    report = reconcile_customers(mapping)

    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert report.reconciled["sap"] == {"scanned": len(sap.partners()), "drifted": 0,
                                        "missing": 0}
    assert report.reconciled["salesforce"] == {"scanned": len(sf.accounts()), "drifted": 0,
                                               "missing": 0}
    assert all(c.writes == 0 for c in report.systems.values())


def test_reconcile_catches_a_salesforce_delete_purged_from_the_recycle_bin(
        erpsync_env: Sandboxes) -> None:
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers()
    sf.delete(sf.account_by_number("1000020")["Id"])
    erpsync_env.sf_call("POST", "/_sandbox/clock", {"advance_seconds": 16 * 86400})

    run_customers()  # the sync was off for 16 days: the delete is gone from queryAll
    assert sap.partner("1000020")["BusinessPartnerIsBlocked"] is False

    report = reconcile_customers()

    assert report.reconciled["salesforce"]["missing"] == 1
    assert sap.partner("1000020")["BusinessPartnerIsBlocked"] is True
