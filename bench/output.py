"""The suite's results as files: ``<name>.json`` (everything), ``<name>.md`` (the tables the
README quotes) and ``<name>.png`` (API calls and wall time against N, erpsync and the
baselines; extrapolated points hollow)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Row = Sequence[object]


def write_all(results: dict[str, Any], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    name = results["meta"]["name"]
    paths = [out_dir / f"{name}.json", out_dir / f"{name}.md", out_dir / f"{name}.png"]
    paths[0].write_text(json.dumps(results, indent=1) + "\n")
    paths[1].write_text(markdown(results))
    chart(results, paths[2])
    return paths


# -- Markdown --------------------------------------------------------------------------------


def markdown(results: dict[str, Any]) -> str:
    meta, b = results["meta"], results["benchmarks"]
    machine = meta["machine"]
    parts = [f"# Benchmarks: {meta['name']}\n",
             f"{machine['cpus']} CPUs, Python {machine['python']}, {machine['platform']}; "
             f"sizes {', '.join(map(str, meta['sizes']))}; k {', '.join(map(str, meta['ks']))}; "
             f"per-record baseline capped at {meta['per_record_cap']:,} upserts for larger N "
             f"(the rest extrapolated, marked *). Started {meta['started_at']}.\n"]
    sections = [("Initial load ERP → Salesforce", _initial_load, "initial_load"),
                ("Side by side (same sandbox, same run)", _side_by_side, "initial_load"),
                ("Idempotent re-run right after the load", _rerun, "idempotent_rerun"),
                ("Incremental runs, k changes out of N", _incremental, "incremental"),
                ("Incremental runs: API calls and seconds by k (columns: N)", _by_k,
                 "incremental"),
                ("Echo: one field changed in Salesforce, two runs", _echo, "echo"),
                ("Peak memory against N", _memory, "memory"),
                ("Orchestration overhead (Prefect flow vs plain run_sync)", _orchestration,
                 "orchestration"),
                ("Crash-resume: load killed at 50 %, then resumed", _crash, "crash_resume"),
                ("Initial load Salesforce → ERP (CRM-only accounts)", _crm, "crm_to_erp"),
                ("Initial load of products SAP → Salesforce", _products, "products"),
                ("Initial load of sales orders with their lines SAP → Salesforce", _orders,
                 "orders")]
    for title, render, key in sections:
        if b.get(key):
            header, rows = render(b[key])
            parts.append(f"## {title}\n\n{_table(header, rows)}")
    return "\n".join(parts)


def _table(header: Row, rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(map(str, header)) + " |",
             "|" + "|".join("---:" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _calls(run: dict[str, Any]) -> str:
    s = run["systems"]
    return f"{s['sap']['api_calls']} / {s['salesforce']['api_calls']}"


def _initial_load(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "records", "API calls SAP / SF", "writes SF (calls)", "seconds",
              "records/s", "share outside HTTP", "RSS growth MiB")
    rows: list[Row] = [
        (e["size"], e["records"], _calls(e["erpsync"]),
         e["erpsync"]["served_writes"]["salesforce"], e["erpsync"]["seconds"],
         e["records_per_second"], e["erpsync"]["outside_http_share"],
         e["erpsync"]["peak_rss_growth_mib"]) for e in entries]
    return header, rows


def _side_by_side(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "who", "API calls", "seconds", "erpsync / it: calls", "time",
              "peak Python memory", "RSS growth")
    rows: list[Row] = []
    for e in entries:
        ours = e["erpsync"]
        rows.append((e["size"], "erpsync", ours["served_calls"], ours["seconds"], "", "", "",
                     ""))
        for kind, label in (("per_record", "per-record script"),
                            ("collections", "Collections script")):
            base, ratio = e["baselines"][kind], e["ratios_erpsync_to_baseline"][kind]
            star = "*" if base.get("extrapolated") else ""
            rows.append((e["size"], label, f"{base['served_calls']:,}{star}",
                         f"{base['seconds']:,.2f}{star}", ratio["calls"], ratio["seconds"],
                         ratio.get("peak_python"), ratio["peak_rss_growth"]))
    return header, rows


def _rerun(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "writes SAP / SF (request logs)", "API calls SAP / SF", "seconds",
              "Collections script re-run: writes / seconds")
    rows: list[Row] = [
        (e["size"], f"{e['writes']['sap']} / {e['writes']['salesforce']}",
         _calls(e["erpsync"]), e["erpsync"]["seconds"],
         f"{e['baseline_collections_rerun']['served_writes']['salesforce']} / "
         f"{e['baseline_collections_rerun']['seconds']:.2f}") for e in entries]
    return header, rows


def _incremental(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "k", "run", "read SAP / SF", "updated in SF", "API calls SAP / SF",
              "seconds")
    rows: list[Row] = [
        (e["size"], e["k"], e["phase"], f"{e['sap_read']} / {e['sf_read']}",
         e["sf_updated"], _calls(e["erpsync"]), e["erpsync"]["seconds"])
        for e in entries]
    return header, rows


def _by_k(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    sizes = sorted({e["size"] for e in entries})
    cells = {(e["phase"], e["k"], e["size"]): e["erpsync"] for e in entries}
    keys = sorted({(e["phase"], e["k"]) for e in entries}, key=lambda p: (p[0] != "steady", p[1]))
    header = ("k", *(f"N = {n:,}: calls / seconds" for n in sizes))
    rows: list[Row] = []
    for phase, k in keys:
        label = str(k) if phase == "steady" else f"{k} ({phase})"
        rows.append((label, *(
            f"{cells[(phase, k, n)]['api_calls']} / {cells[(phase, k, n)]['seconds']:.2f}"
            if (phase, k, n) in cells else None for n in sizes)))
    return header, rows


def _echo(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "write calls to SAP (run 1, run 2)", "write calls to SF (run 1, run 2)",
              "SAP records updated", "value arrived in SAP")
    rows: list[Row] = [
        (e["size"], f"{e['erp_writes']} ({', '.join(map(str, e['erp_writes_per_run']))})",
         f"{e['crm_writes']} ({', '.join(map(str, e['crm_writes_per_run']))})",
         e["sap_updated"], "yes" if e["phone_in_erp"] else "NO") for e in entries]
    return header, rows


def _memory(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "erpsync peak Python MiB", "per-record script", "Collections script",
              "erpsync RSS growth MiB", "Collections RSS growth MiB")
    rows: list[Row] = [
        (e["size"], e["erpsync"]["peak_python_mib"], e["per_record"]["peak_python_mib"],
         e["collections"]["peak_python_mib"], e["erpsync"]["peak_rss_growth_mib"],
         e["collections"]["peak_rss_growth_mib"]) for e in entries]
    return header, rows


def _orchestration(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "seconds plain / flow", "task runs (recorded)", "task runs per 1000 records",
              "share outside HTTP plain / flow")
    rows: list[Row] = [
        (e["size"], f"{e['plain']['seconds']:.2f} / {e['flow']['seconds']:.2f}",
         f"{e['flow']['task_runs_started']} ({e['flow']['task_runs_recorded']})",
         e["flow"]["task_runs_per_1000_records"],
         f"{e['plain']['outside_http_share']:.0%} / {e['flow']['outside_http_share']:.0%}")
        for e in entries]
    return header, rows


def _crash(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "records", "in SF when killed", "re-sent by the resume",
              "re-read from SAP", "duplicates", "resume: read SAP / SF",
              "resume: API calls SAP / SF", "resume seconds")
    rows: list[Row] = [
        (e["size"], e["expected"], e["present_after_kill"], e["re_sent"],
         e["re_read_from_sap"], e["duplicates"],
         f"{e['resume']['systems']['sap']['read']} / "
         f"{e['resume']['systems']['salesforce']['read']}",
         _calls(e["resume"]), e["resume"]["seconds"]) for e in entries]
    return header, rows


def _crm(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "created in SAP", "API calls SAP / SF", "seconds", "records/s")
    rows: list[Row] = [
        (e["size"], e["created_in_sap"], _calls(e["erpsync"]),
         e["erpsync"]["seconds"], e["records_per_second"]) for e in entries]
    return header, rows


def _served(run: dict[str, Any]) -> str:
    s = run["systems"]
    return f"{s['sap']['served']['calls']} / {s['salesforce']['served']['calls']}"


def _writes(writes: dict[str, int]) -> str:
    return f"{writes['sap']} / {writes['salesforce']}"


def _products(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "products (in SF)", "API calls SAP / SF (connectors)",
              "served SAP / SF (request logs)", "seconds", "records/s", "peak Python MiB",
              "re-run writes SAP / SF", "re-run calls SAP / SF")
    rows: list[Row] = [
        (e["size"], f"{e['records']:,} ({e['in_salesforce']:,})", _calls(e["erpsync"]),
         _served(e["erpsync"]), e["erpsync"]["seconds"], e["records_per_second"],
         e["peak_python_mib"], _writes(e["rerun_writes"]), _calls(e["rerun"]))
        for e in entries]
    return header, rows


def _orders(entries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    header = ("N", "orders (in SF)", "lines in SAP / SF", "API calls SAP / SF (connectors)",
              "served SAP / SF (request logs)", "seconds", "orders/s", "lines/s",
              "peak Python MiB", "re-run writes SAP / SF", "re-run calls SAP / SF")
    rows: list[Row] = [
        (e["size"], f"{e['records']:,} ({e['orders_in_salesforce']:,})",
         f"{e['lines_in_sap']:,} / {e['lines_in_salesforce']:,}", _calls(e["erpsync"]),
         _served(e["erpsync"]), e["erpsync"]["seconds"], e["records_per_second"],
         e["lines_per_second"], e["peak_python_mib"], _writes(e["rerun_writes"]),
         _calls(e["rerun"])) for e in entries]
    return header, rows


# -- chart -----------------------------------------------------------------------------------


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loads = results["benchmarks"]["initial_load"]
    sizes = [e["size"] for e in loads]
    series = [("erpsync", [e["erpsync"] for e in loads], "o-"),
              ("per-record script", [e["baselines"]["per_record"] for e in loads], "s--"),
              ("Collections script", [e["baselines"]["collections"] for e in loads], "^-.")]
    figure, (calls, seconds) = plt.subplots(1, 2, figsize=(11, 4.5))
    for label, runs, style in series:
        for axis, key in ((calls, "served_calls"), (seconds, "seconds")):
            line = axis.plot(sizes, [r[key] for r in runs], style, label=label)[0]
            extra = [(n, r[key]) for n, r in zip(sizes, runs, strict=True)
                     if r.get("extrapolated")]
            if extra:
                axis.plot(*zip(*extra, strict=True), "o", markerfacecolor="white",
                          color=line.get_color(), markersize=9, label=f"{label} (extrapolated)")
    for axis, title in ((calls, "API calls, initial load ERP → Salesforce"),
                        (seconds, "wall time (s), local stand-ins")):
        axis.set(xscale="log", yscale="log", xlabel="N customers", title=title)
        axis.grid(True, which="both", alpha=0.3)
    calls.legend(fontsize="small")
    figure.suptitle(f"erpsync vs the plain scripts ({results['meta']['name']})")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
