"""Field-level three-way merge of one record seen on two systems (DESIGN §2 step 5).

For each canonical field, compared with the last state both sides agreed on (the snapshot):
- a field with an ``owner`` takes the owner's value, always: an edit on the other side is
  restored (and audited as such);
- a field changed on one side only takes that side's value;
- a field changed differently on both sides is a conflict, decided by the sync's policy:
  the newest change wins unless the two are closer than the clock-skew tolerance, in which
  case (and always with ``policy: prefer``) the tie-breaker system wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.mapping.model import SyncMapping

Values = Mapping[str, Any]


@dataclass(frozen=True)
class Side:
    """One system's current view of the record, in canonical values."""

    system: str
    values: Values
    modified_at: datetime


@dataclass(frozen=True)
class Decision:
    """Why a field got the value it got, when that is worth an audit entry."""

    field: str
    winner: str
    kind: str  # "owner_restored" | "conflict"
    reason: str


@dataclass
class MergeResult:
    values: dict[str, Any]
    decisions: list[Decision] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Decision]:
        return [d for d in self.decisions if d.kind == "conflict"]


def merge(mapping: SyncMapping, a: Side, b: Side, base: Values | None) -> MergeResult:
    """Merge ``a`` and ``b`` (both existing) into the values both should hold."""
    result = MergeResult(values={})
    for name, rule in mapping.fields.items():
        in_a, in_b = name in a.values, name in b.values
        if not (in_a and in_b):
            result.values[name] = a.values.get(name) if in_a else b.values.get(name)
            continue
        va, vb = a.values[name], b.values[name]
        if rule.owner is not None:
            owner, other = (a, b) if rule.owner == a.system else (b, a)
            result.values[name] = owner.values[name]
            if va != vb and (base is None or other.values[name] != base.get(name)):
                result.decisions.append(Decision(
                    name, owner.system, "owner_restored",
                    f"{name} is owned by {owner.system}; the change in {other.system} is "
                    f"replaced by {owner.system}'s value"))
            continue
        result.values[name] = _unowned(mapping, name, a, b, base=base, result=result)
    return result


def _unowned(mapping: SyncMapping, name: str, a: Side, b: Side, *, base: Values | None,
             result: MergeResult) -> Any:
    va, vb = a.values[name], b.values[name]
    if va == vb:
        return va
    a_changed = base is None or va != base.get(name)
    b_changed = base is None or vb != base.get(name)
    if a_changed and not b_changed:
        return va
    if b_changed and not a_changed:
        return vb
    winner, reason = _resolve(mapping, a, b)
    result.decisions.append(Decision(name, winner.system, "conflict",
                                     f"{name} changed on both sides; {reason}"))
    return winner.values[name]


def _resolve(mapping: SyncMapping, a: Side, b: Side) -> tuple[Side, str]:
    policy = mapping.conflicts
    tie_breaker = policy.tie_breaker or mapping.system_names[0]
    preferred = a if a.system == tie_breaker else b
    if policy.policy == "prefer":
        return preferred, f"policy prefers {preferred.system}"
    gap = abs((a.modified_at - b.modified_at).total_seconds())
    if gap <= policy.clock_skew_seconds:
        return preferred, (f"changes {gap:.0f}s apart are within the clock-skew tolerance of "
                           f"{policy.clock_skew_seconds}s; tie goes to {preferred.system}")
    newest = a if a.modified_at > b.modified_at else b
    return newest, f"newest change wins ({newest.system}, {gap:.0f}s later)"
