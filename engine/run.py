"""A sync run: prepare (lock, preflight, schema check), stream pages per direction, finish.

Prefect flows call these steps one by one (a task per page); ``run_sync`` calls them in a
plain loop for scripts and tests. Both go through the same code.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.base import Connector, Cursor, SourceRecord
from connectors.errors import SyncError
from engine.context import RunContext
from engine.mapping.loader import LoadedMapping
from engine.mapping.schema_check import check_against_schemas
from engine.page import PageProcessor
from engine.report import PageReport, RunReport, SystemCounts
from engine.state.store import StateStore

log = logging.getLogger("erpsync.engine")


class SyncLocked(SyncError):
    """Another run of the same sync is writing; two must never write at once."""


@dataclass(frozen=True)
class _Floor:
    """The last record of the previous page: the next read starts there, inclusively, and
    returns it once more, along with nothing earlier."""

    modified_at: datetime
    key: str

    def covers(self, record: SourceRecord) -> bool:
        """True for that last record itself and anything stamped before it."""
        return record.modified_at < self.modified_at or (
            record.modified_at == self.modified_at and record.key == self.key)


class SyncRun:
    """One run of one sync, both directions."""

    def __init__(self, loaded: LoadedMapping, connectors: dict[str, Connector],
                 store: StateStore) -> None:
        self.store = store
        run_id = store.begin_run(loaded.mapping.sync)
        self.ctx = RunContext(loaded=loaded, connectors=connectors, store=store, run_id=run_id)
        self.report = RunReport(sync=loaded.mapping.sync, run_id=run_id,
                                systems={s: SystemCounts() for s in loaded.mapping.systems})
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{run_id[:8]}"
        self._calls_at_start = {s: c.counter.calls for s, c in connectors.items()}
        self._locked = False

    @property
    def directions(self) -> tuple[str, str]:
        """The order of the two directions: the ERP first, so that CRM-side write-backs of
        ERP-assigned keys happen in the same run."""
        return self.ctx.mapping.system_names

    def prepare(self) -> None:
        """Lock, check both systems are reachable, and check the mapping against their schemas
        — all before the first read, so a bad mapping stops before any write."""
        if not self.store.acquire_lock(self.ctx.sync, self.holder):
            raise SyncLocked(f"another run of {self.ctx.sync!r} is in progress",
                             code="SYNC_LOCKED")
        self._locked = True
        for system, connector in self.ctx.connectors.items():
            connector.check()
            self.ctx.schemas[system] = connector.describe(self.ctx.obj(system))
        check_against_schemas(self.ctx.loaded, self.ctx.schemas)

    def pages(self, source: str) -> Iterator[list[SourceRecord]]:
        """Pages of ``source``'s changes since its cursor. Each page is re-read from where the
        last one ended, so records the run itself changes meanwhile are neither skipped nor
        paged twice (they come back later as echoes)."""
        connector = self.ctx.connectors[source]
        since = self.store.cursor(self.ctx.sync, source)
        if since is not None:
            # Once per run: back by the connector's lookback, and without the key, so that
            # every record of that earlier instant is read again (echoes are dropped cheaply).
            since = Cursor(since.modified_at - _lookback(connector), "")
        floor: _Floor | None = None
        size = self.ctx.mapping.page_size
        fields = self.ctx.converter.fields_of(source)
        scope = self.ctx.mapping.systems[source]
        while True:
            records = connector.read_changes(self.ctx.obj(source), since, fields)
            page = _take(records, floor, size, scope.includes)
            if not page:
                return
            yield page
            last = page[-1]
            # The next read starts at (stamp, key) of the last record, inclusively: that one
            # record comes back and is skipped; nothing after it can be missed.
            floor = _Floor(last.modified_at, last.key)
            since = Cursor(last.modified_at, last.key)
            if len(page) < size:
                return

    def process_page(self, source: str, page: list[SourceRecord]) -> PageReport:
        result = PageProcessor(self.ctx, source).run(page)
        self.report.merge_page(result)
        return result

    def finish(self, status: str = "completed") -> RunReport:
        for system, connector in self.ctx.connectors.items():
            self.report.systems[system].api_calls = (
                connector.counter.calls - self._calls_at_start[system])
        self.report.status = status
        self.store.finish_run(self.ctx.run_id, status, self.report.to_json())
        if self._locked:
            self.store.release_lock(self.ctx.sync, self.holder)
            self._locked = False
        return self.report


def run_sync(loaded: LoadedMapping, connectors: dict[str, Connector],
             store: StateStore) -> RunReport:
    """Run one sync to the end without an orchestrator."""
    run = SyncRun(loaded, connectors, store)
    try:
        run.prepare()
        for source in run.directions:
            for page in run.pages(source):
                run.process_page(source, page)
    except BaseException:
        run.finish("failed")
        raise
    return run.finish()


def _lookback(connector: Connector) -> timedelta:
    """How far before the cursor to re-read: a connector whose change stamps can commit out
    of order (Salesforce's SystemModstamp) says so with a ``lookback`` attribute."""
    value = getattr(connector, "lookback", timedelta(0))
    return value if isinstance(value, timedelta) else timedelta(0)


def _take(records: Iterator[SourceRecord], floor: _Floor | None, size: int,
          includes: Callable[[Mapping[str, object]], bool]) -> list[SourceRecord]:
    """The next ``size`` records after ``floor`` that pass the sync's filter. Deleted records
    pass: their fields are gone, and a delete of a record never synced is dropped later."""
    page: list[SourceRecord] = []
    try:
        for record in records:
            if floor is not None and floor.covers(record):
                continue
            if not record.deleted and not includes(record.fields):
                continue
            page.append(record)
            if len(page) == size:
                break
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()
    return page
