"""What a run shows in the Prefect UI: counts, summary, failed records, open conflicts.

Every artifact has a stable key per sync (``customers-counts``, ``customers-summary``, ...), so
the UI's Artifacts page keeps one history per sync and its latest version is always the
latest run's — which is why the failed-records table is published even when it is empty:
otherwise the page would go on showing an older run's failures as the latest. All text
passes the redaction registry on its way out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, cast
from uuid import UUID

from engine.report import COUNTED, RunReport
from flows.redaction import SECRETS
from flows.summary import RunFacts, summary_markdown

MAX_ROWS = 200
MAX_REASON = 300


def artifact_key(sync: str, what: str) -> str:
    """Prefect keys allow lowercase letters, digits and dashes only."""
    return f"{sync.replace('_', '-')}-{what}"


def failed_by_system(dead_letters: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return dict(Counter(str(letter["system"]) for letter in dead_letters))


def counts_rows(report: RunReport, failed: Mapping[str, int]) -> list[dict[str, Any]]:
    """One row per system (records read from it and echoes dropped, then what was written to
    it by outcome, dead letters, API calls), then the run's totals with its conflicts — which
    belong to a pair of records, not to one system."""
    rows: list[dict[str, Any]] = []
    for system, counts in report.systems.items():
        rows.append({"system": system, **{c: getattr(counts, c) for c in COUNTED},
                     "dead letters": failed.get(system, 0), "conflicts": "", "held": "",
                     "API calls": counts.api_calls})
    rows.append({"system": "all", **{c: sum(r[c] for r in rows) for c in COUNTED},
                 "dead letters": report.dead_letters, "conflicts": report.conflicts,
                 "held": report.held,
                 "API calls": sum(c.api_calls for c in report.systems.values())})
    return rows


def failed_rows(dead_letters: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The run's dead letters, reason first-class, payloads left out (they stay in the store,
    redacted, for replay)."""
    rows = [{"system": d["system"], "key": d["key"] or "(new)", "stage": d["stage"],
             "code": d["code"], "error": d["error_class"],
             "reason": _clip(SECRETS.redact(str(d["message"]))),
             "attempts": d.get("attempts", 1)} for d in dead_letters[:MAX_ROWS]]
    if len(dead_letters) > MAX_ROWS:
        rows.append({"system": "", "key": f"... {len(dead_letters) - MAX_ROWS} more",
                     "stage": "", "code": "", "error": "", "reason": "", "attempts": ""})
    return rows


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[:MAX_REASON - 1] + "…"


def conflict_rows(conflicts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Open conflicts: which record, which fields, why. Values stay out of the UI (they may
    be personal data); `erpsync conflicts list` shows them to whoever decides."""
    return [{"id": c["id"], "keys": ", ".join(f"{s}: {k}" for s, k in c["keys"].items()),
             "fields": ", ".join(str(f["field"]) for f in c["fields"]),
             "reason": _clip(SECRETS.redact(str(c["reason"]))),
             "waiting since": str(c["opened_at"])[:19]} for c in conflicts[:MAX_ROWS]]


def publish_run(facts: RunFacts, dead_letters: Sequence[Mapping[str, Any]],
                conflicts: Sequence[Mapping[str, Any]]) -> None:
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    report = facts.report
    sync = report.sync
    create_table_artifact(key=artifact_key(sync, "counts"),
                          table=counts_rows(report, facts.failed_by_system),
                          description=f"Records per system and outcome, run `{report.run_id}`")
    create_markdown_artifact(key=artifact_key(sync, "summary"),
                             markdown=SECRETS.redact(summary_markdown(facts)),
                             description=f"What run `{report.run_id}` did, in plain words")
    create_table_artifact(key=artifact_key(sync, "failed-records"),
                          table=failed_rows(dead_letters),
                          description=f"Records run `{report.run_id}` could not sync "
                                      f"({len(dead_letters)})")
    create_table_artifact(key=artifact_key(sync, "open-conflicts"),
                          table=conflict_rows(conflicts),
                          description=f"Conflicts waiting for a person ({len(conflicts)}); "
                                      "their records are held until decided")


class RunProgress:
    """A progress artifact that moves as pages finish.

    Pages are streamed, so how many a phase (a direction, or a reconcile of one system) has
    is not known until it ends: preflight is the first 5 %, each phase an equal share of the
    next 90 %, and within a phase page ``n`` moves to ``n / (n + 1)`` of its share — an
    estimate; the description tells exactly what is done. The last 5 % (a key check, the
    artifacts) are the run's end: 100 % means the run is complete, never before."""

    PREFLIGHT = 5.0
    FINISHING = 5.0

    def __init__(self, sync: str, phases: Sequence[str]) -> None:
        from prefect.artifacts import create_progress_artifact

        self.phases = list(phases)
        self.share = (100.0 - self.PREFLIGHT - self.FINISHING) / max(len(self.phases), 1)
        self.progress = 0.0
        self.artifact_id = cast("UUID", create_progress_artifact(
            0.0, key=artifact_key(sync, "progress"), description="Checking systems and mapping"))

    def checked(self) -> None:
        self._update(self.PREFLIGHT, "Systems and mapping checked; reading changes")

    def page_done(self, phase: int, pages: int, records: int) -> None:
        start = self.PREFLIGHT + self.share * phase
        self._update(start + self.share * pages / (pages + 1),
                     f"{self.phases[phase]}: {pages} page(s), {records} record(s) done")

    def phase_done(self, phase: int, pages: int, records: int) -> None:
        self._update(self.PREFLIGHT + self.share * (phase + 1),
                     f"{self.phases[phase]} finished: {pages} page(s), {records} record(s)")

    def finished(self) -> None:
        self._update(100.0, "Run completed")

    def stopped(self, reason: str) -> None:
        """The run ended early: the bar stays where it was, the description says why."""
        self._update(self.progress, f"Run stopped: {SECRETS.redact(reason)}")

    def _update(self, progress: float, description: str) -> None:
        from prefect.artifacts import update_progress_artifact

        self.progress = min(progress, 100.0)
        update_progress_artifact(self.artifact_id, self.progress, description=description)
