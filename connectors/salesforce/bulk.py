"""Writing records with Bulk API 2.0 ingest jobs, one job per route and upload.

The life of a job (Bulk API 2.0 and Bulk API Developer Guide,
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/):

1. ``POST jobs/ingest`` with ``object``, ``operation`` (``upsert`` with ``externalIdFieldName``,
   or ``update``), ``contentType: CSV``, ``lineEnding: LF`` ("Create a Job", create_job.htm);
2. ``PUT`` the CSV to the job's ``contentUrl`` (201; "Upload Job Data", upload_job_data.htm),
   once: a job takes one upload, so after an upload that may have arrived the job is aborted
   and a new one made;
3. ``PATCH jobs/ingest/{id}`` ``{"state": "UploadComplete"}`` ("Upload Complete",
   close_job.htm) - without it nothing is processed;
4. ``GET jobs/ingest/{id}`` until the state is ``JobComplete``, ``Failed`` or ``Aborted``
   ("Job States", bulk_api_2_job_states.htm), waiting ``bulk_poll_seconds`` at first and twice
   as long each time up to ``bulk_poll_max_seconds``; after ``bulk_timeout_seconds`` the job is
   aborted (``{"state": "Aborted"}``) so that it stops taking records;
5. ``GET .../successfulResults/``, then ``.../failedResults/`` unless the job counted no
   failed rows (``numberRecordsFailed``), then ``.../unprocessedrecords/`` unless the job
   completed (CSV; get_job_successful_results.htm, get_job_failed_results.htm,
   get_job_unprocessed_results.htm). A clean job costs four calls and its polls.

Result rows come in no particular order; each echoes the columns sent, so a row is matched
back to its record by the route's key column (the External ID value, or ``Id`` for an update).
A successful row gives ``sf__Id`` and ``sf__Created``; a failed one ``sf__Error``
(``errors.translate_bulk_error``); an unprocessed one, and any record no result names, fails
as transient. Rows that failed on a lock are handed back to be resent through sObject
Collections, which retries locks record by record.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tenacity import retry_if_exception

from connectors.base import TargetRecord, WriteResult
from connectors.errors import ConfigError, RecordRejected, SyncError, TransientError
from connectors.salesforce.bulk_csv import Upload, csv_fields, encode_jobs, result_rows
from connectors.salesforce.errors import (
    RECORD_LOCK_CODES,
    SYSTEM,
    is_worth_retrying,
    translate_bulk_error,
)
from connectors.salesforce.retry import bounded_retrying, logger
from connectors.salesforce.routes import Route
from connectors.salesforce.write_context import ContextWriter, Indexed

FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
JOB_STATE_CODES = frozenset({"INVALIDJOBSTATE"})
"""The job is not in the state the request needs ("Bulk API 2.0 Error Codes")."""
CSV_HEADERS = {"Content-Type": "text/csv", "Accept": "text/csv"}
CALLS_PER_JOB = 7
"""Create, upload, close, one poll, three result sets: what a budget must allow a job (a
clean one takes five)."""


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended: its final state, how many rows failed, and Salesforce's reason when
    the job itself failed."""

    job_id: str
    state: str
    error_message: str = ""
    failed_rows: int | None = None

    @classmethod
    def of(cls, job_id: str, info: Mapping[str, Any]) -> JobOutcome:
        failed = info.get("numberRecordsFailed")
        return cls(job_id, str(info.get("state", "")), str(info.get("errorMessage") or ""),
                   failed if isinstance(failed, int) else None)

    @property
    def completed(self) -> bool:
        return self.state == "JobComplete"


