"""The `erpsync` command line: demo, run, mappings validate, sandbox, audit; serve, ui and
deployments check (``flows/commands/operations.py``); unlock (``flows/commands/locks.py``)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from connectors.errors import ConfigError, SyncError
from connectors.settings import work_dir
from engine.mapping import MappingError, load_mapping
from flows.commands import locks, operations, review
from flows.mappings_dir import mapping_path, mappings_dir

if TYPE_CHECKING:
    from flows.session import SyncMode

# This machine may have no route to the internet: no telemetry from a temporary Prefect server.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Without PREFECT_API_URL a run starts a temporary server; its first start migrates a database,
# which takes longer than Prefect's 20 s default on a busy 2-core machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

app = typer.Typer(help="Keep ERP and CRM systems in agreement.", no_args_is_help=True)
mappings_app = typer.Typer(help="Check the YAML mappings admins edit.", no_args_is_help=True)
sandbox_app = typer.Typer(help="The local stand-in systems.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(mappings_app, name="mappings")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(audit_app, name="audit")
review.register(app)  # plan, reconcile, status, conflicts, dead-letters
operations.register(app)  # serve, ui, deployments check
locks.register(app)  # unlock

out = Console()
err = Console(stderr=True)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object, nothing else.")]
ModeOption = Annotated[str, typer.Option(
    "--mode", help="incremental (changes since the last run), full (every record) or "
    "reconcile (compare both sides' key and hash sets).")]


@app.command()
def run(sync: str, as_json: JsonFlag = False, mode: ModeOption = "incremental") -> None:
    """Run one sync now, both ways, as a Prefect flow."""
    report = _run_flow(sync, mode)
    if as_json:
        sys.stdout.write(json.dumps(report) + "\n")
    else:
        out.print(counts_table(report))


@app.command()
def demo() -> None:
    """Start the sandbox with fresh data, run the customer sync, print what it did."""
    from sandbox import manager

    err.print("Starting the local sandbox (mock-sap and the Salesforce stand-in)...")
    addresses = manager.up(fresh=True)
    err.print(f"  SAP:        {addresses.sap_base_url}\n  Salesforce: {addresses.salesforce_url}")
    _reset_local_state()
    err.print("Running the customer sync both ways as a Prefect flow...")
    report = _run_flow("customers")
    out.print(counts_table(report))
    out.print(
        "\nThe sandbox keeps running. Try:\n"
        "  .venv/bin/erpsync run customers --json   # again: zero writes on both sides\n"
        "  .venv/bin/erpsync audit show customers <key>\n"
        "  .venv/bin/erpsync sandbox down            # stop it\n")
    out.print(ui_hint(report.get("flow_run_id", "")), markup=False, highlight=False,
              soft_wrap=True)  # an address broken over two lines cannot be clicked


@mappings_app.command("validate")
def mappings_validate(paths: Annotated[list[Path] | None, typer.Argument(
        help="Files to check (default: every mappings/*.yaml).")] = None) -> None:
    """Check mapping files; print every error as file:line:column and exit 1 if any."""
    files = paths or sorted(mappings_dir().glob("*.yaml"))
    failed = False
    for path in files:
        try:
            load_mapping(path)
            out.print(f"[green]ok[/green] {path}")
        except MappingError as exc:
            failed = True
            for issue in exc.issues:
                err.print(str(issue), markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)


@mappings_app.command("schema")
def mappings_schema(output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file (default: standard output).")] = None,
) -> None:
    """Write the JSON Schema of the mapping format, for editors to validate and complete."""
    from engine.mapping.json_schema import mapping_json_schema

    text = json.dumps(mapping_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@sandbox_app.command("up")
def sandbox_up(fresh: Annotated[bool, typer.Option(help="Reset to seed data.")] = False) -> None:
    """Start (or reuse) the local sandbox; its addresses go to .erpsync/sandbox.json."""
    from sandbox import manager

    found = manager.up(fresh=fresh)
    out.print_json(data=found.to_json())


@sandbox_app.command("down")
def sandbox_down() -> None:
    """Stop the local sandbox."""
    from sandbox import manager

    manager.down()


@audit_app.command("show")
def audit_show(sync: str, key: str) -> None:
    """The audit history of the record that has ``key`` in any system."""
    from engine.state.store import StateStore

    rows = StateStore().audit_trail(sync, key)
    table = Table("at", "system", "key", "operation", "fields", "reason")
    for row in rows:
        table.add_row(str(row["at"])[:19], row["system"], row["key"] or "", row["operation"],
                      ", ".join(f["field"] for f in row["fields"]), row["reason"])
    out.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 if any entry was edited or deleted."""
    from engine.state.store import StateStore

    broken = StateStore().verify_audit()
    if broken:
        err.print(f"audit trail broken at entries: {broken}")
        raise typer.Exit(1)
    out.print("audit trail intact")


