"""One page of changes from one system, carried through DESIGN §2 steps 2 to 8.

The page's records are mapped to canonical values, identified through the cross-reference
table (then by the mapping's match rules), stripped of our own writes coming back (echoes)
and of records held for review, merged field by field with their counterparts on the other
system, planned as field-level deltas, written in batches to the other system and — where
the merge changed the source's own values (an owned field restored, a key assigned by the
other side) — back to the source, and finally checkpointed in one transaction.

The steps live in their own modules: ``counterparts`` (identity), ``planning`` (merge and
deltas), ``applying`` (writes, re-merging stale ones), ``recording`` (what the checkpoint
keeps). In a dry run (``Mode.dry_run``) the same steps run, but writes become
``PlannedChange``s and nothing is checkpointed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.base import Cursor, SourceRecord
from connectors.errors import RecordRejected
from engine import applying, lookups, planning, recording
from engine.context import RunContext
from engine.counterparts import find_counterparts
from engine.hashing import content_hash
from engine.item import Item, Mode, PlannedChange, Values
from engine.report import PageReport, SystemCounts
from engine.state.records import PageCommit


class PageProcessor:
    """Processes one page of ``source``'s changes against the other system of the sync."""

    def __init__(self, ctx: RunContext, source: str, mode: Mode | None = None) -> None:
        self.ctx = ctx
        self.source = source
        self.target = ctx.mapping.other(source)
        self.mode = mode or Mode()
        self.commit = PageCommit(sync=ctx.sync, run_id=ctx.run_id)
        self.report = PageReport(systems={s: SystemCounts() for s in ctx.mapping.systems})
        self.snapshots: dict[str, Values] = {}
        self.holding: dict[str, dict[str, Any]] = {}
        self.planned: list[PlannedChange] = []

    def run(self, page: Sequence[SourceRecord]) -> PageReport:
        self.report.records = len(page)
        self.report.systems[self.source].read += len(page)
        items = self._drop_held(self._drop_echoes(self._identify(self._to_canonical(page))))
        find_counterparts(self, items)
        for item in items:
            planning.plan(self, item)
        applying.apply_all(self, items)
        for item in items:
            recording.record(self, item)
        if page and self.mode.move_cursor:
            last = page[-1]
            self.commit.cursor = (self.source, Cursor(last.modified_at, last.key))
        if not self.ctx.dry_run:
            self.ctx.store.checkpoint(self.commit)
        self.report.dead_letters = len(self.commit.dead_letters)
        return self.report

    def fields(self, system: str) -> list[str]:
        """The canonical fields and collections (lines) ``system`` holds in this sync."""
        converter = self.ctx.converter
        return converter.canonical_fields(system) + converter.collections(system)

    # step 2: map to canonical ---------------------------------------------------------------

    def _to_canonical(self, page: Sequence[SourceRecord]) -> list[Item]:
        resolved, rejected = lookups.after_read(self.ctx, self.source, page)
        for record in page:
            if record.key in rejected:
                recording.dead_letter(self, self.source, record.key, "lookup",
                                      rejected[record.key], payload=dict(record.fields),
                                      source_key=record.key)
        items = []
        for record in resolved:
            if record.deleted:
                items.append(Item(record, None))
                continue
            try:
                values = self.ctx.converter.to_canonical(self.source, record.fields)
            except RecordRejected as exc:
                recording.dead_letter(self, self.source, record.key, "map", exc,
                                      payload=dict(record.fields), source_key=record.key)
                continue
            items.append(Item(record, values))
        return items

    # step 3: identity -----------------------------------------------------------------------

    def _identify(self, items: list[Item]) -> list[Item]:
        store, sync = self.ctx.store, self.ctx.sync
        ids = store.ids_for_keys(sync, self.source, [i.record.key for i in items])
        cids = sorted(set(ids.values()))
        xrefs = store.xrefs_for(sync, cids)
        self.holding = store.review.holding(sync, cids) if cids else {}
        for item in items:
            item.cid = ids.get(item.record.key)
            item.known = xrefs.get(item.cid, {}) if item.cid else {}
            item.letter_id = self.mode.letters.get(item.record.key)
            conflict = self.holding.get(item.cid or "")
            if conflict is not None and conflict["status"] == "resolved":
                item.conflict_id, item.decided = int(conflict["id"]), dict(
                    conflict["resolution"] or {})
        self.snapshots = store.snapshots(sync, cids)
        return items

    # step 4: echoes and held records ----------------------------------------------------------

    def _drop_echoes(self, items: list[Item]) -> list[Item]:
        """Our own writes coming back, re-reads within the lookback, deletes already handled
        or of records we never synced: nothing to do, and no API call spent finding that out.
        All count as ``echoes`` of the source."""
        live = []
        for item in items:
            mine = item.known.get(self.source)
            if item.values is None:
                if mine is None or mine.deleted:
                    self.report.systems[self.source].echoes += 1
                    continue
            elif (not self.mode.force and item.decided is None and mine is not None
                  and mine.content_hash == content_hash(item.values)):
                self.report.systems[self.source].echoes += 1
                continue
            if self.ctx.dry_run_seen(self.source, item.record.key):
                continue
            live.append(item)
        return live

    def _drop_held(self, items: list[Item]) -> list[Item]:
        """A record whose conflict waits for a person is not touched; one whose conflict a
        person decided is merged with that decision wherever it comes from (``_identify``)."""
        live = []
        for item in items:
            if item.decided is None and item.cid in self.holding:
                self.report.held += 1
                continue
            live.append(item)
        return live
