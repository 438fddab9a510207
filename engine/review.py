"""A reviewer's decision on a held conflict: which system's value each held field takes.

The decision is recorded (and audited) here; it is written to the systems by the next run of
the sync, which reads the record again by key and merges it with the decision (so values that
changed meanwhile are taken as they are then, not as they were when the conflict opened).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.errors import ConfigError
from engine.hashing import value_hash
from engine.state.records import AuditEntry, FieldChange
from engine.state.store import StateStore


def resolve(store: StateStore, conflict_id: int, take: str | None,
            per_field: Mapping[str, str], by: str) -> dict[str, str]:
    """Decide conflict ``conflict_id``: every held field takes ``take``'s value, except those
    named in ``per_field`` (field → system). Returns the resolution; ``ConfigError`` when the
    conflict is unknown or not open, or a field or system is not part of it."""
    row = store.review.conflict(conflict_id)
    if row is None or row["status"] != "open":
        state = "unknown" if row is None else f"already {row['status']}"
        raise ConfigError(f"conflict {conflict_id} is {state}", code="CONFLICT_NOT_OPEN")
    resolution = _resolution(row, take, per_field)
    entry = AuditEntry(
        row["canonical_id"], take or next(iter(resolution.values()), ""), None, "resolve",
        reason=f"conflict {conflict_id} resolved by {by}: " + ", ".join(
            f"{name} from {system}" for name, system in resolution.items()),
        keys=row["keys"], fields=tuple(_change(row, name, system)
                                       for name, system in resolution.items()))
    run_id = store.begin_run(row["sync"], kind="review")
    if not store.resolve_conflict(conflict_id, resolution, by, entry, run_id):
        store.finish_run(run_id, "failed", {})
        raise ConfigError(f"conflict {conflict_id} was decided meanwhile",
                          code="CONFLICT_NOT_OPEN")
    store.finish_run(run_id, "completed", {"resolved": conflict_id})
    return resolution


def _resolution(row: Mapping[str, Any], take: str | None,
                per_field: Mapping[str, str]) -> dict[str, str]:
    systems = sorted(row["keys"])
    held = [f["field"] for f in row["fields"]]
    for name, system in {**per_field, **({"*": take} if take else {})}.items():
        if system not in systems:
            raise ConfigError(f"{system!r} is not a system of this conflict; allowed: "
                              f"{', '.join(systems)}", code="BAD_RESOLUTION")
        if name != "*" and name not in held:
            raise ConfigError(f"field {name!r} is not held by this conflict; held: "
                              f"{', '.join(held) or 'none'}", code="BAD_RESOLUTION")
    resolution = {name: per_field.get(name) or take for name in held}
    undecided = sorted(name for name, system in resolution.items() if system is None)
    if undecided:
        raise ConfigError(f"no decision for {', '.join(undecided)}: give --take SYSTEM or "
                          "--field FIELD=SYSTEM for each", code="BAD_RESOLUTION")
    return {name: str(system) for name, system in resolution.items()}


def _change(row: Mapping[str, Any], name: str, system: str) -> FieldChange:
    values = next(f["values"] for f in row["fields"] if f["field"] == name)
    others = [v for s, v in values.items() if s != system]
    return FieldChange(name, value_hash(others[0] if others else None),
                       value_hash(values.get(system)))
