"""What the mapping declares for one field, in the shape the merge needs it.

The mapping says it in several places (a field's ``owner``, ``direction`` and ``conflicts``;
the sync's ``conflicts``); ``field_policies`` reads them once per run into one small record per
field, so the merge never has to know where a declaration came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from engine.mapping.model import SyncMapping

ConflictKind = Literal["newest_wins", "prefer", "manual"]
ROLES = {"sap": "erp", "oracle": "erp", "salesforce": "crm"}


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


def field_policies(mapping: SyncMapping) -> dict[str, FieldPolicy]:
    return {name: _policy(mapping, rule) for name, rule in mapping.fields.items()}


def _policy(mapping: SyncMapping, rule: Any) -> FieldPolicy:
    spec = getattr(rule, "conflicts", None) or mapping.conflicts
    tie_breaker = spec.tie_breaker or mapping.system_names[0]
    return FieldPolicy(owner=rule.owner, source=_source(mapping, getattr(rule, "direction",
                                                                          "both")),
                       conflict=spec.policy, skew_seconds=spec.clock_skew_seconds,
                       tie_breaker=tie_breaker)


def _source(mapping: SyncMapping, direction: str) -> str | None:
    """``to_crm`` flows from the ERP of the sync, ``to_erp`` from the CRM."""
    if direction == "both":
        return None
    role = "erp" if direction == "to_crm" else "crm"
    for system in mapping.system_names:
        if ROLES.get(system) == role:
            return system
    return None
