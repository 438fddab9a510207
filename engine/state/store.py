"""The sync's memory: cursors, cross-references, snapshots, audit chain, dead letters, runs.

SQLite by default (one file under the working directory), PostgreSQL for several workers; the
URL comes from ``ERPSYNC_STATE_URL``. Each page is committed in one transaction
(``checkpoint``), so a crash leaves either all of a page's state or none of it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from connectors.base import Cursor
from connectors.settings import work_dir
from engine.state import queue
from engine.state import schema as t
from engine.state.audit_chain import GENESIS, row_hash
from engine.state.lease import Holder, LockAttempt, LockInfo, LockLost, lease_seconds
from engine.state.records import AuditEntry, PageCommit, XrefRow

MIGRATIONS = Path(__file__).parent / "migrations"
DECISION_KINDS = ("review", "unlock")  # rows in runs that record a person's decision


def default_state_url() -> str:
    """``ERPSYNC_STATE_URL``, else a SQLite file in the working directory."""
    url = os.environ.get("ERPSYNC_STATE_URL")
    if url:
        return url
    path = work_dir() / "state.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """All reads and writes of sync state go through here."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_state_url()
        self.engine: Engine = create_engine(self.url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.review = queue.ReviewQueue(self.engine)
        self._leases: dict[str, str] = {}  # sync -> holder label of the locks held here

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent)."""
        config = Config(str(MIGRATIONS / "alembic.ini"))
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    # runs and locks -------------------------------------------------------------------------

    def begin_run(self, sync: str, kind: str = "run") -> str:
        """Record a run starting; ``kind`` is run, reconcile, replay, review or unlock."""
        run_id = str(uuid.uuid4())
        with self.engine.begin() as conn:
            conn.execute(insert(t.runs).values(id=run_id, sync=sync, started_at=utcnow(),
                                               status="running", counts={}, kind=kind))
        return run_id

    def finish_run(self, run_id: str, status: str, counts: dict[str, Any], *,
                   resume_at: datetime | None = None, message: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run_id)
                         .values(status=status, counts=counts, finished_at=utcnow(),
                                 resume_at=resume_at, message=message))

    def last_run(self, sync: str) -> dict[str, Any] | None:
        """The newest run of ``sync`` of any kind but a person's decision (review, unlock)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.runs).where(t.runs.c.sync == sync,
                                                    t.runs.c.kind.notin_(DECISION_KINDS))
                               .order_by(t.runs.c.started_at.desc()).limit(1)).first()
        return dict(row._mapping) if row else None

    def lock_holder(self, sync: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.locks).where(t.locks.c.sync == sync)).first()
        return dict(row._mapping) if row else None

    def lock(self, sync: str) -> LockInfo | None:
        """The sync's lock as a lease, or None when nobody holds it."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.locks).where(t.locks.c.sync == sync)).first()
        return LockInfo.from_row(row) if row else None

    def syncs(self) -> list[str]:
        """Every sync this state has run at least once."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(t.runs.c.sync).distinct()).scalars())

    def acquire_lock(self, sync: str, holder: Holder | str,
                     lease: int | None = None) -> LockAttempt:
        """Take the sync's write lock for ``lease`` seconds (``ERPSYNC_LOCK_LEASE_SECONDS``):
        free, or stale (``LockInfo.stale_reason``: its lease ended, or its process on this
        host is gone), it is taken; live, the attempt names who holds it. While held, every
        checkpoint of this store renews it and fails with ``LockLost`` once it is not ours."""
        me = Holder.named(holder) if isinstance(holder, str) else holder
        seconds = lease if lease is not None else lease_seconds()
        for _ in range(3):  # a race lost to another taker: look again
            current = self.lock(sync)
            now = utcnow()
            if current is None:
                if self._insert_lock(sync, me, seconds, now):
                    return self._held_now(sync, me, LockAttempt(True))
                continue
            reason = current.stale_reason(now)
            if reason is None:
                return LockAttempt(False, current=current)
            if self._take_over(current, me, seconds, now):
                return self._held_now(sync, me, LockAttempt(True, taken_over=current,
                                                             reason=reason))
        return LockAttempt(False, current=self.lock(sync))

    def renew_lock(self, sync: str, holder: Holder | str) -> None:
        """Extend the lease by its length from now; ``LockLost`` when it is no longer ours."""
        label = holder if isinstance(holder, str) else holder.label
        with self.engine.begin() as conn:
            _renew(conn, sync, label, utcnow())

    def release_lock(self, sync: str, holder: Holder | str) -> bool:
        """Give the lock up (only if ``holder`` still holds it). True when it was released."""
        label = holder if isinstance(holder, str) else holder.label
        if self._leases.get(sync) == label:
            del self._leases[sync]
        with self.engine.begin() as conn:
            done = conn.execute(delete(t.locks).where(t.locks.c.sync == sync,
                                                      t.locks.c.holder == label))
        return done.rowcount > 0

    def release_lock_by_operator(self, sync: str, holder: str, entry: AuditEntry,
                                 run_id: str) -> bool:
        """``erpsync unlock``: release the lock ``holder`` holds and audit it, in one
        transaction. False when the lock is no longer held by ``holder``."""
        with self.engine.begin() as conn:
            done = conn.execute(delete(t.locks).where(t.locks.c.sync == sync,
                                                      t.locks.c.holder == holder))
            if done.rowcount == 0:
                return False
            _append_audit(conn, PageCommit(sync=sync, run_id=run_id, audit=[entry]), utcnow())
        return True

    def _insert_lock(self, sync: str, me: Holder, seconds: int, now: datetime) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.locks).values(sync=sync, **_lock_values(me, seconds, now)))
        except IntegrityError:
            return False
        return True

    def _take_over(self, stale: LockInfo, me: Holder, seconds: int, now: datetime) -> bool:
        """Replace exactly the stale lock that was read; False when it changed meanwhile (its
        holder renewed it, or another run took it first)."""
        c = t.locks.c
        with self.engine.begin() as conn:
            done = conn.execute(update(t.locks).where(
                c.sync == stale.sync, c.holder == stale.holder, c.renewed_at == stale.renewed_at)
                .values(**_lock_values(me, seconds, now)))
        return done.rowcount == 1

    def _renew_held(self, conn: Connection, sync: str) -> None:
        """Renew the sync's lock if this store holds it (``LockLost`` if no longer)."""
        held = self._leases.get(sync)
        if held is not None:
            _renew(conn, sync, held, utcnow())

    def _held_now(self, sync: str, me: Holder, attempt: LockAttempt) -> LockAttempt:
        self._leases[sync] = me.label
        return attempt

    # reads ------------------------------------------------------------------------------------

    def cursor(self, sync: str, system: str) -> Cursor | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.cursors.c.modified_at, t.cursors.c.key).where(
                t.cursors.c.sync == sync, t.cursors.c.system == system)).first()
        return Cursor(row.modified_at, row.key) if row else None

    def cursors(self, sync: str) -> dict[str, Cursor]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.cursors).where(t.cursors.c.sync == sync))
            return {row.system: Cursor(row.modified_at, row.key) for row in rows}

    def delta_link(self, sync: str, system: str, obj: str) -> str | None:
        """Where ``system``'s delta feed of ``obj`` resumes for ``sync`` (``None``: read all)."""
        c = t.delta_links.c
        with self.engine.connect() as conn:
            link = conn.execute(select(c.link).where(c.sync == sync, c.system == system,
                                                     c.object == obj)).scalar()
        return str(link) if link is not None else None

    def save_delta_link(self, sync: str, system: str, obj: str, link: str) -> None:
        """Keep the link a finished delta read handed out; call it only after every page of
        that read was checkpointed (a crash before it reads the same changes again)."""
        c = t.delta_links.c
        where = (c.sync == sync, c.system == system, c.object == obj)
        with self.engine.begin() as conn:
            done = conn.execute(update(t.delta_links).where(*where)
                                .values(link=link, updated_at=utcnow()))
            if done.rowcount == 0:
                conn.execute(insert(t.delta_links).values(sync=sync, system=system, object=obj,
                                                          link=link, updated_at=utcnow()))

    def mark_creates_sent(self, sync: str, system: str, source_keys: Sequence[str]) -> None:
        """Note, before they are sent, creates in ``system`` whose outcome a crash could hide
        (committed at once: the write may succeed and the run die before its checkpoint)."""
        c = t.pending_creates.c
        keys = sorted(set(source_keys))
        if not keys:
            return
        with self.engine.begin() as conn:
            known = set(conn.execute(select(c.source_key).where(
                c.sync == sync, c.system == system, c.source_key.in_(keys))).scalars())
            now = utcnow()
            rows = [{"sync": sync, "system": system, "source_key": key, "sent_at": now}
                    for key in keys if key not in known]
            if rows:
                conn.execute(insert(t.pending_creates), rows)

    def creates_maybe_done(self, sync: str, system: str,
                           source_keys: Sequence[str]) -> set[str]:
        """Of ``source_keys``, those whose create in ``system`` was sent by a run that never
        checkpointed it: SAP may hold them already."""
        c = t.pending_creates.c
        if not source_keys:
            return set()
        with self.engine.connect() as conn:
            return set(conn.execute(select(c.source_key).where(
                c.sync == sync, c.system == system,
                c.source_key.in_(sorted(set(source_keys))))).scalars())

    def ids_for_keys(self, sync: str, system: str, keys: Sequence[str]) -> dict[str, str]:
        """System key → canonical id, for the keys that have one. One query per 500 keys."""
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(keys, 500):
                rows = conn.execute(select(t.xrefs.c.key, t.xrefs.c.canonical_id).where(
                    t.xrefs.c.sync == sync, t.xrefs.c.system == system,
                    t.xrefs.c.key.in_(chunk)))
                found.update({row.key: row.canonical_id for row in rows})
        return found

    def xrefs_for(self, sync: str, canonical_ids: Sequence[str]) -> dict[str, dict[str, XrefRow]]:
        """Canonical id → system → cross-reference row."""
        result: dict[str, dict[str, XrefRow]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(canonical_ids, 500):
                rows = conn.execute(select(t.xrefs).where(
                    t.xrefs.c.sync == sync, t.xrefs.c.canonical_id.in_(chunk)))
                for row in rows:
                    result.setdefault(row.canonical_id, {})[row.system] = XrefRow(
                        row.canonical_id, row.system, row.key, row.content_hash, bool(row.deleted))
        return result

    def snapshots(self, sync: str, canonical_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        result: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(canonical_ids, 500):
                rows = conn.execute(select(t.records.c.canonical_id, t.records.c.snapshot).where(
                    t.records.c.sync == sync, t.records.c.canonical_id.in_(chunk)))
                result.update({row.canonical_id: dict(row.snapshot) for row in rows})
        return result

    def audit_trail(self, sync: str, key: str | None = None) -> list[dict[str, Any]]:
        """Audit rows of a sync, or of the record that has ``key`` in any system."""
        query = select(t.audit).where(t.audit.c.sync == sync).order_by(t.audit.c.id)
        with self.engine.connect() as conn:
            if key is not None:
                ids = select(t.xrefs.c.canonical_id).where(t.xrefs.c.sync == sync,
                                                           t.xrefs.c.key == key)
                query = query.where(t.audit.c.canonical_id.in_(ids) | (t.audit.c.key == key))
            return [dict(row._mapping) for row in conn.execute(query)]

    def dead_letters(self, sync: str, status: str | None = None) -> list[dict[str, Any]]:
        """Dead letters of ``sync`` (``status``: open or replayed; all when ``None``)."""
        query = select(t.dead_letters).where(t.dead_letters.c.sync == sync)
        if status is not None:
            query = query.where(t.dead_letters.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.dead_letters.c.id))
            return [dict(row._mapping) for row in rows]

    def verify_audit(self) -> list[int]:
        """Ids of audit rows whose chain is broken (empty when intact). Streams the table."""
        broken: list[int] = []
        prev, count = GENESIS, 0
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=1000).execute(
                    select(t.audit).order_by(t.audit.c.id)):
                data = dict(row._mapping)
                if data["prev_hash"] != prev or row_hash(data, prev) != data["hash"]:
                    broken.append(int(data["id"]))
                prev, count = data["hash"], count + 1
            head = conn.execute(select(t.audit_head)).first()
        if head is not None and (head.last_hash != prev or head._mapping["count"] != count):
            broken.append(-1)  # rows removed from the end: the head no longer matches
        return broken

    # a reviewer's decision and reconcile marks -------------------------------------------------

    def resolve_conflict(self, conflict_id: int, resolution: dict[str, str], by: str,
                         entry: AuditEntry, run_id: str) -> bool:
        """Record a reviewer's pick per field and audit it, in one transaction. False when
        the conflict is not open (already decided, or unknown)."""
        with self.engine.begin() as conn:
            row = conn.execute(select(t.conflicts.c.sync).where(
                t.conflicts.c.id == conflict_id, t.conflicts.c.status == "open")).first()
            if row is None:
                return False
            conn.execute(update(t.conflicts).where(t.conflicts.c.id == conflict_id).values(
                status="resolved", resolution=resolution, resolved_at=utcnow(),
                resolved_by=by[:64]))
            _append_audit(conn, PageCommit(sync=row.sync, run_id=run_id, audit=[entry]),
                          utcnow())
        return True

    def mark_seen(self, sync: str, system: str, keys: Sequence[str], run_id: str) -> None:
        """A reconcile run saw these keys in ``system``: they are not deleted there. Renews
        the sync's lock like a checkpoint (a long scan may find nothing to repair)."""
        with self.engine.begin() as conn:
            self._renew_held(conn, sync)
            for chunk in _chunks(keys, 500):
                conn.execute(update(t.xrefs).where(
                    t.xrefs.c.sync == sync, t.xrefs.c.system == system,
                    t.xrefs.c.key.in_(chunk)).values(seen_run=run_id))

    def unseen_pages(self, sync: str, system: str, run_id: str,
                     size: int) -> Iterator[list[XrefRow]]:
        """Live cross-references of ``system`` that reconcile run ``run_id`` did not see:
        records deleted there without the deletion reaching us. Paged by key."""
        after = ""
        while True:
            with self.engine.connect() as conn:
                rows = list(conn.execute(select(t.xrefs).where(
                    t.xrefs.c.sync == sync, t.xrefs.c.system == system,
                    t.xrefs.c.deleted == 0, t.xrefs.c.key > after,
                    (t.xrefs.c.seen_run != run_id) | t.xrefs.c.seen_run.is_(None))
                    .order_by(t.xrefs.c.key).limit(size)))
            if not rows:
                return
            yield [XrefRow(r.canonical_id, r.system, r.key, r.content_hash, False) for r in rows]
            after = rows[-1].key

    # the page checkpoint ----------------------------------------------------------------------

    def checkpoint(self, commit: PageCommit) -> None:
        """Write one page's xrefs, snapshots, audit rows, dead letters, held conflicts and
        cursor atomically. While this store holds the sync's lock, the same transaction
        renews it, and raises ``LockLost`` (writing nothing) when it is no longer ours."""
        with self.engine.begin() as conn:
            now = utcnow()
            self._renew_held(conn, commit.sync)  # first: a lost lock writes nothing of it
            for xref in commit.xrefs:
                _upsert_xref(conn, commit.sync, xref, now)
            for canonical_id, snapshot in commit.snapshots.items():
                _upsert_snapshot(conn, commit.sync, canonical_id, snapshot, now)
            _append_audit(conn, commit, now)
            for letter in commit.dead_letters:
                queue.add_dead_letter(conn, commit, letter, now)
            for hold in commit.holds:
                queue.hold(conn, commit, hold, now)
            queue.mark_applied(conn, commit.applied_conflicts, now)
            queue.mark_replayed(conn, commit.replayed_letters, now)
            if commit.cursor is not None:
                _upsert_cursor(conn, commit.sync, *commit.cursor)
            _settle_creates(conn, commit.sync, commit.settled_creates)


