"""Writing to a real mock-sap through $batch: creates, updates, ETags, isolation, CSRF and
transient failures."""

from __future__ import annotations

from typing import Any

import pytest
from sap_support import (
    ADDRESS,
    ADDRESS_ID,
    BP,
    CITY,
    LockedAnswerSession,
    MakeConnector,
    ScenarioSession,
    Sleeps,
    add_fault,
    served,
)

from connectors.base import SourceRecord, TargetRecord
from connectors.errors import ConfigError, ConflictError, RecordRejected, TransientError
from connectors.sap import SapODataConnector
from connectors.sap.errors import OutcomeUnknown, PreconditionFailed
from sandbox.process import ChildServer

READ = ["OrganizationBPName1", "SearchTerm1", CITY, f"{ADDRESS}/PostalCode"]


def fetch(connector: SapODataConnector, key: str) -> SourceRecord:
    (record,) = connector.read_by(BP, "BusinessPartner", [key], READ)
    return record


def new_partner(name: str, **extra: Any) -> dict[str, Any]:
    return {"BusinessPartnerCategory": "2", "OrganizationBPName1": name, **extra}


def batches(server: ChildServer) -> list[dict[str, Any]]:
    return [r for r in served(server) if r["path"].endswith("$batch")]


def test_create_sends_one_batch_with_deep_inserted_addresses(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    connector.describe(BP)
    records = [TargetRecord(ref=f"r{i}", fields=new_partner(
        f"New {i}", **{CITY: f"City {i}", f"{ADDRESS}/PostalCode": f"1000{i}"}))
        for i in range(3)]
    results = connector.write_batch(BP, records)
    assert [(r.ref, r.outcome, r.error) for r in results] == [
        ("r0", "created", None), ("r1", "created", None), ("r2", "created", None)]
    assert len({r.key for r in results}) == 3
    assert connector.counter.by_kind == {"metadata": 1, "csrf": 1, "batch": 1}
    assert [(r["method"], r["status"]) for r in served(sap)] == [
        ("GET", 200), ("GET", 200), ("POST", 202)]
    for result, i in zip(results, range(3), strict=True):
        assert result.key is not None
        stored = fetch(connector, result.key)
        assert stored.fields["OrganizationBPName1"] == f"New {i}"
        assert stored.fields[CITY] == f"City {i}"
        assert stored.fields[ADDRESS_ID] == "1"


def test_update_of_partner_and_address_is_one_changeset(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    before = fetch(connector, "1000001")
    result = connector.write_batch(BP, [TargetRecord(
        ref="u", key=before.key, etag=before.etag,
        fields={"SearchTerm1": "NEWTERM", ADDRESS_ID: before.fields[ADDRESS_ID],
                CITY: "Mannheim"})])
    assert (result[0].outcome, result[0].key, result[0].error) == ("updated", "1000001", None)
    assert len(batches(sap)) == 1
    after = fetch(connector, "1000001")
    assert after.fields["SearchTerm1"] == "NEWTERM"
    assert after.fields[CITY] == "Mannheim"
    assert after.fields[f"{ADDRESS}/PostalCode"] == before.fields[f"{ADDRESS}/PostalCode"]
    assert after.etag != before.etag


def addresses(connector: SapODataConnector, partner: str) -> list[SourceRecord]:
    return list(connector.read_by("A_BusinessPartnerAddress", "BusinessPartner", [partner],
                                  ["CityName"]))


def test_engine_style_update_takes_the_address_id_from_current(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    """The engine sends only changed fields (never the key AddressID) plus ``current``."""
    before = fetch(connector, "1000001")
    result = connector.write_batch(BP, [TargetRecord(
        ref="e", key=before.key, etag=before.etag, fields={CITY: "Heidelberg"},
        current=before.fields)])
    assert result[0].outcome == "updated", result[0].error
    (address,) = addresses(connector, "1000001")
    assert address.key == "BusinessPartner='1000001',AddressID='0000020000'"
    assert address.fields["CityName"] == "Heidelberg"


def test_unknown_address_id_is_looked_up_not_guessed(connector: SapODataConnector) -> None:
    result = connector.write_batch(BP, [
        TargetRecord(ref="a", key="1000002", fields={CITY: "Bonn"}),
        TargetRecord(ref="b", key="1000003", fields={CITY: "Jena"}),
    ])
    assert [r.outcome for r in result] == ["updated", "updated"]
    assert connector.counter.by_kind["query"] == 1  # one lookup for both records
    assert [a.fields["CityName"] for a in addresses(connector, "1000002")] == ["Bonn"]
    assert [a.fields["CityName"] for a in addresses(connector, "1000003")] == ["Jena"]


def test_a_failing_address_rolls_back_the_partner(connector: SapODataConnector) -> None:
    before = fetch(connector, "1000002")
    result = connector.write_batch(BP, [TargetRecord(
        ref="u", key=before.key, etag=before.etag,
        fields={"SearchTerm1": "NEVER", ADDRESS_ID: before.fields[ADDRESS_ID], CITY: "x" * 41})])
    assert result[0].outcome == "failed"
    assert isinstance(result[0].error, RecordRejected)
    assert "CityName" in result[0].error.message
    assert fetch(connector, "1000002").fields == before.fields


def test_address_only_change_is_guarded_by_the_partner_etag(
    connector: SapODataConnector,
) -> None:
    before = fetch(connector, "1000003")
    stale = connector.write_batch(BP, [TargetRecord(
        ref="s", key=before.key, etag="W/\"datetime'2000-01-01T00%3A00%3A00'\"",
        fields={ADDRESS_ID: before.fields[ADDRESS_ID], CITY: "Blind"})])
    assert isinstance(stale[0].error, PreconditionFailed)
    fresh = connector.write_batch(BP, [TargetRecord(
        ref="f", key=before.key, etag=before.etag,
        fields={ADDRESS_ID: before.fields[ADDRESS_ID], CITY: "Guarded"})])
    assert fresh[0].outcome == "updated"
    after = fetch(connector, "1000003")
    assert after.fields[CITY] == "Guarded"
    assert after.modified_at > before.modified_at  # so change capture sees the new address


def test_partner_without_address_gets_one(connector: SapODataConnector) -> None:
    bare = next(r for r in connector.read_changes(BP, None, READ) if r.fields[ADDRESS_ID] is None)
    result = connector.write_batch(BP, [TargetRecord(
        ref="a", key=bare.key, etag=bare.etag,
        fields={ADDRESS_ID: None, CITY: "Leipzig", f"{ADDRESS}/PostalCode": "04109"})])
    assert result[0].outcome == "updated", result[0].error
    after = fetch(connector, bare.key)
    assert (after.fields[CITY], after.fields[f"{ADDRESS}/PostalCode"]) == ("Leipzig", "04109")
    assert after.fields[ADDRESS_ID] == "1"


def test_stale_etag_fails_and_overwrites_nothing(connector: SapODataConnector) -> None:
    read_earlier = fetch(connector, "1000004")
    meanwhile = connector.write_batch(BP, [TargetRecord(
        ref="m", key="1000004", etag=read_earlier.etag, fields={"SearchTerm1": "MEANWHILE"})])
    assert meanwhile[0].outcome == "updated"
    late = connector.write_batch(BP, [TargetRecord(
        ref="late", key="1000004", etag=read_earlier.etag, fields={"SearchTerm1": "LATE"})])
    assert late[0].outcome == "failed"
    assert isinstance(late[0].error, PreconditionFailed)
    assert isinstance(late[0].error, ConflictError)
    assert not isinstance(late[0].error, RecordRejected)
    assert late[0].error.code == "PRECONDITION_FAILED"
    assert fetch(connector, "1000004").fields["SearchTerm1"] == "MEANWHILE"


def test_one_bad_record_does_not_stop_the_others(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    results = connector.write_batch(BP, [
        TargetRecord(ref="good1", key="1000005", fields={"SearchTerm1": "GOOD1"}),
        TargetRecord(ref="bad", key="1000006", fields={"SearchTerm1": "BAD", "Nope": "x"}),
        TargetRecord(ref="new", fields=new_partner("Fine")),
        TargetRecord(ref="long", fields=new_partner("y" * 41)),
        TargetRecord(ref="good2", key="1000007", fields={"SearchTerm1": "GOOD2"}),
    ])
    assert [r.outcome for r in results] == ["updated", "failed", "created", "failed", "updated"]
    bad = results[1].error
    assert isinstance(bad, RecordRejected) and "Nope" in bad.message
    assert isinstance(results[3].error, RecordRejected)
    assert "OrganizationBPName1" in results[3].error.message
    assert len(batches(sap)) == 1
    assert fetch(connector, "1000005").fields["SearchTerm1"] == "GOOD1"
    assert fetch(connector, "1000006").fields["SearchTerm1"] != "BAD"
    assert fetch(connector, "1000007").fields["SearchTerm1"] == "GOOD2"


def test_nothing_to_send_is_unchanged_without_a_request(connector: SapODataConnector) -> None:
    results = connector.write_batch(BP, [
        TargetRecord(ref="k", key="1000008", fields={"BusinessPartner": "1000008"}),
        TargetRecord(ref="e", key="1000009", etag='W/"x"', fields={ADDRESS_ID: "0000020008"}),
    ])
    assert [r.outcome for r in results] == ["unchanged", "unchanged"]
    assert "batch" not in connector.counter.by_kind


def test_unknown_navigation_is_rejected_locally(connector: SapODataConnector) -> None:
    results = connector.write_batch(BP, [
        TargetRecord(ref="x", key="1000010", fields={"to_Nowhere/City": "x"}),
        TargetRecord(ref="y", key="1000010", fields={"SearchTerm1": "STILL"}),
    ])
    assert results[0].outcome == "failed"
    assert isinstance(results[0].error, RecordRejected)
    assert results[0].error.code == "UNKNOWN_FIELD"
    assert results[1].outcome == "updated"


def test_expired_csrf_token_is_fetched_again_once(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    first = connector.write_batch(BP, [TargetRecord(ref="a", key="1000011",
                                                    fields={"SearchTerm1": "ONE"})])
    assert first[0].outcome == "updated"
    add_fault(sap, match=r"\$batch", method="POST", scenario="csrf", count=1)
    second = connector.write_batch(BP, [TargetRecord(ref="b", key="1000011",
                                                     fields={"SearchTerm1": "TWO"})])
    assert second[0].outcome == "updated"
    assert connector.counter.by_kind["csrf"] == 2
    assert [r["status"] for r in batches(sap)] == [202, 403, 202]
    assert fetch(connector, "1000011").fields["SearchTerm1"] == "TWO"


def test_a_token_refused_twice_is_a_config_error(
    sap: ChildServer, connector: SapODataConnector
) -> None:
    add_fault(sap, match=r"\$batch", method="POST", scenario="csrf", count=5)
    results = connector.write_batch(BP, [TargetRecord(ref="a", key="1000012",
                                                      fields={"SearchTerm1": "X"})])
    assert isinstance(results[0].error, ConfigError)
    assert connector.counter.by_kind["batch"] == 2


def test_transient_batch_failure_is_retried_with_retry_after_capped(
    sap: ChildServer, connector: SapODataConnector, sleeps: Sleeps
) -> None:
    connector.describe(BP)
    add_fault(sap, match=r"\$batch", method="POST", scenario="busy", count=2)
    results = connector.write_batch(BP, [TargetRecord(ref="a", fields=new_partner("Busy"))])
    assert results[0].outcome == "created"
    assert [r["status"] for r in batches(sap)] == [503, 503, 202]
    assert sleeps.waits == [0.05, 0.05]  # Retry-After: 30, capped by retry_max_wait


def test_batch_failing_after_all_retries_fails_every_record(
    sap: ChildServer, make_connector: MakeConnector
) -> None:
    connector = make_connector(max_retries=2, batch_size=2)
    add_fault(sap, match=r"\$batch", method="POST", status=500, count=10)
    records = [TargetRecord(ref=f"r{i}", fields=new_partner(f"P{i}")) for i in range(3)]
    results = connector.write_batch(BP, records)
    assert [r.outcome for r in results] == ["failed"] * 3
    assert all(isinstance(r.error, TransientError) for r in results)
    assert connector.counter.by_kind["batch"] == 3  # first chunk tried 3 times, then stop


def test_written_chunks_keep_their_results_when_a_later_one_fails(
    sap: ChildServer, make_connector: MakeConnector
) -> None:
    session = ScenarioSession("error", on_batches={2})
    connector = make_connector(session=session, max_retries=0, batch_size=2)
    records = [TargetRecord(ref=f"r{i}", fields=new_partner(f"Chunked {i}")) for i in range(5)]
    results = connector.write_batch(BP, records)
    assert [r.outcome for r in results] == ["created", "created", "failed", "failed", "failed"]
    assert all(r.key for r in results[:2])
    assert all(isinstance(r.error, TransientError) for r in results[2:])
    assert [r["status"] for r in batches(sap)] == [202, 500]  # the third chunk is not sent


def test_a_record_refused_transiently_is_sent_again(
    sap: ChildServer, make_connector: MakeConnector, sleeps: Sleeps
) -> None:
    connector = make_connector(session=LockedAnswerSession(changeset=2))
    records = [TargetRecord(ref=f"r{i}", key=key, fields={"SearchTerm1": f"L{i}"})
               for i, key in enumerate(["1000018", "1000019", "1000020"])]
    results = connector.write_batch(BP, records)
    assert [r.outcome for r in results] == ["updated"] * 3
    assert len(batches(sap)) == 2
    assert len(sleeps.waits) == 1
    assert fetch(connector, "1000019").fields["SearchTerm1"] == "L1"


def test_a_write_that_times_out_is_not_repeated(
    sap: ChildServer, make_connector: MakeConnector
) -> None:
    connector = make_connector(timeout=0.5)
    connector.describe(BP)
    connector.write_batch(BP, [TargetRecord(ref="w", key="1000017", fields={"SearchTerm1": "W"})])
    add_fault(sap, match=r"\$batch", method="POST", scenario="slow", count=1)
    results = connector.write_batch(BP, [TargetRecord(ref="t", fields=new_partner("Maybe"))])
    assert results[0].outcome == "failed"
    assert isinstance(results[0].error, OutcomeUnknown)
    assert results[0].error.code == "TIMEOUT"
    assert connector.counter.by_kind["batch"] == 2  # one for the warm-up, one that timed out


def test_upsert_by_external_id_is_refused(connector: SapODataConnector) -> None:
    with pytest.raises(ConfigError, match="no upsert"):
        connector.write_batch(BP, [TargetRecord(ref="u", fields={"SearchTerm1": "X"},
                                                upsert_field="SearchTerm1")])


def test_repeated_refs_each_get_their_result(connector: SapODataConnector) -> None:
    results = connector.write_batch(BP, [
        TargetRecord(ref="same", key="1000021", fields={"SearchTerm1": "A"}),
        TargetRecord(ref="same", key="1000022", fields={"Nope": "B"}),
    ])
    assert [r.outcome for r in results] == ["updated", "failed"]
