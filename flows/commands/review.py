"""CLI commands around a sync that need a person: plan (dry run), conflicts, dead letters,
reconcile and status. They call the engine directly, without Prefect: a plan or a review is a
question asked at the terminal, not a scheduled run.

Registered on the main app by ``register(app)`` (``flows/cli.py``).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from connectors.base import Connector
from connectors.errors import SyncError
from engine.mapping import MappingError, load_mapping
from engine.mapping.loader import LoadedMapping
from engine.state.store import StateStore
from flows.mappings_dir import mapping_path

out = Console()
err = Console(stderr=True)
T = TypeVar("T")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object, nothing else.")]
conflicts_app = typer.Typer(help="Records held for a person to decide.", no_args_is_help=True)
letters_app = typer.Typer(help="Records that failed, with the reason.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("reconcile")(reconcile)
    app.command("status")(status)
    app.add_typer(conflicts_app, name="conflicts")
    app.add_typer(letters_app, name="dead-letters")


def plan(sync: str, as_json: JsonFlag = False) -> None:
    """Show what a run would change on each side, writing nowhere (a dry run)."""
    from engine.run import plan_sync

    result = _with_sync(sync, plan_sync)
    changes = [change.to_json() for change in result.changes]
    if as_json:
        _print_json({"sync": sync, "changes": changes, "counts": result.report.to_json()})
        return
    table = Table("system", "operation", "key", "field", "before", "after", "why",
                  title=f"plan for {sync}: {len(changes)} change(s), nothing written")
    for change in changes:
        rows = change["fields"] or [{"field": "", "before": "", "after": ""}]
        for i, delta in enumerate(rows):
            head = (change["system"], change["operation"], str(change["key"] or "(new)"))
            table.add_row(*(head if i == 0 else ("", "", "")), delta["field"],
                          _show(delta["before"]), _show(delta["after"]),
                          change["reason"] if i == 0 else "")
    out.print(table)


def reconcile(sync: str, as_json: JsonFlag = False) -> None:
    """Compare both systems' full key and content-hash sets with the state; repair drift."""
    from engine.run import reconcile_sync

    report = _with_sync(sync, reconcile_sync).to_json()
    if as_json:
        _print_json(report)
        return
    table = Table("system", "scanned", "drifted", "missing", title=f"reconcile {sync}")
    for system, counts in report.get("reconciled", {}).items():
        table.add_row(system, *(str(counts[k]) for k in ("scanned", "drifted", "missing")))
    out.print(table)
    _print_messages(report)


def status(sync: Annotated[str | None, typer.Argument(help="One sync (default: all).")] = None,
           as_json: JsonFlag = False) -> None:
    """Per sync: the last run, cursors, counts, open conflicts and dead letters."""
    from engine.status import sync_status

    with _store() as store:
        names = [sync] if sync else store.syncs()
        found = [sync_status(store, name) for name in names]
    if as_json:
        _print_json({"syncs": found})
        return
    for entry in found:
        out.print(_status_table(entry))


@conflicts_app.command("list")
def conflicts_list(sync: str, show_all: Annotated[bool, typer.Option(
        "--all", help="Also decided and applied ones.")] = False,
                   as_json: JsonFlag = False) -> None:
    """Conflicts waiting for a decision (with each side's value)."""
    with _store() as store:
        rows = store.review.conflicts(sync, None if show_all else "open")
    if as_json:
        _print_json({"conflicts": [_plain(r) for r in rows]})
        return
    table = Table("id", "status", "keys", "field", *_systems(rows), "last agreed", "reason")
    for row in rows:
        for i, held in enumerate(row["fields"] or [{"field": "", "values": {}, "base": None}]):
            head = (str(row["id"]), row["status"], _keys(row["keys"])) if i == 0 else ("",) * 3
            table.add_row(*head, held["field"], *(_show(held["values"].get(s))
                                                  for s in _systems(rows)),
                          _show(held["base"]), row["reason"] if i == 0 else "")
    out.print(table)


@conflicts_app.command("resolve")
def conflicts_resolve(
        conflict_id: int,
        take: Annotated[str | None, typer.Option(help="System whose values win.")] = None,
        field: Annotated[list[str] | None, typer.Option(
            help="FIELD=SYSTEM for one field (repeatable); overrides --take.")] = None,
        by: Annotated[str | None, typer.Option(help="Who decides (default: login).")] = None,
) -> None:
    """Decide a held conflict; the next run writes the decision to both systems."""
    from engine.review import resolve

    per_field = dict(_pair(text) for text in field or [])
    with _store() as store:
        resolution = _guard(lambda: resolve(store, conflict_id, take, per_field,
                                            by or getpass.getuser()))
    out.print(f"conflict {conflict_id} resolved: " + ", ".join(
        f"{name} from {system}" for name, system in resolution.items())
        + "; the next run writes it")


