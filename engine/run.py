"""A sync run: prepare (lock, preflight, schema check), stream pages per direction, finish.

Prefect flows call these steps one by one (a task per page); ``run_sync`` calls them in a
plain loop for scripts and tests. Both go through the same code. The order within a run:

1. ``pages(source)`` for each direction (the ERP first): first the records whose held
   conflict a person decided since the last run, read again by key (the page writes the
   decision), then the change feed since the cursor (or, where the connector keeps a delta
   feed for the object, since the delta link: ``delta_pages.py``);
2. ``needs_key_check(source)`` → ``reconciler().check_keys(source)``: where a system may have
   forgotten deletes since the cursor (Salesforce's recycle bin window), reconcile that
   system's full key set.

A system whose API allowance is spent (``LimitExhausted``) ends the run at its last
checkpoint (``stop_at_limit``); the report and ``erpsync status`` say when to resume.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.base import Connector, Cursor, ObjectSchema, ReportsDeleteWindow, SourceRecord
from connectors.errors import ConfigError, LimitExhausted, SyncError
from engine.capabilities import DeletesRecords, ReadsDelta
from engine.context import RunContext
from engine.delta_pages import delta_pages
from engine.fixed_lookups import resolve_create_lookups
from engine.item import Mode, PlannedChange
from engine.mapping.loader import LoadedMapping
from engine.mapping.schema_check import check_against_schemas, related_objects
from engine.page import PageProcessor
from engine.planning import deletes_policy
from engine.reconcile import Reconciler
from engine.report import PageReport, RunReport, SystemCounts
from engine.state.lease import Holder
from engine.state.store import StateStore, utcnow

log = logging.getLogger("erpsync.engine")
Page = list[SourceRecord]


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
    """One run of one sync, both directions. ``dry_run``: plan only, write nowhere (not even
    the state: no run row, no lock, no cursor)."""

    def __init__(self, loaded: LoadedMapping, connectors: dict[str, Connector],
                 store: StateStore, *, kind: str = "run", dry_run: bool = False) -> None:
        self.store = store
        self.dry_run = dry_run
        run_id = "dry-run" if dry_run else store.begin_run(loaded.mapping.sync, kind)
        self.ctx = RunContext(loaded=loaded, connectors=connectors, store=store, run_id=run_id,
                              dry_run=dry_run)
        self.report = RunReport(sync=loaded.mapping.sync, run_id=run_id,
                                systems={s: SystemCounts() for s in loaded.mapping.systems})
        self.planned: list[PlannedChange] = []
        self.holder = Holder.this_process(run_id)
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
        if not self.dry_run:
            self._lock()
        mapping = self.ctx.mapping
        related: dict[tuple[str, str], ObjectSchema] = {}
        for system, connector in self.ctx.connectors.items():
            connector.check()
            self.ctx.schemas[system] = connector.describe(self.ctx.obj(system))
            related.update({(system, obj): connector.describe(obj)
                            for obj in related_objects(mapping, system)})
        check_against_schemas(self.ctx.loaded, self.ctx.schemas, related)
        for system, connector in self.ctx.connectors.items():
            self.ctx.create_keys[system] = resolve_create_lookups(
                system, connector, mapping.systems[system].create_lookups)
        if deletes_policy(self.ctx.mapping) == "propagate":
            unable = sorted(s for s, c in self.ctx.connectors.items()
                            if mapping.receives_deletes(s) and not isinstance(c, DeletesRecords))
            if unable:
                raise ConfigError(f"deletes: propagate needs connectors that can delete; "
                                  f"{', '.join(unable)} cannot (use deactivate or ignore)",
                                  code="DELETE_UNSUPPORTED")

    def _lock(self) -> None:
        """Take the sync's lock (a lease, ``engine/state/lease.py``), over a stale one if
        need be; ``SyncLocked`` naming the holder and its lease while another run holds it."""
        sync = self.ctx.sync
        attempt = self.store.acquire_lock(sync, self.holder)
        if not attempt:
            held = (attempt.current.describe(utcnow()) if attempt.current else
                    "held by a run that just finished")
            raise SyncLocked(f"another run of {sync!r} is in progress: {held}; if that run is "
                             f"gone, `erpsync unlock {sync}` releases it", code="SYNC_LOCKED")
        if attempt.taken_over is not None:
            log.warning("took over the lock of %s from %s: %s", sync,
                        attempt.taken_over.holder, attempt.reason)
        self._locked = True

    def pages(self, source: str) -> Iterator[Page]:
        """Pages of ``source``'s changes since its cursor. Each page is re-read from where the
        last one ended, so records the run itself changes meanwhile are neither skipped nor
        paged twice (they come back later as echoes)."""
        yield from self._decided_pages(source)
        connector = self.ctx.connectors[source]
        if isinstance(connector, ReadsDelta) and connector.tracks_changes(self.ctx.obj(source)):
            yield from delta_pages(self.ctx, source, connector)
            return
        since = self.store.cursor(self.ctx.sync, source)
        if since is not None:
            # Once per run: back by the connector's lookback, and without the key, so that
            # every record of that earlier instant is read again (echoes are dropped cheaply).
            since = Cursor(since.modified_at - _lookback(connector), "")
        floor: _Floor | None = None
        size = self.ctx.mapping.page_size
        fields = self.ctx.converter.read_fields(source)
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

    def _decided_pages(self, source: str) -> Iterator[Page]:
        """Records whose conflict a reviewer decided, read again by key from the sync's first
        system that knows them; the page finds the decision in the state and applies it."""
        size = self.ctx.mapping.page_size
        for rows in self.store.review.resolved_pages(self.ctx.sync, size):
            mine = {row["keys"][source]: row for row in rows
                    if _first_known(self.directions, row["keys"]) == source}
            page = _by_key(self, source, mine)
            if page:
                yield page

    def letter_pages(self, ids: list[int] | None = None) -> Iterator[tuple[str, Page, Mode]]:
        """Open dead letters, their records read again by key from the system they came
        from: replaying them (after a mapping fix) writes them as any change would be."""
        size = self.ctx.mapping.page_size
        for rows in self.store.review.open_letter_pages(self.ctx.sync, size, ids):
            for source in self.directions:
                mine = {row["source_key"]: row for row in rows
                        if row["source_system"] == source and row["source_key"]}
                page = _by_key(self, source, mine)
                letters = {key: int(row["id"]) for key, row in mine.items()}
                if page:
                    yield source, page, Mode(force=True, move_cursor=False, letters=letters)

    def needs_key_check(self, source: str) -> bool:
        """True when ``source`` may have forgotten deletes since its cursor (its connector
        says so through ``ReportsDeleteWindow``): then only a full key reconcile sees them."""
        connector = self.ctx.connectors[source]
        since = self.store.cursor(self.ctx.sync, source)
        if since is None or not isinstance(connector, ReportsDeleteWindow):
            return False
        return not connector.deletes_complete_since(self.ctx.obj(source), since.modified_at)

    def reconciler(self) -> Reconciler:
        return Reconciler(self)

    def process_page(self, source: str, page: Page, mode: Mode | None = None) -> PageReport:
        if self._locked:  # before any write: a run whose lock was taken over stops here
            self.store.renew_lock(self.ctx.sync, self.holder)
        processor = PageProcessor(self.ctx, source, mode)
        result = processor.run(page)
        self.planned.extend(processor.planned)
        self.report.merge_page(result)
        return result

    def stop_at_limit(self, exc: LimitExhausted) -> RunReport:
        """End the run cleanly: every page before this one is checkpointed, this one is not
        (the next run reads it again). The report says when the system expects calls again."""
        self.report.resume_at = exc.resume_at
        when = exc.resume_at.isoformat() if exc.resume_at else "when the allowance renews"
        self.report.messages.append(f"{exc.system or 'a system'}'s API allowance is spent "
                                    f"({exc.code or 'limit'}); stopped at the last checkpoint; "
                                    f"resume at {when}")
        log.warning("%s", self.report.messages[-1])
        return self.finish("limit_exhausted")

    def finish(self, status: str = "completed") -> RunReport:
        for system, connector in self.ctx.connectors.items():
            self.report.systems[system].api_calls = (
                connector.counter.calls - self._calls_at_start[system])
        self.report.status = status
        if not self.dry_run:
            self.store.finish_run(self.ctx.run_id, status, self.report.to_json(),
                                  resume_at=self.report.resume_at,
                                  message="; ".join(self.report.messages) or None)
        if self._locked:
            self.store.release_lock(self.ctx.sync, self.holder)
            self._locked = False
        return self.report


@dataclass(frozen=True)
class Plan:
    """What a run would do: its counts, and every planned change (``erpsync plan``)."""

    report: RunReport
    changes: list[PlannedChange]


def run_sync(loaded: LoadedMapping, connectors: dict[str, Connector],
             store: StateStore) -> RunReport:
    """Run one sync to the end without an orchestrator."""
    return _complete(SyncRun(loaded, connectors, store), _both_directions)


def plan_sync(loaded: LoadedMapping, connectors: dict[str, Connector],
              store: StateStore) -> Plan:
    """The same run as a dry run: reads both systems and the state, writes nowhere."""
    run = SyncRun(loaded, connectors, store, dry_run=True)
    return Plan(_complete(run, _both_directions), run.planned)


def reconcile_sync(loaded: LoadedMapping, connectors: dict[str, Connector],
                   store: StateStore) -> RunReport:
    """Compare both systems' full key and content-hash sets with the state and repair drift;
    the report's ``reconciled`` holds scanned / drifted / missing per system."""
    def reconcile(run: SyncRun) -> None:
        reconciler = run.reconciler()
        for source in run.directions:
            reconciler.check_keys(source)

    return _complete(SyncRun(loaded, connectors, store, kind="reconcile"), reconcile)


