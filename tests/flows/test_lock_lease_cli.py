"""A killed sync and the lock it leaves, with real processes: `erpsync run customers` is
SIGKILLed after its first page checkpoint; the next `erpsync run` on this host takes the lock
over at once (its holder's process is gone) and converges without duplicates. `erpsync
unlock` shows the holder, refuses while the holder's process runs here unless --force,
releases it and audits who did; `erpsync status` shows a held lock and its lease."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.state.lease import Holder
from engine.state.store import StateStore
from tests.conftest import REPO, Sandboxes
from tests.e2e.people import SalesforceUser
from tests.e2e.sync_helpers import variant
from tests.engine.state.test_lock_lease import here
from tests.engine.state.test_store import state_on
from tests.flows.conftest import ERPSYNC, child_env, erpsync, logs_of, poll

OTHER_HOST = Holder("worker-7:4242:run-b", "worker-7", 4242, "run-b", "other-boot/pid:[1]")
UPSERTS = "/composite/sobjects/Account/"


def store_now() -> StateStore:
    store = StateStore()
    store.migrate()
    return store


@pytest.fixture
def sleeper() -> Iterator[int]:
    """A live process of this host, to hold a lock in its name."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    yield child.pid
    child.kill()
    child.wait()


def upserts(env: Sandboxes) -> int:
    return sum(1 for r in env.sf_writes() if UPSERTS in r["path"])


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state(request: pytest.FixtureRequest, erpsync_env: Sandboxes,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandboxes]:
    """The sandboxes with the state store on SQLite (erpsync_env's) or PostgreSQL."""
    yield from state_on(request.param, erpsync_env, monkeypatch, "erpsync_kill")


def test_a_killed_run_leaves_a_lock_the_next_run_here_takes_over_at_once(
        state: Sandboxes, prefect_api: str, tmp_path: Path) -> None:
    erpsync_env = state
    variant(tmp_path / "m", ("deletes: deactivate", "deletes: deactivate\npage_size: 5"))
    env = child_env(prefect_api, ERPSYNC_MAPPINGS=str(tmp_path / "m"))
    # The second page's upsert waits 5 s in Salesforce: the run is inside it, after its first
    # checkpoint, when it is killed (the hook is the checkpoint itself, read from the state).
    erpsync_env.sf_call("POST", "/_sandbox/faults", {"bursts": [
        {"kind": "latency", "count": 1, "skip": 1, "method": "PATCH",
         "path_contains": UPSERTS, "latency_ms": 5000}]})
    child = subprocess.Popen([ERPSYNC, "run", "customers", "--json"], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    store = store_now()
    try:
        checkpointed = poll(lambda: store.cursor("customers", "sap"),
                            lambda c: c is not None or child.poll() is not None, timeout=300)
        assert checkpointed is not None, child.stderr.read() if child.stderr else ""
        os.killpg(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
        if child.stderr:
            child.stderr.close()
    lock = store.lock("customers")
    assert lock is not None and lock.pid == child.pid, "the killed run's lock is left"
    assert lock.holder_alive() is False
    # Salesforce still carries out the delayed upsert the run was waiting for.
    poll(lambda: upserts(erpsync_env), lambda n: n >= 2)

    second = erpsync("run", "customers", "--json", env=env)

    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["status"] == "completed"
    accounts = SalesforceUser(erpsync_env).accounts()
    assert len(accounts) == 21 and len({a["ERP_Customer_Number__c"] for a in accounts}) == 21
    assert store.lock("customers") is None and store.verify_audit() == []
    took_over = f"took over the lock of customers from {lock.holder}: its process " \
                f"{child.pid} on this host is gone"
    messages = poll(lambda: [entry.message for entry in logs_of(report["flow_run_id"])],
                    lambda found: any(took_over in m for m in found))
    assert any(took_over in m for m in messages)
    store.close()


def test_unlock_refuses_a_holder_running_here_unless_forced_and_audits_it(
        erpsync_env: Sandboxes, sleeper: int) -> None:
    store = store_now()
    holder = here(sleeper)
    store.acquire_lock("customers", holder, lease=600)
    env = child_env("")

    status = erpsync("status", "customers", "--json", env=env)
    refused = erpsync("unlock", "customers", env=env)

    locked_by = json.loads(status.stdout)["syncs"][0]["locked_by"]
    assert locked_by["holder"] == holder.label and locked_by["pid"] == sleeper
    assert locked_by["holder_alive"] is True and locked_by["stale"] is None
    assert {"renewed_at", "lease_ends", "since"} <= set(locked_by)
    assert refused.returncode == 1
    assert holder.label in refused.stdout and "lease ends" in refused.stdout
    assert f"refused: its process {sleeper} is running on this host" in refused.stderr
    assert store.lock("customers") is not None and store.audit_trail("customers") == []

    forced = erpsync("unlock", "customers", "--force", "--by", "ops-anna", env=env)

    assert forced.returncode == 0, forced.stderr
    assert store.lock("customers") is None
    (entry,) = store.audit_trail("customers")
    assert entry["operation"] == "unlock"
    assert f"held by {holder.label}" in entry["reason"]
    assert "released by ops-anna on " in entry["reason"] and "with --force" in entry["reason"]
    assert erpsync("audit", "verify", env=env).returncode == 0
    store.close()


def test_unlock_releases_another_hosts_lock_and_the_next_run_starts(
        erpsync_env: Sandboxes) -> None:
    store = store_now()
    store.acquire_lock("customers", OTHER_HOST, lease=600)
    env = child_env("")

    status = erpsync("status", "customers", env=env)
    released = erpsync("unlock", "customers", "--by", "ops-anna", "--json", env=env)
    again = erpsync("unlock", "customers", env=env)

    assert "worker-7:4242:run-b" in status.stdout and "lock lease" in status.stdout
    assert released.returncode == 0, released.stderr
    assert json.loads(released.stdout)["released"] is True
    assert "cannot be checked from here" in released.stderr
    (entry,) = store.audit_trail("customers")
    assert "released by ops-anna" in entry["reason"] and "--force" not in entry["reason"]
    assert again.returncode == 0 and "customers is not locked" in again.stdout
    assert store.lock("customers") is None
    store.close()
