"""Bulk API 2.0 ingest jobs: create, upload CSV, UploadComplete, process, report results.

States: ``Open`` (created; one CSV upload allowed) -> ``UploadComplete`` (queued) ->
``InProgress`` -> ``JobComplete``, or ``Failed`` (the CSV header names an unknown field, the
data does not match the job's CSV settings) or ``Aborted`` (by the client). Records are
processed in order in chunks of 200, each record in its own savepoint through the same
write path as the REST API (validation, faults, relationship references such as
``Account.ERP_Customer_Number__c``). An empty value leaves a field alone; ``#N/A`` sets null.
Results: ``successfulResults`` (``sf__Id``, ``sf__Created``, then the uploaded columns),
``failedResults`` (``sf__Id``, ``sf__Error`` as ``CODE:message:fields --``, then the columns),
``unprocessedrecords`` (the columns of rows never processed).
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/create_job.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/upload_job_data.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/close_job.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_successful_results.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_failed_results.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_unprocessed_results.htm
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import records
from sandbox.salesforce.bulk.csvio import NULL_MARK, CsvFormatError, read_rows, write_csv
from sandbox.salesforce.bulk.jobs import FINAL_STATES, Job, public
from sandbox.salesforce.bulk.settings import job_document, job_settings
from sandbox.salesforce.catalog import find_object
from sandbox.salesforce.errors import ApiError, RecordError
from sandbox.salesforce.records import WriteContext
from sandbox.salesforce.routing import Reply, Request
from sandbox.salesforce.schema import ObjectSpec
from sandbox.salesforce.state import Sandbox
from sandbox.salesforce.validation import parse_fields

OPERATIONS = frozenset({"insert", "update", "upsert", "delete", "hardDelete"})
CHUNK = 200
MAX_UPLOAD_BYTES = 150 * 1024 * 1024
KIND = "ingest"


def create_job(app: Sandbox, req: Request) -> Reply:
    body = req.json()
    if not isinstance(body, dict):
        raise ApiError(400, "INVALIDJOB", "the job description must be a JSON object")
    obj, operation = _object(body), str(body.get("operation"))
    if operation not in OPERATIONS:
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
    job = job_document(app, req, KIND, operation, obj.name, settings=job_settings(body))
    if operation == "upsert":
        key = obj.upsert_key(str(body.get("externalIdFieldName", "")))
        if key is None:
            raise ApiError(400, "INVALIDJOB", "InvalidJob : External ID was blank or not an "
                           f"External ID field for {obj.name}")
        job["externalIdFieldName"] = key.name
    job["contentUrl"] = f"services/data/v{job['apiVersion']}/jobs/ingest/{job['id']}/batches"
    job.update(state="Open", numberRecordsProcessed=0, numberRecordsFailed=0, _rows=0, _next=0)
    app.jobs.insert(KIND, job)
    return Reply(200, public(job))


def _object(body: dict[str, Any]) -> ObjectSpec:
    obj = find_object(str(body.get("object", "")))
    if obj is None:
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : Invalid object: {body.get('object')}")
    return obj


def load_job(app: Sandbox, req: Request, kind: str = KIND) -> Job:
    job = app.jobs.get(kind, req.args["job"])
    if job is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def upload(app: Sandbox, req: Request) -> Reply:
    """``PUT .../batches``: the job's one CSV upload, stored row by row."""
    job = load_job(app, req)
    if job["state"] != "Open" or job.get("_uploaded"):
        raise ApiError(400, "BULK_API_ERROR", f"Found multiple contents for job: {job['id']}, "
                       "please 'Close' / 'Abort' / 'Delete' the current Job then create a new "
                       "Job and make sure you only do 'PUT' once on a given Job.")
    if req.body_file is None or "csv" not in (req.header("Content-Type") or ""):
        raise ApiError(400, "INVALIDBATCH", "InvalidBatch : upload data as Content-Type: text/csv")
    try:
        rows = read_rows(req.body_file, job["columnDelimiter"], job["lineEnding"])
        header = next(rows, [])
        job["_rows"] = app.jobs.add_rows(job["id"], "data", 0, rows)
    except CsvFormatError as exc:
        raise ApiError(400, "INVALIDBATCH", str(exc)) from None
    job.update(_header=header, _uploaded=True)
    app.jobs.save(job)
    return Reply(201, empty=True)


def change_state(app: Sandbox, req: Request) -> Reply:
    """``PATCH /jobs/ingest/{id}``: ``UploadComplete`` queues the job, ``Aborted`` stops it."""
    job = load_job(app, req)
    wanted = (req.json() or {}).get("state")
    if wanted == "UploadComplete" and job["state"] == "Open":
        job["state"] = "UploadComplete"
        app.work_ready.set()
    elif wanted == "Aborted" and job["state"] not in FINAL_STATES:
        job["state"] = "Aborted"
    else:
        raise ApiError(400, "INVALIDJOBSTATE",
                       f"InvalidJobState : Cannot change job from {job['state']} to {wanted}")
    app.jobs.save(job)
    return Reply(200, public(job))


