"""Volume benchmark of the Salesforce sandbox itself: loading and reading N accounts.

Run: ``.venv/bin/python -m bench.sandbox_salesforce --size 100000``. Starts its own sandbox on
a free port (in-memory org) and times, as one HTTPS client would see them:

* ``bulk_ingest``: one Bulk API 2.0 insert job of N accounts (create, CSV upload,
  UploadComplete, polling until JobComplete);
* ``collections_upsert``: N accounts upserted by External ID in sObject Collections calls of
  200 (N/200 calls);
* ``paged_query``: ``SELECT Id, Name, ERP_Customer_Number__c FROM Account`` read to the end
  through ``nextRecordsUrl`` (pages of 2000);
* ``keyset_query``: the same rows read as change capture does, ``WHERE SystemModstamp >= X
  ... ORDER BY SystemModstamp, Id LIMIT 2000`` one query per page;
* ``bulk_query``: one Bulk query job of N rows, results fetched in pages of 50 000.

The read steps read every account loaded so far (2N after both load steps). Prints one JSON
line with seconds per step, calls made and the server's peak RSS. Sizes and steps
(``--steps``) are parameters; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from sandbox import salesforce

Api = Callable[..., requests.Response]


def _client(server_url: str, ca_bundle: str) -> Api:
    http = requests.Session()
    http.verify = ca_bundle
    http.trust_env = False
    token = http.post(server_url + "/services/oauth2/token", data={
        "grant_type": "password", "client_id": salesforce.CLIENT_ID,
        "username": salesforce.USERNAME, "password": salesforce.PASSWORD}, timeout=60).json()

    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("/services") else "/services/data/v62.0" + path
        headers = {"Authorization": "Bearer " + token["access_token"],
                   **kwargs.pop("headers", {})}
        response = http.request(method, server_url + url, headers=headers, timeout=600, **kwargs)
        response.raise_for_status()
        return response

    return call


def bulk_ingest(api: Api, size: int) -> int:
    job = api("POST", "/jobs/ingest", json={"object": "Account", "operation": "insert"}).json()
    lines = ["Name,ERP_Customer_Number__c,BillingCity"]
    lines += [f"Bulk Customer {n:07d},B{n:09d},Berlin" for n in range(size)]
    api("PUT", f"/jobs/ingest/{job['id']}/batches", data=("\n".join(lines) + "\n").encode(),
        headers={"Content-Type": "text/csv"})
    api("PATCH", f"/jobs/ingest/{job['id']}", json={"state": "UploadComplete"})
    calls = 3
    while api("GET", f"/jobs/ingest/{job['id']}").json()["state"] != "JobComplete":
        calls += 1
        time.sleep(0.5)
    return calls + 1


def collections_upsert(api: Api, size: int) -> int:
    calls = 0
    for start in range(0, size, 200):
        records = [{"attributes": {"type": "Account"}, "Name": f"REST Customer {n:07d}",
                    "ERP_Customer_Number__c": f"R{n:09d}"}
                   for n in range(start, min(size, start + 200))]
        api("PATCH", "/composite/sobjects/Account/ERP_Customer_Number__c",
            json={"allOrNone": False, "records": records})
        calls += 1
    return calls


def paged_query(api: Api, size: int) -> int:
    body = api("GET", "/query", params={
        "q": "SELECT Id, Name, ERP_Customer_Number__c FROM Account"}).json()
    calls, seen = 1, len(body["records"])
    while not body["done"]:
        body = api("GET", body["nextRecordsUrl"]).json()
        calls, seen = calls + 1, seen + len(body["records"])
    assert seen >= size, seen
    return calls


def keyset_query(api: Api, size: int) -> int:
    since, last_id, calls, seen = "2000-01-01T00:00:00Z", "", 0, 0
    while True:
        # Literals are a datetime and an ID the server itself returned: nothing to escape.
        tie = f" OR (SystemModstamp = {since} AND Id > '{last_id}')" if last_id else ""
        soql = (f"SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp > {since}{tie}"  # noqa: S608
                " ORDER BY SystemModstamp, Id LIMIT 2000")
        rows = api("GET", "/query", params={"q": soql}).json()["records"]
        calls, seen = calls + 1, seen + len(rows)
        if len(rows) < 2000:
            break
        since = rows[-1]["SystemModstamp"].replace("+0000", "Z")
        last_id = rows[-1]["Id"]
    assert seen >= size, seen
    return calls


def bulk_query(api: Api, size: int) -> int:
    job = api("POST", "/jobs/query", json={
        "operation": "query", "query": "SELECT Id, Name FROM Account"}).json()
    calls = 1
    while api("GET", f"/jobs/query/{job['id']}").json()["state"] != "JobComplete":
        calls += 1
        time.sleep(0.5)
    locator, rows = "", 0
    while locator != "null":
        params = {"maxRecords": 50000, **({"locator": locator} if locator else {})}
        page = api("GET", f"/jobs/query/{job['id']}/results", params=params)
        rows += int(page.headers["Sforce-NumberOfRecords"])
        locator = page.headers["Sforce-Locator"]
        calls += 1
    assert rows >= size, rows
    return calls + 1


STEPS: list[tuple[str, Callable[[Api, int], int]]] = [
    ("bulk_ingest", bulk_ingest), ("collections_upsert", collections_upsert),
    ("paged_query", paged_query), ("keyset_query", keyset_query), ("bulk_query", bulk_query),
]


def measure(size: int, work: Path, steps: list[str]) -> dict[str, Any]:
    server = salesforce.start(cert_dir=work / "certs", log_file=work / "sf.log",
                              api_limit=10_000_000)
    try:
        api = _client(server.url, server.ca_bundle or "")
        result: dict[str, Any] = {"size": size}
        for name, step in STEPS:
            if name not in steps:
                continue
            started = time.perf_counter()
            calls = step(api, size)
            result[name] = {"seconds": round(time.perf_counter() - started, 2), "calls": calls}
        return result
    finally:
        server.stop()
        result["server_peak_rss_mib"] = round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--steps", default=",".join(name for name, _ in STEPS),
                        help="comma-separated subset of: " + ", ".join(n for n, _ in STEPS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="erpsync-bench-sf-") as work:
        print(json.dumps(measure(args.size, Path(work), args.steps.split(","))), flush=True)


if __name__ == "__main__":
    main()
