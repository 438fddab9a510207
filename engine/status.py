"""Where each sync stands, from the state alone (no system is called): ``erpsync status``."""

from __future__ import annotations

from typing import Any

from engine.state.lease import LockInfo
from engine.state.store import StateStore, utcnow


def sync_status(store: StateStore, sync: str) -> dict[str, Any]:
    """Last run (kind, status, times, counts, when to resume after a spent API limit),
    cursors per system, open and decided-but-unwritten conflicts, open dead letters, and
    who holds the sync's lock."""
    run = store.last_run(sync)
    lock = store.lock(sync)
    return {
        "sync": sync,
        "last_run": None if run is None else {
            "id": run["id"], "kind": run["kind"], "status": run["status"],
            "started_at": _iso(run["started_at"]), "finished_at": _iso(run["finished_at"]),
            "resume_at": _iso(run["resume_at"]), "message": run["message"],
            "counts": _counts(run["counts"]),
        },
        "cursors": {system: {"modified_at": _iso(cursor.modified_at), "key": cursor.key}
                    for system, cursor in store.cursors(sync).items()},
        **store.review.counts(sync),
        "locked_by": None if lock is None else lock_json(lock),
    }


def lock_json(lock: LockInfo) -> dict[str, Any]:
    """The holder of a sync's lock and its lease; ``stale`` says why the next run would take
    it over (None while it is live)."""
    return {"holder": lock.holder, "host": lock.host, "pid": lock.pid, "run_id": lock.run_id,
            "since": _iso(lock.acquired_at), "renewed_at": _iso(lock.renewed_at),
            "lease_seconds": lock.lease_seconds, "lease_ends": _iso(lock.expires_at),
            "holder_alive": lock.holder_alive(), "stale": lock.stale_reason(utcnow())}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _counts(counts: dict[str, Any]) -> dict[str, Any]:
    """The per-system counts of the run report, without the report's own bookkeeping."""
    return {k: v for k, v in counts.items() if k not in ("sync", "run_id", "status",
                                                         "messages", "resume_at")}
