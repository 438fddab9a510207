"""The sync as a Prefect flow: thin tasks over ``engine.run.SyncRun``, one task per page.

Task names read like the steps of a sync in the UI: check systems and mapping, then
"sync sap page 1", "sync salesforce page 1", ... Each page task returns only its counts.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from connectors.base import Connector, SourceRecord
from connectors.registry import build_connector
from engine.mapping import load_mapping
from engine.report import PageReport, RunReport
from engine.run import SyncRun
from engine.state.store import StateStore
from flows.mappings_dir import mapping_path
from flows.secrets import resolve_secret


@task(name="check systems and mapping", cache_policy=NO_CACHE, persist_result=False)
def prepare(run: SyncRun) -> None:
    run.prepare()


@task(name="sync page", cache_policy=NO_CACHE, persist_result=False)
def sync_page(run: SyncRun, source: str, page: list[SourceRecord]) -> dict[str, Any]:
    result: PageReport = run.process_page(source, page)
    return {"records": result.records, "conflicts": result.conflicts,
            "dead_letters": result.dead_letters}


@flow(name="sync", flow_run_name="sync {name}", log_prints=False)
def sync(name: str) -> dict[str, Any]:
    """Run the sync ``name`` (a file in mappings/) both ways and report counts."""
    logger = get_run_logger()
    loaded = load_mapping(mapping_path(name))
    connectors: dict[str, Connector] = {
        system: build_connector(system, resolve_secret) for system in loaded.mapping.systems}
    store = StateStore()
    store.migrate()
    run = SyncRun(loaded, connectors, store)
    try:
        prepare(run)
        for source in run.directions:
            for number, page in enumerate(run.pages(source), start=1):
                sync_page.with_options(task_run_name=f"sync {source} page {number}")(
                    run, source, page)
                logger.info("%s page %s: %s records", source, number, len(page))
        report = run.finish()
    except BaseException:
        run.finish("failed")
        raise
    finally:
        for connector in connectors.values():
            connector.close()
        store.close()
    _publish(report)
    logger.info("sync %s done: %s", name, _summary(report))
    return report.to_json()


def _publish(report: RunReport) -> None:
    rows = [{"system": system, **{k: v for k, v in vars(counts).items()}}
            for system, counts in report.systems.items()]
    create_table_artifact(key=f"{report.sync}-counts", table=rows,
                          description=f"Counts of run {report.run_id}")
    create_markdown_artifact(key=f"{report.sync}-summary", markdown=_markdown(report),
                             description="What this run changed")


def _summary(report: RunReport) -> str:
    return ", ".join(f"{s}: {c.created} created, {c.updated} updated, {c.failed} failed"
                     for s, c in report.systems.items())


def _markdown(report: RunReport) -> str:
    lines = [f"# Sync `{report.sync}`", "", f"Run `{report.run_id}`: **{report.status}**", ""]
    for system, counts in report.systems.items():
        lines.append(f"- **{system}**: {counts.created} created, {counts.updated} updated, "
                     f"{counts.unchanged} unchanged, {counts.failed} failed "
                     f"({counts.api_calls} API calls)")
    if report.conflicts:
        lines.append(f"- {report.conflicts} field conflicts decided by policy "
                     "(see the audit trail)")
    if report.dead_letters:
        lines.append(f"- {report.dead_letters} records in dead letters need attention")
    return "\n".join(lines)
