"""``create: false`` on a system: an update-only sync never creates records there, but still
links records that appear there later (by the match rules) and updates them."""

from __future__ import annotations

from pathlib import Path

from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import run_customers, variant

UPDATE_ONLY = ("    upsert_field: ERP_Customer_Number__c",
               "    upsert_field: ERP_Customer_Number__c\n    create: false")


def test_update_only_system_gets_no_creates_but_updates_once_linked(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "update_only", UPDATE_ONLY)
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    before = len(sf.accounts())

    report = run_customers(mapping)

    assert report.systems["salesforce"].created == 0 and len(sf.accounts()) == before
    assert report.systems["sap"].created == before, "the other direction still creates"
    assert any(r["operation"] == "not_created" for r in StateStore().audit_trail("customers"))
    account = sf.create(Name="Becker Berlin by hand", ERP_Customer_Number__c="1000001")
    sap.update("1000001", BusinessPartnerFullName="Becker Berlin GmbH")

    run_customers(mapping)

    linked = next(a for a in sf.accounts() if a["Id"] == account)
    assert linked["Name"] == "Becker Berlin GmbH", "linked by the match rule and updated"
