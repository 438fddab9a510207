"""Faults mid-run, armed through the sandbox's control plane: dropped connections, 503 and
latency bursts, the daily limit running out. Every record must end up written exactly once,
which the tests check by counting records in the sandbox itself."""

from __future__ import annotations

from typing import Any

import pytest
from salesforce_support import SandboxControl, api_query, make_settings

from connectors.base import TargetRecord, WriteResult
from connectors.errors import LimitExhausted, TransientError
from connectors.salesforce import SalesforceConnector
from connectors.salesforce.soql import quote_string

EXT = "ERP_Customer_Number__c"
WRITES = "/composite/sobjects"


def accounts(count: int, prefix: str) -> list[TargetRecord]:
    return [TargetRecord(ref=f"{prefix}{i}", upsert_field=EXT,
                         fields={EXT: f"{prefix}{i:05d}", "Name": f"Account {i}"})
            for i in range(count)]


def arm(sandbox: SandboxControl, **burst: Any) -> None:
    sandbox.faults(bursts=[{"count": 1, "skip": 0, **burst}])


def count_accounts(sandbox: SandboxControl, prefix: str) -> tuple[int, int]:
    soql = "SELECT ERP_Customer_Number__c FROM Account WHERE ERP_Customer_Number__c LIKE "
    rows = api_query(sandbox, soql + quote_string(prefix + "%"))
    return len(rows), len({row[EXT] for row in rows})


def write_in_pages(connector: SalesforceConnector, records: list[TargetRecord],
                   size: int = 200) -> list[WriteResult]:
    results: list[WriteResult] = []
    for start in range(0, len(records), size):
        results += connector.write_batch("Account", records[start:start + size])
    return results


@pytest.mark.parametrize("phase", ["before", "after"])
def test_a_dropped_connection_mid_run_ends_with_every_record_written_once(
    sandbox: SandboxControl, connector: SalesforceConnector, phase: str
) -> None:
    connector.describe("Account")
    arm(sandbox, kind="drop", skip=2, method="PATCH", path_contains=WRITES, phase=phase)

    results = write_in_pages(connector, accounts(1_000, "D"))

    assert [r.ref for r in results] == [f"D{i}" for i in range(1_000)]
    assert all(r.outcome in ("created", "updated") for r in results), results
    # The third page was sent twice; after a lost answer its second send finds them made.
    resent = [r.outcome for r in results[400:600]]
    assert resent == (["created"] * 200 if phase == "before" else ["updated"] * 200)
    assert count_accounts(sandbox, "D") == (1_000, 1_000)
    dropped = [c for c in sandbox.served_data_calls(marker=WRITES) if c.get("dropped")]
    assert len(dropped) == 1


def test_a_create_whose_answer_was_lost_is_not_sent_again(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    connector.describe("Account")
    arm(sandbox, kind="drop", method="POST", path_contains=WRITES, phase="after")
    creates = [TargetRecord(f"n{i}", {"Name": f"No key {i}"}) for i in range(3)]

    results = connector.write_batch("Account", creates)

    assert {r.outcome for r in results} == {"failed"}
    assert all(isinstance(r.error, TransientError) and r.error.code == "CONNECTION_DROPPED"
               for r in results)
    assert len(sandbox.served_data_calls("POST", WRITES)) == 1  # no second send
    names = [r["Name"] for r in api_query(sandbox, "SELECT Name FROM Account")]
    assert sorted(names) == ["No key 0", "No key 1", "No key 2"]  # made once, not twice


def test_a_503_burst_on_reads_is_retried(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    sandbox.seed("Account", [{"Name": f"Acme {i}"} for i in range(2_100)])
    stream = connector.read_changes("Account", None, ["Name"])
    first = next(stream)
    arm(sandbox, kind="503", count=3, path_contains="/query")
    rest = list(stream)
    keys = [first.key, *(r.key for r in rest)]
    assert len(keys) == len(set(keys)) == 2_100
    statuses = [c["status"] for c in sandbox.served_data_calls("GET", "/query")]
    assert statuses == [200, 503, 503, 503, 200]


def described(sandbox: SandboxControl, **overrides: Any) -> SalesforceConnector:
    """A connector with these settings that has described Account (as a run starts)."""
    made = SalesforceConnector(make_settings(sandbox.url, sandbox.ca_bundle, **overrides))
    made.describe("Account")
    return made


def test_a_latency_burst_longer_than_the_timeout_is_retried_and_written_once(
    sandbox: SandboxControl,
) -> None:
    with described(sandbox, timeout=1.0) as connector:
        arm(sandbox, kind="latency", latency_ms=2_500, skip=1, method="PATCH",
            path_contains=WRITES)
        results = write_in_pages(connector, accounts(600, "T"))
    assert all(r.outcome in ("created", "updated") for r in results), results
    assert count_accounts(sandbox, "T") == (600, 600)


def test_a_503_storm_fails_the_records_not_written_without_hammering(
    sandbox: SandboxControl,
) -> None:
    with described(sandbox, max_retries=2) as connector:
        arm(sandbox, kind="503", count=1_000, path_contains=WRITES)
        sandbox.clear_served()
        results = connector.write_batch("Account", accounts(600, "S"))
    assert {r.outcome for r in results} == {"failed"}
    assert all(isinstance(r.error, TransientError) for r in results)
    assert len(sandbox.served_data_calls(marker=WRITES)) == 3  # one chunk, two retries


def set_limits(sandbox: SandboxControl, **values: int) -> dict[str, int]:
    response = sandbox.http.post(sandbox.url + "/_sandbox/limits", json=values, timeout=30)
    response.raise_for_status()
    return dict(response.json())


def unbudgeted(sandbox: SandboxControl) -> SalesforceConnector:
    return SalesforceConnector(make_settings(sandbox.url, sandbox.ca_bundle,
                                             api_budget_share=None))


def test_the_daily_limit_spent_meanwhile_stops_the_run_at_the_refusal(
    sandbox: SandboxControl,
) -> None:
    sandbox.seed("Account", [{"Name": f"Acme {i}"} for i in range(3_000)])
    set_limits(sandbox, used=0, max=100)
    sandbox.clear_served()
    seen = 0
    with pytest.raises(LimitExhausted) as caught, unbudgeted(sandbox) as connector:
        for _ in connector.read_changes("Account", None, ["Name"]):
            seen += 1
            if seen == 1:
                set_limits(sandbox, used=100)  # other integrations spend the rest meanwhile
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert caught.value.resume_at is not None
    assert seen == 2_000  # the first page; the second was refused
    assert [c["status"] for c in sandbox.served_data_calls("GET", "/query")] == [200, 403]


def test_when_the_last_answer_spent_the_limit_the_next_call_is_not_made(
    sandbox: SandboxControl,
) -> None:
    sandbox.seed("Account", [{"Name": f"Acme {i}"} for i in range(3_000)])
    set_limits(sandbox, used=98, max=100)  # describe and the first page use the last two
    sandbox.clear_served()
    with pytest.raises(LimitExhausted) as caught, unbudgeted(sandbox) as connector:
        list(connector.read_changes("Account", None, ["Name"]))
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert [c["status"] for c in sandbox.served_data_calls()] == [200, 200]
