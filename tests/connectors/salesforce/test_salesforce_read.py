"""Change capture and lookups against the real sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from salesforce_support import SandboxControl, api_delete, make_settings

from connectors.base import Cursor, SourceRecord, TargetRecord
from connectors.errors import ConfigError
from connectors.salesforce import SalesforceConnector

T0 = "2026-10-01T08:00:00Z"
T0_DT = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def names(records: list[SourceRecord]) -> list[str]:
    return [str(r.fields["Name"]) for r in records]


def seed_at(sandbox: SandboxControl, moment: datetime, rows: list[dict[str, object]]) -> None:
    sandbox.set_clock(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    sandbox.seed("Account", rows)


def test_full_read_returns_every_record_as_source_records(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    seed_at(sandbox, T0_DT, [{"Name": "Acme", "ERP_Customer_Number__c": "C-1"}])
    (record,) = list(connector.read_changes("Account", None, ["Name", "ERP_Customer_Number__c"]))
    assert record.system == "salesforce"
    assert record.object == "Account"
    assert record.key.startswith("001") and len(record.key) == 18
    assert record.fields["Name"] == "Acme"
    assert record.fields["ERP_Customer_Number__c"] == "C-1"
    assert record.fields["Id"] == record.key
    assert "attributes" not in record.fields
    assert record.deleted is False
    assert record.modified_at.tzinfo is UTC
    assert T0_DT <= record.modified_at < T0_DT + timedelta(seconds=5)


def test_incremental_read_is_keyset_inclusive(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    seed_at(sandbox, T0_DT, [{"Name": "old"}])
    seed_at(sandbox, T0_DT + timedelta(minutes=10), [{"Name": "just before"}])
    seed_at(sandbox, T0_DT + timedelta(minutes=10, seconds=30),
            [{"Name": "at cursor a"}, {"Name": "at cursor b"}])
    seed_at(sandbox, T0_DT + timedelta(minutes=20), [{"Name": "new"}])
    everything = list(connector.read_changes("Account", None, ["Name"]))
    first, second = (r for r in everything if str(r.fields["Name"]).startswith("at cursor"))

    # From (stamp, key): that row again, later rows at the same stamp, then later stamps.
    changed = list(connector.read_changes("Account", Cursor(first.modified_at, first.key),
                                          ["Name"]))
    assert [r.key for r in changed[:2]] == [first.key, second.key]
    assert names(changed)[2:] == ["new"]
    # From (stamp, second key): the rows before it at the same stamp are skipped.
    after = list(connector.read_changes("Account", Cursor(second.modified_at, second.key),
                                        ["Name"]))
    assert [r.key for r in after][:1] == [second.key] and names(after)[1:] == ["new"]


def test_lookback_is_exposed_for_the_engine_not_applied_per_read(
        sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    """The engine moves the first cursor of a run back by ``lookback``; the connector must not
    re-apply it on every page (a burst of same-stamp rows would be re-read per page)."""
    seed_at(sandbox, T0_DT, [{"Name": "a"}])
    seed_at(sandbox, T0_DT + timedelta(seconds=30), [{"Name": "b"}])
    assert connector.lookback == timedelta(seconds=60)
    settings = make_settings(sandbox.url, sandbox.ca_bundle, lookback_seconds=0)
    with SalesforceConnector(settings) as strict:
        assert strict.lookback == timedelta(0)
    since = Cursor(T0_DT + timedelta(seconds=30), "")
    assert names(list(connector.read_changes("Account", since, ["Name"]))) == ["b"]
    since = Cursor(T0_DT + timedelta(seconds=30) - connector.lookback, "")
    assert names(list(connector.read_changes("Account", since, ["Name"]))) == ["a", "b"]


def test_paging_over_2500_records_loses_and_duplicates_nothing(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    rows = [{"Name": f"Acme {i:04d}", "ERP_Customer_Number__c": f"C-{i:04d}"} for i in range(2500)]
    sandbox.seed("Account", rows)
    sandbox.clear_served()

    records = list(connector.read_changes("Account", None, ["Name", "ERP_Customer_Number__c"]))

    assert len(records) == 2500
    assert len({r.key for r in records}) == 2500
    assert sorted(names(records)) == sorted(r["Name"] for r in rows)
    order = [(r.modified_at, r.key) for r in records]
    assert order == sorted(order)
    pages = sandbox.served_data_calls("GET", "/queryAll")
    assert len(pages) == 2  # 2000 + 500, following nextRecordsUrl
    assert connector.counter.by_kind["query"] == 2


def test_pages_are_streamed(sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    sandbox.seed("Account", [{"Name": f"Acme {i}"} for i in range(2100)])
    sandbox.clear_served()
    stream = connector.read_changes("Account", None, ["Name"])
    next(stream)
    assert len(sandbox.served_data_calls("GET", "/queryAll")) == 1
    assert sum(1 for _ in stream) == 2099
    assert len(sandbox.served_data_calls("GET", "/queryAll")) == 2


def test_a_record_changed_while_paging_is_yielded_once(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    sandbox.seed(
        "Account", [{"Name": f"Acme {i}", "ERP_Customer_Number__c": f"C-{i}"} for i in range(2100)]
    )
    stream = connector.read_changes("Account", None, ["Name"])
    first = next(stream)
    sandbox.seed("Account", [{"Name": "later"}])
    connector.write_batch("Account", [TargetRecord("r", {"Name": "moved"}, key=first.key)])
    rest = list(stream)
    keys = [first.key, *(r.key for r in rest)]
    assert len(keys) == len(set(keys))


def test_deletes_are_captured(sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    seed_at(sandbox, T0_DT, [{"Name": "keep"}, {"Name": "drop"}])
    before = {str(r.fields["Name"]): r for r in connector.read_changes("Account", None, ["Name"])}
    sandbox.advance_clock(120)
    api_delete(sandbox, "Account", before["drop"].key)

    since = Cursor(before["keep"].modified_at + timedelta(seconds=90), before["keep"].key)
    (deleted,) = list(connector.read_changes("Account", since, ["Name"]))
    assert deleted.key == before["drop"].key
    assert deleted.deleted is True
    assert deleted.fields["IsDeleted"] is True
    assert deleted.modified_at > before["drop"].modified_at


def test_read_by_chunks_the_in_list(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    sandbox.seed(
        "Account", [{"Name": f"Acme {i}", "ERP_Customer_Number__c": f"C-{i}"} for i in range(450)]
    )
    sandbox.clear_served()
    wanted = [f"C-{i}" for i in range(450)] + ["C-missing", "C-0"]

    found = list(connector.read_by("Account", "ERP_Customer_Number__c", wanted, ["Name"]))

    assert len(found) == 450
    assert {r.fields["ERP_Customer_Number__c"] for r in found} == {f"C-{i}" for i in range(450)}
    queries = sandbox.served_data_calls("GET", "/query")
    assert len(queries) == 3  # 200 + 200 + 51 distinct values
    assert all("/queryAll" not in q["path"] for q in queries)
    assert all(len(str(q.get("query", ""))) < 16_000 for q in queries)


def test_read_by_quotes_values(sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    tricky = ["O'Brien", "back\\slash", "x' OR Name != 'y"]
    sandbox.seed("Account", [{"Name": v, "ERP_Customer_Number__c": v} for v in tricky])
    found = list(connector.read_by("Account", "ERP_Customer_Number__c", tricky[:2], ["Name"]))
    assert sorted(names(found)) == sorted(tricky[:2])
    assert list(connector.read_by("Account", "Name", ["x"], ["Name"])) == []


def test_unknown_fields_fail_before_any_query(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    with pytest.raises(ConfigError, match="No_Such_Field__c"):
        list(connector.read_changes("Account", None, ["Name", "No_Such_Field__c"]))
    with pytest.raises(ConfigError):
        list(connector.read_by("Account", "No_Such_Field__c", ["x"], ["Name"]))
    assert sandbox.served_data_calls("GET", "/query") == []


def test_unknown_object_is_a_config_error(connector: SalesforceConnector) -> None:
    with pytest.raises(ConfigError):
        connector.describe("No_Such_Object__c")


def test_describe_is_cached(sandbox: SandboxControl, connector: SalesforceConnector) -> None:
    schema = connector.describe("Account")
    assert connector.describe("Account") is schema
    assert schema.fields["ERP_Customer_Number__c"].external_id
    assert schema.fields["BillingCountryCode"].restricted_picklist
    assert len(sandbox.served_data_calls("GET", "/describe")) == 1
