"""Field-level three-way merge of one record seen on two systems (DESIGN §2 step 5).

For each canonical field, compared with the last state both sides agreed on (the snapshot):
- a field with an ``owner`` takes the owner's value, always: an edit on the other side is
  restored (and audited as such);
- a one-way field (``direction: to_crm`` / ``to_erp``) takes its source system's value when
  that side changed; an edit on the other side stays there and is never written back;
- a field changed on one side only takes that side's value;
- a field changed differently on both sides is a conflict, decided by its policy: the newest
  change wins unless the two are closer than the clock-skew tolerance, in which case (and
  always with ``policy: prefer``) the tie-breaker system wins; with ``policy: manual`` the
  field is held for a person, and so is the whole record (``MergeResult.held``);
- a field a reviewer decided (``decided``) takes the chosen system's current value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.policy import FieldPolicy

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
    kind: str  # owner_restored | conflict | one_way | manual | resolved
    reason: str


@dataclass(frozen=True)
class Held:
    """A field a person must decide: each side's value and the last agreed one."""

    field: str
    values: dict[str, Any]
    base: Any


@dataclass
class MergeResult:
    values: dict[str, Any]
    decisions: list[Decision] = field(default_factory=list)
    keep: dict[str, set[str]] = field(default_factory=dict)  # system → fields not to write
    held: list[Held] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Decision]:
        return [d for d in self.decisions if d.kind in ("conflict", "manual", "resolved")]


@dataclass(frozen=True)
class _Field:
    """One field being merged: its name, policy, both values and whether each changed."""

    name: str
    policy: FieldPolicy
    a: Side
    b: Side
    base: Any
    a_changed: bool
    b_changed: bool

    def side(self, system: str) -> Side:
        return self.a if system == self.a.system else self.b

    def changed(self, system: str) -> bool:
        return self.a_changed if system == self.a.system else self.b_changed

    def other(self, system: str) -> Side:
        return self.b if system == self.a.system else self.a


def merge(policies: Mapping[str, FieldPolicy], a: Side, b: Side, base: Values | None,
          decided: Mapping[str, str] | None = None) -> MergeResult:
    """Merge ``a`` and ``b`` (both existing) into the values both should hold."""
    result = MergeResult(values={}, keep={a.system: set(), b.system: set()})
    for name, policy in policies.items():
        if name not in a.values or name not in b.values:
            result.values[name] = a.values.get(name) if name in a.values else b.values.get(name)
            continue
        va, vb = a.values[name], b.values[name]
        was = base.get(name) if base is not None else None
        item = _Field(name, policy, a, b, was, base is None or va != was,
                      base is None or vb != was)
        if decided and name in decided:
            result.values[name] = _decided(item, decided[name], result)
        elif policy.owner is not None:
            result.values[name] = _owned(item, result)
        elif policy.source is not None:
            result.values[name] = _one_way(item, result)
        else:
            result.values[name] = _two_way(item, result)
    return result


def _decided(item: _Field, winner: str, result: MergeResult) -> Any:
    result.decisions.append(Decision(item.name, winner, "resolved",
                                     f"{item.name}: a reviewer chose {winner}'s value"))
    return item.side(winner).values[item.name]


def _owned(item: _Field, result: MergeResult) -> Any:
    owner = item.side(item.policy.owner or "")
    other = item.other(owner.system)
    value = owner.values[item.name]
    if other.values[item.name] != value and item.changed(other.system):
        result.decisions.append(Decision(
            item.name, owner.system, "owner_restored",
            f"{item.name} is owned by {owner.system}; the change in {other.system} is "
            f"replaced by {owner.system}'s value"))
    return value


def _one_way(item: _Field, result: MergeResult) -> Any:
    """Values flow from the source system only. The other side's own edit stays there: the
    field is kept out of writes to either side until the source changes it again."""
    source = item.side(item.policy.source or "")
    other = item.other(source.system)
    value = source.values[item.name]
    if other.values[item.name] == value or item.changed(source.system):
        return value
    result.keep[source.system].add(item.name)
    result.keep[other.system].add(item.name)
    result.decisions.append(Decision(
        item.name, other.system, "one_way",
        f"{item.name} flows only from {source.system}; the change in {other.system} "
        f"stays there and is not written to {source.system}"))
    return value


def _two_way(item: _Field, result: MergeResult) -> Any:
    va, vb = item.a.values[item.name], item.b.values[item.name]
    if va == vb:
        return va
    if item.a_changed and not item.b_changed:
        return va
    if item.b_changed and not item.a_changed:
        return vb
    if item.policy.conflict == "manual":
        result.held.append(Held(item.name, {item.a.system: va, item.b.system: vb}, item.base))
        result.decisions.append(Decision(
            item.name, "", "manual",
            f"{item.name} changed on both sides; policy manual holds the record for review"))
        return item.base
    winner, reason = _resolve(item.policy, item.a, item.b)
    result.decisions.append(Decision(item.name, winner.system, "conflict",
                                     f"{item.name} changed on both sides; {reason}"))
    return winner.values[item.name]


def _resolve(policy: FieldPolicy, a: Side, b: Side) -> tuple[Side, str]:
    preferred = a if a.system == policy.tie_breaker else b
    if policy.conflict == "prefer":
        return preferred, f"policy prefers {preferred.system}"
    gap = abs((a.modified_at - b.modified_at).total_seconds())
    if gap <= policy.skew_seconds:
        return preferred, (f"changes {gap:.0f}s apart are within the clock-skew tolerance of "
                           f"{policy.skew_seconds}s; tie goes to {preferred.system}")
    newest = a if a.modified_at > b.modified_at else b
    return newest, f"newest change wins ({newest.system}, {gap:.0f}s later)"
