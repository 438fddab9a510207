"""The benchmark suite of issue 7: every benchmark at every size, and the baselines beside
erpsync, measured in one process against the same stand-ins.

Per size N (fresh stand-ins each time; SAP seeded with N customer partners, plus mock-sap's
own 16 demo customers; Salesforce emptied before every load):

``baselines``        the plain scripts (``baselines.py``): per-record upserts (for N above
                     ``per_record_cap`` only that many are sent, the rest extrapolated and
                     labelled so) and
                     sObject Collections, each loaded into an empty org; Collections re-run;
``initial_load``     erpsync's first run ERP → Salesforce, as ``run_sync``;
``idempotent_rerun`` the same sync again right after: writes must be 0;
``incremental``      both clocks a day later, one run with a single change (the first run
                     after a load re-reads Salesforce's lookback window, see the README), then
                     k changed SAP partners and one run, for each k;
``echo``             one account's phone changed in Salesforce, then two runs: exactly one
                     write to SAP, none back to Salesforce;
``memory``           the initial load again with tracemalloc on (4x slower, so never timed),
                     and the baselines' loads likewise;
``orchestration``    the initial load as the Prefect flow (``orchestration.py``);
``crash_resume``     a load killed at 50 %, then the resume (``crash_resume.py``);
``crm_to_erp``       the earlier benchmark, N accounts only in Salesforce synced to SAP (its
                     own fresh stand-ins);
``products``         N products SAP → Salesforce, initial load and re-run (``entities.py``,
                     its own fresh stand-ins);
``orders``           N sales orders of 3 lines each SAP → Salesforce, initial load and
                     re-run, customers, products and price book entries set up before
                     (``entities.py``, on the products' stand-ins).

Times are wall-clock seconds of this machine against local stand-ins: an API round trip here
takes about a millisecond, not the hundreds of milliseconds of a real org, so calls matter
more than these seconds suggest. Nothing here asserts a time.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import requests

from bench.baselines import connect, run_baseline, sobject
from bench.crash_resume import crash_and_resume
from bench.entities import entity_loads
from bench.erpsync_runs import measured_run, records_per_second
from bench.initial_load import seed_accounts
from bench.meter import measuring
from bench.orchestration import flow_load, prefect_server
from bench.systems import BP_SERVICE, Systems, started

BENCHMARKS = ("initial_load", "idempotent_rerun", "incremental", "echo", "memory",
              "orchestration", "crash_resume", "crm_to_erp", "products", "orders")
ECHO_PHONE = "+49 30 5550100"
Log = Callable[[str], None]


@dataclass
class Config:
    name: str
    sizes: list[int]
    ks: list[int]
    per_record_cap: int
    out_dir: Path
    work_dir: Path
    skip: set[str] = field(default_factory=set)
    log: Log = print

    def runs(self, benchmark: str) -> bool:
        return benchmark not in self.skip


def run_suite(config: Config) -> dict[str, Any]:
    """Every benchmark at every size; the results as one JSON-ready dict."""
    results: dict[str, Any] = {"meta": _meta(config), "benchmarks": {b: [] for b in BENCHMARKS}}
    benchmarks = results["benchmarks"]
    with ExitStack() as stack:
        prefect: list[str] = []

        def ensure_prefect() -> None:
            if not prefect:
                config.log("starting a temporary Prefect server")
                prefect.append(stack.enter_context(prefect_server(config.work_dir / "prefect")))

        for size in config.sizes:
            config.log(f"N = {size}: ERP -> Salesforce")
            for name, entry in _erp_to_crm(size, config, ensure_prefect):
                benchmarks[name].append(entry)
            if config.runs("crm_to_erp"):
                config.log(f"N = {size}: Salesforce -> ERP")
                benchmarks["crm_to_erp"].append(_crm_to_erp(size, config))
            wanted = {name for name in ("products", "orders") if config.runs(name)}
            if wanted:
                for name, entry in entity_loads(size, config.work_dir, wanted, config.log):
                    benchmarks[name].append(entry)
    _memory_ratios(benchmarks)
    return results


def _memory_ratios(benchmarks: dict[str, list[dict[str, Any]]]) -> None:
    """Peak Python memory ratios, from the tracemalloc runs, beside the initial loads."""
    peaks = {e["size"]: e for e in benchmarks["memory"]}
    for load in benchmarks["initial_load"]:
        memory = peaks.get(load["size"])
        for kind, ratios in load["ratios_erpsync_to_baseline"].items():
            ratios["peak_python"] = None if memory is None else _ratio(
                memory["erpsync"]["peak_python_mib"], memory[kind]["peak_python_mib"])


def _erp_to_crm(size: int, config: Config, ensure_prefect: Callable[[], None]
                ) -> Iterator[tuple[str, dict[str, Any]]]:
    work = config.work_dir / f"n{size}"
    with started(work) as systems:
        systems.seed_partners(size)
        baselines = _baselines(systems, size, config)
        load = _fresh_load(systems, work / "main.db", config, "initial load")
        records = load["systems"]["salesforce"]["created"]
        yield "initial_load", _initial_load(size, records, load, baselines)
        yield "idempotent_rerun", _rerun(size, systems, work / "main.db", baselines, config)
        if config.runs("incremental"):
            yield from (("incremental", e) for e in _incremental(size, systems, work, config))
        if config.runs("echo"):
            yield "echo", _echo(size, systems, work / "main.db", config)
        if config.runs("memory"):
            yield "memory", _memory(size, systems, work, config, baselines)
        if config.runs("orchestration"):
            ensure_prefect()
            systems.reset_salesforce()
            config.log("  initial load as the Prefect flow")
            flow = flow_load(systems, work / "prefect.db")
            yield "orchestration", {"size": size, "plain": _plain_share(load), "flow": flow}
        if config.runs("crash_resume"):
            systems.reset_salesforce()
            config.log("  load killed at 50 %, then resumed")
            crash = crash_and_resume(systems, work / "crash.db", records)
            yield "crash_resume", {"size": size, **crash}


def _fresh_load(systems: Systems, state_db: Path, config: Config, what: str) -> dict[str, Any]:
    systems.reset_salesforce()
    config.log(f"  {what}")
    return measured_run(systems, state_db, python_memory=False)


# -- baselines -------------------------------------------------------------------------------


def _baselines(systems: Systems, size: int, config: Config) -> dict[str, Any]:
    # Capped only when N is above the cap (mock-sap's own 16 customers ride along uncapped).
    cap = None if size <= config.per_record_cap else config.per_record_cap
    config.log(f"  baseline per record ({'all' if cap is None else cap} upserts)")
    per_record = _baseline_run(systems, "per_record", cap)
    config.log("  baseline sObject Collections, twice")
    collections = _baseline_run(systems, "collections", None)
    rerun = _baseline_run(systems, "collections", None, reset=False)
    return {"per_record": _extrapolated(per_record), "collections": collections,
            "collections_rerun": rerun}


def _baseline_run(systems: Systems, kind: str, cap: int | None, *, reset: bool = True,
                  python_memory: bool = False) -> dict[str, Any]:
    if reset:
        systems.reset_salesforce()
    systems.mark_logs()
    with measuring(python_memory=python_memory) as cost:
        counts = run_baseline(systems, kind, cap)
    served = systems.counted()
    return {**counts, **cost.as_json(),
            "served_calls": sum(c.calls for c in served.values()),
            "served": {s: c.as_json() for s, c in served.items()},
            "served_writes": {s: c.writes for s, c in served.items()}}


def _extrapolated(run: dict[str, Any]) -> dict[str, Any]:
    """A capped per-record run scaled to all records: one call and the measured mean upsert
    time per record not sent. Marked ``extrapolated``; the measured values stay beside."""
    read, sent = run["read"], run["upserted"]
    if sent >= read:
        return {**run, "extrapolated": False}
    upsert_seconds = run["seconds"] - run["read_seconds"]
    return {**run, "extrapolated": True, "measured_seconds": run["seconds"],
            "measured_served_calls": run["served_calls"],
            "seconds": round(run["read_seconds"] + upsert_seconds * read / sent, 3),
            "served_calls": run["served_calls"] + (read - sent)}


# -- erpsync benchmarks ----------------------------------------------------------------------


def _initial_load(size: int, records: int, load: dict[str, Any],
                  baselines: dict[str, Any]) -> dict[str, Any]:
    ratios = {kind: {
        "calls": _ratio(load["served_calls"], base["served_calls"]),
        "seconds": _ratio(load["seconds"], base["seconds"]),
        "peak_rss_growth": _ratio(load["peak_rss_growth_mib"], base["peak_rss_growth_mib"]),
    } for kind, base in (("per_record", baselines["per_record"]),
                         ("collections", baselines["collections"]))}
    return {"size": size, "records": records,
            "records_per_second": records_per_second(records, load["seconds"]),
            "erpsync": load, "baselines": {k: baselines[k] for k in ("per_record",
                                                                    "collections")},
            "ratios_erpsync_to_baseline": ratios}


def _rerun(size: int, systems: Systems, state_db: Path, baselines: dict[str, Any],
           config: Config) -> dict[str, Any]:
    config.log("  idempotent re-run")
    run = measured_run(systems, state_db, python_memory=False)
    return {"size": size, "erpsync": run, "writes": run["served_writes"],
            "baseline_collections_rerun": baselines["collections_rerun"]}


def _incremental(size: int, systems: Systems, work: Path, config: Config
                 ) -> Iterator[dict[str, Any]]:
    """A day later: the first run after the load (one change), then k changes per run."""
    systems.next_day()
    keys = systems.partner_keys
    offset = 0
    for label, wanted in [("first run after the load", 1), *(("steady", k) for k in config.ks)]:
        k = min(wanted, len(keys))
        config.log(f"  incremental, {k} changes ({label})")
        chosen = [keys[(offset + i) % len(keys)] for i in range(k)]
        offset += k
        systems.change_partners(chosen, f"k{k}")
        run = measured_run(systems, work / "main.db", python_memory=False)
        yield {"size": size, "k": k, "phase": label, "erpsync": run,
               "sf_updated": run["systems"]["salesforce"]["updated"],
               "sap_read": run["systems"]["sap"]["read"],
               "sf_read": run["systems"]["salesforce"]["read"]}


def _echo(size: int, systems: Systems, state_db: Path, config: Config) -> dict[str, Any]:
    """One field changed in Salesforce by a user; two runs; what each system received."""
    config.log("  echo: one Salesforce change, two runs")
    key = systems.partner_keys[-1]
    number = key.lstrip("0")  # the mapping stores the number without leading zeros
    with requests.Session() as http:
        http.verify = systems.salesforce.ca_bundle or True
        http.trust_env = False
        sf = connect(http, systems.salesforce.url)
        found = sf.query("SELECT Id FROM Account WHERE ERP_Customer_Number__c = "  # noqa: S608
                         f"'{number}'")["records"]
        sobject(sf, "Account").update(found[0]["Id"], {"Phone": ECHO_PHONE})
    runs = [measured_run(systems, state_db, python_memory=False) for _ in range(2)]
    to_erp = [r["served_writes"]["sap"] for r in runs]
    back = [r["served_writes"]["salesforce"] for r in runs]
    return {"size": size, "erp_writes": sum(to_erp), "crm_writes": sum(back),
            "erp_writes_per_run": to_erp, "crm_writes_per_run": back,
            "sap_updated": sum(r["systems"]["sap"]["updated"] for r in runs),
            "phone_in_erp": _sap_phone(systems, key) == ECHO_PHONE, "runs": runs}


def _sap_phone(systems: Systems, key: str) -> str:
    response = requests.get(
        systems.sap.url + BP_SERVICE + f"/A_BusinessPartner('{key}')/to_BusinessPartnerAddress",
        params={"$format": "json"}, timeout=60)
    response.raise_for_status()
    rows = response.json()["d"]["results"]
    return str(rows[0].get("PhoneNumber", "")) if rows else ""


def _memory(size: int, systems: Systems, work: Path, config: Config,
            baselines: dict[str, Any]) -> dict[str, Any]:
    """The loads again with tracemalloc on: peak Python memory (times not used)."""
    systems.reset_salesforce()
    config.log("  memory: the loads again with tracemalloc")
    load = measured_run(systems, work / "memory.db", python_memory=True)
    cap = baselines["per_record"]["upserted"]
    per_record = _baseline_run(systems, "per_record", cap, python_memory=True)
    collections = _baseline_run(systems, "collections", None, python_memory=True)
    return {"size": size,
            "erpsync": {k: load[k] for k in ("peak_python_mib", "peak_rss_growth_mib")},
            "per_record": {k: per_record[k] for k in ("peak_python_mib", "peak_rss_growth_mib",
                                                     "upserted", "read")},
            "collections": {k: collections[k] for k in ("peak_python_mib",
                                                       "peak_rss_growth_mib")}}


def _plain_share(load: dict[str, Any]) -> dict[str, Any]:
    return {k: load[k] for k in ("seconds", "http_seconds", "outside_http_share", "api_calls")}


# -- CRM -> ERP ------------------------------------------------------------------------------


def _crm_to_erp(size: int, config: Config) -> dict[str, Any]:
    work = config.work_dir / f"crm{size}"
    with started(work) as systems:
        seed_accounts(systems.salesforce.url, systems.salesforce.ca_bundle or "", size)
        run = measured_run(systems, work / "state.db", python_memory=False)
    created = run["systems"]["sap"]["created"]
    return {"size": size, "created_in_sap": created,
            "records_per_second": records_per_second(created, run["seconds"]), "erpsync": run}


# -- helpers ---------------------------------------------------------------------------------


def _ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or not theirs:
        return None
    return round(ours / theirs, 3)


def _meta(config: Config) -> dict[str, Any]:
    return {"name": config.name, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sizes": config.sizes, "ks": config.ks, "per_record_cap": config.per_record_cap,
            "skipped": sorted(config.skip),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "platform": platform.platform(), "processor": platform.machine()},
            "versions": {name: version(name) for name in ("prefect", "simple-salesforce",
                                                           "mock-sap")}}