@letters_app.command("list")
def letters_list(sync: str, show_all: Annotated[bool, typer.Option(
        "--all", help="Also replayed ones.")] = False, as_json: JsonFlag = False) -> None:
    """Dead letters: error code and class, attempts, the record (secrets masked)."""
    with _store() as store:
        rows = store.dead_letters(sync, None if show_all else "open")
    if as_json:
        _print_json({"dead_letters": [_plain(r) for r in rows]})
        return
    table = Table("id", "status", "from", "system", "key", "stage", "code", "class",
                  "attempts", "message")
    for row in rows:
        table.add_row(str(row["id"]), row["status"],
                      f"{row['source_system'] or ''} {row['source_key'] or ''}", row["system"],
                      row["key"] or "", row["stage"], row["code"], row["error_class"],
                      str(row["attempts"]), row["message"])
    out.print(table)


@letters_app.command("replay")
def letters_replay(sync: str, letter_id: Annotated[list[int] | None, typer.Option(
        "--id", help="Only these dead letters (repeatable).")] = None,
                   as_json: JsonFlag = False) -> None:
    """Read the dead letters' records again and sync them (after a mapping fix)."""
    from engine.run import replay_letters

    report = _with_sync(sync, lambda loaded, connectors, store: replay_letters(
        loaded, connectors, store, letter_id)).to_json()
    if as_json:
        _print_json(report)
        return
    with _store() as store:
        still = len(store.dead_letters(sync, "open"))
    out.print(f"replayed: {report['pages']} page(s); still open: {still}")
    _print_messages(report)


# helpers -----------------------------------------------------------------------------------

@contextmanager
def _store() -> Iterator[StateStore]:
    store = StateStore()
    store.migrate()
    try:
        yield store
    finally:
        store.close()


def _with_sync(sync: str, action: Callable[[LoadedMapping, dict[str, Connector], StateStore],
                                           T]) -> T:
    """Run ``action`` with the sync's mapping, connectors and state; mapping and
    configuration errors end the command with exit code 2 and the reason."""
    from connectors.registry import build_connector
    from flows.secrets import resolve_secret

    def go() -> T:
        loaded = load_mapping(mapping_path(sync))
        connectors = {s: build_connector(s, resolve_secret) for s in loaded.mapping.systems}
        try:
            with _store() as store:
                return action(loaded, connectors, store)
        finally:
            for connector in connectors.values():
                connector.close()

    return _guard(go)


def _guard(action: Callable[[], T]) -> T:
    try:
        return action()
    except MappingError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False)
        raise typer.Exit(2) from None
    except SyncError as exc:
        err.print(f"erpsync: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None


def _pair(text: str) -> tuple[str, str]:
    name, sep, system = text.partition("=")
    if not sep or not name or not system:
        err.print(f"--field wants FIELD=SYSTEM, got {text!r}")
        raise typer.Exit(2)
    return name, system


def _status_table(entry: dict[str, Any]) -> Table:
    table = Table("what", "value", title=f"sync {entry['sync']}")
    run = entry["last_run"]
    if run:
        table.add_row("last run", f"{run['kind']} {run['status']} {run['started_at']} → "
                                  f"{run['finished_at'] or '(running)'}")
        if run["resume_at"] or run["message"]:
            table.add_row("note", f"{run['message'] or ''} (resume at {run['resume_at']})")
        for system in ("sap", "salesforce", "oracle"):
            if system in run["counts"]:
                table.add_row(f"  {system}", _show(run["counts"][system]))
    for system, cursor in entry["cursors"].items():
        table.add_row(f"cursor {system}", f"{cursor['modified_at']} {cursor['key']}")
    for name in ("open_conflicts", "resolved_conflicts", "dead_letters"):
        table.add_row(name.replace("_", " "), str(entry[name]))
    lock = entry["locked_by"]
    if lock:
        table.add_row("locked by", f"{lock['holder']} since {lock['since']}")
        table.add_row("lock lease", f"last renewed {lock['renewed_at']}, ends "
                                    f"{lock['lease_ends']}"
                      + (f" (stale: {lock['stale']})" if lock["stale"] else ""))
    return table


def _print_messages(report: dict[str, Any]) -> None:
    for message in report.get("messages", []):
        err.print(message, markup=False, highlight=False)


def _systems(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({s for row in rows for s in row["keys"]})


def _keys(keys: dict[str, str]) -> str:
    return " ".join(f"{s}:{k}" for s, k in sorted(keys.items()))


def _show(value: Any) -> str:
    return "" if value is None else json.dumps(value, default=str) if not isinstance(
        value, str) else value


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(row, default=str))  # type: ignore[no-any-return]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=str) + "\n")
