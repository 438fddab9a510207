"""The SAP S/4HANA connector: OData V2 services behind the ``Connector`` protocol.

Reading pages by *keyset*, not by ``$skip``: each page asks for ``$top`` rows ordered by
``(change field, key)`` that sort after the last row of the previous page. With ``$skip``, a
record changed while we page moves to the end, every later row shifts one place up, and the
row that slides across the page boundary is never read - silently, and the advanced cursor
makes the loss permanent. Keyset pages cannot skip a row; a changed row is at worst read
twice, which the engine's content hashes absorb. Server-driven paging (``__next``, which real
S/4HANA uses when it caps a page) is followed inside each page; a page that brings fewer
than ``page_size`` rows in all ends the read.

Change capture reads ``<change_field> ge <cursor - lookback>`` inclusively; the engine
de-duplicates. Known gaps, from the real EDMX and not testable on mock-sap: on S/4HANA
``A_BusinessPartner.LastChangeDate`` is a date (``sap:display-format="Date"``) with the time
in ``LastChangeTime``, so every run re-reads the cursor's whole day; a partner never changed
since creation may have no change date (verify on a real system; rows without one are stamped
1970-01-01). mock-sap does not move the partner's change date when only its address changes,
so address-only edits made in SAP are missed by this filter (our own such edits do move it:
see ``guard_nav_updates``).

Writing sends one ``$batch`` per ``batch_size`` records, one changeset per record (see
``writing.py``). A record SAP refuses is a ``failed`` result with the translated error (a stale
ETag is ``PreconditionFailed``, code ``PRECONDITION_FAILED``); records refused for a
transient reason (a lock) are sent again in a later batch, within ``max_retries``. When a
whole batch request fails after its retries, its records and those of later chunks are
``failed`` with that error, so results of chunks already written are never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta

import requests

from connectors.base import (
    CallCounter,
    Cursor,
    ObjectSchema,
    SourceRecord,
    TargetRecord,
    WriteResult,
)
from connectors.errors import ConfigError, SyncError, TransientError
from connectors.sap import batch
from connectors.sap.filters import Filter, FilterBuilder
from connectors.sap.keys import alpha_in, key_forms
from connectors.sap.metadata import EntityModel, ServiceModel, parse_edmx
from connectors.sap.odata import ODataClient
from connectors.sap.reading import ReadPlan, plan_read, to_record
from connectors.sap.retry import RetryPolicy
from connectors.sap.settings import SapSettings
from connectors.sap.writing import (
    WriteOptions,
    WritePlan,
    failed,
    local_result,
    missing_child_keys,
    plan_write,
    result_of,
)

log = logging.getLogger(__name__)


class SapODataConnector:
    """Reads and writes SAP entity sets (``A_BusinessPartner``, ...) through OData V2."""

    system = "sap"

    def __init__(
        self,
        settings: SapSettings,
        counter: CallCounter | None = None,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.counter = counter or CallCounter()
        self.lookback = timedelta(seconds=settings.lookback_seconds)
        self._client = ODataClient(settings, self.counter, session=session, retry=retry)
        self._models: dict[str, ServiceModel] = {}

    def close(self) -> None:
        """Close the HTTP session (and forget the CSRF tokens bound to it)."""
        self._client.close()

    # -- schema ---------------------------------------------------------------------------

    def check(self) -> None:
        """Fetch ``$metadata`` of every configured service once, without retrying a host that
        does not answer, and check each configured entity set exists."""
        for service in sorted(set(self.settings.services.values())):
            try:
                document = self._client.metadata(service, retry=False)
            except TransientError as exc:
                if exc.code not in {"CONNECT_FAILED", "TIMEOUT", "CONNECTION_LOST"}:
                    raise
                raise ConfigError(
                    f"cannot reach SAP at {self.settings.base_url} ({exc.message}); check "
                    f"ERPSYNC_SAP_BASE_URL and the network", code="UNREACHABLE", system="sap",
                ) from exc
            self._models[service] = parse_edmx(document, service)
        for obj, service in self.settings.services.items():
            self._models[service].entity(obj)

    def describe(self, obj: str) -> ObjectSchema:
        """Fields of ``obj`` from ``$metadata`` (cached per service), nested as paths."""
        return self._model(obj).object_schema(obj)

    def _model(self, obj: str) -> ServiceModel:
        service = self._service(obj)
        if service not in self._models:
            self._models[service] = parse_edmx(self._client.metadata(service), service)
        return self._models[service]

    def _service(self, obj: str) -> str:
        service = self.settings.service_for(obj)
        if service is None:
            known = ", ".join(sorted(self.settings.services))
            raise ConfigError(
                f"no OData service configured for {obj!r} (ERPSYNC_SAP_SERVICES); "
                f"configured: {known}", code="UNKNOWN_OBJECT", system="sap",
            )
        return service

    def _entity(self, obj: str) -> EntityModel:
        return self._model(obj).entity(obj)

    # -- reading --------------------------------------------------------------------------

    def read_changes(
        self, obj: str, since: Cursor | None, fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Records at or after ``since`` under ``(change field, key)`` order (keyset: a cursor
        with a key skips the rows before it at the same stamp), one page in memory at a time.
        Fields are checked now. The lookback (``self.lookback``) is the caller's to apply once
        per run; applied here it would re-read the window on every page."""
        entity = self._entity(obj)
        change = self.settings.change_field
        if change not in entity.type.properties:
            raise ConfigError(f"{obj} has no change field {change!r} (ERPSYNC_SAP_CHANGE_FIELD)",
                              code="UNKNOWN_FIELD", system="sap")
        deleted = self.settings.deleted_field
        if deleted is not None and deleted not in entity.type.properties:
            deleted = None  # the flag belongs to another object; this one has no deletions
        plan = plan_read(entity, fields, change_field=change, deleted_field=deleted)
        builder = _builder(entity)
        base = None
        if since is not None and since.key and len(entity.type.keys) == 1:
            (key,) = entity.type.keys
            base = builder.gt(change, since.modified_at) | (
                builder.eq(change, since.modified_at) & builder.ge(key, since.key))
        elif since is not None:
            base = builder.ge(change, since.modified_at)
        return self._keyset(plan, builder, base, (change, *entity.type.keys))

    def read_by(
        self, obj: str, field_name: str, values: Sequence[str], fields: Sequence[str]
    ) -> Iterator[SourceRecord]:
        """Records whose ``field_name`` is one of ``values``: one OR-filter per
        ``read_by_chunk`` values; a key value also matches its other ALPHA spelling."""
        entity = self._entity(obj)
        plan = plan_read(entity, fields, change_field=self._change_field_of(entity))
        builder = _builder(entity)
        if builder.type_of(field_name) != "Edm.String":
            raise ConfigError(f"read_by on {obj}.{field_name} needs a string property",
                              code="UNSUPPORTED_FIELD", system="sap")
        wanted = list(dict.fromkeys(v for v in values if v))
        return self._read_by(plan, builder, field_name, wanted)

    def _read_by(
        self, plan: ReadPlan, builder: FilterBuilder, field_name: str, wanted: list[str]
    ) -> Iterator[SourceRecord]:
        entity_type = plan.entity.type
        is_key = entity_type.keys == (field_name,)
        length = entity_type.properties[field_name].length or 10
        chunk = self.settings.read_by_chunk
        for start in range(0, len(wanted), chunk):
            terms: list[str] = []
            for value in wanted[start : start + chunk]:
                terms += key_forms(value, length) if is_key else [value]
            base = builder.one_of(field_name, dict.fromkeys(terms))
            yield from self._keyset(plan, builder, base, entity_type.keys)

    def _change_field_of(self, entity: EntityModel) -> str | None:
        change = self.settings.change_field
        return change if change in entity.type.properties else None

    def _keyset(
        self,
        plan: ReadPlan,
        builder: FilterBuilder,
        base: Filter | None,
        order: tuple[str, ...],
    ) -> Iterator[SourceRecord]:
        """Pages of ``page_size`` rows, each after the last row of the one before."""
        service = self._service(plan.entity.set_name)
        condition = base
        while True:
            query = plan.query(condition.text if condition else None, order,
                               self.settings.page_size)
            count, last = 0, None
            for rows in self._client.pages(service, plan.entity.set_name, query):
                for row in rows:
                    count, last = count + 1, to_record(plan, row)
                    yield last
            if last is None or count < self.settings.page_size:
                return
            after = builder.after([(name, last.fields[name]) for name in order])
            condition = after if base is None else base & after

    # -- writing --------------------------------------------------------------------------

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        """One result per record, in order (see the module docstring)."""
        entity = self._entity(obj)
        if any(record.upsert_field for record in records):
            raise ConfigError("SAP OData has no upsert by external ID: resolve the key first "
                              "(read_by) and send an update", code="UPSERT_UNSUPPORTED",
                              system="sap")
        options = WriteOptions(self.settings.nav_create_defaults,
                               self.settings.guard_nav_updates)
        complete = self._with_child_keys(entity, records)
        plans = [plan_write(entity, record, options) for record in complete]
        results: dict[int, WriteResult] = {
            index: local for index, plan in enumerate(plans) if (local := local_result(plan))
        }
        pending = [(index, plan) for index, plan in enumerate(plans) if index not in results]
        size = self.settings.batch_size
        for start in range(0, len(pending), size):
            try:
                results.update(self._send_with_retries(entity, pending[start : start + size]))
            except SyncError as exc:
                log.error("SAP $batch for %s failed as a whole: %s", obj, exc)
                results.update({i: failed(plan, exc) for i, plan in pending[start:]})
                break
        return [results[index] for index in range(len(records))]

    def _with_child_keys(
        self, entity: EntityModel, records: Sequence[TargetRecord]
    ) -> list[TargetRecord]:
        """Records whose child keys (``AddressID``) are unknown get them from one ``read_by``
        of all such records, so an existing address is patched, not duplicated."""
        needed = {r.key: missing_child_keys(entity, r) for r in records if r.key is not None}
        needed = {key: paths for key, paths in needed.items() if paths}
        if not needed or len(entity.type.keys) != 1:
            return list(records)
        paths = sorted({path for paths in needed.values() for path in paths})
        found = {alpha_in(r.key): r.fields
                 for r in self.read_by(entity.set_name, entity.type.keys[0], list(needed), paths)}
        completed = []
        for record in records:
            if record.key not in needed:
                completed.append(record)
                continue
            read = found.get(alpha_in(record.key), {})
            extra = {path: read.get(path) for path in needed[record.key]}
            completed.append(replace(record, current={**(record.current or {}), **extra}))
        return completed

    def _send_with_retries(
        self, entity: EntityModel, plans: list[tuple[int, WritePlan]]
    ) -> dict[int, WriteResult]:
        """Send ``plans``; send again those SAP refused for a transient reason (a lock)."""
        results: dict[int, WriteResult] = {}
        policy = self._client.retry
        for attempt in range(1, policy.max_retries + 2):
            answered = self._send(entity, plans)
            results.update(answered)
            again = [(i, plan) for i, plan in plans if _transient(answered[i])]
            if not again or attempt > policy.max_retries:
                break
            wait = policy.wait(attempt, answered[again[0][0]].error)
            log.warning("SAP refused %s record(s) transiently; sending them again in %.2fs",
                        len(again), wait)
            policy.sleep(wait)
            plans = again
        return results

    def _send(
        self, entity: EntityModel, plans: list[tuple[int, WritePlan]]
    ) -> dict[int, WriteResult]:
        """One ``$batch`` request: one changeset per plan, one result per changeset."""
        content_type, body = batch.build([plan.operations for _, plan in plans])
        service = self._service(entity.set_name)
        answer_type, answer = self._client.batch(service, content_type, body)
        parts = batch.parse(answer_type, answer)
        if len(parts) != len(plans):
            raise ConfigError(f"$batch answered {len(parts)} parts for {len(plans)} changesets",
                              code="BAD_BATCH_RESPONSE", system="sap")
        return {index: result_of(entity, plan, part)
                for (index, plan), part in zip(plans, parts, strict=True)}


def _builder(entity: EntityModel) -> FilterBuilder:
    types = {name: schema.type for name, schema in entity.type.properties.items()}
    return FilterBuilder(entity.set_name, types)


def _transient(result: WriteResult) -> bool:
    return result.outcome == "failed" and isinstance(result.error, TransientError)
