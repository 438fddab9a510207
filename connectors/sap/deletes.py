"""Deleting records over OData (``deletes: propagate``): one ``$batch`` per ``batch_size``
keys, one changeset per ``DELETE``, so one record SAP refuses cannot roll back the others.

Each ``DELETE`` carries ``If-Match`` with the record's ETag where the caller read one: a
record changed since then is not deleted; SAP answers 412 and the result is a failed
``PreconditionFailed`` (a ``ConflictError``), which the engine treats as "edited meanwhile".
A record that is already gone (404) counts as deleted: deleting is idempotent, so keys SAP
refused for a transient reason (a lock) and whole batches whose answer was lost
(``OutcomeUnknown``) are simply sent again, within the retry policy.

Which entity sets may be deleted at all is in the service's ``$metadata``
(``sap:deletable="false"`` on the entity set: in S/4HANA ``A_BusinessPartner``,
``A_Customer``, ``A_Product`` and the read-only stock service, among others). The engine
checks that before the first write (``ObjectSchema.deletable``); a set SAP refuses anyway
answers 405, a ``ConfigError`` result.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from connectors.base import WriteResult
from connectors.errors import ConfigError, LimitExhausted, SyncError, TransientError
from connectors.sap import batch
from connectors.sap.batch import Operation, Response
from connectors.sap.errors import OutcomeUnknown, translate
from connectors.sap.filters import key_predicate
from connectors.sap.metadata import EntityModel
from connectors.sap.payloads import key_types, parse_key
from connectors.sap.services import ServiceDirectory

log = logging.getLogger(__name__)

ALREADY_GONE = 404


def delete_records(directory: ServiceDirectory, obj: str, keys: Sequence[str],
                   etags: Mapping[str, str] | None = None) -> list[WriteResult]:
    """One result per key, in order: ``updated`` means deleted (or already gone)."""
    entity = directory.entity(obj)
    results: dict[str, WriteResult] = {}
    distinct = list(dict.fromkeys(keys))
    size = directory.settings.batch_size
    for start in range(0, len(distinct), size):
        chunk = distinct[start : start + size]
        try:
            results.update(_send_chunk(directory, entity, chunk, etags or {}))
        except SyncError as exc:
            log.error("SAP $batch deleting %s failed as a whole: %s", entity.set_name, exc)
            results.update({k: WriteResult(k, "failed", k, exc) for k in distinct[start:]})
            break
    return [results[key] for key in keys]


def _send_chunk(directory: ServiceDirectory, entity: EntityModel, keys: list[str],
                etags: Mapping[str, str]) -> dict[str, WriteResult]:
    """Send ``keys``; send again, after a backoff, those refused transiently or whose answer
    was lost, until they are answered or the retries are spent."""
    policy = directory.client.retry
    results: dict[str, WriteResult] = {}
    pending = keys
    for attempt in range(1, policy.max_retries + 2):
        try:
            answered = _send(directory, entity, pending, etags)
        except OutcomeUnknown as lost:
            answered = {key: WriteResult(key, "failed", key, lost) for key in pending}
        results.update(answered)
        again = [key for key in pending if _transient(answered[key])]
        if not again or attempt > policy.max_retries:
            break
        wait = policy.wait(attempt, answered[again[0]].error)
        log.warning("SAP did not delete %s record(s) of %s; sending them again in %.2fs",
                    len(again), entity.set_name, wait)
        policy.sleep(wait)
        pending = again
    return results


def _transient(result: WriteResult) -> bool:
    return isinstance(result.error, TransientError) and not isinstance(result.error,
                                                                       LimitExhausted)


def _send(directory: ServiceDirectory, entity: EntityModel, keys: list[str],
          etags: Mapping[str, str]) -> dict[str, WriteResult]:
    """One ``$batch``: a changeset per key, a result per changeset."""
    content_type, body = batch.build([[_operation(entity, key, etags.get(key))]
                                      for key in keys])
    answer_type, answer = directory.client.batch(directory.service_of(entity.set_name),
                                                 content_type, body)
    parts = batch.parse(answer_type, answer)
    if len(parts) != len(keys):
        raise ConfigError(f"$batch answered {len(parts)} parts for {len(keys)} deletes",
                          code="BAD_BATCH_RESPONSE", system="sap")
    return {key: _result(entity, key, part) for key, part in zip(keys, parts, strict=True)}


def _operation(entity: EntityModel, key: str, etag: str | None) -> Operation:
    path = entity.set_name + key_predicate(parse_key(entity.type, key), key_types(entity.type))
    return Operation("DELETE", path, None, {"If-Match": etag} if etag else {})


def _result(entity: EntityModel, key: str, responses: list[Response]) -> WriteResult:
    """The changeset's answer: 2xx or 404 is deleted; anything else is the translated error."""
    answer = responses[0]
    if answer.status < 400 or answer.status == ALREADY_GONE:
        return WriteResult(key, "updated", key)
    error = translate(answer.status, answer.body, answer.headers, where="record",
                      operation=f"SAP $batch changeset [DELETE {entity.set_name} {key}]")
    return WriteResult(key, "failed", key, error)
