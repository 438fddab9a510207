"""Delete policies against the real stand-ins: ``ignore`` leaves the counterpart alone and
never re-creates the deleted record, ``propagate`` deletes the counterpart (more in
test_deletes_propagate.py), and a system that says it may have forgotten deletes
(``ReportsDeleteWindow``) gets its full key set reconciled within the run. (``deactivate``
is in test_customer_sync.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from connectors.base import Connector, ReportsDeleteWindow, TargetRecord, WriteResult
from connectors.registry import build_connector
from engine.run import run_sync
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import MAPPING, run_customers, variant, with_sync


def test_deletes_ignore_leaves_the_counterpart_and_never_recreates(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "ignore", ("deletes: deactivate", "deletes: ignore"))
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers(mapping)
    sf.delete(sf.account_by_number("1000005")["Id"])

    run_customers(mapping)
    sap.update("1000005", BusinessPartnerFullName="Bonanza Renamed")  # SAP goes on with it
    erpsync_env.clear_logs()
    run_customers(mapping)

    assert sap.partner("1000005")["BusinessPartnerIsBlocked"] is False
    assert [a for a in sf.accounts() if a["ERP_Customer_Number__c"] == "1000005"] == []
    assert erpsync_env.sf_writes() == [], "the deleted account is not created again"


def test_deletes_propagate_deletes_the_counterpart_instead_of_blocking_it(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "propagate", ("deletes: deactivate", "deletes: propagate"))
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers(mapping)
    sf.delete(sf.account_by_number("1000005")["Id"])
    erpsync_env.clear_logs()

    report = run_customers(mapping)

    assert report.systems["sap"].deleted == 1 and report.systems["sap"].updated == 0
    assert "1000005" not in {p["BusinessPartner"].lstrip("0") for p in sap.partners()}
    assert [w["method"] for w in erpsync_env.sap_writes()] == ["POST"], "one $batch"


class ForgetsDeletes:
    """The real SAP connector, saying what Salesforce's says after its recycle-bin window:
    change capture since the cursor may have missed deletes."""

    def __init__(self, inner: Connector) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        return self.inner.write_batch(obj, records)

    def deletes_complete_since(self, obj: str, since: datetime) -> bool:
        return False


def test_a_system_past_its_delete_window_gets_its_keys_reconciled_in_the_run(
        erpsync_env: Sandboxes) -> None:
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers()
    sap.delete("1000019")  # outright: the change feed never sees it
    probe = ForgetsDeletes(build_connector("sap"))
    assert isinstance(probe, ReportsDeleteWindow)
    probe.inner.close()

    report = with_sync(run_sync, MAPPING, {"sap": ForgetsDeletes})  # type: ignore[dict-item]

    assert report.reconciled["sap"]["missing"] == 1
    assert sf.account_by_number("1000019")["ERP_Blocked__c"] is True
