"""Writing records with sObject Collections: batches of at most 200, per-record results, locks.

Each call carries at most ``write_batch_size`` (<= 200) records of one route (``routes``) with
``allOrNone: false``, so one bad record fails alone. Answers come back in request order, one per
record. Records that failed with ``UNABLE_TO_LOCK_ROW`` are sent again, alone, with backoff, a
bounded number of times; whole calls that fail transiently are retried by the client (creates
only when the server certainly did not act on them). Fields named ``<Relationship>.<Field>``
are sent as parent references (``references.nest_references``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenacity import retry_if_exception_type

from connectors.base import TargetRecord, WriteResult
from connectors.errors import SyncError, TransientError
from connectors.salesforce.errors import RECORD_LOCK_CODES, SYSTEM, translate_record_errors
from connectors.salesforce.references import nest_references
from connectors.salesforce.retry import bounded_retrying
from connectors.salesforce.routes import Route
from connectors.salesforce.write_context import ContextWriter, Indexed

Failed = list[tuple[int, TargetRecord, SyncError]]


class _StillLocked(Exception):
    """Records that are still locked after a send; carries what to resend and why."""

    def __init__(self, locked: Failed) -> None:
        super().__init__(f"{len(locked)} record(s) locked")
        self.locked = locked


class CollectionWriter(ContextWriter):
    """Sends the records of one object through sObject Collections into a shared ``Results``."""

    def write(self, route: Route, items: list[Indexed]) -> None:
        """Send ``items`` in chunks; resend only locked records, with backoff, a bounded number
        of times. A ``TransientError`` leaves the call: the caller fails what is left."""
        size = self._settings.write_batch_size
        for start in range(0, len(items), size):
            self._write_chunk(route, items[start : start + size])

    def _write_chunk(self, route: Route, chunk: list[Indexed]) -> None:
        pending = chunk
        retrying = bounded_retrying(self._settings, f"write {self._obj}",
                                    retry_if_exception_type(_StillLocked))
        try:
            for attempt in retrying:
                with attempt:
                    locked = self._send(route, pending)
                    if locked:
                        pending = [(index, record) for index, record, _ in locked]
                        raise _StillLocked(locked)
        except _StillLocked as exc:
            for index, record, error in exc.locked:
                self._context.fail(index, record, error)

    def _send(self, route: Route, chunk: list[Indexed]) -> Failed:
        """One collection call; records results and returns the records that hit a lock."""
        body = {"allOrNone": False, "records": [self._payload(route, r) for _, r in chunk]}
        context = f"{route.kind} {self._obj}"
        answers = self._client.rest(
            route.method, route.path(self._obj), context, json=body, idempotent=route.idempotent
        )
        if not isinstance(answers, list) or len(answers) != len(chunk):
            raise TransientError(
                f"{context}: the answer does not have one result per record",
                code="BAD_COLLECTION_ANSWER",
                system=SYSTEM,
            )
        locked: Failed = []
        for (index, record), answer in zip(chunk, answers, strict=True):
            result = self._result(route, record, answer, context)
            if result.error is not None and result.error.code in RECORD_LOCK_CODES:
                locked.append((index, record, result.error))
            else:
                self._context.results[index] = result
        return locked

    def _payload(self, route: Route, record: TargetRecord) -> dict[str, Any]:
        fields = {k: v for k, v in record.fields.items() if k != "attributes"}
        body: dict[str, Any] = {"attributes": {"type": self._obj}}
        body.update(nest_references(fields, self._context.relationships))
        if route.kind == "update":
            body["Id"] = record.key
        return body

    def _result(self, route: Route, record: TargetRecord, answer: Any, context: str) -> WriteResult:
        if not isinstance(answer, Mapping):
            answer = {"success": False, "errors": []}
        if answer.get("success"):
            key = answer.get("id") or record.key
            return WriteResult(ref=record.ref, outcome=route.outcome(answer), key=key)
        error = translate_record_errors(
            answer.get("errors"), context=context, redact=self._client.redact
        )
        return WriteResult(ref=record.ref, outcome="failed", key=record.key, error=error)
