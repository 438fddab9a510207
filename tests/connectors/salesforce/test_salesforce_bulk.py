"""Writing through Bulk API 2.0 above ``bulk_threshold``, against the sandbox's ingest jobs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from salesforce_support import SandboxControl, api_get, api_query, make_settings

from connectors.base import TargetRecord
from connectors.errors import RecordRejected, TransientError
from connectors.salesforce import SalesforceConnector

EXT = "ERP_Customer_Number__c"
JOBS = "/jobs/ingest"


def accounts(count: int, prefix: str, name: str = "Bulk") -> list[TargetRecord]:
    return [TargetRecord(ref=f"{prefix}{i}", upsert_field=EXT,
                         fields={EXT: f"{prefix}{i:05d}", "Name": f"{name} {i}"})
            for i in range(count)]


@pytest.fixture
def bulk(sandbox: SandboxControl) -> Iterator[SalesforceConnector]:
    """A connector that takes Bulk API 2.0 above 10 records and polls quickly."""
    settings = make_settings(sandbox.url, sandbox.ca_bundle, bulk_threshold=10,
                             bulk_poll_seconds=0.05, bulk_poll_max_seconds=0.2)
    with SalesforceConnector(settings) as made:
        made.describe("Account")
        sandbox.clear_served()
        yield made


def job_calls(sandbox: SandboxControl) -> list[tuple[str, str]]:
    """``(method, path after /jobs/ingest)`` of every Bulk call served, job ids elided."""
    calls = []
    for call in sandbox.served_data_calls(marker=JOBS):
        rest = call["path"].split(JOBS, 1)[1]
        parts = rest.strip("/").split("/")
        calls.append((call["method"], "/".join(["<job>", *parts[1:]]) if parts[0] else ""))
    return calls


def test_10000_records_in_one_call_are_one_bulk_job(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    connector.describe("Account")
    sandbox.clear_served()

    results = connector.write_batch("Account", accounts(10_000, "J"))

    assert [r.ref for r in results] == [f"J{i}" for i in range(10_000)]
    assert {r.outcome for r in results} == {"created"}, {r.error for r in results}
    assert all(r.key and r.key.startswith("001") for r in results)
    calls = job_calls(sandbox)
    assert calls.count(("POST", "")) == 1  # one job
    assert calls.count(("PUT", "<job>/batches")) == 1  # one upload
    assert ("PATCH", "<job>") in calls
    # A job without failures: only its successful rows are fetched.
    assert [c for c in calls if c[0] == "GET" and c[1] != "<job>"] == [
        ("GET", "<job>/successfulResults")]
    assert len(calls) == 4 + calls.count(("GET", "<job>"))  # and its polls
    assert sandbox.served_data_calls(marker="/composite/") == []
    rows = api_query(sandbox, "SELECT Id, ERP_Customer_Number__c FROM Account")
    assert len(rows) == len({r[EXT] for r in rows}) == 10_000
    assert {r["Id"] for r in rows} == {r.key for r in results}


def test_a_second_bulk_load_updates_the_same_records(
    sandbox: SandboxControl, bulk: SalesforceConnector
) -> None:
    first = bulk.write_batch("Account", accounts(50, "U"))
    second = bulk.write_batch("Account", accounts(50, "U", name="Again"))
    assert {r.outcome for r in first} == {"created"}
    assert {r.outcome for r in second} == {"updated"}
    assert [r.key for r in second] == [r.key for r in first]
    rows = api_query(sandbox, "SELECT Name FROM Account WHERE ERP_Customer_Number__c = 'U00007'")
    assert [r["Name"] for r in rows] == ["Again 7"]


def test_upserts_updates_and_creates_each_take_their_way_and_keep_input_order(
    sandbox: SandboxControl, bulk: SalesforceConnector
) -> None:
    existing = bulk.write_batch("Account", accounts(12, "E"))
    sandbox.clear_served()
    batch: list[TargetRecord] = []
    for i in range(6):
        batch.append(accounts(20, "M")[i])
        batch.append(TargetRecord(f"upd{i}", {"Name": f"Renamed {i}", "Phone": None},
                                  key=existing[i].key))
        batch.append(TargetRecord(f"new{i}", {"Name": f"Fresh {i}"}))

    results = bulk.write_batch("Account", batch)

    assert [r.ref for r in results] == [r.ref for r in batch]
    assert [r.outcome for r in results] == ["created", "updated", "created"] * 6
    assert [r.key for r in results[1::3]] == [r.key for r in existing[:6]]
    calls = job_calls(sandbox)
    assert calls.count(("POST", "")) == 2  # the upserts and the updates: one job each
    assert len(sandbox.served_data_calls("POST", "/composite/sobjects")) == 1  # the creates
    renamed = api_get(sandbox, "Account", str(existing[0].key))
    assert (renamed["Name"], renamed["Phone"]) == ("Renamed 0", None)


def test_failed_rows_come_back_with_their_code_and_the_rest_is_written(
    sandbox: SandboxControl, bulk: SalesforceConnector
) -> None:
    records = accounts(30, "X")
    records[4] = TargetRecord("X4", {EXT: "X00004", "Name": "n" * 300}, upsert_field=EXT)
    records[9] = TargetRecord("X9", {EXT: "X00009", "BillingCountryCode": "XX", "Name": "c"},
                              upsert_field=EXT)

    results = bulk.write_batch("Account", records)

    codes = {r.ref: r.error.code for r in results if r.error is not None}
    assert codes == {"X4": "STRING_TOO_LONG", "X9": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"}
    assert all(isinstance(r.error, RecordRejected) for r in results if r.error)
    assert sum(r.outcome == "created" for r in results) == 28
    assert len(api_query(sandbox, "SELECT Id FROM Account")) == 28


def test_values_are_written_in_their_salesforce_form(
    sandbox: SandboxControl, bulk: SalesforceConnector
) -> None:
    tricky: dict[str, Any] = {"Name": 'Comma, "quote" and\nnewline', "NumberOfEmployees": 12,
                              "Description": "naïve ünïcödé"}
    records = [*accounts(11, "V"), TargetRecord("odd", {EXT: "V-odd", **tricky},
                                                upsert_field=EXT)]
    results = bulk.write_batch("Account", records)
    assert {r.outcome for r in results} == {"created"}
    (row,) = api_query(sandbox, "SELECT Name, NumberOfEmployees, Description FROM Account "
                                "WHERE ERP_Customer_Number__c = 'V-odd'")
    assert {k: row[k] for k in tricky} == tricky


def test_rows_a_job_could_not_lock_are_resent_through_collections(
    sandbox: SandboxControl, bulk: SalesforceConnector
) -> None:
    sandbox.faults(record_errors={"W00003": "UNABLE_TO_LOCK_ROW"})
    results = bulk.write_batch("Account", accounts(20, "W"))
    assert {r.outcome for r in results} == {"created"}, {r.error for r in results}
    assert job_calls(sandbox).count(("POST", "")) == 1
    (resend,) = sandbox.served_data_calls(marker="/composite/sobjects")
    assert resend["method"] == "PATCH"
    assert len(api_query(sandbox, "SELECT Id FROM Account")) == 20


def test_parent_references_go_as_dotted_columns(
    sandbox: SandboxControl, bulk: SalesforceConnector
) -> None:
    parents = sandbox.seed("Account", [{"Name": "Parent", EXT: "P0001"}])["Account"]
    people = [TargetRecord(f"c{i}", {"ERP_Contact_Id__c": f"K{i:03d}", "LastName": f"P{i}",
                                     "Account.ERP_Customer_Number__c": "P0001"},
                           upsert_field="ERP_Contact_Id__c") for i in range(15)]
    assert bulk.describe("Contact").has("Account.ERP_Customer_Number__c")
    sandbox.clear_served()

    created = bulk.write_batch("Contact", people)
    unlinked = bulk.write_batch("Contact", [TargetRecord(
        r.ref, {"Account.ERP_Customer_Number__c": None}, key=r.key) for r in created])

    assert {r.outcome for r in created} == {"created"}, {r.error for r in created}
    assert {r.outcome for r in unlinked} == {"updated"}, {r.error for r in unlinked}
    assert job_calls(sandbox).count(("POST", "")) == 2
    assert sandbox.served_data_calls(marker="/composite/") == []
    rows = api_query(sandbox, "SELECT AccountId FROM Contact")
    assert len(rows) == 15 and {r["AccountId"] for r in rows} == {None}
    assert parents


def pause_bulk(sandbox: SandboxControl, paused: bool) -> None:
    response = sandbox.http.post(sandbox.url + "/_sandbox/bulk", json={"paused": paused},
                                 timeout=30)
    response.raise_for_status()


def test_a_job_that_does_not_finish_in_time_is_aborted_and_its_records_fail_transiently(
    sandbox: SandboxControl,
) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, bulk_threshold=10,
                             bulk_poll_seconds=0.05, bulk_poll_max_seconds=0.1,
                             bulk_timeout_seconds=0.5)
    pause_bulk(sandbox, True)
    try:
        with SalesforceConnector(settings) as connector:
            results = connector.write_batch("Account", accounts(20, "Z"))
    finally:
        pause_bulk(sandbox, False)
    assert {r.outcome for r in results} == {"failed"}
    assert {r.error.code for r in results if r.error} == {"BULK_UNPROCESSED"}
    assert all(isinstance(r.error, TransientError) for r in results)
    assert ("PATCH", "<job>") in job_calls(sandbox)  # UploadComplete, then Aborted
    assert api_query(sandbox, "SELECT Id FROM Account") == []


@pytest.mark.parametrize(("method", "marker", "phase"), [
    ("PUT", "/batches", "after"), ("PATCH", JOBS, "after"), ("GET", "/successfulResults", "after"),
    ("POST", JOBS, "after"), ("GET", JOBS, "before")])
def test_a_dropped_connection_during_a_job_ends_with_every_record_written_once(
    sandbox: SandboxControl, bulk: SalesforceConnector, method: str, marker: str, phase: str
) -> None:
    sandbox.faults(bursts=[{"kind": "drop", "count": 1, "method": method,
                            "path_contains": marker, "phase": phase}])
    results = bulk.write_batch("Account", accounts(500, "R"))
    assert {r.outcome for r in results} <= {"created", "updated"}, {r.error for r in results}
    rows = api_query(sandbox, "SELECT ERP_Customer_Number__c FROM Account")
    assert len(rows) == len({r[EXT] for r in rows}) == 500
    assert any(c.get("dropped") for c in sandbox.served_data_calls())
