"""``create_lookups``: every record created in a system names the one record constant
conditions find there, resolved once per run before any write; none (or several) stops the
run before anything is written.

The shipped syncs that need it (prices, sales orders: the standard price book) cannot run
against the stand-ins yet, so the customer sync carries the standard price book's Id in the
account's ``AccountNumber`` here: a text field, but the same path — a boolean condition,
one read per run, the key on every create."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ConfigError
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser
from tests.e2e.sync_helpers import run_customers, variant

UPSERT = "    upsert_field: ERP_Customer_Number__c"


def book(where: str) -> tuple[str, str]:
    return (UPSERT, f"    create_lookups:\n      AccountNumber: {{object: Pricebook2, where: "
                    f"{{{where}}}}}\n{UPSERT}")


def test_every_create_names_the_record_the_conditions_find(erpsync_env: Sandboxes,
                                                           tmp_path: Path) -> None:
    sf = SalesforceUser(erpsync_env)
    (standard,) = sf.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")
    erpsync_env.clear_logs()

    report = run_customers(variant(tmp_path / "p", book("IsStandard: true")))

    assert report.systems["salesforce"].created == 16
    created = sf.query("SELECT Id, AccountNumber FROM Account WHERE AccountNumber != null")
    assert len(created) == 16 and {a["AccountNumber"] for a in created} == {standard["Id"]}
    reads = [r for r in erpsync_env.sf_requests() if "Pricebook2" in str(r["query"])]
    assert len(reads) == 1, "resolved once per run"


def test_no_matching_record_stops_before_any_write(erpsync_env: Sandboxes,
                                                   tmp_path: Path) -> None:
    erpsync_env.clear_logs()
    mapping = variant(tmp_path / "p", book("IsStandard: true, Name: No Such Book"))
    with pytest.raises(ConfigError, match="create_lookups AccountNumber: 0 Pricebook2"):
        run_customers(mapping)
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
