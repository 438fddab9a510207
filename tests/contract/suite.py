"""The contract every connector must meet, run against each system's real stand-in.

A connector's test module subclasses ``ConnectorContract`` and provides a ``harness`` fixture
(see ``harness.py``). The properties checked here are the ones the engine relies on:
change capture in ``(modified_at, key)`` order read inclusively from a cursor, aware UTC
stamps, batch lookups, one result per written record in order, a rejected record failing
alone, idempotent batch deletes where the connector offers them, and configuration problems
surfacing as ``ConfigError`` without leaking secrets.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

import pytest

from connectors.base import Connector, Cursor, SourceRecord
from connectors.errors import ConfigError, RecordRejected
from engine.capabilities import DeletesRecords
from tests.contract.harness import ContractHarness


def _order(record: SourceRecord) -> tuple[object, str]:
    return record.modified_at, record.key


def _needs_writes(harness: ContractHarness) -> None:
    """A harness whose connector cannot write its object at all says so with ``writes =
    False``; its own module must then show that writes are refused before any call."""
    if not getattr(harness, "writes", True):
        pytest.skip(f"{harness.system} cannot write {harness.obj}: write_batch refuses it "
                    f"(checked by the harness's own module)")


def _needs_change_capture(harness: ContractHarness) -> None:
    """A harness whose connector reads its object by key only (no change feed) says so with
    ``changes = False``; its own module must then show that ``read_changes`` refuses."""
    if not getattr(harness, "changes", True):
        pytest.skip(f"{harness.system} has no change capture for {harness.obj}: "
                    f"read_changes refuses it (checked by the harness's own module)")


class ConnectorContract:
    """Shared tests; subclasses supply the ``harness`` fixture."""

    @pytest.fixture
    def connector(self, harness: ContractHarness) -> Iterator[Connector]:
        harness.reset()
        made = harness.connector()
        yield made
        made.close()

    def changes_since_mark(self, harness: ContractHarness, connector: Connector,
                           count: int) -> tuple[list[str], list[SourceRecord]]:
        at = harness.mark()
        keys = harness.seed(count)
        return keys, list(connector.read_changes(harness.obj, Cursor(at, ""), harness.fields))

    def test_is_a_connector_and_checks(self, harness: ContractHarness,
                                       connector: Connector) -> None:
        assert isinstance(connector, Connector)
        assert connector.system == harness.system
        connector.check()

    def test_refused_credentials_are_a_config_error_without_the_secret(
            self, harness: ContractHarness) -> None:
        broken = harness.broken_connector()
        try:
            with pytest.raises(ConfigError) as caught:
                broken.check()
        finally:
            broken.close()
        assert harness.secret() not in str(caught.value)
        assert harness.secret() not in repr(broken)

    def test_describe_names_the_fields_the_suite_uses(self, harness: ContractHarness,
                                                      connector: Connector) -> None:
        schema = connector.describe(harness.obj)
        assert all(schema.has(name) for name in harness.fields), schema.fields.keys()
        with pytest.raises(ConfigError):
            connector.describe("No_Such_Object_Anywhere")

    def test_changes_come_in_stamp_and_key_order_with_aware_utc_stamps(
            self, harness: ContractHarness, connector: Connector) -> None:
        _needs_change_capture(harness)
        keys, changed = self.changes_since_mark(harness, connector, 5)
        assert {r.key for r in changed} == set(keys)
        assert changed == sorted(changed, key=_order)
        assert all(r.modified_at.tzinfo is not None
                   and r.modified_at.utcoffset() == UTC.utcoffset(None) for r in changed)
        assert all(r.system == harness.system and r.object == harness.obj
                   and not r.deleted for r in changed)

    def test_a_cursor_with_a_key_is_read_inclusively_from_that_record(
            self, harness: ContractHarness, connector: Connector) -> None:
        _needs_change_capture(harness)
        _, changed = self.changes_since_mark(harness, connector, 4)
        pivot = changed[1]
        again = list(connector.read_changes(harness.obj, Cursor(pivot.modified_at, pivot.key),
                                            harness.fields))
        assert [r.key for r in again] == [r.key for r in changed[1:]]

    def test_an_edit_moves_the_record_into_the_next_read(
            self, harness: ContractHarness, connector: Connector) -> None:
        _needs_change_capture(harness)
        keys, _ = self.changes_since_mark(harness, connector, 3)
        at = harness.mark()
        harness.touch(keys[0], "edited elsewhere")
        changed = list(connector.read_changes(harness.obj, Cursor(at, ""), harness.fields))
        assert [r.key for r in changed] == [keys[0]]
        assert changed[0].fields[harness.text_field] == "edited elsewhere"

    def test_read_by_finds_every_value_asked_for(self, harness: ContractHarness,
                                                 connector: Connector) -> None:
        keys = harness.seed(3)
        wanted = [harness.lookup_value(k) for k in keys[:2]]
        found = list(connector.read_by(harness.obj, harness.lookup_field,
                                       [*wanted, "no-such-value"], harness.fields))
        assert sorted(r.key for r in found) == sorted(keys[:2])
        assert all(str(r.fields[harness.lookup_field]) in wanted for r in found)

    def test_write_batch_creates_then_updates_with_one_result_per_record(
            self, harness: ContractHarness, connector: Connector) -> None:
        _needs_writes(harness)
        records = [harness.new_record(n) for n in range(3)]
        results = connector.write_batch(harness.obj, records)
        assert [r.ref for r in results] == [r.ref for r in records]
        assert [r.outcome for r in results] == ["created"] * 3, [r.error for r in results]
        assert all(r.key for r in results)
        created = str(results[1].key)
        assert harness.read_native(created)[harness.text_field] == "contract 1"

        (update,) = connector.write_batch(harness.obj, [harness.update_of(created, "changed")])
        assert update.outcome == "updated", update.error
        assert harness.read_native(created)[harness.text_field] == "changed"

    def test_a_rejected_record_fails_alone(self, harness: ContractHarness,
                                           connector: Connector) -> None:
        _needs_writes(harness)
        batch = [harness.new_record(0), harness.invalid_record(), harness.new_record(2)]
        results = connector.write_batch(harness.obj, batch)
        assert [r.outcome for r in results] == ["created", "failed", "created"]
        error = results[1].error
        assert isinstance(error, RecordRejected) and error.code, error
        assert harness.read_native(str(results[2].key))[harness.text_field] == "contract 2"

    def test_an_empty_batch_writes_nothing(self, harness: ContractHarness,
                                           connector: Connector) -> None:
        before = harness.served_writes()
        assert connector.write_batch(harness.obj, []) == []
        assert harness.served_writes() == before

    def test_delete_batch_deletes_idempotently_with_one_result_per_key(
            self, harness: ContractHarness, connector: Connector) -> None:
        if not isinstance(connector, DeletesRecords):
            pytest.skip(f"{harness.system} offers no delete_batch: deletes: propagate stops "
                        "before the first read (DELETE_UNSUPPORTED)")
        keys = harness.seed(3)
        values = [harness.lookup_value(k) for k in keys]
        first = connector.delete_batch(harness.obj, keys[:2])
        again = connector.delete_batch(harness.obj, keys[:2])
        assert [r.ref for r in first] == keys[:2] == [r.ref for r in again]
        assert {r.outcome for r in first + again} == {"updated"}, [r.error for r in again]
        left = connector.read_by(harness.obj, harness.lookup_field, values, harness.fields)
        assert [r.key for r in left] == keys[2:]

    def test_close_twice_is_harmless(self, harness: ContractHarness) -> None:
        made = harness.connector()
        made.close()
        made.close()
