"""The ``/jobs/ingest`` and ``/jobs/query`` routes, and the handlers both kinds share
(job info, list, abort, delete).
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_all_jobs.htm
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/delete_job.htm
"""

from __future__ import annotations

from sandbox.salesforce.bulk import ingest, query_jobs
from sandbox.salesforce.bulk.ingest import load_job
from sandbox.salesforce.bulk.jobs import FINAL_STATES, public
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.routing import Reply, Request, Route, route
from sandbox.salesforce.state import Sandbox


def job_info(app: Sandbox, req: Request) -> Reply:
    return Reply(200, public(load_job(app, req, req.args["kind"])))


def all_jobs(app: Sandbox, req: Request) -> Reply:
    jobs = [public(job) for job in app.jobs.listing(req.args["kind"])]
    return Reply(200, {"done": True, "records": jobs, "nextRecordsUrl": None})


def delete_job(app: Sandbox, req: Request) -> Reply:
    job = load_job(app, req, req.args["kind"])
    if job["state"] not in FINAL_STATES | {"UploadComplete"}:
        raise ApiError(400, "INVALIDJOBSTATE", f"InvalidJobState : a job in state "
                       f"{job['state']} cannot be deleted; close or abort it first")
    app.jobs.delete(str(job["id"]))
    return Reply(204, empty=True)


def abort_query(app: Sandbox, req: Request) -> Reply:
    job = load_job(app, req, "query")
    if (req.json() or {}).get("state") != "Aborted" or job["state"] in FINAL_STATES:
        raise ApiError(400, "INVALIDJOBSTATE", f"InvalidJobState : cannot abort a job in state "
                       f"{job['state']}")
    job["state"] = "Aborted"
    app.jobs.save(job)
    return Reply(200, public(job))


_JOB = r"/jobs/(?P<kind>ingest|query)/(?P<job>[0-9A-Za-z]{15,18})"
ROUTES: list[Route] = [
    route("POST", r"/jobs/ingest", ingest.create_job),
    route("POST", r"/jobs/query", query_jobs.create_job),
    route("GET", r"/jobs/(?P<kind>ingest|query)", all_jobs),
    route("GET", _JOB, job_info),
    route("DELETE", _JOB, delete_job),
    route("PATCH", r"/jobs/ingest/(?P<job>[0-9A-Za-z]{15,18})", ingest.change_state),
    route("PATCH", r"/jobs/query/(?P<job>[0-9A-Za-z]{15,18})", abort_query),
    route("PUT", r"/jobs/ingest/(?P<job>[0-9A-Za-z]{15,18})/batches", ingest.upload),
    route("GET", r"/jobs/ingest/(?P<job>[0-9A-Za-z]{15,18})/"
          r"(?P<part>successfulResults|failedResults|unprocessedrecords)", ingest.results),
    route("GET", r"/jobs/query/(?P<job>[0-9A-Za-z]{15,18})/results", query_jobs.results),
]
