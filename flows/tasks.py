"""The tasks of a sync: thin wrappers over ``engine.run.SyncRun``, one per page.

Names are verbs, so a run's task list in the UI reads like the steps it took:
"check systems and mapping", "sync sap page 1 to salesforce", "sync salesforce page 1 to sap".

Retries: only a *crash* is retried here — an exception outside the error tree (a dropped
database connection, a killed thread). ``SyncError``s are not: the connectors already retried
transient API errors with backoff (one layer of API retries only), and configuration or
record errors do not get better by repeating. A retried page runs again from its start: its
state is checkpointed in one transaction only after the targets confirmed. A crash before the
writes, or after an upsert on an external id (Salesforce), repeats safely; a create in SAP
whose answer was lost after SAP committed it is created again (SAP numbers the partner, so
nothing links the first create to its record) — a known gap, tests/flows/test_task_retries.py.
"""

from __future__ import annotations

from typing import Any

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from connectors.base import SourceRecord
from connectors.errors import SyncError
from engine.item import Mode
from engine.run import SyncRun
from flows.budgets import Budgets
from flows.redaction import errors_redacted

CRASH_RETRIES = 2
CRASH_RETRY_DELAYS: list[float] = [5.0, 30.0]


def retry_only_crashes(_task: Task[Any, Any], _run: TaskRun, state: State[Any]) -> bool:
    """Prefect's ``retry_condition_fn``: True only for exceptions outside the error tree."""
    error = state.data if isinstance(state.data, BaseException) else \
        state.result(raise_on_failure=False)
    return isinstance(error, Exception) and not isinstance(error, SyncError)


@task(name="check systems and mapping", task_run_name="check systems and mapping",
      cache_policy=NO_CACHE, persist_result=False)
def check_systems(run: SyncRun) -> None:
    """Lock the sync, reach both systems, check the mapping against their schemas: a bad
    mapping stops here, before any write. Not retried: a retry would find its own lock."""
    with errors_redacted():
        run.prepare()


@task(name="sync page", cache_policy=NO_CACHE, persist_result=False,
      retries=CRASH_RETRIES, retry_delay_seconds=CRASH_RETRY_DELAYS,
      retry_condition_fn=retry_only_crashes)
def sync_page(run: SyncRun, source: str, page: list[SourceRecord], budgets: Budgets,
              mode: Mode | None = None) -> dict[str, Any]:
    """Carry one page of ``source``'s changes to the other system and checkpoint it (a
    reconcile's repair pages pass the engine's repair ``mode``). Returns only counts: task
    results stay small."""
    logger = get_run_logger()
    with errors_redacted(), budgets.page_slots():
        result = run.process_page(source, page, mode)
    target = run.ctx.mapping.other(source)
    written = result.systems[target]
    logger.info("%s records from %s: %s created, %s updated, %s deleted, %s unchanged, "
                "%s failed in %s", result.records, source, written.created, written.updated,
                written.deleted, written.unchanged, written.failed, target)
    if result.dead_letters:
        logger.warning("%s record(s) of this page went to dead letters (see the failed "
                       "records table)", result.dead_letters)
    return {"records": result.records, "conflicts": result.conflicts,
            "dead_letters": result.dead_letters}
