"""What a run did, per system and outcome, in the shape `erpsync run --json` prints."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

OUTCOMES = ("created", "updated", "deleted", "unchanged", "failed")


@dataclass
class SystemCounts:
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
    dead_letters: int = 0
    pages: int = 0
    status: str = "running"
    messages: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sync": self.sync,
            "run_id": self.run_id,
            "status": self.status,
            **{system: asdict(counts) for system, counts in self.systems.items()},
            "conflicts": self.conflicts,
            "dead_letters": self.dead_letters,
            "api_calls": sum(c.api_calls for c in self.systems.values()),
            "pages": self.pages,
        }

    def merge_page(self, page: PageReport) -> None:
        for system, counts in page.systems.items():
            for outcome in OUTCOMES:
                self.systems[system].add(outcome, getattr(counts, outcome))
        self.conflicts += page.conflicts
        self.dead_letters += page.dead_letters
        self.pages += 1


@dataclass
class PageReport:
    """Counts of one page: small, so a Prefect task can return it."""

    systems: dict[str, SystemCounts]
    conflicts: int = 0
    dead_letters: int = 0
    records: int = 0
