"""Manual review: a field whose policy is ``manual`` that changed on both sides holds only its
record — the rest of the run goes on — and nothing is written to that record on either side
until `erpsync conflicts resolve` decides; the next run writes the decision. Checked in the
systems' data and request logs, through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine.state.store import StateStore
from tests.conftest import REPO, Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import plan_customers, run_customers, variant

ERPSYNC = str(Path(sys.executable).parent / "erpsync")
MANUAL_CITY = ("  billing_address.city:\n    sap: to_BusinessPartnerAddress/CityName\n"
               "    salesforce: BillingCity\n",
               "  billing_address.city:\n    sap: to_BusinessPartnerAddress/CityName\n"
               "    salesforce: BillingCity\n    conflicts: {policy: manual}\n")


def erpsync(*args: str, mappings: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(("ERPSYNC_", "PATH", "HOME"))}
    env["ERPSYNC_MAPPINGS"] = str(mappings)
    done = subprocess.run([ERPSYNC, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done


def city(sap: SapUser, number: str) -> str:
    return str(sap.partner(number)["to_BusinessPartnerAddress"]["results"][0]["CityName"])


def edit_city_in_sap(sap: SapUser, number: str, value: str) -> None:
    sap.update_address(number, CityName=value)
    sap.update(number, SearchTerm1=value.upper()[:20])  # mock-sap stamps the partner only


def open_conflicts(mappings: Path) -> list[dict[str, Any]]:
    listed = erpsync("conflicts", "list", "customers", "--json", mappings=mappings)
    return list(json.loads(listed.stdout)["conflicts"])


def test_manual_conflict_holds_only_its_record_until_resolved(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "manual", MANUAL_CITY)
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers(mapping)
    held_id = sf.account_by_number("1000006")["Id"]
    base_city = city(sap, "1000006")
    edit_city_in_sap(sap, "1000006", "Munich")
    sf.update(held_id, BillingCity="Hamburg")
    sf.update(sf.account_by_number("1000001")["Id"], Phone="+49 30 111")  # another record
    planned = plan_customers(mapping).changes
    (shown,) = [c for c in planned if c.operation == "held"]
    assert [(f.field, f.before, f.after) for f in shown.fields] == [
        ("billing_address.city", "Munich", "Hamburg")] and shown.system == "sap"

    report = run_customers(mapping)

    assert report.held == 1
    assert city(sap, "1000006") == "Munich" and sf.account_by_number("1000006")[
        "BillingCity"] == "Hamburg", "neither side of the held record is overwritten"
    address = sap.partner("1000001")["to_BusinessPartnerAddress"]["results"][0]
    assert address["PhoneNumber"] == "+49 30 111", "the rest of the run went on"
    (conflict,) = open_conflicts(mapping.parent)
    (held,) = conflict["fields"]
    assert held["field"] == "billing_address.city" and held["base"] == base_city
    assert held["values"] == {"sap": "Munich", "salesforce": "Hamburg"}
    assert conflict["keys"] == {"sap": "1000006", "salesforce": held_id}

    # While it is held, a further edit of that record is not written anywhere either.
    sf.update(held_id, Phone="+49 89 222")
    erpsync_env.clear_logs()
    again = run_customers(mapping)
    assert again.held == 1
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []

    resolved = erpsync("conflicts", "resolve", str(conflict["id"]), "--take", "salesforce",
                       "--by", "reviewer@example.com", mappings=mapping.parent)
    assert "billing_address.city from salesforce" in resolved.stdout
    assert open_conflicts(mapping.parent) == []

    after = run_customers(mapping)

    assert after.held == 0
    assert city(sap, "1000006") == "Hamburg"
    assert sf.account_by_number("1000006")["BillingCity"] == "Hamburg"
    assert sap.partner("1000006")["to_BusinessPartnerAddress"]["results"][0][
        "PhoneNumber"] == "+49 89 222", "the edit made while held flows once decided"
    trail = StateStore().audit_trail("customers", held_id)
    operations = [row["operation"] for row in trail]
    assert operations.index("held") < operations.index("resolve") < operations.index("resolved")
    resolve_row = next(row for row in trail if row["operation"] == "resolve")
    assert "reviewer@example.com" in resolve_row["reason"]
    assert StateStore().review.conflicts("customers")[0]["status"] == "applied"
    erpsync_env.clear_logs()
    run_customers(mapping)
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert StateStore().verify_audit() == []