def counts_table(report: dict[str, Any]) -> Table:
    """The run's counts per system, narrow enough for an 80-column terminal or a pipe (rich
    then renders at 80 columns and would cut wider headers to "creat…")."""
    table = Table(title=f"sync {report['sync']}: {report['status']}", box=box.SIMPLE_HEAD,
                  pad_edge=False, collapse_padding=True)
    for column in ("system", "read", "echoes", "created", "updated", "deleted", "unchanged",
                   "failed", "calls"):
        table.add_column(column, justify="left" if column == "system" else "right",
                         no_wrap=True)
    for system in ("sap", "salesforce", "oracle"):
        if system in report:
            counts = report[system]
            table.add_row(system, *(str(counts.get(c, 0)) for c in (
                "read", "echoes", "created", "updated", "deleted", "unchanged", "failed",
                "api_calls")))
    table.caption = ("calls: API calls made to that system\n"
                     f"conflicts: {report['conflicts']}   held: {report.get('held', 0)}   "
                     f"dead letters: {report['dead_letters']}   pages: {report['pages']}")
    for message in report.get("messages", []):
        table.caption += f"\n{message}"
    return table


def _run_flow(sync: str, mode: str = "incremental") -> dict[str, Any]:
    from flows import ui_server

    ui_server.use_if_running()
    if mode not in MODES:
        err.print(f"erpsync: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        raise typer.Exit(2)
    try:
        load_mapping(mapping_path(sync))  # a bad mapping stops here, before Prefect starts
        from flows.sync_flow import sync as sync_flow

        result = cast("dict[str, Any]", sync_flow(sync, cast("SyncMode", mode)))
    except MappingError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False)
        raise typer.Exit(2) from None
    except (ConfigError, SyncError) as exc:
        err.print(f"erpsync: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    for message in result.get("messages", []):
        err.print(f"erpsync: {message}", markup=False, highlight=False)
    return result


MODES = ("incremental", "full", "reconcile")


def ui_hint(flow_run_id: str) -> str:
    """How to see the run in the Prefect UI: on the Prefect API the run was recorded in when
    one is configured (PREFECT_API_URL, or the local server `make ui` started), else after
    `make ui` starts the local server."""
    from flows import ui_server

    page = f"/runs/flow-run/{flow_run_id}" if flow_run_id else "/runs"
    url = _configured_ui() or ui_server.running()
    if url:
        return f"See this run in the Prefect UI: {url}{page}"
    return ("See this run in the Prefect UI: `make ui` starts the Prefect server (it prints "
            f"its address, http://127.0.0.1:4200 unless that port is taken); then open "
            f"<address>{page}")


def _configured_ui() -> str | None:
    """The UI of the configured Prefect API (Prefect derives it: a server's address without
    /api, or Prefect Cloud's app address); None without one (runs on a temporary server)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    if not PREFECT_API_URL.value():
        return None
    ui = PREFECT_UI_URL.value()
    return str(ui).rstrip("/") if ui else None


def _reset_local_state() -> None:
    """The demo starts from nothing: forget the default local state (never a configured one)."""
    if os.environ.get("ERPSYNC_STATE_URL"):
        err.print("ERPSYNC_STATE_URL is set: keeping that state store as it is")
        return
    for suffix in ("", "-wal", "-shm"):
        (work_dir() / f"state.db{suffix}").unlink(missing_ok=True)
