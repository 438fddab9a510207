"""The sync as a Prefect flow: ``sync(name, mode)``, one task per page, artifacts at the end.

One flow serves every sync (entities are data: ``name`` picks ``mappings/<name>.yaml``), and
business flows compose it as a subflow (see ``flows/business.py``). Modes:

``incremental``  changes since each side's cursor (the scheduled run);
``full``         every record from the beginning, compared with the state: repairs what an
                 incremental run cannot see, writes only what differs;
``reconcile``    compare both sides' full key and content-hash sets with the state and
                 repair drift (deletes a system forgot, changes that moved no timestamp).

A spent API allowance (``LimitExhausted``, from a connector or a shared budget) ends the run
cleanly at its last checkpoint: the flow run completes as "Stopped at API limit" and the
summary says when to resume.

The run shows in the UI as: a progress artifact that moves as pages finish, then a counts
table, a summary in plain words and a failed-records table (``flows/artifacts.py``). Logs go
through the run logger with ``%s`` arguments, counts at INFO, never record payloads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from prefect import flow, get_run_logger
from prefect.states import Completed
from prefect.utilities.annotations import quote

from connectors.errors import LimitExhausted
from engine.item import Mode
from engine.reconcile import REPAIR
from engine.report import RunReport
from engine.run import Page, SyncRun
from flows.artifacts import RunProgress, failed_by_system, publish_run
from flows.redaction import SECRETS, errors_redacted
from flows.run_logs import setup_run_logging
from flows.session import SyncMode, SyncSession, open_session
from flows.summary import RunFacts
from flows.tasks import check_systems, sync_page


@flow(name="sync", flow_run_name="sync {name} ({mode})", persist_result=False,
      log_prints=False)
def sync(name: str, mode: SyncMode = "incremental") -> Any:
    """Run the sync ``name`` (a file in mappings/) both ways and report its counts."""
    setup_run_logging()
    with errors_redacted(), open_session(name, mode) as session:
        return _run(session, mode)


def _run(session: SyncSession, mode: str) -> Any:
    logger = get_run_logger()
    mapping = session.loaded.mapping
    run = SyncRun(session.loaded, session.connectors, session.store,
                  kind="reconcile" if mode == "reconcile" else "run")
    phases = ([f"reconcile {s}" for s in run.directions] if mode == "reconcile" else
              [f"{s} → {mapping.other(s)}" for s in run.directions])
    progress = RunProgress(mapping.sync, phases)
    logger.info("sync %s (%s): run %s", mapping.sync, mode, run.ctx.run_id)
    try:
        check_systems(run)
        progress.checked()
        _run_phases(run, session, progress, mode)
        report = run.finish()
    except LimitExhausted as exc:  # a clean stop at the last checkpoint (engine's rule)
        report = run.stop_at_limit(exc)
        progress.stopped(report.messages[-1])
        _publish(session, report, mode, logger)
        return Completed(name="Stopped at API limit", message=report.messages[-1],
                         data=_result(report, mode))
    except BaseException as exc:
        report = run.finish("failed")
        progress.stopped(str(exc))
        _publish(session, report, mode, logger, error=SECRETS.redact(str(exc)))
        raise
    progress.finished()
    _publish(session, report, mode, logger)
    logger.info("sync %s done: %s", mapping.sync, _summary_line(report))
    return _result(report, mode)


def _run_phases(run: SyncRun, session: SyncSession, progress: RunProgress, mode: str) -> None:
    if mode == "reconcile":
        for index, system in enumerate(run.directions):
            _reconcile_system(run, session, system, progress, index)
        return
    for index, source in enumerate(run.directions):
        pages = run.pages(source)
        _process(run, session, source, [("sync", pages, None)], progress=progress,
                 index=index)
    for system in run.directions:
        # The system may have forgotten deletes since the cursor (a recycle bin emptied):
        # only a full key comparison sees them.
        if run.needs_key_check(system):
            _reconcile_system(run, session, system)


def _reconcile_system(run: SyncRun, session: SyncSession, system: str,
                      progress: RunProgress | None = None, index: int = 0) -> None:
    """Scan ``system`` fully; repair the records whose content drifted, then the keys it no
    longer has — each page of repairs one task."""
    reconciler = run.reconciler()
    feeds = [("repair changed", reconciler.drift_pages(system), REPAIR),
             ("repair missing", reconciler.missing_pages(system), REPAIR)]
    _process(run, session, system, feeds, progress=progress, index=index)
    run.report.reconciled[system] = vars(reconciler.counts[system]).copy()


def _process(run: SyncRun, session: SyncSession, source: str,
             feeds: Sequence[tuple[str, Iterator[Page], Mode | None]], *,
             progress: RunProgress | None, index: int) -> None:
    """One task per page of each feed; the budget is checked between pages."""
    target = run.ctx.mapping.other(source)
    pages = records = 0
    session.budgets.raise_if_spent()
    for verb, feed, mode in feeds:
        for page in feed:
            pages += 1
            unvisited: Any = quote(page)  # Prefect would walk 500 records looking for futures
            sync_page.with_options(task_run_name=f"{verb} {source} page {pages} to {target}")(
                run, source, unvisited, session.budgets, mode)
            records += len(page)
            if progress is not None:
                progress.page_done(index, pages, records)
            session.budgets.raise_if_spent()
    if progress is not None:
        progress.phase_done(index, pages, records)


def _publish(session: SyncSession, report: RunReport, mode: str, logger: Any,
             error: str | None = None) -> None:
    """Artifacts of the run. A failure to publish is logged, never hides the run's outcome."""
    try:
        store, sync_name = session.store, report.sync
        open_letters = store.dead_letters(sync_name, "open")
        letters = [d for d in open_letters if d["run_id"] == report.run_id]
        conflicts = store.review.conflicts(sync_name, "open")
        facts = RunFacts(report=report, entity=session.loaded.mapping.entity, mode=mode,
                         failed_by_system=failed_by_system(letters),
                         open_conflicts=len(conflicts), open_letters=len(open_letters),
                         error=error)
        publish_run(facts, letters, conflicts)
    except Exception as exc:  # the run's own result matters more than its artifacts
        logger.log(logging.ERROR if error is None else logging.WARNING,
                   "could not publish the run's artifacts: %s", exc)
        if error is None:
            raise


def _summary_line(report: RunReport) -> str:
    return "; ".join(f"{s}: {c.created} created, {c.updated} updated, {c.deleted} deleted, "
                     f"{c.failed} failed" for s, c in report.systems.items())


def _result(report: RunReport, mode: str) -> dict[str, Any]:
    """The run's report (what ``erpsync run --json`` prints), with the mode and the flow run
    id, so a caller can open the run in the UI."""
    from prefect.runtime import flow_run

    return {**report.to_json(), "mode": mode, "flow_run_id": str(flow_run.id or "")}
