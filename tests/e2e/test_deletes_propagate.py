"""``deletes: propagate`` against the real stand-ins, with a copy of the customer mapping
(mock-sap lets business partners be deleted; real S/4 does not, see
tests/engine/test_deletes_validation.py).

A delete in Salesforce reaches the incremental run through ``queryAll``; an outright delete in
SAP leaves nothing in its change feed, so a reconcile finds it (as in production, where a
run reconciles by itself when a connector says its delete window has passed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from connectors.base import Connector, WriteResult
from engine.run import plan_sync, reconcile_sync, run_sync
from engine.state.store import StateStore
from tests.conftest import REPO, Sandboxes, _call
from tests.e2e.people import API, SalesforceUser, SapUser
from tests.e2e.sync_helpers import (
    plan_customers,
    reconcile_customers,
    run_customers,
    variant,
    with_sync,
)

MAPPINGS = REPO / "mappings"


def _stock_call(env: Sandboxes, row: dict[str, object]) -> None:
    assert env.sap_stock is not None
    _call(env.sap_stock.url + "/_stock/levels", "POST", row)

NUMBER = "1000005"


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    return variant(tmp_path / "propagate", ("deletes: deactivate", "deletes: propagate"))


def sap_numbers(sap: SapUser) -> set[str]:
    return {p["BusinessPartner"].lstrip("0") for p in sap.partners()}


def sf_numbers(sf: SalesforceUser) -> set[str]:
    return {str(a["ERP_Customer_Number__c"]).lstrip("0") for a in sf.accounts()
            if a["ERP_Customer_Number__c"]}


def operations(key: str) -> list[tuple[str, str]]:
    """(system, operation) of the audit trail of the record that has ``key`` somewhere."""
    return [(row["system"], row["operation"]) for row in StateStore().audit_trail("customers",
                                                                                  key)]


def test_delete_in_salesforce_deletes_the_partner_in_sap_once_and_for_good(
        erpsync_env: Sandboxes, mapping: Path, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers(mapping)
    account_id = sf.account_by_number(NUMBER)["Id"]
    sf.delete(account_id)
    erpsync_env.clear_logs()

    planned = [c for c in plan_customers(mapping).changes if c.operation == "delete"]
    assert [(c.system, c.key, c.counterpart) for c in planned] == [("sap", NUMBER, account_id)]
    assert erpsync_env.sap_writes() == [], "a plan deletes nothing"
    report = run_customers(mapping)

    assert NUMBER not in sap_numbers(sap)
    assert report.systems["sap"].deleted == 1
    (call,) = erpsync_env.sap_writes()
    assert call["method"] == "POST" and call["path"].endswith("/$batch"), "one $batch"
    assert ("sap", "delete") in operations(account_id)
    assert StateStore().verify_audit() == []

    erpsync_env.clear_logs()
    again = run_customers(mapping)
    reconciled = reconcile_customers(mapping)

    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == [], "zero writes"
    assert again.systems["sap"].deleted == reconciled.systems["sap"].deleted == 0
    assert NUMBER not in sap_numbers(sap) | sf_numbers(sf), "it never comes back"


def test_delete_in_sap_deletes_the_account_in_salesforce_once_and_for_good(
        erpsync_env: Sandboxes, mapping: Path, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers(mapping)
    account_id = sf.account_by_number(NUMBER)["Id"]
    sap.delete(NUMBER)
    erpsync_env.clear_logs()

    report = reconcile_customers(mapping)

    assert NUMBER not in sf_numbers(sf)
    assert report.systems["salesforce"].deleted == 1
    (call,) = erpsync_env.sf_writes()
    assert call["method"] == "DELETE" and "/composite/sobjects" in call["path"]
    assert ("salesforce", "delete") in operations(account_id)

    erpsync_env.clear_logs()
    run_customers(mapping)
    reconcile_customers(mapping)

    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == [], "zero writes"
    assert NUMBER not in sap_numbers(sap) | sf_numbers(sf), "it never comes back"


def test_an_edit_in_sap_outweighs_a_delete_in_salesforce(
        erpsync_env: Sandboxes, mapping: Path, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers(mapping)
    account_id = sf.account_by_number(NUMBER)["Id"]
    sf.delete(account_id)
    sap.update(NUMBER, BusinessPartnerFullName="Bonanza Kept")

    run_customers(mapping)

    assert sap.partner(NUMBER)["BusinessPartnerFullName"] == "Bonanza Kept", "not deleted"
    assert NUMBER not in sf_numbers(sf), "and the deleted account is not created again"
    (row,) = [r for r in StateStore().audit_trail("customers", account_id)
              if r["operation"] == "edit_outweighs_delete"]
    assert row["system"] == "sap" and "an edit outweighs a removal" in row["reason"]

    sap.update(NUMBER, BusinessPartnerFullName="Bonanza Edited Again")
    erpsync_env.clear_logs()
    run_customers(mapping)
    reconcile_customers(mapping)

    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert NUMBER in sap_numbers(sap) and NUMBER not in sf_numbers(sf)


def test_an_edit_in_salesforce_outweighs_a_delete_in_sap(
        erpsync_env: Sandboxes, mapping: Path, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers(mapping)
    account_id = sf.account_by_number(NUMBER)["Id"]
    sap.delete(NUMBER)
    sf.update(account_id, Phone="+1 555 0100")

    run_customers(mapping)
    reconcile_customers(mapping)

    assert sf.account_by_number(NUMBER)["Phone"] == "+1 555 0100", "not deleted"
    assert NUMBER not in sap_numbers(sap), "and the deleted partner is not created again"
    assert ("salesforce", "edit_outweighs_delete") in operations(account_id)
    erpsync_env.clear_logs()
    run_customers(mapping)
    reconcile_customers(mapping)
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []


def levels(sf: SalesforceUser) -> dict[str, str]:
    """Salesforce inventory levels: Id by the SAP material-plant key."""
    return {str(r["ERP_Inventory_Key__c"]): str(r["Id"]) for r in sf.query(
        "SELECT Id, ERP_Inventory_Key__c FROM Inventory_Level__c")}


def test_the_shipped_inventory_sync_plans_runs_and_deletes_levels_whose_stock_is_gone(
        erpsync_env: Sandboxes, sf: SalesforceUser) -> None:
    inventory = MAPPINGS / "inventory.yaml"
    with_sync(run_sync, MAPPINGS / "products.yaml")
    assert with_sync(plan_sync, inventory).changes, "plans (it stopped before: issue 5)"
    with_sync(run_sync, inventory)
    before = levels(sf)
    _stock_call(erpsync_env, {"Material": "TG11", "Plant": "1710",
                              "MatlWrhsStkQtyInMatlBaseUnit": None})
    sf.http.delete(f"{sf.base}{API}/sobjects/Inventory_Level__c/{before['TG12-1710']}",
                   timeout=30).raise_for_status()
    erpsync_env.clear_logs()

    report = with_sync(reconcile_sync, inventory)

    assert set(before) - set(levels(sf)) == {"TG11-1710", "TG12-1710"}
    assert report.systems["salesforce"].deleted == 1
    assert report.systems["sap"].deleted == 0, "a one-way sync never deletes at its source"
    assert erpsync_env.sap_writes() == []


class EditedBeforeDelete:
    """The real SAP connector, with a person saving the partner in SAP just before our
    delete arrives (after the engine read it): SAP refuses the delete under the old ETag."""

    def __init__(self, inner: Connector, sap: SapUser) -> None:
        self.inner, self.sap = inner, sap

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def delete_batch(self, obj: str, keys: Sequence[str],
                     etags: Mapping[str, str] | None = None) -> list[WriteResult]:
        self.sap.update(NUMBER, SearchTerm1="MEANWHILE")
        return self.inner.delete_batch(obj, keys, etags)  # type: ignore[attr-defined]


def test_a_partner_saved_in_sap_after_it_was_read_is_not_deleted(
        erpsync_env: Sandboxes, mapping: Path, sap: SapUser, sf: SalesforceUser) -> None:
    run_customers(mapping)
    account_id = sf.account_by_number(NUMBER)["Id"]
    sf.delete(account_id)

    report = with_sync(run_sync, mapping,
                       {"sap": lambda c: EditedBeforeDelete(c, sap)})  # type: ignore[dict-item]

    assert sap.partner(NUMBER)["SearchTerm1"] == "MEANWHILE", "SAP refused: stale ETag"
    assert report.systems["sap"].deleted == 0 and report.dead_letters == 0
    (row,) = [r for r in StateStore().audit_trail("customers", account_id)
              if r["operation"] == "edit_outweighs_delete"]
    assert "sap changed it after it was read" in row["reason"]
    erpsync_env.clear_logs()
    run_customers(mapping)
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert NUMBER not in sf_numbers(sf), "the deleted account is not created again"
