"""Writing with sObject Collections against the real sandbox."""

from __future__ import annotations

import pytest
from salesforce_support import SandboxControl, make_settings

from connectors.base import TargetRecord
from connectors.errors import ConfigError, RecordRejected, TransientError
from connectors.salesforce import SalesforceConnector

EXT = "ERP_Customer_Number__c"


def upserts(count: int, prefix: str = "C", name: str = "Acme") -> list[TargetRecord]:
    return [
        TargetRecord(
            ref=f"ref-{i}",
            fields={EXT: f"{prefix}-{i:04d}", "Name": f"{name} {i}"},
            upsert_field=EXT,
        )
        for i in range(count)
    ]


def collection_calls(sandbox: SandboxControl) -> list[dict[str, object]]:
    return sandbox.served_data_calls(marker="/composite/sobjects")


def test_450_upserts_take_exactly_three_calls_then_update(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    connector.describe("Account")
    sandbox.clear_served()

    first = connector.write_batch("Account", upserts(450))

    calls = collection_calls(sandbox)
    assert len(calls) == 3
    assert {(c["method"], c["path"]) for c in calls} == {
        ("PATCH", "/services/data/v62.0/composite/sobjects/Account/" + EXT)
    }
    assert [r.ref for r in first] == [f"ref-{i}" for i in range(450)]
    assert {r.outcome for r in first} == {"created"}
    assert all(r.key and r.key.startswith("001") for r in first)

    second = connector.write_batch("Account", upserts(450, name="Renamed"))
    assert {r.outcome for r in second} == {"updated"}
    assert [r.key for r in second] == [r.key for r in first]
    found = list(connector.read_by("Account", EXT, ["C-0007"], ["Name"]))
    assert found[0].fields["Name"] == "Renamed 7"


def test_update_by_id_and_create(sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    (created,) = connector.write_batch("Account", [TargetRecord("new", {"Name": "Fresh"})])
    assert created.outcome == "created" and created.key
    assert collection_calls(sandbox)[-1]["method"] == "POST"

    (updated,) = connector.write_batch(
        "Account", [TargetRecord("upd", {"Name": "Renamed"}, key=created.key)]
    )
    assert updated.outcome == "updated"
    assert updated.key == created.key
    last = collection_calls(sandbox)[-1]
    assert (last["method"], last["path"]) == ("PATCH", "/services/data/v62.0/composite/sobjects")
    (record,) = list(connector.read_by("Account", "Id", [created.key], ["Name"]))
    assert record.fields["Name"] == "Renamed"


def test_mixed_batch_keeps_input_order(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    (existing,) = connector.write_batch("Account", [TargetRecord("x", {"Name": "Existing"})])
    batch = [
        TargetRecord("a", {EXT: "M-1", "Name": "Upserted"}, upsert_field=EXT),
        TargetRecord("b", {"Name": "Updated"}, key=existing.key),
        TargetRecord("c", {"Name": "Created"}),
        TargetRecord("d", {EXT: "M-2", "Name": "Upserted 2"}, upsert_field=EXT),
    ]
    sandbox.clear_served()
    results = connector.write_batch("Account", batch)
    assert [(r.ref, r.outcome) for r in results] == [
        ("a", "created"),
        ("b", "updated"),
        ("c", "created"),
        ("d", "created"),
    ]
    assert len(collection_calls(sandbox)) == 3  # one call per route


def test_a_rejected_record_fails_alone(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    sandbox.faults(record_errors={"C-0003": "DUPLICATE_VALUE"})
    results = connector.write_batch("Account", upserts(5))
    failed = [r for r in results if r.outcome == "failed"]
    assert [r.ref for r in failed] == ["ref-3"]
    assert isinstance(failed[0].error, RecordRejected)
    assert failed[0].error.code == "DUPLICATE_VALUE"
    assert [r.outcome for r in results if r.ref != "ref-3"] == ["created"] * 4
    assert len(collection_calls(sandbox)) == 1  # a permanent error is not retried


def test_validation_failures_from_the_org_are_record_rejections(
    connector: SalesforceConnector,
) -> None:
    results = connector.write_batch(
        "Account",
        [
            TargetRecord("long", {EXT: "V-1", "Name": "x" * 300}, upsert_field=EXT),
            TargetRecord(
                "pick", {EXT: "V-2", "Name": "ok", "BillingCountryCode": "XX"}, upsert_field=EXT
            ),
            TargetRecord("noname", {EXT: "V-3"}, upsert_field=EXT),
            TargetRecord("fine", {EXT: "V-4", "Name": "fine"}, upsert_field=EXT),
        ],
    )
    codes = {r.ref: (r.outcome, r.error.code if r.error else None) for r in results}
    assert codes == {
        "long": ("failed", "STRING_TOO_LONG"),
        "pick": ("failed", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        "noname": ("failed", "REQUIRED_FIELD_MISSING"),
        "fine": ("created", None),
    }
    assert all(isinstance(r.error, RecordRejected) for r in results if r.error)


def test_locked_rows_are_retried_alone(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    sandbox.faults(record_errors={"C-0001": "UNABLE_TO_LOCK_ROW"})
    results = connector.write_batch("Account", upserts(3))
    assert [r.outcome for r in results] == ["created"] * 3
    assert len(collection_calls(sandbox)) == 2  # the batch, then the locked record again


@pytest.mark.parametrize(("max_retries", "outcome"), [(1, "failed"), (2, "updated")])
def test_locked_rows_are_retried_a_bounded_number_of_times(
    sandbox: SandboxControl, max_retries: int, outcome: str
) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, max_retries=max_retries)
    with SalesforceConnector(settings) as connector:
        (existing,) = connector.write_batch("Account", upserts(1))
        assert existing.key is not None
        # Each armed fault fires once; arming the Id and the External ID locks two attempts.
        sandbox.faults(
            record_errors={existing.key: "UNABLE_TO_LOCK_ROW", "C-0000": "UNABLE_TO_LOCK_ROW"}
        )
        sandbox.clear_served()
        (result,) = connector.write_batch("Account", upserts(1, name="Again"))
    assert result.outcome == outcome
    assert len(collection_calls(sandbox)) == min(max_retries + 1, 3)
    if outcome == "failed":
        assert isinstance(result.error, TransientError)
        assert result.error.code == "UNABLE_TO_LOCK_ROW"


def test_503_is_retried(sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    connector.describe("Account")
    sandbox.clear_served()
    sandbox.faults(http_503_next=2)
    results = connector.write_batch("Account", upserts(3))
    assert [r.outcome for r in results] == ["created"] * 3
    statuses = [c["status"] for c in collection_calls(sandbox)]
    assert statuses == [503, 503, 200]


def test_persistent_503_fails_the_batch_without_hammering(sandbox: SandboxControl) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, max_retries=2)
    with SalesforceConnector(settings) as connector:
        connector.describe("Account")
        sandbox.clear_served()
        sandbox.faults(http_503_next=100)
        results = connector.write_batch("Account", upserts(450))
    assert len(results) == 450
    assert {r.outcome for r in results} == {"failed"}
    assert all(isinstance(r.error, TransientError) for r in results)
    assert len(collection_calls(sandbox)) == 3  # first batch, 2 retries; later batches skipped


def test_missing_external_id_value_fails_locally(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    results = connector.write_batch(
        "Account",
        [
            TargetRecord("empty", {"Name": "no key", EXT: ""}, upsert_field=EXT),
            TargetRecord("ok", {"Name": "key", EXT: "K-1"}, upsert_field=EXT),
        ],
    )
    assert results[0].outcome == "failed"
    assert results[0].error is not None and results[0].error.code == "MISSING_EXTERNAL_ID"
    assert results[1].outcome == "created"


def test_unknown_fields_fail_before_any_write(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    with pytest.raises(ConfigError, match="Bogus__c"):
        connector.write_batch("Account", [TargetRecord("a", {"Name": "x", "Bogus__c": 1})])
    assert collection_calls(sandbox) == []


def test_every_http_call_is_counted(connector: SalesforceConnector) -> None:
    connector.write_batch("Account", upserts(250))
    assert connector.counter.by_kind == {"auth": 1, "describe": 1, "write": 2}
    assert connector.counter.calls == 4


def test_empty_batch_makes_no_call(connector: SalesforceConnector) -> None:
    assert connector.write_batch("Account", []) == []
    assert connector.counter.calls == 0
