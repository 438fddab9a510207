"""`erpsync unlock <sync>`: release a sync's lock that a run left behind (killed, a lost
worker), audited with who released it.

A lock whose holder is gone on this host, or whose lease ended, is taken over by the next run
by itself; this command is for not waiting out the lease of a holder on another host, or
for a holder that must be stopped. Registered on the main app by ``register(app)``.
"""

from __future__ import annotations

import getpass
import json
import socket
import sys
from typing import Annotated

import typer
from rich.console import Console

from connectors.errors import SyncError
from engine.state.lease import LockInfo
from engine.state.records import AuditEntry
from engine.state.store import StateStore, utcnow
from engine.status import lock_json

out = Console()
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command("unlock")(unlock)


def unlock(
        sync: str,
        force: Annotated[bool, typer.Option(
            "--force", help="Release it even while its process runs on this host (that run "
            "then stops at its next page without writing it).")] = False,
        by: Annotated[str | None, typer.Option(
            help="Who releases it, for the audit trail (default: login).")] = None,
        as_json: Annotated[bool, typer.Option(
            "--json", help="Print one JSON object, nothing else.")] = False,
) -> None:
    """Show who holds a sync's lock and release it; refused while the holder's process runs
    on this host, unless --force. Audited."""
    store = StateStore()
    try:
        store.migrate()
        lock = store.lock(sync)
        if lock is None:
            _say(as_json, {"sync": sync, "lock": None, "released": False},
                 f"{sync} is not locked")
            return
        if not as_json:
            _say_plain(out, f"{sync}: {lock.describe(utcnow())}")
        _refuse_a_live_holder(lock, force)
        released = _release(store, lock, by or getpass.getuser(), force)
    except SyncError as exc:
        _say_plain(err, f"erpsync: {exc}")
        raise typer.Exit(2) from None
    finally:
        store.close()
    if not released:
        _say_plain(err, f"erpsync: the lock of {sync} changed meanwhile (released, renewed by "
                   "a new holder or taken over); nothing released — look again with "
                   f"`erpsync status {sync}`")
        raise typer.Exit(1)
    _say(as_json, {"sync": sync, "lock": lock_json(lock), "released": True},
         f"released the lock of {sync} held by {lock.holder}")


def _refuse_a_live_holder(lock: LockInfo, force: bool) -> None:
    alive = lock.holder_alive()
    if alive and not force:
        _say_plain(err, f"erpsync: refused: its process {lock.pid} is running on this host; "
                   "stop it first, or give --force (that run then stops at its next page "
                   "without writing it)")
        raise typer.Exit(1)
    if alive is None and lock.stale_reason(utcnow()) is None:
        _say_plain(err, f"erpsync: its process (host {lock.host or 'unknown'}) cannot be "
                   "checked from here and its lease has not ended: if that run is still "
                   "alive, it stops at its next page without writing it")


def _release(store: StateStore, lock: LockInfo, by: str, force: bool) -> bool:
    """Delete exactly the lock that was shown, with an audit entry, in one transaction."""
    alive = {True: "running on this host", False: "gone from this host",
             None: f"on {lock.host or 'an unknown host'}, not checkable from here"}
    reason = (f"lock of {lock.sync} held by {lock.holder} (last renewed "
              f"{lock.renewed_at.isoformat(timespec='seconds')}, lease ends "
              f"{lock.expires_at.isoformat(timespec='seconds')}; its process "
              f"{alive[lock.holder_alive()]}) released by {by} on {socket.gethostname()}"
              + (" with --force" if force else ""))
    entry = AuditEntry(None, "erpsync", None, "unlock", reason=reason)
    run_id = store.begin_run(lock.sync, kind="unlock")
    released = store.release_lock_by_operator(lock.sync, lock.holder, entry, run_id)
    store.finish_run(run_id, "completed" if released else "failed",
                     {"released": lock.holder if released else None})
    return released


def _say_plain(console: Console, text: str) -> None:
    """Plain text, never wrapped: a holder or a command stays whole for copying."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _say(as_json: bool, data: dict[str, object], text: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, default=str) + "\n")
    else:
        _say_plain(out, text)
