"""RFC change capture benchmark: read N customers changed over many days, through the SAP
RFC transport (change table via RFC_READ_TABLE, then BAPI_CUSTOMER_GETLIST pages).

Run: ``.venv/bin/python -m bench.rfc_change_capture --size 2000 --page-size 200``. Starts its
own mock-sap on a free port, creates N business partners with customer numbers through its
OData API, ``--per-day`` of them on each day (the stand-in's clock is moved between days), then
reads them all once and prints one JSON line: calls by function, wall time, records per second
and peak Python memory (tracemalloc) of the read. Sizes are parameters; nothing here asserts
a time. What it is for: showing that memory follows the page size, not N (``changes.py``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import requests

from connectors.sap.rfc import SapRfcConnector, SapRfcSettings
from sandbox import sap

SERVICE = "/sap/opu/odata/sap/API_BUSINESS_PARTNER_SRV"


def seed_customers(url: str, size: int, per_day: int) -> None:
    with requests.Session() as http:
        token = http.get(url + SERVICE + "/", headers={"X-CSRF-Token": "Fetch"},
                         timeout=30).headers["x-csrf-token"]
        for n in range(size):
            if n and n % per_day == 0:
                http.post(url + "/_mock/advance", json={"days": 1}, timeout=30)
            body = {"BusinessPartnerCategory": "2", "BusinessPartnerFullName": f"Bench {n}",
                    "Customer": f"B{n:08d}", "SearchTerm1": f"B{n:08d}"}
            http.post(url + SERVICE + "/A_BusinessPartner", json=body, timeout=30,
                      headers={"X-CSRF-Token": token, "Accept": "application/json"}
                      ).raise_for_status()


def measure(size: int, page_size: int, per_day: int, work: Path) -> dict[str, Any]:
    server = sap.start(log_file=work / "sap.log", extra_args=("--no-request-log",))
    try:
        seed_customers(server.url, size, per_day)
        settings = SapRfcSettings(rfc_library="json-http", base_url=server.url,
                                  page_size=page_size, timeout=120.0)
        connector = SapRfcConnector(settings)
        tracemalloc.start()
        started = time.perf_counter()
        count = sum(1 for _ in connector.read_changes("Customer", None, ["NAME"]))
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        connector.close()
    finally:
        server.stop()
    return {"benchmark": "rfc_change_capture", "size": size, "page_size": page_size,
            "per_day": per_day, "records_read": count, "seconds": round(seconds, 3),
            "records_per_second": round(count / seconds, 1),
            "calls": dict(sorted(connector.counter.by_kind.items())),
            "peak_python_mib": round(peak / 2**20, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--per-day", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        print(json.dumps(measure(args.size, args.page_size, args.per_day, Path(work))))


if __name__ == "__main__":
    main()
