"""One run of a sync (``customers`` unless told), as a script runs it
(``engine.run.run_sync``), measured.

Every run builds fresh connectors with the Salesforce connector's per-process caches cleared,
as a scheduled run in a new process does, so its calls include the token, the describe and
the ``$metadata`` each run pays. Calls are reported twice: as the
connectors counted them (by kind) and as the systems' own request logs saw them (with the
writes among them), so neither count is taken on trust.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.meter import measuring
from bench.systems import REPO, Systems
from connectors.registry import build_connector
from connectors.salesforce.org_cache import clear_org_caches
from engine.mapping import load_mapping
from engine.run import run_sync
from engine.state.store import StateStore

MAPPING = REPO / "mappings" / "customers.yaml"


def measured_run(systems: Systems, state_db: Path, *, python_memory: bool = True,
                 mapping: Path = MAPPING) -> dict[str, Any]:
    """Run the sync of ``mapping`` once against ``state_db``; its counts, calls, time and
    memory."""
    systems.use_state(state_db)
    clear_org_caches()  # a scheduled run is a new process: no session or describe to reuse
    loaded = load_mapping(mapping)
    connectors = {system: build_connector(system) for system in loaded.mapping.systems}
    store = StateStore()
    store.migrate()
    systems.mark_logs()
    try:
        with measuring(python_memory=python_memory) as cost:
            report = run_sync(loaded, connectors, store)
    finally:
        for connector in connectors.values():
            connector.close()
        store.close()
    served = systems.counted()
    result: dict[str, Any] = {"status": report.status, "pages": report.pages,
                              "dead_letters": report.dead_letters,
                              "conflicts": report.conflicts, **cost.as_json()}
    result["systems"] = {
        system: {**{k: v for k, v in vars(counts).items()},
                 "writes": counts.writes,
                 "calls_by_kind": dict(sorted(connectors[system].counter.by_kind.items())),
                 "served": served[system].as_json()}
        for system, counts in report.systems.items()}
    result["api_calls"] = sum(s["api_calls"] for s in result["systems"].values())
    result["served_calls"] = sum(s.calls for s in served.values())
    result["served_writes"] = {system: count.writes for system, count in served.items()}
    return result


def records_per_second(records: int, seconds: float) -> float:
    return round(records / seconds, 1) if seconds else 0.0
