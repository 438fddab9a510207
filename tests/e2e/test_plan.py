"""`erpsync plan`: a dry run against the real stand-ins that writes nowhere — checked in both
sandboxes' request logs and in the state database — and shows what a run would do, both
directions, field by field with before → after; then the real run does exactly that."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from engine.item import PlannedChange
from engine.state import schema as t
from engine.state.store import StateStore
from tests.conftest import REPO, Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import plan_customers, run_customers

ERPSYNC = str(Path(sys.executable).parent / "erpsync")
STATE_TABLES = (t.runs, t.cursors, t.xrefs, t.records, t.audit, t.dead_letters, t.conflicts,
                t.locks)


def state_rows() -> dict[str, int]:
    store = StateStore()
    store.migrate()
    with store.engine.connect() as conn:
        counts = {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in STATE_TABLES}
    store.close()
    return counts


def only(changes: list[PlannedChange], system: str, operation: str) -> list[PlannedChange]:
    return [c for c in changes if c.system == system and c.operation == operation]


def fields(change: PlannedChange) -> dict[str, tuple[object, object]]:
    return {f.field: (f.before, f.after) for f in change.fields}


def test_first_plan_shows_creates_both_ways_and_writes_nowhere(erpsync_env: Sandboxes) -> None:
    erpsync_env.clear_logs()
    before = state_rows()

    plan = plan_customers()

    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert state_rows() == before, "a plan leaves the state as it was"
    assert len(only(plan.changes, "salesforce", "create")) == 16
    assert len(only(plan.changes, "sap", "create")) == 5
    created = {f.after for c in only(plan.changes, "sap", "create") for f in c.fields
               if f.field == "BusinessPartnerFullName"}
    assert len(created) == 5 and "Nordlicht Feinkost GmbH" in created
    report = run_customers()
    assert report.systems["salesforce"].created == 16 and report.systems["sap"].created == 5


def test_plan_shows_field_updates_deletes_and_decisions_then_run_does_them(
        erpsync_env: Sandboxes) -> None:
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    run_customers()
    sf.update(sf.account_by_number("1000001")["Id"], BillingCity="Potsdam")
    sap.update("1000002", BusinessPartnerFullName="Talpa Holding GmbH")
    sf.update(sf.account_by_number("1000003")["Id"], Name="Panorama Renamed By Sales")
    sf.delete(sf.account_by_number("1000005")["Id"])
    erpsync_env.clear_logs()
    before = state_rows()

    plan = plan_customers()
    again = plan_customers()

    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
    assert state_rows() == before
    assert [c.to_json() for c in again.changes] == [c.to_json() for c in plan.changes]
    sap_updates = {c.key: fields(c) for c in only(plan.changes, "sap", "update")}
    assert sap_updates["1000001"]["to_BusinessPartnerAddress/CityName"][1] == "Potsdam"
    sf_updates = {c.counterpart: fields(c) for c in only(plan.changes, "salesforce", "update")}
    assert sf_updates["1000002"]["Name"][1] == "Talpa Holding GmbH"
    restored = [fields(c)["Name"] for c in only(plan.changes, "salesforce", "update")
                if "Name" in fields(c) and fields(c)["Name"][0] == "Panorama Renamed By Sales"]
    assert restored == [("Panorama Renamed By Sales", "Panorama Studios")]
    (deactivate,) = only(plan.changes, "sap", "deactivate")
    assert deactivate.key == "1000005"
    assert fields(deactivate)["BusinessPartnerIsBlocked"] == (False, True)
    assert only(plan.changes, "sap", "owner_restored"), "the decision is shown with its reason"

    run_customers()

    assert sap.partner("1000001")["to_BusinessPartnerAddress"]["results"][0]["CityName"] == \
        "Potsdam"
    assert sf.account_by_number("1000002")["Name"] == "Talpa Holding GmbH"
    assert sf.account_by_number("1000003")["Name"] == "Panorama Studios"
    assert sap.partner("1000005")["BusinessPartnerIsBlocked"] is True
    assert plan_customers().changes == [], "after the run there is nothing left to plan"


def test_plan_json_from_the_command_line(erpsync_env: Sandboxes) -> None:
    run_customers()
    sf = SalesforceUser(erpsync_env)
    sf.update(sf.account_by_number("1000004")["Id"], Phone="+81 3 1234 5678")
    erpsync_env.clear_logs()
    env = {k: v for k, v in os.environ.items() if k.startswith(("ERPSYNC_", "PATH", "HOME"))}

    done = subprocess.run([ERPSYNC, "plan", "customers", "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300, check=False)

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    (change,) = [c for c in result["changes"] if c["system"] == "sap"]
    assert change["operation"] == "update" and change["key"] == "1000004"
    assert {"field": "to_BusinessPartnerAddress/PhoneNumber", "before": change["fields"][0][
        "before"], "after": "+81 3 1234 5678"} in change["fields"]
    assert Counter(c["operation"] for c in result["changes"]) == {"update": 1}
    table = subprocess.run([ERPSYNC, "plan", "customers"], cwd=REPO,
                           env={**env, "COLUMNS": "200"},
                           capture_output=True, text=True, timeout=300, check=False)
    assert table.returncode == 0, table.stderr
    assert "1 change(s), nothing written" in table.stdout and "+81 3 1234 5678" in table.stdout
    assert erpsync_env.sap_writes() == [] and erpsync_env.sf_writes() == []
