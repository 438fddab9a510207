"""One ``write_batch`` call: local checks, routing, the choice of API, one result per record.

1. Every field name is checked against the describe (``ConfigError`` before any write: the
   mapping or the org drifted); a record that upserts without a value for its External ID
   fails alone (``MISSING_EXTERNAL_ID``).
2. Records are grouped by route (``routes.Route``), first appearance first.
3. A call with more than ``bulk_threshold`` records sends its upserts and updates as Bulk API
   2.0 jobs (``bulk``), everything else through sObject Collections (``collections``); rows a
   Bulk job could not lock are resent through Collections.
4. The API budget must allow the calls this will take before the first one is made; a
   ``LimitExhausted`` leaves ``write_batch`` as an exception (the run stops at its checkpoint,
   and the next run's resend is harmless: upserts by External ID and updates by Id are
   idempotent).
5. Any other ``TransientError`` fails the records not yet written, and the rest of the call is
   not sent (the org is not answering: do not hammer it); a whole-call ``RecordRejected``
   fails its chunk only.

Results come back in input order, each with its record's ``ref``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from connectors.base import ObjectSchema, TargetRecord, WriteResult
from connectors.errors import (
    ConfigError,
    LimitExhausted,
    RecordRejected,
    SyncError,
    TransientError,
)
from connectors.salesforce.bulk import CALLS_PER_JOB, BulkWriter
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.collections import CollectionWriter
from connectors.salesforce.errors import SYSTEM
from connectors.salesforce.references import split_path
from connectors.salesforce.routes import Route
from connectors.salesforce.schema import relationships
from connectors.salesforce.settings import SalesforceSettings
from connectors.salesforce.soql import checked_name
from connectors.salesforce.write_context import Indexed, Results, WriteContext

Groups = dict[Route, list[Indexed]]


class BatchWriter:
    """Writes the records of one object for one ``write_batch`` call."""

    def __init__(
        self,
        client: SalesforceClient,
        settings: SalesforceSettings,
        obj: str,
        schema: ObjectSchema,
    ) -> None:
        self._client = client
        self._settings = settings
        self._obj = obj
        self._schema = schema
        self._results: Results = {}
        context = WriteContext(client, settings, obj, relationships(schema), self._results)
        self._collections = CollectionWriter(context)
        self._bulk = BulkWriter(context)

    def write(self, records: Sequence[TargetRecord]) -> list[WriteResult]:
        """One result per record, in input order."""
        groups = self._groups(records)
        use_bulk = len(records) > self._settings.bulk_threshold
        self._client.budget.ensure(self._calls_needed(groups, use_bulk), f"write {self._obj}")
        halted: SyncError | None = None
        for route, items in groups.items():
            if halted is not None:
                self._fail_all(items, halted)
                continue
            halted = self._write_route(route, items, use_bulk and route.bulk_capable)
        return [self._results[index] for index in range(len(records))]

    def _write_route(self, route: Route, items: list[Indexed], bulk: bool) -> SyncError | None:
        """Write one route's records; the ``TransientError`` that should halt the call."""
        try:
            if bulk:
                locked = self._bulk.write(route, items)
                if locked:
                    self._collections.write(route, locked)
            else:
                self._collections.write(route, items)
        except LimitExhausted:
            raise
        except TransientError as exc:
            self._fail_all(items, exc)
            return exc
        except RecordRejected as exc:
            self._fail_all(items, exc)
        return None

    def _calls_needed(self, groups: Groups, use_bulk: bool) -> int:
        size = self._settings.write_batch_size
        return sum(
            CALLS_PER_JOB if use_bulk and route.bulk_capable else math.ceil(len(items) / size)
            for route, items in groups.items()
        )

    def _groups(self, records: Sequence[TargetRecord]) -> Groups:
        """Records grouped by route (first appearance first), minus those failed locally."""
        groups: Groups = {}
        for index, record in enumerate(records):
            if not self._rejected_locally(index, record):
                groups.setdefault(Route.of(record), []).append((index, record))
        return groups

    def _rejected_locally(self, index: int, record: TargetRecord) -> bool:
        """Check names against describe; a record without its External ID value fails alone."""
        allowed = self._schema.fields.keys()
        for name in record.fields:
            checked_name(name, allowed)
        if record.key or not record.upsert_field:
            return False
        upsert_field = checked_name(record.upsert_field, allowed)
        if split_path(upsert_field) is not None:
            raise ConfigError(
                f"{self._obj}: cannot upsert on a parent's field {upsert_field}; name an "
                "External ID field of the object itself",
                code="INVALID_UPSERT_FIELD",
                system=SYSTEM,
            )
        if record.fields.get(upsert_field) not in (None, ""):
            return False
        error = RecordRejected(
            f"{self._obj}: no value for External ID field {upsert_field}",
            code="MISSING_EXTERNAL_ID",
            system=SYSTEM,
        )
        self._results[index] = WriteResult(ref=record.ref, outcome="failed", error=error)
        return True

    def _fail_all(self, items: list[Indexed], error: SyncError) -> None:
        """Fail the records that have no result yet (a retry that failed must not overwrite
        what an earlier send of the same records already wrote)."""
        for index, record in items:
            self._results.setdefault(
                index, WriteResult(ref=record.ref, outcome="failed", key=record.key, error=error)
            )
