"""Where each sync stands, from the state alone (no system is called): ``erpsync status``."""

from __future__ import annotations

from typing import Any

from engine.state.store import StateStore


def sync_status(store: StateStore, sync: str) -> dict[str, Any]:
    """Last run (kind, status, times, counts, when to resume after a spent API limit),
    cursors per system, open and decided-but-unwritten conflicts, open dead letters, and
    who holds the sync's lock."""
    run = store.last_run(sync)
    lock = store.lock_holder(sync)
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
        "locked_by": None if lock is None else {"holder": lock["holder"],
                                                "since": _iso(lock["acquired_at"])},
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _counts(counts: dict[str, Any]) -> dict[str, Any]:
    """The per-system counts of the run report, without the report's own bookkeeping."""
    return {k: v for k, v in counts.items() if k not in ("sync", "run_id", "status",
                                                         "messages", "resume_at")}
