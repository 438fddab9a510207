"""Deleting with sObject Collections against the real sandbox: at most 200 ids per call,
per-record results in order, a record already gone counts as deleted, a locked one is sent
again alone, a permanent refusal fails only its record."""

from __future__ import annotations

from salesforce_support import SandboxControl, api_delete, api_query, make_settings

from connectors.errors import RecordRejected
from connectors.salesforce import SalesforceConnector
from engine.capabilities import DeletesRecords


def accounts(sandbox: SandboxControl, count: int) -> list[str]:
    rows = [{"Name": f"Doomed {i}"} for i in range(count)]
    return list(sandbox.seed("Account", rows)["Account"])


def delete_calls(sandbox: SandboxControl) -> list[dict[str, object]]:
    return [c for c in sandbox.served_data_calls(marker="/composite/sobjects")
            if c["method"] == "DELETE"]


def live_ids(sandbox: SandboxControl) -> set[str]:
    return {r["Id"] for r in api_query(sandbox, "SELECT Id FROM Account")}


def test_450_deletes_take_three_calls_with_one_result_per_id_in_order(
        sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    assert isinstance(connector, DeletesRecords)
    ids = accounts(sandbox, 450)
    sandbox.clear_served()

    results = connector.delete_batch("Account", ids)

    assert [r.ref for r in results] == ids and [r.key for r in results] == ids
    assert {r.outcome for r in results} == {"updated"}
    assert len(delete_calls(sandbox)) == 3
    assert live_ids(sandbox).isdisjoint(ids)


def test_a_record_already_deleted_counts_as_deleted(
        sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    gone, live = accounts(sandbox, 2)
    api_delete(sandbox, "Account", gone)
    sandbox.clear_served()

    results = connector.delete_batch("Account", [gone, live])

    assert [(r.key, r.outcome, r.error) for r in results] == [(gone, "updated", None),
                                                              (live, "updated", None)]
    assert len(delete_calls(sandbox)) == 1, "one call, not one per record"
    assert [r.outcome for r in connector.delete_batch("Account", [gone, live])] == [
        "updated", "updated"], "deleting again changes nothing"


def test_a_locked_record_is_sent_again_alone_and_a_refused_one_fails_alone(
        sandbox: SandboxControl) -> None:
    first, locked, refused = accounts(sandbox, 3)
    sandbox.faults(record_errors={locked: "UNABLE_TO_LOCK_ROW",
                                  refused: "FIELD_CUSTOM_VALIDATION_EXCEPTION"})
    settings = make_settings(sandbox.url, sandbox.ca_bundle, retry_backoff_seconds=0.01)
    sandbox.clear_served()
    with SalesforceConnector(settings) as connector:
        results = connector.delete_batch("Account", [first, locked, refused])

    assert [r.outcome for r in results] == ["updated", "updated", "failed"]
    assert isinstance(results[2].error, RecordRejected)
    assert results[2].error.code == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert len(delete_calls(sandbox)) == 2, "the locked one again, in a second call"
    assert live_ids(sandbox) & {first, locked, refused} == {refused}
