"""Initial load benchmark: N accounts that exist only in Salesforce, synced to SAP.

Run: ``.venv/bin/python -m bench.initial_load --size 1000``. Starts its own sandboxes on free
ports, seeds them through their control planes, runs the customer sync once, and prints one
JSON line: API calls per system, wall time, records per second and peak Python memory
(tracemalloc). Sizes are parameters; nothing here asserts a time. The fuller suite (baselines,
incremental runs, charts) is a later issue.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path
from typing import Any

from connectors.registry import build_connector
from engine.mapping import load_mapping
from engine.run import run_sync
from engine.state.store import StateStore
from sandbox import salesforce, sap

REPO = Path(__file__).resolve().parents[1]


def seed_accounts(url: str, ca_bundle: str, size: int) -> None:
    context = ssl.create_default_context(cafile=ca_bundle)
    for start in range(0, size, 1000):
        rows = [{"Name": f"Bench Customer {n:07d}", "BillingCity": "Berlin",
                 "BillingCountryCode": "DE", "Phone": f"+49 30 {n:07d}"}
                for n in range(start, min(start + 1000, size))]
        request = urllib.request.Request(  # noqa: S310 - our own loopback sandbox
            url + "/_sandbox/seed", data=json.dumps({"Account": rows}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=120, context=context):  # noqa: S310
            pass


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
        tracemalloc.start()
        started = time.perf_counter()
        report = run_sync(loaded, connectors, store)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        sf_server.stop()
        sap_server.stop()
    return {"benchmark": "initial_load_crm_to_erp", "size": size,
            "seconds": round(seconds, 3), "records_per_second": round(size / seconds, 1),
            "api_calls": {s: c.api_calls for s, c in report.systems.items()},
            "created_in_sap": report.systems["sap"].created,
            "peak_python_mib": round(peak / 2**20, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        print(json.dumps(measure(args.size, Path(work))))


if __name__ == "__main__":
    main()
