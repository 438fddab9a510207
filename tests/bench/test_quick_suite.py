"""The benchmark suite at its quick size, run as `make bench-quick` runs it (a child process
against real stand-ins and a temporary Prefect server): every benchmark is there for every
size, with values that say the product did what it claims. No time is asserted."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import QUICK_SIZES, parse
from bench.suite import BENCHMARKS
from tests.conftest import REPO

Results = dict[str, Any]


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[Results, Path]:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads((out / "quick.json").read_text()), out


def by_size(results: Results, benchmark: str) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for entry in results["benchmarks"][benchmark]:
        found.setdefault(entry["size"], []).append(entry)
    return found


@pytest.mark.prefect
def test_every_benchmark_at_every_size_and_the_files(quick: tuple[Results, Path]) -> None:
    results, out = quick
    assert results["meta"]["sizes"] == QUICK_SIZES
    for benchmark in BENCHMARKS:
        assert sorted(by_size(results, benchmark)) == QUICK_SIZES, benchmark
    table = (out / "quick.md").read_text()
    assert "## Idempotent re-run" in table and "## Crash-resume" in table
    assert (out / "quick.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.prefect
def test_initial_load_writes_every_customer_once_and_beats_per_record_calls(
        quick: tuple[Results, Path]) -> None:
    for entry in quick[0]["benchmarks"]["initial_load"]:
        run = entry["erpsync"]
        assert entry["records"] >= entry["size"]  # the N partners plus mock-sap's own customers
        assert run["systems"]["salesforce"]["created"] == entry["records"]
        assert run["served_writes"]["sap"] == 0 and run["dead_letters"] == 0
        per_record = entry["baselines"]["per_record"]
        assert per_record["upserted"] == per_record["read"] == entry["records"]
        assert per_record["served_writes"]["salesforce"] == entry["records"]
        collections = entry["baselines"]["collections"]
        assert collections["served_writes"]["salesforce"] == math.ceil(entry["records"] / 200)
        assert run["served_calls"] == run["api_calls"]  # the connectors count what was served
        assert entry["ratios_erpsync_to_baseline"]["per_record"]["calls"] < 1


@pytest.mark.prefect
def test_rerun_writes_nothing_and_incremental_calls_follow_k(
        quick: tuple[Results, Path]) -> None:
    results = quick[0]
    loads = {e["size"]: e for e in results["benchmarks"]["initial_load"]}
    for entry in results["benchmarks"]["idempotent_rerun"]:
        assert entry["writes"] == {"sap": 0, "salesforce": 0}
        assert entry["erpsync"]["systems"]["salesforce"]["writes"] == 0
        assert entry["baseline_collections_rerun"]["served_writes"]["salesforce"] > 0
    for size, runs in by_size(results, "incremental").items():
        steady = {e["k"]: e for e in runs if e["phase"] == "steady"}
        assert set(steady) == set(results["meta"]["ks"])
        for k, entry in steady.items():
            assert entry["sf_updated"] == k and entry["erpsync"]["served_writes"]["sap"] == 0
        assert steady[0]["erpsync"]["served_writes"]["salesforce"] == 0
        assert steady[0]["erpsync"]["api_calls"] < loads[size]["erpsync"]["api_calls"]
        assert steady[0]["sap_read"] <= 1 < steady[10]["sap_read"]


@pytest.mark.prefect
def test_echo_one_write_to_the_erp_none_back(quick: tuple[Results, Path]) -> None:
    for entry in quick[0]["benchmarks"]["echo"]:
        assert entry["erp_writes"] == 1 and entry["crm_writes"] == 0, entry
        assert entry["sap_updated"] == 1 and entry["phone_in_erp"]


@pytest.mark.prefect
def test_memory_orchestration_crash_and_crm_to_erp(quick: tuple[Results, Path]) -> None:
    benchmarks = quick[0]["benchmarks"]
    for entry in benchmarks["memory"]:
        assert entry["erpsync"]["peak_python_mib"] > 0
        assert entry["collections"]["peak_python_mib"] > 0
    for entry in benchmarks["orchestration"]:
        flow = entry["flow"]
        assert flow["task_runs_recorded"] == flow["task_runs_started"] == flow["pages"] + 1
        assert flow["task_runs_per_1000_records"] > 0
        assert 0 <= flow["outside_http_share"] <= 1
        assert 0 <= entry["plain"]["outside_http_share"] <= 1
    for entry in benchmarks["crash_resume"]:
        assert 0 < entry["present_after_kill"] <= entry["expected"]
        assert entry["final_accounts"] == entry["expected"] and entry["duplicates"] == 0
        assert entry["re_sent"] >= 0 and entry["resume"]["status"] == "completed"
    for entry in benchmarks["crm_to_erp"]:
        assert entry["created_in_sap"] == entry["size"]


@pytest.mark.prefect
def test_products_and_orders_with_all_their_lines_arrive_and_a_rerun_writes_nothing(
        quick: tuple[Results, Path]) -> None:
    benchmarks = quick[0]["benchmarks"]
    for entry in benchmarks["products"]:
        run = entry["erpsync"]
        # the N products plus mock-sap's own, each created once
        assert entry["records"] == entry["in_sap"] == entry["in_salesforce"] > entry["size"]
        assert run["dead_letters"] == 0 and run["served_writes"]["sap"] == 0
        assert run["served_calls"] == run["api_calls"]
        assert entry["rerun_writes"] == {"sap": 0, "salesforce": 0}
        assert entry["rerun"]["systems"]["salesforce"]["writes"] == 0
        assert entry["peak_python_mib"] > 0
    for entry in benchmarks["orders"]:
        run = entry["erpsync"]
        assert run["dead_letters"] == 0 and run["served_writes"]["sap"] == 0
        assert entry["orders_in_sap"] == entry["size"] + entry["demo_orders"]
        assert entry["records"] == entry["orders_in_salesforce"] == entry["orders_in_sap"]
        assert entry["seeded_lines"] == entry["size"] * entry["items_per_order"] == \
            entry["lines_in_sap"] - entry["demo_lines"]
        assert entry["lines_in_salesforce"] == entry["lines_in_sap"], "every line arrived"
        assert run["served_calls"] == run["api_calls"]
        assert entry["rerun_writes"] == {"sap": 0, "salesforce": 0}
        assert entry["peak_python_mib"] > 0
    table = (quick[1] / "quick.md").read_text()
    assert "## Initial load of products" in table and "## Initial load of sales orders" in table


def test_sizes_and_skips_are_parameters() -> None:
    config = parse(["--sizes", "1000,10_000", "--ks", "0,5", "--skip", "memory,echo"])
    assert config.sizes == [1000, 10000] and config.ks == [0, 5]
    assert config.skip == {"memory", "echo"} and config.name == "sizes-1000-10000"
    assert parse(["--skip", "products,orders"]).skip == {"products", "orders"}
    with pytest.raises(SystemExit):
        parse(["--skip", "nonsense"])