def process_chunk(app: Sandbox, job: Job) -> None:
    """One step of the worker: validate the header first, then up to 200 records."""
    if job["state"] == "UploadComplete":
        problem = _header_problem(job)
        if problem is not None:
            job.update(state="Failed", errorMessage=problem)
            app.jobs.save(job)
            return
        job["state"] = "InProgress"
    obj = find_object(str(job["object"]))
    assert obj is not None
    ctx = app.writer(str(job["createdById"]))
    start = int(job["_next"])
    batch = list(app.jobs.rows(job["id"], "data", start, CHUNK))
    outcomes = [_process_row(ctx, obj, job, cells) for cells in batch]
    ok = [[rid or "", "true" if created else "false", *cells]
          for (rid, created, error), cells in zip(outcomes, batch, strict=True) if error is None]
    failed = [[rid or "", error, *cells]
              for (rid, _, error), cells in zip(outcomes, batch, strict=True) if error]
    app.jobs.add_rows(job["id"], "ok", start, ok)
    app.jobs.add_rows(job["id"], "failed", start, failed)
    _advance(job, len(batch), len(failed))
    app.jobs.save(job)


def _advance(job: Job, processed: int, failed: int) -> None:
    job["_next"] = int(job["_next"]) + processed
    job["numberRecordsProcessed"] = int(job["numberRecordsProcessed"]) + processed
    job["numberRecordsFailed"] = int(job["numberRecordsFailed"]) + failed
    if job["_next"] >= int(job["_rows"]):
        job["state"] = "JobComplete"


def _header_problem(job: Job) -> str | None:
    obj = find_object(str(job["object"]))
    assert obj is not None
    header = [str(h) for h in job.get("_header", [])]
    if job["operation"] in ("delete", "hardDelete") and [h.casefold() for h in header] != ["id"]:
        return "InvalidBatch : The 'delete' batch must contain only ids"
    for column in header:
        relationship, _, field = column.rpartition(".")
        known = obj.relationship(relationship) if relationship else obj.field(field)
        if known is None:
            return f"InvalidBatch : Field name not found : {column}"
    return None


def _process_row(ctx: WriteContext, obj: ObjectSpec, job: Job,
                 cells: list[str]) -> tuple[str | None, bool, str | None]:
    """(record ID, created, None) or (ID if known, False, sf__Error) for one CSV record."""
    header = [str(h) for h in job["_header"]]
    payload = _payload(header, cells)
    operation = str(job["operation"])
    try:
        with ctx.store.savepoint():
            return (*_write(ctx, obj, job, operation, payload), None)
    except RecordError as exc:
        return payload.get("Id"), False, _error_text(exc.code, exc.text, exc.fields)
    except ApiError as exc:
        return payload.get("Id"), False, _error_text(exc.code, exc.text, exc.fields or [])


def _write(ctx: WriteContext, obj: ObjectSpec, job: Job, operation: str,
           payload: dict[str, Any]) -> tuple[str, bool]:
    if operation in ("delete", "hardDelete"):
        return records.delete(ctx, obj, str(payload.get("Id") or "")), False
    record_id = payload.pop("Id", None) if operation != "upsert" else None
    values = parse_fields(obj, payload)
    if operation == "insert":
        return records.create(ctx, obj, values), True
    if operation == "update":
        if not record_id:
            raise RecordError.of("MISSING_ARGUMENT", ["Id"], value="Id")
        return records.update(ctx, obj, str(record_id), values), False
    key = obj.field(str(job["externalIdFieldName"]))
    assert key is not None
    return records.upsert(ctx, obj, key, values)


def _payload(header: list[str], cells: list[str]) -> dict[str, Any]:
    """A JSON-style record from one CSV row: ``Rel.Key`` columns become references, empty
    cells are left out, ``#N/A`` is null."""
    payload: dict[str, Any] = {}
    for column, cell in zip(header, cells, strict=False):
        if cell == "":
            continue
        value = None if cell == NULL_MARK else cell
        relationship, _, field = column.rpartition(".")
        if relationship:
            payload[relationship] = {field: value}
        else:
            payload[column] = value
    return payload


def _error_text(code: str, text: str, fields: list[str]) -> str:
    return f"{code}:{text}:{','.join(fields)} --"


def results(app: Sandbox, req: Request) -> Reply:
    """``successfulResults`` / ``failedResults`` / ``unprocessedrecords`` as CSV."""
    job = load_job(app, req)
    header = [str(h) for h in job.get("_header", [])]
    part = req.args["part"]
    if part == "unprocessedrecords":
        rows = app.jobs.rows(job["id"], "data", int(job["_next"]))
        columns = header
    else:
        kind = "ok" if part == "successfulResults" else "failed"
        rows = app.jobs.rows(job["id"], kind)
        columns = ["sf__Id", "sf__Created" if kind == "ok" else "sf__Error", *header]
    data, size = write_csv(columns, rows, job["columnDelimiter"], job["lineEnding"])
    return Reply(200, file=data, file_size=size, headers={"Content-Type": "text/csv"})
