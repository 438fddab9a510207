"""Crash-resume cost: an initial load killed (SIGKILL, no cleanup) once half the records
reached Salesforce, then the next run, and what it sent again.

The load runs in a child process (``python -m bench.crash_resume --child``, the product's
``run_sync`` with the environment the parent gives it). The parent counts the accounts in
Salesforce (``SELECT COUNT() FROM Account``) and kills the child when the count passes half
of what the load will write. A killed run leaves the sync's lock behind; the resume run, an
ordinary run on the same host, sees that its holder's process is gone and takes the lock
over at once (engine/state/lease.py). The result says whether a lock was left.

Re-sent records are the resume run's writes to Salesforce beyond the accounts that were still
missing there: ``created + updated - (expected - present_after_kill)``; re-read records are
the SAP records it read beyond those missing ones (work done twice, even when the write is
then found unnecessary). Duplicates would show as more accounts than expected at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from simple_salesforce.api import Salesforce

from bench.baselines import connect
from bench.erpsync_runs import MAPPING, measured_run
from bench.systems import REPO, Systems

POLL_SECONDS = 0.05
SYNC = "customers"


def crash_and_resume(systems: Systems, state_db: Path, expected: int) -> dict[str, Any]:
    """Kill a fresh load at ~50 % of ``expected`` Salesforce accounts; measure the resume."""
    with requests.Session() as http:
        http.verify = systems.salesforce.ca_bundle or True
        http.trust_env = False
        sf = connect(http, systems.salesforce.url)
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.crash_resume", "--child"], cwd=REPO,
            env={**os.environ, **systems.env(state_db), "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen = _wait_for(sf, child, expected // 2)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        present = _accounts(sf)
        stale_lock = _lock_left(state_db)
        resume = measured_run(systems, state_db, python_memory=False)
        final = _accounts(sf)
    written = resume["systems"]["salesforce"]["created"] + \
        resume["systems"]["salesforce"]["updated"]
    return {"expected": expected, "present_when_killed": seen,
            "present_after_kill": present, "lock_left_by_kill": stale_lock,
            "resume": resume, "resume_sf_writes": written,
            "re_sent": written - (expected - present),
            "re_read_from_sap": resume["systems"]["sap"]["read"] - (expected - present),
            "final_accounts": final,
            "duplicates": max(0, final - expected)}


def _wait_for(sf: Salesforce, child: subprocess.Popen[bytes], threshold: int) -> int:
    while True:
        present = _accounts(sf)
        if present >= threshold:
            return present
        if child.poll() is not None:
            stderr = child.stderr.read().decode() if child.stderr else ""
            raise RuntimeError(f"the load ended (exit {child.returncode}) before it was "
                               f"killed at {present} of {threshold} accounts: {stderr[-2000:]}")
        time.sleep(POLL_SECONDS)


def _accounts(sf: Salesforce) -> int:
    return int(sf.query("SELECT COUNT() FROM Account")["totalSize"])


def _lock_left(state_db: Path) -> bool:
    """Whether the killed run left its lock (the resume run takes it over by itself)."""
    from engine.state.store import StateStore

    store = StateStore(f"sqlite:///{state_db}")
    try:
        return store.lock_holder(SYNC) is not None
    finally:
        store.close()


def child() -> None:
    """The load that gets killed: the product's run_sync, as a script would call it."""
    from connectors.registry import build_connector
    from engine.mapping import load_mapping
    from engine.run import run_sync
    from engine.state.store import StateStore

    loaded = load_mapping(MAPPING)
    store = StateStore()
    store.migrate()
    run_sync(loaded, {s: build_connector(s) for s in loaded.mapping.systems}, store)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", action="store_true", help="run the load to be killed")
    if parser.parse_args().child:
        child()
    else:
        parser.error("run through `python -m bench`; --child is the killed load")


if __name__ == "__main__":
    main()
