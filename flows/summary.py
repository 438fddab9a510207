"""The run summary in plain words: what changed, what needs attention, what to type next.

Pure text from the run's facts, so it reads the same in the Prefect UI, in tests and in docs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.report import RunReport
from flows.next_steps import command


@dataclass(frozen=True)
class RunFacts:
    """What a summary is written from."""

    report: RunReport
    entity: str
    mode: str
    failed_by_system: dict[str, int] = field(default_factory=dict)
    open_conflicts: int = 0
    open_letters: int = 0
    error: str | None = None


def summary_markdown(facts: RunFacts) -> str:
    report = facts.report
    lines = [f"# Sync `{report.sync}`: {report.status}", "",
             f"Mode **{facts.mode}**, {report.pages} page(s); run `{report.run_id}` in the "
             "state store.", "",
             "## What changed", ""]
    lines += _changes(facts)
    lines += ["", "## What needs attention", ""]
    lines += _attention(facts) or ["Nothing: both systems agree on everything this run saw."]
    return "\n".join(lines) + "\n"


def _changes(facts: RunFacts) -> list[str]:
    systems = facts.report.systems
    if not any(counts.writes or counts.failed for counts in systems.values()):
        seen = sum(counts.unchanged for counts in systems.values())
        return [f"Nothing changed: {seen} {records(facts.entity, seen)} checked, "
                "already the same on both sides."]
    lines = []
    for system, counts in systems.items():
        parts = [f"{n} {verb}" for n, verb in ((counts.created, "created"),
                 (counts.updated, "updated"), (counts.deleted, "deleted")) if n]
        total = counts.created + counts.updated + counts.deleted
        done = ", ".join(parts) if parts else "nothing written"
        lines.append(f"- **{system}**: {done} ({total} {records(facts.entity, total)}); "
                     f"{counts.unchanged} unchanged, {counts.failed} failed; "
                     f"{counts.api_calls} API calls.")
    return lines


def _attention(facts: RunFacts) -> list[str]:
    report, sync = facts.report, facts.report.sync
    lines = []
    if facts.error:
        lines += [f"- **The run stopped**: {facts.error}",
                  "  Pages committed before that are kept; the next run resumes after them."
                  + _try(" Run it again with", command("run", args=sync))]
    lines += [f"- **{message}**." for message in report.messages]
    if report.dead_letters:
        lines += [f"- **{report.dead_letters} {records(facts.entity, report.dead_letters)} "
                  "could not be synced** and wait in dead letters ("
                  + ", ".join(f"{n} for {s}" for s, n in facts.failed_by_system.items() if n)
                  + "); the *failed records* table lists each with its reason."
                  + _try(" List them with", command("dead-letters", "list", args=sync))
                  + _try(" After fixing the data or the mapping, replay them with",
                         command("dead-letters", "replay", args=sync))]
    if facts.open_letters > report.dead_letters:
        lines.append(f"- {facts.open_letters} dead letter(s) of this sync are open in all, "
                     "from this and earlier runs."
                     + _try(" See them with", command("dead-letters", "list", args=sync)))
    if facts.open_conflicts:
        lines += [f"- **{facts.open_conflicts} conflict(s) wait for a person** (the *open "
                  f"conflicts* table); {report.held} record(s) were held back this run."
                  + _try(" See them with", command("conflicts", "list", args=sync))
                  + _try(" Decide with", command("conflicts", "resolve"))]
    if report.conflicts:
        lines.append(f"- {report.conflicts} field conflict(s) were decided by the mapping's "
                     "policy; each decision and its reason is in the audit trail."
                     + _try(" For one record:", command("audit", "show",
                                                        args=f"{sync} <key>")))
    return lines


def _try(lead: str, cli: str | None) -> str:
    return f"{lead} `{cli}`." if cli else ""


def records(entity: str, n: int) -> str:
    """``customer`` → ``customers``; ``price_list_entry`` → ``price list entries``."""
    words = entity.replace("_", " ")
    if n == 1:
        return words
    return words[:-1] + "ies" if words.endswith("y") else words + "s"
