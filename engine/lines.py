"""Merge of a document's lines (a child collection) seen on two systems.

Lines are paired across systems by the collection's ``match`` fields (the line number),
never by position, and compared with the lines of the last agreed snapshot. The one
exception: lines not numbered yet on one side (a CRM order's lines, before the ERP numbered
them in its deep insert) pair, in order, with the lines the other side numbered since the
last sync, and take their numbers (``_number_unkeyed``).

- a line on both sides is merged field by field like any record (owner, direction, conflict
  policy of each line field; see ``merge``), its decisions named ``lines[10].quantity``;
- a line on one side only that the snapshot did not have is new there: it is added;
- a line on one side only that the snapshot had was removed on the other side: with
  ``deletes: propagate`` it goes, unless the side that kept it also changed it since (an edit
  outweighs a removal, and the decision is audited); with ``ignore`` it stays where it is,
  and is not written back to the side that removed it (``LinesResult.withheld``);
- a line only the snapshot had was removed on both sides: it stays removed.

The merged lines are sorted by the match fields, as the converter sorts them, so the same
lines hash alike whichever system they came from. A one-way line field is merged as the
direction says, but lines travel as one list: when the list is written to a system, each line
carries the merged values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.merge import Decision, Held, Side, merge
from engine.policy import CollectionPolicy

Line = Mapping[str, Any]


@dataclass
class LinesResult:
    lines: list[dict[str, Any]]
    decisions: list[Decision] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    withheld: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """System → lines of ``lines`` that it removed itself and ``deletes: ignore`` keeps on
    the other side: never written back to the system that removed them."""


def merge_lines(name: str, policy: CollectionPolicy, a: Side, b: Side, *,
                base: Mapping[str, Any] | None,
                decided: Mapping[str, str] | None = None) -> LinesResult:
    """Merge collection ``name`` of ``a`` and ``b`` against the snapshot ``base``."""
    return _LineMerge(name, policy, a, b, decided or {}).run(base)


@dataclass
class _LineMerge:
    name: str
    policy: CollectionPolicy
    a: Side
    b: Side
    decided: Mapping[str, str]
    result: LinesResult = field(default_factory=lambda: LinesResult(lines=[]))

    def run(self, base: Mapping[str, Any] | None) -> LinesResult:
        a_lines = _by_key(self.policy, self.a.values.get(self.name))
        b_lines = _by_key(self.policy, self.b.values.get(self.name))
        base_lines = _by_key(self.policy, (base or {}).get(self.name))
        _number_unkeyed(self.policy, a_lines, b_lines, base_lines)
        _number_unkeyed(self.policy, b_lines, a_lines, base_lines)
        for key in sorted({*a_lines, *b_lines}):
            label = f"{self.name}[{'/'.join(key)}]"
            la, lb, was = a_lines.get(key), b_lines.get(key), base_lines.get(key)
            if la is not None and lb is not None:
                self.result.lines.append(self._both(label, la, lb, was))
                continue
            present, other = (self.a, self.b) if la is not None else (self.b, self.a)
            kept = self._one_side(label, present, dict(la or lb or {}),
                                  remover=other.system, was=was)
            if kept is not None:
                self.result.lines.append(kept)
        return self.result

    def _both(self, label: str, la: Line, lb: Line, was: Line | None) -> dict[str, Any]:
        prefix = f"{label}."
        mine = {k[len(prefix):]: v for k, v in self.decided.items() if k.startswith(prefix)}
        merged = merge(self.policy.fields, Side(self.a.system, la, self.a.modified_at),
                       Side(self.b.system, lb, self.b.modified_at), was, mine or None)
        self.result.decisions.extend(
            Decision(prefix + d.field, d.winner, d.kind, f"{label}: {d.reason}")
            for d in merged.decisions)
        self.result.held.extend(Held(prefix + h.field, h.values, h.base) for h in merged.held)
        return merged.values

    def _one_side(self, label: str, side: Side, current: dict[str, Any], *, remover: str,
                  was: Line | None) -> dict[str, Any] | None:
        if was is None:
            return current  # new on that side
        if self.policy.deletes == "ignore":  # not propagated, and not added back either
            self.result.withheld.setdefault(remover, []).append(current)
            return current
        if current != dict(was):
            self.result.decisions.append(Decision(
                label, side.system, "line_kept", f"{label} was removed in {remover} but "
                f"changed in {side.system} since; the change is kept"))
            return current
        self.result.decisions.append(Decision(
            label, remover, "line_removed", f"{label} was removed in {remover}; deletes: "
            f"propagate removes it in {side.system} too"))
        return None


Key = tuple[str, ...]


def _by_key(policy: CollectionPolicy, lines: Any) -> dict[Key, Line]:
    """Lines by their match fields; a line without them (not numbered yet: a CRM line the
    ERP has not seen) gets a key of its own, ``("", "#<n>")``, so that two never merge."""
    if not isinstance(lines, list):
        return {}
    found: dict[Key, Line] = {}
    for line in lines:
        key = tuple(str(line.get(m) or "") for m in policy.match)
        if not any(key):
            key = (*key, f"#{len(found)}")
        found[key] = line
    return found


def _number_unkeyed(policy: CollectionPolicy, mine: dict[Key, Line],
                    theirs: Mapping[Key, Line], base: Mapping[Key, Line]) -> None:
    """Lines of ``mine`` without match fields are the lines the other system numbered since
    the last sync (a CRM order's lines, numbered by the ERP's deep insert): paired with the
    other side's keyed lines that neither ``mine`` nor the snapshot knows, in order, each
    takes its counterpart's match fields and is merged with it from then on."""
    unkeyed = [key for key in mine if not any(key[:len(policy.match)])]
    numbered = sorted(key for key in theirs if any(key[:len(policy.match)])
                      and key not in mine and key not in base)
    for old, new in zip(unkeyed, numbered, strict=False):
        line = mine.pop(old)
        mine[new] = {**line, **{m: theirs[new].get(m) for m in policy.match}}
