"""Dead letters: a record the mapping rejects waits with its error code, class, attempts and
payload while the rest go on; replaying it before the mapping is fixed counts an attempt,
replaying it after the fix writes it — through the CLI, against the real stand-ins."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import run_customers, variant

ERPSYNC = str(Path(sys.executable).parent / "erpsync")


def erpsync(*args: str, mappings: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(("ERPSYNC_", "PATH", "HOME"))}
    if mappings is not None:
        env["ERPSYNC_MAPPINGS"] = str(mappings)
    return subprocess.run([ERPSYNC, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def letters() -> list[dict[str, object]]:
    listed = erpsync("dead-letters", "list", "customers", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    return list(json.loads(listed.stdout)["dead_letters"])


def test_dead_letter_waits_and_replay_writes_it_after_the_mapping_is_fixed(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    kiwi = sf.create(Name="Kiwi Imports Ltd", BillingCountryCode="NZ", BillingCity="Auckland")

    report = run_customers()

    assert report.dead_letters == 1 and report.systems["sap"].created == 5
    (letter,) = letters()
    assert letter["code"] == "UNMAPPED_VALUE" and letter["error_class"] == "RecordRejected"
    assert letter["source_system"] == "salesforce" and letter["source_key"] == kiwi
    assert letter["attempts"] == 1 and letter["status"] == "open"
    assert letter["payload"]["Name"] == "Kiwi Imports Ltd"  # type: ignore[index]

    again = erpsync("dead-letters", "replay", "customers")
    assert again.returncode == 0, again.stderr
    (letter,) = letters()
    assert letter["attempts"] == 2 and letter["status"] == "open", "one letter, two attempts"
    assert "Kiwi Imports Ltd" not in {p["BusinessPartnerFullName"] for p in sap.partners()}

    fixed = variant(tmp_path / "fixed", ("SG: SG, AU: AU}", "SG: SG, AU: AU, NZ: NZ}"))
    replayed = erpsync("dead-letters", "replay", "customers", mappings=fixed.parent)

    assert replayed.returncode == 0, replayed.stderr
    (letter,) = letters()
    assert letter["status"] == "replayed"
    partner = [p for p in sap.partners() if p["BusinessPartnerFullName"] == "Kiwi Imports Ltd"]
    assert len(partner) == 1
    account = next(a for a in sf.accounts() if a["Id"] == kiwi)
    assert account["ERP_Customer_Number__c"] == partner[0]["BusinessPartner"].lstrip("0")
    open_now = erpsync("dead-letters", "list", "customers", "--json")
    assert json.loads(open_now.stdout)["dead_letters"] == []
