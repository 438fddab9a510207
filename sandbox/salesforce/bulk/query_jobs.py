"""Bulk API 2.0 query jobs: a SOQL query run asynchronously, its rows fetched as CSV pages.

A job is created ``UploadComplete``, becomes ``InProgress`` and then ``JobComplete`` with
``numberRecordsProcessed``. ``GET .../results?maxRecords=N&locator=L`` answers up to N rows
(50 000 by default) with ``Sforce-NumberOfRecords`` and ``Sforce-Locator`` (the next page's
locator, or ``null`` after the last one); a locator stays valid as long as the job exists.
Parent fields come as ``Account.Name`` columns; nulls are empty, booleans ``true``/``false``.
COUNT(), OFFSET, parent-to-child subqueries and compound fields (``BillingAddress``) are not
supported by Bulk queries and are refused when the job is created.
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm
"""

from __future__ import annotations

import base64
import binascii

from sandbox.salesforce.bulk.csvio import write_csv
from sandbox.salesforce.bulk.ingest import load_job
from sandbox.salesforce.bulk.jobs import Job, public
from sandbox.salesforce.bulk.settings import job_document, job_settings
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.execute import matching_ids
from sandbox.salesforce.paths import attach_parents
from sandbox.salesforce.query import BoundQuery, compile_query
from sandbox.salesforce.routing import Reply, Request
from sandbox.salesforce.schema import Json
from sandbox.salesforce.state import Sandbox

KIND = "query"
DEFAULT_PAGE = 50_000
_WRITE_CHUNK = 2000


def create_job(app: Sandbox, req: Request) -> Reply:
    body = req.json()
    if not isinstance(body, dict) or body.get("operation") not in ("query", "queryAll"):
        raise ApiError(400, "INVALIDJOB", "InvalidJob : operation must be query or queryAll")
    bound = _compiled(str(body.get("query") or ""), app)
    job = job_document(app, req, KIND, str(body["operation"]), bound.obj.name,
                       settings=job_settings(body))
    job.update(state="UploadComplete", numberRecordsProcessed=0, _query=body["query"])
    app.jobs.insert(KIND, job)
    app.work_ready.set()
    return Reply(200, public(job))


def _compiled(text: str, app: Sandbox) -> BoundQuery:
    if not text:
        raise ApiError(400, "INVALIDJOB", "InvalidJob : query is required")
    bound = compile_query(text, app.clock.now())
    if bound.count_only or bound.offset:
        raise ApiError(400, "INVALIDJOB", "InvalidJob : Bulk API 2.0 query jobs do not support "
                       "COUNT() or OFFSET")
    if bound.children:
        raise ApiError(400, "INVALIDJOB", "InvalidJob : Bulk API 2.0 query jobs do not support "
                       "parent-to-child relationship queries")
    compound = [path.name for path in bound.fields if path.spec.is_compound]
    if compound:
        raise ApiError(400, "INVALIDJOB", "InvalidJob : Selecting compound data not supported "
                       f"in Bulk Query: {', '.join(compound)} (query its parts instead)")
    return bound


def process(app: Sandbox, job: Job) -> None:
    """Run the query and store its result rows; the whole job in one worker step."""
    bound = compile_query(str(job["_query"]), app.clock.now())
    record_ids = matching_ids(app.store, bound, include_deleted=job["operation"] == "queryAll")
    tree = bound.select_tree
    for start in range(0, len(record_ids), _WRITE_CHUNK):
        chunk = record_ids[start : start + _WRITE_CHUNK]
        found = app.store.rows_by_id(bound.obj.name, chunk)
        rows = [found[i] for i in chunk if i in found]
        if tree:
            attach_parents(app.store, rows, tree)
        cells = ([_cell(path.value(row)) for path in bound.fields] for row in rows)
        app.jobs.add_rows(job["id"], "result", start, cells)
    job.update(state="JobComplete", numberRecordsProcessed=len(record_ids),
               _header=[path.name for path in bound.fields])
    app.jobs.save(job)


def _cell(value: Json) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.endswith("+0000") and "T" in text:  # datetimes: 2026-10-01T08:00:00.000Z
        return text[:-5] + "Z"
    return text


def results(app: Sandbox, req: Request) -> Reply:
    job = load_job(app, req, KIND)
    if job["state"] != "JobComplete":
        raise ApiError(400, "INVALIDJOBSTATE",
                       f"InvalidJobState : the job is {job['state']}, not JobComplete")
    start = _position(req.params.get("locator", ""))
    page = _page_size(req.params.get("maxRecords"))
    total = int(job["numberRecordsProcessed"])
    rows = app.jobs.rows(job["id"], "result", start, page)
    data, size = write_csv([str(h) for h in job["_header"]], rows, job["columnDelimiter"],
                           job["lineEnding"])
    following = start + page
    headers = {"Content-Type": "text/csv",
               "Sforce-NumberOfRecords": str(max(0, min(page, total - start))),
               "Sforce-Locator": _locator(following) if following < total else "null"}
    return Reply(200, file=data, file_size=size, headers=headers)


def _locator(position: int) -> str:
    """Opaque to clients; real ones look the same (base64 of a row number)."""
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def _position(locator: str) -> int:
    if not locator:
        return 0
    try:
        return int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except (binascii.Error, ValueError):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", f"invalid locator: {locator}") from None


def _page_size(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_PAGE
    if not raw.isdigit() or int(raw) < 1:
        raise ApiError(400, "INVALID_MAX_RECORDS", "maxRecords must be a positive integer")
    return int(raw)
