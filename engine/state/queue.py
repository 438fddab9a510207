"""What waits for a person: conflicts held for manual review, and dead letters to replay.

Writes that belong to a page happen inside that page's checkpoint transaction (the functions
taking a ``Connection``); reads and a reviewer's decisions go through ``ReviewQueue``.

A record stays held while it has a conflict that is ``open`` (nobody decided yet) or
``resolved`` (decided, not yet written to the systems); it becomes ``applied`` in the
checkpoint of the page that wrote the decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from engine.state import schema as t
from engine.state.records import ConflictHold, DeadLetter, PageCommit

HOLDING = ("open", "resolved")


def add_dead_letter(conn: Connection, commit: PageCommit, letter: DeadLetter,
                    now: datetime) -> None:
    """A record that failed again while its earlier dead letter is still open counts one more
    attempt on that letter instead of adding a second one."""
    existing = None
    if letter.source_system and letter.source_key:
        existing = conn.execute(select(t.dead_letters.c.id, t.dead_letters.c.attempts).where(
            t.dead_letters.c.sync == commit.sync, t.dead_letters.c.status == "open",
            t.dead_letters.c.source_system == letter.source_system,
            t.dead_letters.c.source_key == letter.source_key)).first()
    values = {**asdict(letter), "at": now, "run_id": commit.run_id}
    if existing is None:
        conn.execute(insert(t.dead_letters).values(sync=commit.sync, status="open", **values))
        return
    values["attempts"] = int(existing.attempts) + letter.attempts
    conn.execute(update(t.dead_letters).where(t.dead_letters.c.id == existing.id)
                 .values(**values))


def hold(conn: Connection, commit: PageCommit, held: ConflictHold, now: datetime) -> None:
    """Open a conflict for the record, or refresh the values of the one already open."""
    fields = [asdict(f) for f in held.fields]
    existing = conn.execute(select(t.conflicts.c.id).where(
        t.conflicts.c.sync == commit.sync, t.conflicts.c.canonical_id == held.canonical_id,
        t.conflicts.c.status == "open")).first()
    if existing is not None:
        conn.execute(update(t.conflicts).where(t.conflicts.c.id == existing.id).values(
            fields=fields, keys=held.keys, reason=held.reason))
        return
    conn.execute(insert(t.conflicts).values(
        sync=commit.sync, canonical_id=held.canonical_id, keys=held.keys, fields=fields,
        reason=held.reason, status="open", opened_at=now, opened_run_id=commit.run_id))


def mark_applied(conn: Connection, ids: Sequence[int], now: datetime) -> None:
    if ids:
        conn.execute(update(t.conflicts).where(t.conflicts.c.id.in_(ids))
                     .values(status="applied", applied_at=now))


def mark_replayed(conn: Connection, ids: Sequence[int], now: datetime) -> None:
    if ids:
        conn.execute(update(t.dead_letters).where(t.dead_letters.c.id.in_(ids))
                     .values(status="replayed", resolved_at=now))


class ReviewQueue:
    """Reads of the review queue, and a reviewer's decisions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def holding(self, sync: str, canonical_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Canonical id → its open or resolved conflict, for the ids that have one."""
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(canonical_ids), 500):
                rows = conn.execute(select(t.conflicts).where(
                    t.conflicts.c.sync == sync, t.conflicts.c.status.in_(HOLDING),
                    t.conflicts.c.canonical_id.in_(canonical_ids[start:start + 500])))
                found.update({row.canonical_id: dict(row._mapping) for row in rows})
        return found

    def conflicts(self, sync: str, status: str | None = None) -> list[dict[str, Any]]:
        query = select(t.conflicts).where(t.conflicts.c.sync == sync)
        if status is not None:
            query = query.where(t.conflicts.c.status == status)
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query.order_by(t.conflicts.c.id))]

    def conflict(self, conflict_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.conflicts).where(t.conflicts.c.id == conflict_id)).first()
        return dict(row._mapping) if row else None

    def resolved_pages(self, sync: str, size: int) -> Iterator[list[dict[str, Any]]]:
        """Decided conflicts not yet written, ``size`` at a time, oldest first."""
        after = 0
        while True:
            with self.engine.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(
                    select(t.conflicts).where(t.conflicts.c.sync == sync,
                                              t.conflicts.c.status == "resolved",
                                              t.conflicts.c.id > after)
                    .order_by(t.conflicts.c.id).limit(size))]
            if not rows:
                return
            yield rows
            after = rows[-1]["id"]

    def open_letter_pages(self, sync: str, size: int,
                          ids: Sequence[int] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Open dead letters (only ``ids`` when given), ``size`` at a time."""
        after = 0
        while True:
            query = select(t.dead_letters).where(t.dead_letters.c.sync == sync,
                                                 t.dead_letters.c.status == "open",
                                                 t.dead_letters.c.id > after)
            if ids is not None:
                query = query.where(t.dead_letters.c.id.in_(ids))
            with self.engine.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(
                    query.order_by(t.dead_letters.c.id).limit(size))]
            if not rows:
                return
            yield rows
            after = rows[-1]["id"]

    def counts(self, sync: str) -> Mapping[str, int]:
        """Open conflicts, conflicts decided but not yet written, and open dead letters."""
        with self.engine.connect() as conn:
            by_status = {row.status: int(row.n) for row in conn.execute(
                select(t.conflicts.c.status, func.count().label("n"))
                .where(t.conflicts.c.sync == sync).group_by(t.conflicts.c.status))}
            letters = conn.execute(select(func.count()).select_from(t.dead_letters).where(
                t.dead_letters.c.sync == sync, t.dead_letters.c.status == "open")).scalar_one()
        return {"open_conflicts": int(by_status.get("open", 0)),
                "resolved_conflicts": int(by_status.get("resolved", 0)),
                "dead_letters": int(letters)}
