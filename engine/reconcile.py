"""Reconcile: compare what each system holds with what the sync last agreed, and repair.

Change feeds miss three kinds of drift: deletes a system forgot before we read them
(Salesforce empties its recycle bin after 15 days), changes that move no timestamp (a formula
field, a mass update that bypasses it) and edits made while the sync was switched off beyond
the cursor's reach. A reconcile reads every record of each system, page by page (never the
whole set in memory), and compares key and content hash with the cross-reference table:

- a record whose hash differs from the one we last synced (or that we never synced) is
  processed like a change;
- a record the system reports deleted while we hold it live is processed like a delete;
- a key we hold that the full read did not return is a delete the feed missed: after the
  scan, those keys are found in the state (marked ``seen_run`` by the scan) page by page and
  processed as deletes, under the mapping's delete policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from connectors.base import SourceRecord
from connectors.errors import RecordRejected
from engine import lookups
from engine.hashing import content_hash
from engine.item import Mode

if TYPE_CHECKING:
    from engine.run import Page, SyncRun

REPAIR = Mode(move_cursor=False)


@dataclass
class ReconcileCounts:
    scanned: int = 0
    drifted: int = 0
    missing: int = 0


class Reconciler:
    """Full key + content-hash comparison of one system at a time, in pages."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.ctx = run.ctx
        self.counts = {system: ReconcileCounts() for system in run.directions}

    def check_keys(self, system: str) -> ReconcileCounts:
        """Scan ``system`` and repair what drifted, then process the keys it no longer has."""
        for page in self.pages(system):
            self.run.process_page(system, page, REPAIR)
        return self.counts[system]

    def pages(self, system: str) -> Iterator[Page]:
        """The pages to repair, drifted records first, then the keys gone from ``system``;
        an orchestrator processes each with ``run.process_page(system, page, REPAIR)`` (one
        task per page). The run's report gets the counts when the last page was taken."""
        yield from self.drift_pages(system)
        yield from self.missing_pages(system)
        self.run.report.reconciled[system] = vars(self.counts[system]).copy()

    def drift_pages(self, system: str) -> Iterator[Page]:
        """Pages of ``system``'s records that differ from what we last synced."""
        connector = self.ctx.connectors[system]
        fields = self.ctx.converter.read_fields(system)
        size = self.ctx.mapping.page_size
        records = connector.read_changes(self.ctx.obj(system), None, fields)
        chunk: list[SourceRecord] = []
        for record in records:
            chunk.append(record)
            if len(chunk) == size:
                if drifted := self._drifted(system, chunk):
                    yield drifted
                chunk = []
        if chunk and (drifted := self._drifted(system, chunk)):
            yield drifted

    def missing_pages(self, system: str) -> Iterator[Page]:
        """Keys we hold live for ``system`` that the scan did not see, as delete records."""
        obj, now = self.ctx.obj(system), datetime.now(UTC)
        for rows in self.ctx.store.unseen_pages(self.ctx.sync, system, self.ctx.run_id,
                                                self.ctx.mapping.page_size):
            self.counts[system].missing += len(rows)
            yield [SourceRecord(system, obj, row.key, {}, now, deleted=True) for row in rows]

    def _drifted(self, system: str, chunk: list[SourceRecord]) -> Page:
        store, sync = self.ctx.store, self.ctx.sync
        keys = [r.key for r in chunk]
        store.mark_seen(sync, system, keys, self.ctx.run_id)
        self.counts[system].scanned += len(chunk)
        ids = store.ids_for_keys(sync, system, keys)
        xrefs = store.xrefs_for(sync, sorted(set(ids.values())))
        includes = self.ctx.mapping.systems[system].includes
        resolved, unreadable = lookups.after_read(self.ctx, system, chunk)
        drifted = [r for r in chunk if r.key in unreadable]  # processing dead-letters them
        for record in resolved:
            known = xrefs.get(ids.get(record.key, ""), {}).get(system)
            if record.deleted:
                if known is not None and not known.deleted:
                    drifted.append(record)
            elif includes(record.fields) and (known is None or self._hash(system, record)
                                              != known.content_hash):
                drifted.append(record)
        self.counts[system].drifted += len(drifted)
        return drifted

    def _hash(self, system: str, record: SourceRecord) -> str | None:
        try:
            return content_hash(self.ctx.converter.to_canonical(system, record.fields))
        except RecordRejected:
            return None  # not comparable: processing it dead-letters it with the reason