class BulkWriter(ContextWriter):
    """Sends the bulk-capable records of one ``write_batch`` call as ingest jobs."""

    def write(self, route: Route, items: list[Indexed]) -> list[Indexed]:
        """Write ``items`` (all of ``route``); results land in the shared ``Results``. Returns
        the records that failed on a row lock, to be resent another way."""
        records = dict(items)
        rows = self._rows(route, items)
        locked: list[Indexed] = []
        for upload in encode_jobs(rows, route.key_column, self._settings.bulk_max_upload_bytes):
            pending = _Pending(route.key_column, upload.rows)
            outcome = self._run_job(route, upload)
            locked += self._collect(outcome, pending, records)
        return locked

    def _rows(self, route: Route, items: list[Indexed]) -> dict[int, dict[str, str]]:
        """CSV cells per record; a record with a value CSV cannot carry fails alone."""
        rows: dict[int, dict[str, str]] = {}
        for index, record in items:
            try:
                rows[index] = csv_fields(record, self._context.relationships,
                                         route.kind == "update")
            except TypeError as exc:
                self._context.fail(index, record, RecordRejected(
                    f"{self._obj}: {exc}", code="UNSUPPORTED_VALUE", system=SYSTEM))
        return rows

    # -- one job -----------------------------------------------------------------------------

    def _run_job(self, route: Route, upload: Upload) -> JobOutcome:
        job_id = self._open_with_data(route, upload)
        try:
            self._set_state(job_id, "UploadComplete")
        except ConfigError as exc:
            # A retried close whose first send went through: the job is past Open already.
            if exc.code not in JOB_STATE_CODES:
                raise
        return self._wait(job_id)

    def _open_with_data(self, route: Route, upload: Upload) -> str:
        """A job holding ``upload``. Salesforce takes one upload per job, so an upload that may
        or may not have arrived is not sent again: that job is aborted (it processes nothing
        before UploadComplete) and the data goes to a new one, a bounded number of times."""
        retrying = bounded_retrying(self._settings, f"bulk upload {self._obj}",
                                    retry_if_exception(is_worth_retrying))
        job_id: str = retrying(self._job_with, route, upload)
        return job_id

    def _job_with(self, route: Route, upload: Upload) -> str:
        job_id, content_url = self._create_job(route)
        try:
            self._client.raw("PUT", content_url, f"bulk upload {job_id}", data=upload.body,
                             headers=CSV_HEADERS, idempotent=False)
        except TransientError:
            self._abandon(job_id)
            raise
        return job_id

    def _create_job(self, route: Route) -> tuple[str, str]:
        spec: dict[str, Any] = {"object": self._obj, "operation": route.kind,
                                "contentType": "CSV", "lineEnding": "LF"}
        if route.kind == "upsert":
            spec["externalIdFieldName"] = route.upsert_field
        job = self._client.rest("POST", "jobs/ingest", f"bulk {route.kind} {self._obj}",
                                json=spec)
        job_id = str(job["id"])
        return job_id, str(job.get("contentUrl") or f"jobs/ingest/{job_id}/batches")

    def _abandon(self, job_id: str) -> None:
        """Abort a job we will not use; failing to is harmless (an Open job never runs)."""
        try:
            self._set_state(job_id, "Aborted")
        except SyncError as exc:
            logger.warning("salesforce bulk job %s not aborted: %s", job_id, exc)

    def _set_state(self, job_id: str, state: str) -> None:
        path = f"jobs/ingest/{job_id}"
        self._client.rest("PATCH", path, f"bulk {state} {job_id}", json={"state": state})

    def _wait(self, job_id: str) -> JobOutcome:
        """Poll with a doubling wait until the job ends or the timeout passes (then abort)."""
        wait = self._settings.bulk_poll_seconds
        deadline = time.monotonic() + self._settings.bulk_timeout_seconds
        while True:
            info = self._client.rest("GET", f"jobs/ingest/{job_id}", f"bulk poll {job_id}")
            state = str(info.get("state", ""))
            if state in FINAL_STATES:
                return JobOutcome.of(job_id, info)
            if time.monotonic() + wait > deadline:
                logger.warning("salesforce bulk job %s still %s; aborting it", job_id, state)
                self._set_state(job_id, "Aborted")
                return JobOutcome(job_id, "Timeout")
            time.sleep(wait)
            wait = min(wait * 2, self._settings.bulk_poll_max_seconds)

    # -- results -----------------------------------------------------------------------------

    def _collect(
        self, outcome: JobOutcome, pending: _Pending, records: Mapping[int, TargetRecord]
    ) -> list[Indexed]:
        """Map the job's result rows back to records; the ones that hit a lock are returned.
        Result sets that cannot hold a row are not asked for: failed rows when the job counted
        none, unprocessed rows when it completed."""
        for row in self._result_set(outcome.job_id, "successfulResults"):
            index = pending.take(row)
            if index is not None:
                self._succeed(index, records[index], row)
        locked: list[Indexed] = []
        if outcome.failed_rows != 0:
            locked = self._take_failures(outcome.job_id, pending, records)
        if not outcome.completed:
            for row in self._result_set(outcome.job_id, "unprocessedrecords"):
                index = pending.take(row)
                if index is not None:
                    self._context.fail(index, records[index], _unfinished(outcome, "UNPROCESSED"))
        for index in pending.drain():
            self._context.fail(index, records[index], _unfinished(outcome, "NO_RESULT"))
        return locked

    def _take_failures(
        self, job_id: str, pending: _Pending, records: Mapping[int, TargetRecord]
    ) -> list[Indexed]:
        locked: list[Indexed] = []
        for row in self._result_set(job_id, "failedResults"):
            index = pending.take(row)
            if index is None:
                continue
            error = translate_bulk_error(row.get("sf__Error", ""), context=f"bulk {self._obj}",
                                         redact=self._client.redact)
            if error.code in RECORD_LOCK_CODES:
                locked.append((index, records[index]))
            else:
                self._context.fail(index, records[index], error)
        return locked

    def _result_set(self, job_id: str, kind: str) -> Iterator[dict[str, str]]:
        """The rows of one result set, parsed as they are read (one response body in memory,
        not a second copy as dictionaries)."""
        answer = self._client.raw("GET", f"jobs/ingest/{job_id}/{kind}/",
                                  f"bulk {kind} {job_id}", headers=CSV_HEADERS)
        return result_rows(answer.text)

    def _succeed(self, index: int, record: TargetRecord, row: Mapping[str, str]) -> None:
        created = row.get("sf__Created", "").lower() == "true"
        self._context.results[index] = WriteResult(
            ref=record.ref, outcome="created" if created else "updated",
            key=row.get("sf__Id") or record.key)


