"""What the mapping declares for one field, in the shape the merge needs it.

The mapping says it in several places (a field's ``owner``, ``direction`` and ``conflicts``;
the sync's ``conflicts``); ``field_policies`` reads them once per run into one small record per
field, so the merge never has to know where a declaration came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.mapping.fields import FieldRule
from engine.mapping.model import SyncMapping
from engine.mapping.policies import ConflictKind, ConflictPolicy


@dataclass(frozen=True)
class FieldPolicy:
    """``owner``: the system whose value always wins. ``source``: for a one-way field, the
    only system its values flow from (``None``: both ways). ``conflict``/``skew``/
    ``tie_breaker``: how a change on both sides is decided when nobody owns the field."""

    owner: str | None
    source: str | None
    conflict: ConflictKind
    skew_seconds: int
    tie_breaker: str


@dataclass(frozen=True)
class CollectionPolicy:
    """A collection of lines: the line fields that pair lines across systems, what a line
    removed on one side does, and each line field's policy."""

    match: tuple[str, ...]
    deletes: str  # propagate | ignore
    fields: dict[str, FieldPolicy]


def field_policies(mapping: SyncMapping) -> dict[str, FieldPolicy]:
    return {name: _policy(mapping, rule, mapping.policy_for(name))
            for name, rule in mapping.fields.items()}


def collection_policies(mapping: SyncMapping) -> dict[str, CollectionPolicy]:
    return {name: CollectionPolicy(child.match, child.deletes, {
        line_field: _policy(mapping, rule, rule.conflicts or mapping.conflicts)
        for line_field, rule in child.fields.items()})
        for name, child in mapping.children.items()}


def _policy(mapping: SyncMapping, rule: FieldRule, spec: ConflictPolicy) -> FieldPolicy:
    return FieldPolicy(owner=rule.owner, source=_source(mapping, rule),
                       conflict=spec.policy, skew_seconds=spec.clock_skew_seconds,
                       tie_breaker=spec.tie_breaker or mapping.system_names[0])


def _source(mapping: SyncMapping, rule: FieldRule) -> str | None:
    """The one system a one-way field's values flow from (``None``: both ways)."""
    first, second = mapping.system_names
    forward, back = mapping.flows(rule, first, second), mapping.flows(rule, second, first)
    if forward == back:
        return None
    return first if forward else second