def _settle_creates(conn: Connection, sync: str, settled: Sequence[tuple[str, str]]) -> None:
    c = t.pending_creates.c
    by_system: dict[str, list[str]] = {}
    for system, key in settled:
        by_system.setdefault(system, []).append(key)
    for system, keys in by_system.items():
        conn.execute(delete(t.pending_creates).where(
            c.sync == sync, c.system == system, c.source_key.in_(sorted(set(keys)))))


def _lock_values(me: Holder, seconds: int, now: datetime) -> dict[str, Any]:
    return {"holder": me.label, "host": me.host, "pid": me.pid, "pid_scope": me.scope or None,
            "run_id": me.run_id, "acquired_at": now, "renewed_at": now,
            "lease_seconds": seconds}


def _renew(conn: Connection, sync: str, label: str, now: datetime) -> None:
    """Renew ``label``'s lease on ``sync``; ``LockLost`` naming the new holder if it is not
    ``label``'s any more. The update comes first, so the row stays locked to the end of the
    transaction: a taker waits for it and then finds a fresh lease."""
    done = conn.execute(update(t.locks).where(t.locks.c.sync == sync, t.locks.c.holder == label)
                        .values(renewed_at=now))
    if done.rowcount == 1:
        return
    row = conn.execute(select(t.locks).where(t.locks.c.sync == sync)).first()
    now_held = (f"it is now held by {row.holder} (since "
                f"{row.acquired_at.isoformat(timespec='seconds')})" if row else
                "it was released (erpsync unlock)")
    raise LockLost(f"this run ({label}) lost the lock of {sync!r}: {now_held}; stopped before "
                   "writing anything more (the page in progress is not checkpointed)",
                   code="SYNC_LOCK_LOST")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers (the CLI, status) work while a run writes; busy_timeout waits for a
    writer instead of failing with 'database is locked'."""
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _upsert_xref(conn: Connection, sync: str, xref: XrefRow, now: datetime) -> None:
    values = {"key": xref.key, "content_hash": xref.content_hash,
              "deleted": int(xref.deleted), "updated_at": now}
    result = conn.execute(update(t.xrefs).where(
        t.xrefs.c.sync == sync, t.xrefs.c.canonical_id == xref.canonical_id,
        t.xrefs.c.system == xref.system).values(**values))
    if result.rowcount == 0:
        conn.execute(insert(t.xrefs).values(sync=sync, canonical_id=xref.canonical_id,
                                            system=xref.system, **values))


def _upsert_snapshot(conn: Connection, sync: str, canonical_id: str,
                     snapshot: dict[str, Any], now: datetime) -> None:
    result = conn.execute(update(t.records).where(
        t.records.c.sync == sync, t.records.c.canonical_id == canonical_id)
        .values(snapshot=snapshot, updated_at=now))
    if result.rowcount == 0:
        conn.execute(insert(t.records).values(sync=sync, canonical_id=canonical_id,
                                              snapshot=snapshot, updated_at=now))


def _upsert_cursor(conn: Connection, sync: str, system: str, cursor: Cursor) -> None:
    """Move the cursor forward only: a page of records read by key (a decided conflict) may
    end on an older stamp than the change feed already reached."""
    where = (t.cursors.c.sync == sync, t.cursors.c.system == system)
    current = conn.execute(select(t.cursors.c.modified_at, t.cursors.c.key).where(*where)
                           ).first()
    if current is None:
        conn.execute(insert(t.cursors).values(sync=sync, system=system,
                                              modified_at=cursor.modified_at, key=cursor.key))
    elif (current.modified_at, current.key) < (cursor.modified_at, cursor.key):
        conn.execute(update(t.cursors).where(*where)
                     .values(modified_at=cursor.modified_at, key=cursor.key))


def _append_audit(conn: Connection, commit: PageCommit, now: datetime) -> None:
    """Chain the page's audit rows onto the head; the head row's lock serialises writers."""
    if not commit.audit:
        return
    head = conn.execute(select(t.audit_head).where(t.audit_head.c.id == 1)
                        .with_for_update()).first()
    prev, count = (head.last_hash, int(head._mapping["count"])) if head else (GENESIS, 0)
    for entry in commit.audit:
        row = _audit_row(commit, entry, now)
        row["prev_hash"] = prev
        row["hash"] = prev = row_hash(row, prev)
        conn.execute(insert(t.audit).values(**row))
        count += 1
    if head is None:
        conn.execute(insert(t.audit_head).values(id=1, last_hash=prev, count=count))
    else:
        conn.execute(update(t.audit_head).where(t.audit_head.c.id == 1)
                     .values(last_hash=prev, count=count))


def _audit_row(commit: PageCommit, entry: AuditEntry, now: datetime) -> dict[str, Any]:
    return {
        "at": now, "run_id": commit.run_id, "sync": commit.sync,
        "canonical_id": entry.canonical_id, "system": entry.system, "key": entry.key,
        "operation": entry.operation, "reason": entry.reason, "code": entry.code,
        "fields": [asdict(change) for change in entry.fields],
        "keys": dict(entry.keys) if entry.keys else None,
    }


