"""One source record on its way through a page, and the way a page is being processed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.base import SourceRecord, TargetRecord
from engine.merge import Decision, Held
from engine.state.records import XrefRow

Values = dict[str, Any]


@dataclass
class Item:
    """One source record on its way through the page."""

    record: SourceRecord
    values: Values | None  # canonical values; None when the record was deleted
    cid: str | None = None
    known: dict[str, XrefRow] = field(default_factory=dict)
    counterpart: SourceRecord | None = None
    counterpart_values: Values | None = None
    merged: Values | None = None
    decisions: list[Decision] = field(default_factory=list)
    keep: dict[str, set[str]] = field(default_factory=dict)
    held: list[Held] = field(default_factory=list)
    withheld: dict[str, dict[str, list[Any]]] = field(default_factory=dict)  # lines kept
    # out of writes: system → collection → lines it removed itself (deletes: ignore)
    hold_reason: str = ""
    decided: dict[str, str] | None = None  # a reviewer's pick per field
    conflict_id: int | None = None  # the resolved conflict this item applies
    letter_id: int | None = None  # the dead letter this item replays
    target_write: TargetRecord | None = None
    source_write: TargetRecord | None = None
    delete_target: bool = False  # deletes: propagate
    operation: str = "none"
    failed: bool = False
    stale_source: bool = False  # the source changed after we read it: no write-back now
    target_key: str | None = None  # the key the target assigned when we created the record

    @property
    def is_held(self) -> bool:
        return bool(self.held) or bool(self.hold_reason)


@dataclass(frozen=True)
class Mode:
    """How a page is processed.

    ``force``: keep records whose content equals what we last synced. ``move_cursor``:
    advance the source's cursor at the checkpoint (only for change feeds; it never moves
    back). ``letters``: source key → the dead letter it replays.
    """

    force: bool = False
    move_cursor: bool = True
    letters: dict[str, int] = field(default_factory=dict)  # source key → dead letter id


@dataclass(frozen=True)
class FieldDelta:
    """One field a write changes, in the target system's own names and values."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class PlannedChange:
    """What a write would do (``erpsync plan``): or the conflict that holds a record."""

    system: str
    operation: str  # create | update | deactivate | delete | held | conflict
    key: str | None
    counterpart: str | None
    fields: tuple[FieldDelta, ...]
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"system": self.system, "operation": self.operation, "key": self.key,
                "counterpart": self.counterpart, "reason": self.reason,
                "fields": [{"field": f.field, "before": f.before, "after": f.after}
                           for f in self.fields]}
