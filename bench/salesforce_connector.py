"""Salesforce connector benchmark: N upserts by External ID through sObject Collections and
through one Bulk API 2.0 job, then a full change read, against the local sandbox.

Run: ``.venv/bin/python -m bench.salesforce_connector --size 10000``. Starts its own sandbox on
a free port and prints one JSON line per measurement: API calls by kind (the connector's own
count), wall time, records per second and peak Python memory (tracemalloc) of the connector
work, on top of the records the caller built. Sizes are parameters; nothing here asserts a
time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectors.base import CallCounter, TargetRecord
from connectors.salesforce import SalesforceConnector, SalesforceSettings
from sandbox import salesforce


def upserts(size: int, prefix: str) -> list[TargetRecord]:
    return [TargetRecord(ref=str(n), upsert_field="ERP_Customer_Number__c", fields={
        "ERP_Customer_Number__c": f"{prefix}{n:07d}", "Name": f"Bench {n}",
        "BillingCity": "Berlin", "Phone": f"+49 30 {n:07d}"}) for n in range(size)]


def measured(name: str, size: int, connector: SalesforceConnector,
             work: Callable[[], int]) -> dict[str, Any]:
    before = dict(connector.counter.by_kind)
    tracemalloc.start()
    started = time.perf_counter()
    done = work()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    calls = {k: v - before.get(k, 0) for k, v in connector.counter.by_kind.items()
             if v != before.get(k, 0)}
    return {"measure": name, "size": size, "records": done, "calls": calls,
            "seconds": round(seconds, 2), "records_per_s": round(done / seconds),
            "peak_mib": round(peak / 2**20, 1)}


def run(size: int, work_dir: Path) -> list[dict[str, Any]]:
    server = salesforce.start(cert_dir=work_dir / "certs", log_file=work_dir / "sf.log")
    try:
        settings = SalesforceSettings.model_validate({
            "login_url": server.url, "username": "integration@sandbox.local",
            "password": "sandbox", "client_id": "erpsync-sandbox",
            "ca_bundle": server.ca_bundle, "bulk_poll_seconds": 0.2})
        with SalesforceConnector(settings, CallCounter()) as connector:
            connector.describe("Account")
            # Built before measuring: the peak is the connector's own work on top of them.
            by_collections, by_bulk = upserts(size, "C"), upserts(size, "B")

            def collections() -> int:
                pages = [by_collections[i:i + 2000] for i in range(0, size, 2000)]
                return sum(len(connector.write_batch("Account", page)) for page in pages)

            def bulk() -> int:
                return len(connector.write_batch("Account", by_bulk))

            def read() -> int:
                return sum(1 for _ in connector.read_changes("Account", None, ["Name"]))

            return [measured("collections upsert, pages of 2000", size, connector, collections),
                    measured("bulk upsert, one write_batch", size, connector, bulk),
                    measured("read_changes, all", 2 * size, connector, read)]
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="erpsync-bench-sf-") as work:
        for line in run(args.size, Path(work)):
            print(json.dumps(line))


if __name__ == "__main__":
    main()