def replay_letters(loaded: LoadedMapping, connectors: dict[str, Connector],
                   store: StateStore, ids: list[int] | None = None) -> RunReport:
    """Process open dead letters again (all, or ``ids``): their records are read again from
    the system they came from; those that now pass are written and marked replayed, those
    that fail again count one more attempt."""
    def replay(run: SyncRun) -> None:
        for source, page, mode in run.letter_pages(ids):
            run.process_page(source, page, mode)

    return _complete(SyncRun(loaded, connectors, store, kind="replay"), replay)


def _both_directions(run: SyncRun) -> None:
    for source in run.directions:
        for page in run.pages(source):
            run.process_page(source, page)
    for source in run.directions:
        if not run.dry_run and run.needs_key_check(source):
            run.reconciler().check_keys(source)


def _complete(run: SyncRun, body: Callable[[SyncRun], None]) -> RunReport:
    """Prepare, do ``body``, finish. A spent API allowance ends the run cleanly at its last
    checkpoint; anything else marks it failed and goes on up."""
    try:
        run.prepare()
        body(run)
    except LimitExhausted as exc:
        return run.stop_at_limit(exc)
    except BaseException:
        run.finish("failed")
        raise
    return run.finish()


def _first_known(systems: tuple[str, str], keys: Mapping[str, str]) -> str | None:
    return next((s for s in systems if s in keys), None)


