"""Writing records: one ``$batch`` per ``batch_size`` records, one changeset per record.

Before anything is sent, one read prepares the updates that need it (``guard.py``: unknown
child keys, updates without an ETag) and one lookup finds creates SAP already carried out
(``creates.py``). A record SAP refuses is a ``failed`` result with the translated error: a
stale ETag is a ``PreconditionFailed`` conflict (``ConflictError``), a business error a
``SapRejected`` (``RecordRejected``). Records refused for a transient reason (a lock) are
sent again in a later batch, within ``max_retries``. When no answer came at all
(``OutcomeUnknown``), creates are looked for by their reference before any is sent again;
an update is sent again under the same ETag (if the lost one was applied, SAP answers 412 and
the engine, re-reading, finds its own values).
When a whole batch request fails after its retries, its records and those of later chunks
are ``failed`` with that error (a ``ConfigError`` there means: stop the run once the results
of chunks already written are recorded), so results already written are never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from connectors.base import TargetRecord, WriteResult
from connectors.errors import ConfigError, LimitExhausted, SyncError, TransientError
from connectors.sap import batch
from connectors.sap.creates import FindBy, already_created
from connectors.sap.errors import OutcomeUnknown, SapConflict
from connectors.sap.guard import prepare_updates
from connectors.sap.metadata import EntityModel
from connectors.sap.payloads import WriteOptions
from connectors.sap.reader import Reader
from connectors.sap.reading import own_field
from connectors.sap.results import failed, local_result, result_of
from connectors.sap.services import ServiceDirectory
from connectors.sap.writing import WritePlan, plan_write

log = logging.getLogger(__name__)

Indexed = list[tuple[int, WritePlan]]


class Writer:
    """Plans, sends and answers one ``write_batch`` call."""

    def __init__(self, directory: ServiceDirectory, reader: Reader) -> None:
        self.directory = directory
        self.reader = reader
        self.settings = directory.settings
        self.client = directory.client

    def options(self, entity: EntityModel,
                records: Sequence[TargetRecord] = ()) -> WriteOptions:
        """How to phrase writes to ``entity``. The reference field of creates is the one the
        records name (the mapping's ``create_reference``), else the configured one."""
        named = {record.reference_field for record in records if record.reference_field}
        if len(named) > 1:
            raise ConfigError(f"one batch names several reference fields: {sorted(named)}",
                              code="REFERENCE_FIELDS_DIFFER", system="sap")
        reference = own_field(f"{entity.set_name} (create_reference)", entity.type,
                              named.pop()) if named else self.directory.reference_field(entity)
        return WriteOptions(self.settings.nav_create_defaults, self.settings.guard_nav_updates,
                            self.settings.single_entry_navigations, reference)

    def write_batch(self, obj: str, records: Sequence[TargetRecord]) -> list[WriteResult]:
        """One result per record, in order (see the module docstring)."""
        entity = self.directory.entity(obj)
        if any(record.upsert_field for record in records):
            raise ConfigError("SAP OData has no upsert by external ID: resolve the key first "
                              "(read_by) and send an update", code="UPSERT_UNSUPPORTED",
                              system="sap")
        options = self.options(entity, records)
        results: dict[int, WriteResult] = {}
        pending: Indexed = []
        for index, record in self._prepare(entity, records, options, results).items():
            plan = plan_write(entity, record, options)
            local = local_result(plan)
            if local is None:
                pending.append((index, plan))
            else:
                results[index] = local
        self._send_all(entity, pending, results)
        return [results[index] for index in range(len(records))]

    def _prepare(
        self, entity: EntityModel, records: Sequence[TargetRecord], options: WriteOptions,
        results: dict[int, WriteResult],
    ) -> dict[int, TargetRecord]:
        """Records to plan, by index; those decided already (a conflict found by the guard, a
        create SAP holds already) get their result now."""
        schema = self.directory.schema(entity.set_name)
        key_field = entity.type.keys[0]
        prepared = prepare_updates(
            entity, schema, records,
            lambda keys, fields: self.reader.read_by(entity.set_name, key_field, keys, fields),
            options)
        ready: dict[int, TargetRecord] = {}
        for index, item in enumerate(prepared):
            if isinstance(item, SapConflict):
                results[index] = WriteResult(records[index].ref, "failed", records[index].key,
                                             item)
            else:
                ready[index] = item
        for index, key in self._found_creates(entity, ready, options).items():
            results[index] = WriteResult(ready.pop(index).ref, "created", key)
        return ready

    def _found_creates(self, entity: EntityModel, records: dict[int, TargetRecord],
                       options: WriteOptions) -> dict[int, str]:
        """Creates SAP already holds under their reference: index -> key."""
        field = options.reference_field
        if field is None:
            return {}
        wanted = {i: str(r.fields.get(field) or "") for i, r in records.items()
                  if r.key is None and r.may_exist}
        found = already_created(entity.set_name, field, list(wanted.values()),
                                self._find_by(entity))
        for reference in wanted.values():
            if reference in found:
                log.info("SAP %s already holds %s %r as %s (an earlier attempt): not created "
                         "again", entity.set_name, field, reference, found[reference])
        return {i: found[ref] for i, ref in wanted.items() if ref in found}

    def _find_by(self, entity: EntityModel) -> FindBy:
        return lambda field, values, fields: self.reader.read_by(entity.set_name, field,
                                                                 values, fields)

    def _send_all(self, entity: EntityModel, pending: Indexed,
                  results: dict[int, WriteResult]) -> None:
        size = self.settings.batch_size
        for start in range(0, len(pending), size):
            try:
                results.update(self._send_chunk(entity, pending[start : start + size]))
            except SyncError as exc:
                log.error("SAP $batch for %s failed as a whole: %s", entity.set_name, exc)
                results.update({i: failed(plan, exc) for i, plan in pending[start:]})
                return

    def _send_chunk(self, entity: EntityModel, plans: Indexed) -> dict[int, WriteResult]:
        """Send ``plans``; send again those SAP refused for a transient reason (a lock) and
        those whose answer was lost where sending again is safe."""
        results: dict[int, WriteResult] = {}
        policy = self.client.retry
        for attempt in range(1, policy.max_retries + 2):
            answered = self._attempt(entity, plans)
            results.update(answered)
            again = [(i, plan) for i, plan in plans if _send_again(plan, answered[i])]
            if not again or attempt > policy.max_retries:
                break
            wait = policy.wait(attempt, answered[again[0][0]].error)
            log.warning("SAP did not take %s record(s) of %s; sending them again in %.2fs",
                        len(again), entity.set_name, wait)
            policy.sleep(wait)
            plans = again
        return results

    def _attempt(self, entity: EntityModel, plans: Indexed) -> dict[int, WriteResult]:
        try:
            return self._send(entity, plans)
        except OutcomeUnknown as exc:
            return self._recover(entity, plans, exc)

    def _recover(self, entity: EntityModel, plans: Indexed,
                 lost: OutcomeUnknown) -> dict[int, WriteResult]:
        """After a lost answer: creates SAP carried out are found by their reference; the
        rest fail with ``lost`` (sent again where that cannot duplicate anything)."""
        log.warning("SAP %s: no answer to a $batch of %s record(s) (%s); looking for the "
                    "creates in %.0fs", entity.set_name, len(plans), lost,
                    self.settings.outcome_wait)
        self.client.retry.sleep(self.settings.outcome_wait)
        field = self.directory.reference_field(entity)
        references = [plan.reference for _, plan in plans if plan.creates and plan.reference]
        found = already_created(entity.set_name, field, references, self._find_by(entity)) \
            if field and references else {}
        answered: dict[int, WriteResult] = {}
        for index, plan in plans:
            key = found.get(plan.reference or "") if plan.creates else None
            answered[index] = WriteResult(plan.ref, "created", key) if key else \
                failed(plan, lost if not _unsafe(plan) else _not_repeated(lost, field))
        return answered

    def _send(self, entity: EntityModel, plans: Indexed) -> dict[int, WriteResult]:
        """One ``$batch`` request: one changeset per plan, one result per changeset."""
        content_type, body = batch.build([plan.operations for _, plan in plans])
        service = self.directory.service_of(entity.set_name)
        answer_type, answer = self.client.batch(service, content_type, body)
        parts = batch.parse(answer_type, answer)
        if len(parts) != len(plans):
            raise ConfigError(f"$batch answered {len(parts)} parts for {len(plans)} changesets",
                              code="BAD_BATCH_RESPONSE", system="sap")
        return {index: result_of(entity, plan, part)
                for (index, plan), part in zip(plans, parts, strict=True)}


def _unsafe(plan: WritePlan) -> bool:
    """A create with no reference to look for: sending it again could create it twice."""
    return plan.creates and plan.reference is None


def _not_repeated(lost: OutcomeUnknown, field: str | None) -> OutcomeUnknown:
    how = f"no {field} to look for it by" if field else "no reference field configured"
    return OutcomeUnknown(f"{lost.message}; SAP may have created the record, and with {how} "
                          f"it is not sent again: check SAP before replaying it",
                          code=lost.code, system="sap")


def _send_again(plan: WritePlan, result: WriteResult) -> bool:
    error = result.error
    if result.outcome != "failed" or not isinstance(error, TransientError):
        return False
    if isinstance(error, LimitExhausted):
        return False
    return not (isinstance(error, OutcomeUnknown) and _unsafe(plan))
