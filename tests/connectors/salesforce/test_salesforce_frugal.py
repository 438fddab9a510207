"""What the issue asks the connector to show, against the sandbox as a real server, counting
the calls in the sandbox's own request log and the records in the sandbox's own data.

* a 10 000-record initial load costs ceil(10000 / 200) = 50 collection calls (or one Bulk job,
  in test_salesforce_bulk.py);
* an incremental run with 3 changes makes at most 2 read calls and 1 write call;
* one record failing in a batch of 200 leaves the other 199 written and the one failed with
  its code;
* a 503 burst (and a dropped connection, in test_salesforce_faults.py) mid-run ends with every
  record written exactly once.

These are connector-level checks. The same claims for whole engine runs (login, describes and
the delete-window check counted too) are in tests/e2e/test_salesforce_runs.py.
"""

from __future__ import annotations

import math

from salesforce_support import SandboxControl, api_patch, api_query

from connectors.base import Cursor, TargetRecord
from connectors.errors import RecordRejected
from connectors.salesforce import SalesforceConnector
from connectors.salesforce.soql import quote_string

EXT = "ERP_Customer_Number__c"
WRITES = "/composite/sobjects"


def accounts(count: int, prefix: str = "L", name: str = "Load") -> list[TargetRecord]:
    return [TargetRecord(ref=f"{prefix}{i}", upsert_field=EXT,
                         fields={EXT: f"{prefix}{i:05d}", "Name": f"{name} {i}"})
            for i in range(count)]


def pages(records: list[TargetRecord], size: int) -> list[list[TargetRecord]]:
    return [records[start:start + size] for start in range(0, len(records), size)]


def count_accounts(sandbox: SandboxControl, prefix: str) -> tuple[int, int]:
    """``(rows, distinct External IDs)`` of the sandbox's accounts whose External ID starts with
    ``prefix``, read through the REST API as another user would."""
    soql = "SELECT ERP_Customer_Number__c FROM Account WHERE ERP_Customer_Number__c LIKE "
    rows = api_query(sandbox, soql + quote_string(prefix + "%"))
    return len(rows), len({row[EXT] for row in rows})


def test_a_10000_record_initial_load_costs_50_collection_calls(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    records = accounts(10_000)
    connector.describe("Account")
    sandbox.clear_served()

    results = [r for page in pages(records, 2_000) for r in connector.write_batch("Account", page)]

    assert len(results) == 10_000 and {r.outcome for r in results} == {"created"}
    calls = sandbox.served_data_calls()
    assert len(calls) == math.ceil(10_000 / 200) == 50
    assert {(c["method"], c["path"].split("/v62.0")[1]) for c in calls} == {
        ("PATCH", f"{WRITES}/Account/{EXT}")}
    assert count_accounts(sandbox, "L") == (10_000, 10_000)


def test_an_incremental_run_with_3_changes_makes_2_reads_and_1_write(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    sandbox.seed("Account", [{"Name": f"Old {i}", EXT: f"I{i:04d}"} for i in range(500)])
    before = list(connector.read_changes("Account", None, ["Name", EXT]))
    cursor = Cursor(before[-1].modified_at, before[-1].key)
    sandbox.advance_clock(60)
    changed = {r.key: r for r in before[:3]}
    for key in changed:
        api_patch(sandbox, "Account", key, {"Name": "Changed elsewhere"})
    sandbox.clear_served()

    # What a run does with them: read the changes, look up their counterparts, write back.
    seen = [r for r in connector.read_changes("Account", cursor, ["Name", EXT])
            if r.key != cursor.key]
    found = list(connector.read_by("Account", EXT, [str(r.fields[EXT]) for r in seen], ["Name"]))
    results = connector.write_batch("Account", [
        TargetRecord(ref=r.key, key=r.key, fields={"Description": "synced"}) for r in found])

    assert sorted(r.key for r in seen) == sorted(changed)
    assert [r.outcome for r in results] == ["updated"] * 3
    reads = sandbox.served_data_calls("GET", "/query")
    writes = sandbox.served_data_calls(marker=WRITES)
    assert len(reads) <= 2 and len(writes) == 1
    assert len(sandbox.served_data_calls()) == len(reads) + len(writes)  # nothing else


def test_one_failure_in_a_batch_of_200_leaves_199_written(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    records = accounts(200, prefix="F")
    sandbox.faults(record_errors={"F00117": "FIELD_CUSTOM_VALIDATION_EXCEPTION"})
    sandbox.clear_served()

    results = connector.write_batch("Account", records)

    failed = [r for r in results if r.outcome == "failed"]
    assert [r.ref for r in failed] == ["F117"]
    assert isinstance(failed[0].error, RecordRejected)
    assert failed[0].error.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert sum(r.outcome == "created" for r in results) == 199
    assert len(sandbox.served_data_calls(marker=WRITES)) == 1  # a rejection is not resent
    assert count_accounts(sandbox, "F") == (199, 199)
    assert not api_query(sandbox, "SELECT Id FROM Account WHERE ERP_Customer_Number__c = 'F00117'")


def test_a_503_burst_mid_run_ends_with_every_record_written_once(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    records = accounts(1_000, prefix="B")
    batches = pages(records, 200)
    results = connector.write_batch("Account", batches[0])
    sandbox.faults(http_503_next=3)  # the org stumbles after the first page
    for batch in batches[1:]:
        results += connector.write_batch("Account", batch)

    assert len(results) == 1_000 and {r.outcome for r in results} == {"created"}
    assert count_accounts(sandbox, "B") == (1_000, 1_000)
    statuses = [c["status"] for c in sandbox.served_data_calls(marker=WRITES)]
    assert statuses.count(503) == 3 and statuses.count(200) == 5