def _by_key(run: SyncRun, source: str, wanted: Mapping[str, object]) -> Page:
    if not wanted:
        return []
    key_field = run.ctx.key_field(source)
    records = read_by_system(run, source, key_field, list(wanted))
    return [r for r in records if r.key in wanted or r.key.lstrip("0") in
            {k.lstrip("0") for k in wanted}]


def read_by_system(run: SyncRun, system: str, field_name: str, values: list[str]) -> Page:
    connector = run.ctx.connectors[system]
    fields = run.ctx.converter.read_fields(system)
    return list(connector.read_by(run.ctx.obj(system), field_name, values, fields))


def _lookback(connector: Connector) -> timedelta:
    """How far before the cursor to re-read: a connector whose change stamps can commit out
    of order (Salesforce's SystemModstamp) says so with a ``lookback`` attribute."""
    value = getattr(connector, "lookback", timedelta(0))
    return value if isinstance(value, timedelta) else timedelta(0)


def _take(records: Iterator[SourceRecord], floor: _Floor | None, size: int,
          includes: Callable[[Mapping[str, object]], bool]) -> Page:
    """The next ``size`` records after ``floor`` that pass the sync's filter. Deleted records
    pass: their fields are gone, and a delete of a record never synced is dropped later."""
    page: Page = []
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
