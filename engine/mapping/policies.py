"""What a mapping declares about decisions: conflicts, directions, deletes and first matches.

These are declarations only; ``engine/merge.py`` and the page processor carry them out.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from engine.mapping.systems import Scalar, Strict, SystemName

Direction = Literal["both", "to_crm", "to_erp"]
"""Which way a field's values flow: both ways, only from the ERP to the CRM, or only back."""

DeletePolicy = Literal["deactivate", "ignore", "propagate"]

ConflictKind = Literal["newest_wins", "prefer", "manual"]


class ConflictPolicy(Strict):
    """How a field changed differently on both sides since the last sync is decided, when no
    system owns it (an ``owner`` always wins: that is the "owner wins" policy).

    Engine, by ``policy``:
    - ``newest_wins``: the side whose record changed later wins; two changes closer in time
      than ``clock_skew_seconds`` are a tie, which ``tie_breaker`` wins (the first system of
      the sync when unset);
    - ``prefer``: ``tie_breaker`` always wins (a fixed system wins);
    - ``manual``: neither side is written for this record; the conflict waits in the review
      queue until ``erpsync conflicts resolve`` decides it, and the rest of the run goes on.
    Every decision is an audit entry with its reason.
    """

    policy: ConflictKind = Field(
        default="newest_wins",
        description="newest_wins (with a clock-skew tolerance), prefer (tie_breaker always "
        "wins) or manual (a person decides in the review queue).")
    clock_skew_seconds: int = Field(
        default=120, ge=0, description="Changes closer in time than this are a tie.")
    tie_breaker: SystemName | None = Field(
        default=None, description="Who wins a tie (and always, with policy: prefer).")

    @model_validator(mode="after")
    def _prefer_names_a_winner(self) -> ConflictPolicy:
        if self.policy == "prefer" and self.tie_breaker is None:
            raise ValueError("policy 'prefer' needs tie_breaker: the system that always wins")
        return self


class Deactivation(Strict):
    """How a record is deactivated (instead of deleted) on the other side.

    Engine: with ``deletes: deactivate``, a record deleted in one system gets canonical
    ``field`` set to ``value`` in the other (and keeps everything else).
    """

    field: str = Field(description="Canonical field to set, e.g. blocked or active.")
    value: Scalar = Field(description="The value that means inactive, e.g. true for blocked.")


class MatchRule(Strict):
    """Canonical fields that together identify a record seen for the first time.

    Engine: for a record with no cross-reference yet, try the rules in the order listed; the
    first rule whose fields are all present and all equal on a record of the other side links
    the two (looked up in one batch read per rule, never per record). A record matching
    nothing is created on the other side. A match is taken only when it is unambiguous:
    several candidates on either side, or a candidate already linked to another record, link
    and create nothing; the records wait in dead letters as ``AMBIGUOUS_MATCH`` (naming the
    candidates) until the duplicates are fixed and the dead letters replayed.
    """

    fields: tuple[str, ...] = Field(min_length=1, description="Canonical fields, all equal.")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: object) -> object:
        """In YAML a rule is one canonical field or a list of them: ``account_number`` or
        ``[tax_number, billing_address.country]``."""
        if isinstance(data, str):
            return {"fields": (data,)}
        if isinstance(data, list | tuple):
            return {"fields": tuple(data)}
        if isinstance(data, dict) and set(data) != {"fields"}:
            raise ValueError("a match rule is a canonical field or a list of canonical "
                             "fields, e.g. [tax_number, billing_address.country]")
        return data
