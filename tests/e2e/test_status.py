"""`erpsync status`: per sync, from the state alone — the last run and its counts, both
cursors, open conflicts and dead letters — as a person and a script read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from engine.state import schema as t
from engine.state.store import StateStore
from tests.conftest import REPO, Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import run_customers, variant

ERPSYNC = str(Path(sys.executable).parent / "erpsync")


def erpsync(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(("ERPSYNC_", "PATH", "HOME"))}
    done = subprocess.run([ERPSYNC, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done


def test_status_shows_last_run_cursors_counts_conflicts_and_dead_letters(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    manual = variant(tmp_path / "m", ("conflicts:\n  policy: newest_wins",
                                      "conflicts:\n  policy: manual"))
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    sf.create(Name="Kiwi Imports Ltd", BillingCountryCode="NZ", BillingCity="Auckland")
    run_customers(manual)
    sf.update(sf.account_by_number("1000007")["Id"], BillingCity="Campinas")
    sap.update_address("1000007", CityName="Santos")
    sap.update("1000007", SearchTerm1="SANTOS")
    report = run_customers(manual)
    assert report.held == 1

    status = json.loads(erpsync("status", "customers", "--json").stdout)["syncs"][0]

    assert status["sync"] == "customers"
    last = status["last_run"]
    assert last["kind"] == "run" and last["status"] == "completed" and last["id"] == \
        report.run_id
    assert last["counts"]["sap"]["read"] == report.systems["sap"].read
    assert last["counts"]["held"] == 1
    assert set(status["cursors"]) == {"sap", "salesforce"}
    assert all(c["modified_at"] and c["key"] for c in status["cursors"].values())
    assert status["open_conflicts"] == 1 and status["dead_letters"] == 1
    assert status["locked_by"] is None
    table = erpsync("status").stdout
    assert "sync customers" in table and "open conflicts" in table


def test_audit_show_and_verify_from_the_command_line(erpsync_env: Sandboxes) -> None:
    run_customers()
    shown = erpsync("audit", "show", "customers", "1000003").stdout
    assert "create" in shown
    assert "audit trail intact" in erpsync("audit", "verify").stdout
    store = StateStore()
    with store.engine.begin() as conn:
        conn.execute(update(t.audit).where(t.audit.c.id == 3).values(reason="edited"))
    env = {k: v for k, v in os.environ.items() if k.startswith(("ERPSYNC_", "PATH", "HOME"))}
    tampered = subprocess.run([ERPSYNC, "audit", "verify"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
    assert tampered.returncode == 1 and "broken at entries: [3]" in tampered.stderr
