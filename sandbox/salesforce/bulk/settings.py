"""The job-info fields ingest and query jobs share, and the CSV settings a job may choose.
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/create_job.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.bulk.csvio import DELIMITERS, LINE_ENDINGS
from sandbox.salesforce.bulk.jobs import JOB_PREFIX, Job
from sandbox.salesforce.clock import format_datetime
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.routing import Request
from sandbox.salesforce.state import Sandbox

JOB_TYPES = {"ingest": "V2Ingest", "query": "V2Query"}


def job_settings(body: dict[str, Any]) -> dict[str, str]:
    """``columnDelimiter``, ``lineEnding`` and ``contentType``, defaulted and checked."""
    settings = {"columnDelimiter": str(body.get("columnDelimiter", "COMMA")),
                "lineEnding": str(body.get("lineEnding", "LF")),
                "contentType": str(body.get("contentType", "CSV"))}
    if settings["columnDelimiter"] not in DELIMITERS:
        raise ApiError(400, "INVALIDJOB", "InvalidJob : Invalid columnDelimiter: "
                       f"{settings['columnDelimiter']}, use one of {sorted(DELIMITERS)}")
    if settings["lineEnding"] not in LINE_ENDINGS:
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : Invalid lineEnding: "
                       f"{settings['lineEnding']}, use LF or CRLF")
    if settings["contentType"] != "CSV":
        raise ApiError(400, "INVALIDJOB", "InvalidJob : contentType must be CSV")
    return settings


def job_document(app: Sandbox, req: Request, kind: str, operation: str, obj: str, *,
                 settings: dict[str, str]) -> Job:
    """A new job's info: ID (750...), owner, dates, API version and CSV settings."""
    assert req.session is not None  # the server authenticates data calls first
    now = format_datetime(app.clock.now())
    return {
        "id": app.jobs.new_id(app.store.next_number(JOB_PREFIX)),
        "operation": operation, "object": obj, "createdById": req.session.user.id,
        "createdDate": now, "systemModstamp": now, "state": "Open",
        "concurrencyMode": "Parallel", "apiVersion": float(req.args.get("version", "62.0")),
        "jobType": JOB_TYPES[kind], **settings,
        "retries": 0, "totalProcessingTime": 0, "apiActiveProcessingTime": 0,
        "apexProcessingTime": 0,
    }
