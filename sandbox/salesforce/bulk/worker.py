"""The background thread that processes Bulk jobs, as Salesforce's servers do: one chunk of
an ingest job (200 records) or one whole query job per turn, each turn under the sandbox
lock, so API calls interleave with a running job and see its state move on."""

from __future__ import annotations

import threading
import traceback

from sandbox.salesforce.bulk import ingest, query_jobs
from sandbox.salesforce.state import Sandbox

IDLE_WAIT_SECONDS = 0.5


def start_worker(app: Sandbox) -> threading.Thread:
    thread = threading.Thread(target=_run, args=(app,), name="bulk-worker", daemon=True)
    thread.start()
    return thread


def _run(app: Sandbox) -> None:
    while True:
        app.work_ready.wait(IDLE_WAIT_SECONDS)
        if not step(app):
            app.work_ready.clear()


def step(app: Sandbox) -> bool:
    """Process one turn of the oldest waiting job; False when there is nothing to do."""
    with app.lock:
        if app.bulk_paused:
            return False
        found = app.jobs.next_work()
        if found is None:
            return False
        kind, job = found
        try:
            with app.store.savepoint():
                (query_jobs.process if kind == "query" else ingest.process_chunk)(app, job)
        except Exception as exc:  # a sandbox bug: fail the job rather than retry forever
            traceback.print_exc()
            job.update(state="Failed", errorMessage=f"InternalServerError : {exc}")
            app.jobs.save(job)
    return True
