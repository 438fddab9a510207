"""What one page of a sync hands to the state store to commit in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import Cursor


@dataclass(frozen=True)
class XrefRow:
    """A record's identity in one system and the hash of the content that system holds."""

    canonical_id: str
    system: str
    key: str
    content_hash: str
    deleted: bool = False


@dataclass(frozen=True)
class FieldChange:
    """A changed field in the audit trail: names and hashes only, never values (no PII or
    secrets in the audit trail)."""

    field: str
    before_hash: str | None
    after_hash: str | None


@dataclass(frozen=True)
class AuditEntry:
    canonical_id: str | None
    system: str
    key: str | None
    operation: str
    reason: str
    fields: tuple[FieldChange, ...] = ()
    code: str | None = None
    keys: Mapping[str, str] | None = None  # the record's key in each system, when known


@dataclass(frozen=True)
class DeadLetter:
    system: str
    key: str | None
    stage: str
    code: str
    error_class: str
    message: str
    payload: dict[str, Any]
    attempts: int = 1
    source_system: str | None = None  # where a replay re-reads the record from
    source_key: str | None = None


@dataclass(frozen=True)
class HeldField:
    """One field a person must decide: each system's value and the last agreed one."""

    field: str
    values: dict[str, Any]
    base: Any


@dataclass(frozen=True)
class ConflictHold:
    """A record held for manual review: nothing is written to it until it is resolved."""

    canonical_id: str
    keys: dict[str, str]
    fields: tuple[HeldField, ...]
    reason: str


@dataclass
class PageCommit:
    """Everything one page changes in the state, written only after the targets confirmed."""

    sync: str
    run_id: str
    xrefs: list[XrefRow] = field(default_factory=list)
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    cursor: tuple[str, Cursor] | None = None
    holds: list[ConflictHold] = field(default_factory=list)
    applied_conflicts: list[int] = field(default_factory=list)
    replayed_letters: list[int] = field(default_factory=list)
    settled_creates: list[tuple[str, str]] = field(default_factory=list)
    """``(system, source key)`` of creates sent in this page: their outcome is known now."""
