"""The sync as a Prefect flow: ``sync(name, mode)``, one task per page, artifacts at the end.

One flow serves every sync (entities are data: ``name`` picks ``mappings/<name>.yaml``), and
business flows compose it as a subflow (see ``flows/business.py``). Modes:

``incremental``  changes since each side's cursor (the scheduled run);
``full``         every record from the beginning, compared with the state: repairs what an
                 incremental run cannot see, writes only what differs;
``reconcile``    compare key and content-hash sets of both sides (needs the engine's
                 reconcile; see ``_reconcile``).

The run shows in the UI as: a progress artifact that moves as pages finish, then a counts
table, a summary in plain words and a failed-records table (``flows/artifacts.py``). Logs go
through the run logger with ``%s`` arguments, counts at INFO, never record payloads.
"""

from __future__ import annotations

import logging
from typing import Any

from prefect import flow, get_run_logger
from prefect.utilities.annotations import quote

from connectors.errors import ConfigError
from engine.report import RunReport
from engine.run import SyncRun
from flows.artifacts import RunProgress, failed_by_system, publish_run
from flows.redaction import SECRETS, errors_redacted
from flows.run_logs import setup_run_logging
from flows.session import SyncMode, SyncSession, open_session
from flows.summary import RunFacts
from flows.tasks import check_systems, sync_page


@flow(name="sync", flow_run_name="sync {name} ({mode})", persist_result=False,
      log_prints=False)
def sync(name: str, mode: SyncMode = "incremental") -> dict[str, Any]:
    """Run the sync ``name`` (a file in mappings/) both ways and report its counts."""
    setup_run_logging()
    with errors_redacted(), open_session(name, mode) as session:
        if mode == "reconcile":
            return _reconcile(session)
        return _run_pages(session, mode)


def _run_pages(session: SyncSession, mode: str) -> dict[str, Any]:
    logger = get_run_logger()
    run = SyncRun(session.loaded, session.connectors, session.store)
    mapping = session.loaded.mapping
    progress = RunProgress(mapping.sync, [(s, mapping.other(s)) for s in run.directions])
    logger.info("sync %s (%s): run %s", mapping.sync, mode, run.ctx.run_id)
    try:
        check_systems(run)
        progress.checked()
        for index, source in enumerate(run.directions):
            _sync_direction(run, session, progress, index, source)
        report = run.finish()
    except BaseException as exc:
        report = run.finish("failed")
        progress.stopped(str(exc))
        _publish(session, report, mode, logger, error=SECRETS.redact(str(exc)))
        raise
    progress.finished()
    _publish(session, report, mode, logger)
    logger.info("sync %s done: %s", mapping.sync, _summary_line(report))
    return _result(report, mode)


def _sync_direction(run: SyncRun, session: SyncSession, progress: RunProgress,
                    index: int, source: str) -> None:
    target = run.ctx.mapping.other(source)
    pages = records = 0
    session.budgets.raise_if_spent()
    for number, page in enumerate(run.pages(source), start=1):
        unvisited: Any = quote(page)  # Prefect would walk 500 records looking for futures
        sync_page.with_options(task_run_name=f"sync {source} page {number} to {target}")(
            run, source, unvisited, session.budgets)
        pages, records = number, records + len(page)
        progress.page_done(index, pages, records)
        session.budgets.raise_if_spent()
    progress.direction_done(index, pages, records)


def _publish(session: SyncSession, report: RunReport, mode: str, logger: Any,
             error: str | None = None) -> None:
    """Artifacts of the run. A failure to publish is logged, never hides the run's outcome."""
    try:
        letters = [d for d in session.store.dead_letters(report.sync)
                   if d["run_id"] == report.run_id]
        facts = RunFacts(report=report, entity=session.loaded.mapping.entity, mode=mode,
                         failed_by_system=failed_by_system(letters), error=error)
        publish_run(facts, letters)
    except Exception as exc:  # the run's own result matters more than its artifacts
        logger.log(logging.ERROR if error is None else logging.WARNING,
                   "could not publish the run's artifacts: %s", exc)
        if error is None:
            raise


def _reconcile(session: SyncSession) -> dict[str, Any]:
    raise ConfigError(f"mode 'reconcile' of sync {session.loaded.mapping.sync!r} needs the "
                      "engine's reconcile, which this build does not have yet; use "
                      "mode 'full' to re-read every record", code="MODE_UNAVAILABLE")


def _summary_line(report: RunReport) -> str:
    return "; ".join(f"{s}: {c.created} created, {c.updated} updated, {c.deleted} deleted, "
                     f"{c.failed} failed" for s, c in report.systems.items())


def _result(report: RunReport, mode: str) -> dict[str, Any]:
    """The run's report (what ``erpsync run --json`` prints), with the mode and the flow run
    id, so a caller can open the run in the UI."""
    from prefect.runtime import flow_run

    return {**report.to_json(), "mode": mode, "flow_run_id": str(flow_run.id or "")}
