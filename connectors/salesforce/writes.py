"""Writing records with sObject Collections: routing, batching, per-record results and retries.

Routing, per ``TargetRecord`` (REST API Developer Guide, sObject Collections):

======================================  ================================================  =========
record                                  call                                              outcome
======================================  ================================================  =========
``key`` set                             ``PATCH /composite/sobjects`` (update by ``Id``)  updated
no ``key``, ``upsert_field`` set        ``PATCH /composite/sobjects/{obj}/{field}``       created /
                                        (upsert by External ID, ``created`` flag)         updated
neither                                 ``POST /composite/sobjects`` (create)             created
======================================  ================================================  =========

(REST API Developer Guide, https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/:
"Update Records Using sObject Collections", resources_composite_sobjects_collections_update.htm;
"Upsert Records Using sObject Collections", resources_composite_sobjects_collections_upsert.htm;
"Create Records Using sObject Collections", resources_composite_sobjects_collections_create.htm.)

Each call carries at most ``write_batch_size`` (<= 200) records of one route with
``allOrNone: false``, so one bad record fails alone. Answers come back in request order, one per
record. Records that failed with ``UNABLE_TO_LOCK_ROW`` are sent again, alone, with backoff, a
bounded number of times; whole calls that fail transiently are retried by the client. Results
are returned in input order with each record's ``ref``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from connectors.base import ObjectSchema, TargetRecord, WriteResult
from connectors.errors import RecordRejected, SyncError, TransientError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.errors import (
    RECORD_LOCK_CODES,
    SYSTEM,
    translate_record_errors,
)
from connectors.salesforce.retry import backoff, log_retry
from connectors.salesforce.settings import SalesforceSettings
from connectors.salesforce.soql import checked_name

Indexed = tuple[int, TargetRecord]
RouteKind = Literal["update", "upsert", "create"]


@dataclass(frozen=True)
class Route:
    """Which collection resource a record goes to."""

    kind: RouteKind
    upsert_field: str | None = None

    @classmethod
    def of(cls, record: TargetRecord) -> Route:
        if record.key:
            return cls("update")
        if record.upsert_field:
            return cls("upsert", record.upsert_field)
        return cls("create")

    @property
    def method(self) -> str:
        return "POST" if self.kind == "create" else "PATCH"

    def path(self, obj: str) -> str:
        if self.kind == "upsert":
            return "/".join(("composite/sobjects", obj, str(self.upsert_field)))
        return "composite/sobjects"

    def outcome(self, answer: Mapping[str, Any]) -> Literal["created", "updated"]:
        if self.kind == "create":
            return "created"
        if self.kind == "upsert" and answer.get("created"):
            return "created"
        return "updated"


class _StillLocked(Exception):
    """Records that are still locked after a send; carries what to resend and why."""

    def __init__(self, locked: list[tuple[int, TargetRecord, SyncError]]) -> None:
        super().__init__(f"{len(locked)} record(s) locked")
        self.locked = locked


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
        self._results: dict[int, WriteResult] = {}

    def write(self, records: Sequence[TargetRecord]) -> list[WriteResult]:
        """One result per record, in input order."""
        halted: TransientError | None = None
        for route, chunk in self._chunks(records):
            if halted is not None:
                self._fail_all(chunk, halted)
                continue
            try:
                self._write_chunk(route, chunk)
            except TransientError as exc:
                halted = exc  # the org is not answering: do not hammer it with the rest
                self._fail_all(chunk, exc)
            except RecordRejected as exc:
                self._fail_all(chunk, exc)
        return [self._results[index] for index in range(len(records))]

    def _chunks(self, records: Sequence[TargetRecord]) -> Iterator[tuple[Route, list[Indexed]]]:
        """Records grouped by route (first appearance first), each group cut into batches."""
        groups: dict[Route, list[Indexed]] = {}
        for index, record in enumerate(records):
            if self._rejected_locally(index, record):
                continue
            groups.setdefault(Route.of(record), []).append((index, record))
        size = self._settings.write_batch_size
        for route, items in groups.items():
            for start in range(0, len(items), size):
                yield route, items[start : start + size]

    def _rejected_locally(self, index: int, record: TargetRecord) -> bool:
        """Check names against describe; a record without its External ID value fails alone."""
        allowed = self._schema.fields.keys()
        for name in record.fields:
            checked_name(name, allowed)
        if record.key or not record.upsert_field:
            return False
        checked_name(record.upsert_field, allowed)
        if record.fields.get(record.upsert_field) not in (None, ""):
            return False
        error = RecordRejected(
            f"{self._obj}: no value for External ID field {record.upsert_field}",
            code="MISSING_EXTERNAL_ID",
            system=SYSTEM,
        )
        self._results[index] = WriteResult(ref=record.ref, outcome="failed", error=error)
        return True

    def _write_chunk(self, route: Route, chunk: list[Indexed]) -> None:
        """Send ``chunk``; resend only its locked records, with backoff, a bounded number of
        times."""
        pending = chunk
        retrying = Retrying(
            retry=retry_if_exception_type(_StillLocked),
            stop=stop_after_attempt(self._settings.max_retries + 1),
            wait=backoff(self._settings),
            before_sleep=log_retry(f"write {self._obj}"),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    locked = self._send(route, pending)
                    if locked:
                        pending = [(index, record) for index, record, _ in locked]
                        raise _StillLocked(locked)
        except _StillLocked as exc:
            for index, record, error in exc.locked:
                self._results[index] = WriteResult(ref=record.ref, outcome="failed", error=error)

    def _send(
        self, route: Route, chunk: list[Indexed]
    ) -> list[tuple[int, TargetRecord, SyncError]]:
        """One collection call; records results and returns the records that hit a lock."""
        body = {"allOrNone": False, "records": [self._payload(route, r) for _, r in chunk]}
        context = f"{route.kind} {self._obj}"
        answers = self._client.rest(route.method, route.path(self._obj), context, json=body)
        if not isinstance(answers, list) or len(answers) != len(chunk):
            raise TransientError(
                f"{context}: the answer does not have one result per record",
                code="BAD_COLLECTION_ANSWER",
                system=SYSTEM,
            )
        locked: list[tuple[int, TargetRecord, SyncError]] = []
        for (index, record), answer in zip(chunk, answers, strict=True):
            result = self._result(route, record, answer, context)
            if result.error is not None and result.error.code in RECORD_LOCK_CODES:
                locked.append((index, record, result.error))
            else:
                self._results[index] = result
        return locked

    def _payload(self, route: Route, record: TargetRecord) -> dict[str, Any]:
        body: dict[str, Any] = {"attributes": {"type": self._obj}}
        body.update((k, v) for k, v in record.fields.items() if k != "attributes")
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

    def _fail_all(self, chunk: list[Indexed], error: SyncError) -> None:
        """Fail the records of ``chunk`` that have no result yet (a lock retry that failed
        must not overwrite what the first send of the chunk already wrote)."""
        for index, record in chunk:
            self._results.setdefault(
                index, WriteResult(ref=record.ref, outcome="failed", key=record.key, error=error)
            )