def _unfinished(outcome: JobOutcome, what: str) -> TransientError:
    """Why a record has no result: the job failed, was aborted, or took too long (``what`` is
    ``UNPROCESSED`` when the job listed the row as such, ``NO_RESULT`` when no result set named
    it). Transient: a resend is harmless (upserts by External ID, updates by Id) and may pass."""
    reasons = {
        "Failed": f"job failed: {outcome.error_message or 'no reason given'}",
        "Aborted": "job was aborted",
        "Timeout": "job did not finish in bulk_timeout_seconds and was aborted",
        "JobComplete": "job completed without a result for this record",
    }
    return TransientError(
        f"bulk job {outcome.job_id}: {reasons.get(outcome.state, outcome.state)}",
        code=f"BULK_{what}",
        system=SYSTEM,
    )


class _Pending:
    """Records of an upload waiting for their result row, by key value (first in, first out,
    should two records share a key)."""

    def __init__(self, key_column: str, rows: list[tuple[str, int]]) -> None:
        self._key_column = key_column
        self._waiting: dict[str, deque[int]] = {}
        for key, index in rows:
            self._waiting.setdefault(key, deque()).append(index)

    def take(self, row: Mapping[str, str]) -> int | None:
        queue = self._waiting.get(row.get(self._key_column, ""))
        return queue.popleft() if queue else None

    def drain(self) -> list[int]:
        left = [index for queue in self._waiting.values() for index in queue]
        self._waiting.clear()
        return left
