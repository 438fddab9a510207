"""Reconcile benchmark: after an initial load of N accounts, compare both systems' full key
and content-hash sets with the state (nothing drifted) and measure the reconcile alone.

Run: ``.venv/bin/python -m bench.reconcile --size 1000``. Prints one JSON line: records
scanned per system, API calls, wall time and peak Python memory (tracemalloc) of the
reconcile. Reconcile reads page by page, so its peak memory should stay flat as N grows;
compare two sizes to see it. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.initial_load import REPO, seed_accounts
from connectors.registry import build_connector
from engine.mapping import load_mapping
from engine.run import reconcile_sync, run_sync
from engine.state.store import StateStore
from sandbox import salesforce, sap


def measure(size: int, work: Path) -> dict[str, Any]:
    sap_server = sap.start(log_file=work / "sap.log")
    sf_server = salesforce.start(cert_dir=work / "certs", log_file=work / "sf.log")
    try:
        seed_accounts(sf_server.url, sf_server.ca_bundle or "", size)
        os.environ.update({
            "ERPSYNC_HOME": str(work), "ERPSYNC_STATE_URL": f"sqlite:///{work}/state.db",
            "ERPSYNC_SAP_BASE_URL": sap_server.url,
            "ERPSYNC_SALESFORCE_LOGIN_URL": sf_server.url,
            "ERPSYNC_SALESFORCE_CA_BUNDLE": sf_server.ca_bundle or "",
            "ERPSYNC_SALESFORCE_PASSWORD": "sandbox"})
        loaded = load_mapping(REPO / "mappings" / "customers.yaml")
        connectors = {s: build_connector(s) for s in loaded.mapping.systems}
        store = StateStore()
        store.migrate()
        run_sync(loaded, connectors, store)
        tracemalloc.start()
        started = time.perf_counter()
        report = reconcile_sync(loaded, connectors, store)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        sf_server.stop()
        sap_server.stop()
    return {"benchmark": "reconcile_no_drift", "size": size, "seconds": round(seconds, 3),
            "reconciled": report.reconciled,
            "api_calls": {s: c.api_calls for s, c in report.systems.items()},
            "peak_python_mib": round(peak / 2**20, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        print(json.dumps(measure(args.size, Path(work))))


if __name__ == "__main__":
    main()
