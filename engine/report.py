"""What a run did, per system and outcome, in the shape `erpsync run --json` prints.

Per system, the counts answer two questions a user asks:

- what did we read from it: ``read`` records came from its change feed (after the sync's
  filter); ``echoes`` of them were dropped before any lookup because there is nothing new in
  them: their content is exactly what the last sync left there (our own writes coming back,
  or records re-read within the lookback window), or they are deletes already handled (or
  of records never synced);
- what did we do to it: ``created``, ``updated``, ``deleted`` and ``failed`` writes, and
  ``unchanged``: records of this system compared with a changed counterpart and found to need
  no write.

``held`` counts records skipped because a conflict waits for a person (``erpsync conflicts``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

OUTCOMES = ("created", "updated", "deleted", "unchanged", "failed")
COUNTED = ("read", "echoes", *OUTCOMES)


@dataclass
class SystemCounts:
    read: int = 0
    echoes: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    api_calls: int = 0

    def add(self, outcome: str, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)

    @property
    def writes(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass
class RunReport:
    sync: str
    run_id: str
    systems: dict[str, SystemCounts]
    conflicts: int = 0
    held: int = 0
    dead_letters: int = 0
    pages: int = 0
    status: str = "running"
    resume_at: datetime | None = None
    messages: list[str] = field(default_factory=list)
    reconciled: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "sync": self.sync,
            "run_id": self.run_id,
            "status": self.status,
            **{system: asdict(counts) for system, counts in self.systems.items()},
            "conflicts": self.conflicts,
            "held": self.held,
            "dead_letters": self.dead_letters,
            "api_calls": sum(c.api_calls for c in self.systems.values()),
            "pages": self.pages,
            "resume_at": self.resume_at.isoformat() if self.resume_at else None,
            "messages": list(self.messages),
            **({"reconciled": self.reconciled} if self.reconciled else {}),
        }

    def merge_page(self, page: PageReport) -> None:
        for system, counts in page.systems.items():
            for outcome in COUNTED:
                self.systems[system].add(outcome, getattr(counts, outcome))
        self.conflicts += page.conflicts
        self.held += page.held
        self.dead_letters += page.dead_letters
        self.pages += 1


@dataclass
class PageReport:
    """Counts of one page: small, so a Prefect task can return it."""

    systems: dict[str, SystemCounts]
    conflicts: int = 0
    held: int = 0
    dead_letters: int = 0
    records: int = 0
