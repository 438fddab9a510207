"""Deleting records with sObject Collections (``deletes: propagate``).

``DELETE /composite/sobjects?ids=<id>,<id>&allOrNone=false`` deletes up to 200 records per
call and answers one ``DeleteResult`` per id, in the order the ids were given ("Delete
Records Using sObject Collections",
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-delete.html).
With ``allOrNone=false`` one record that cannot be deleted fails alone.

Deleting is idempotent here: a record that is already gone (``ENTITY_IS_DELETED``: in the
recycle bin, or deleted by someone else meanwhile) counts as deleted. Records that hit a row
lock (``UNABLE_TO_LOCK_ROW``) are sent again, alone, with the connector's one backoff policy;
whole calls that fail transiently are retried by the client (a DELETE is safe to repeat).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tenacity import retry_if_exception_type

from connectors.base import WriteResult
from connectors.errors import TransientError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.errors import RECORD_LOCK_CODES, SYSTEM, translate_record_errors
from connectors.salesforce.retry import bounded_retrying
from connectors.salesforce.settings import SalesforceSettings

ALREADY_DELETED_CODES: frozenset[str] = frozenset({"ENTITY_IS_DELETED"})


class _StillLocked(Exception):
    """Ids still locked after a send; carries their results so the last ones are kept."""

    def __init__(self, locked: dict[str, WriteResult]) -> None:
        super().__init__(f"{len(locked)} record(s) locked")
        self.locked = locked


def delete_records(client: SalesforceClient, settings: SalesforceSettings, obj: str,
                   ids: Sequence[str]) -> list[WriteResult]:
    """Delete the records with these Ids, ``write_batch_size`` (<= 200) per call; one result
    per id, in order: ``updated`` means deleted (or already gone), ``failed`` carries the
    translated error. A call that still fails transiently after the client's retries fails
    its ids and those of later chunks with that error (the next run deletes them)."""
    results: dict[str, WriteResult] = {}
    distinct = list(dict.fromkeys(ids))
    size = settings.write_batch_size
    for start in range(0, len(distinct), size):
        try:
            results.update(_delete_chunk(client, settings, obj, distinct[start : start + size]))
        except TransientError as exc:
            results.update({i: WriteResult(i, "failed", i, exc) for i in distinct[start:]})
            break
    return [results[record_id] for record_id in ids]


def _delete_chunk(client: SalesforceClient, settings: SalesforceSettings, obj: str,
                  chunk: list[str]) -> dict[str, WriteResult]:
    """One chunk; ids that hit a lock are sent again, with backoff, a bounded number of
    times, and keep their last failure when they stay locked."""
    results: dict[str, WriteResult] = {}
    pending = chunk
    retrying = bounded_retrying(settings, f"delete {obj}", retry_if_exception_type(_StillLocked))
    try:
        for attempt in retrying:
            with attempt:
                answered = _send(client, obj, pending)
                results.update(answered)
                locked = {i: r for i, r in answered.items() if _is_locked(r)}
                if locked:
                    pending = list(locked)
                    raise _StillLocked(locked)
    except _StillLocked as exc:
        results.update(exc.locked)
    return results


def _send(client: SalesforceClient, obj: str, ids: list[str]) -> dict[str, WriteResult]:
    """One collections DELETE call: a result per id."""
    context = f"delete {obj}"
    answers = client.rest("DELETE", "composite/sobjects", context,
                          params={"ids": ",".join(ids), "allOrNone": "false"}, idempotent=True)
    if not isinstance(answers, list) or len(answers) != len(ids):
        raise TransientError(f"{context}: the answer does not have one result per record",
                             code="BAD_COLLECTION_ANSWER", system=SYSTEM)
    return {record_id: _result(client, record_id, answer, context)
            for record_id, answer in zip(ids, answers, strict=True)}


def _result(client: SalesforceClient, record_id: str, answer: Any, context: str) -> WriteResult:
    """A ``DeleteResult`` as a ``WriteResult`` whose ``ref`` and key are the id."""
    if not isinstance(answer, Mapping):
        answer = {"success": False, "errors": []}
    if answer.get("success"):
        return WriteResult(ref=record_id, outcome="updated", key=record_id)
    error = translate_record_errors(answer.get("errors"), context=context,
                                    redact=client.redact)
    if error.code in ALREADY_DELETED_CODES:
        return WriteResult(ref=record_id, outcome="updated", key=record_id)
    return WriteResult(ref=record_id, outcome="failed", key=record_id, error=error)


def _is_locked(result: WriteResult) -> bool:
    return result.error is not None and result.error.code in RECORD_LOCK_CODES
