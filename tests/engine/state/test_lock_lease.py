"""The sync lock as a lease, on SQLite and PostgreSQL: a live lock blocks and says who holds it,
a lock not renewed for its lease is taken over, a lock whose process on this host is gone is
taken over at once, every checkpoint renews it, and a holder whose lock was taken over (or
released by an operator) checkpoints nothing more.

Processes are real (a child that runs, a child that has exited); lease expiry is a renewal
time written into the past, never a wait."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import insert, update

from connectors.errors import ConfigError
from engine.state import schema as t
from engine.state.lease import Holder, LockLost, lease_seconds, pid_scope
from engine.state.records import AuditEntry
from engine.state.store import MIGRATIONS, StateStore, utcnow
from tests.engine.state.test_store import commit, drop_postgres_schema, postgres_store

OTHER_HOST = Holder("worker-7:4242:run-b", "worker-7", 4242, "run-b", "other-boot/pid:[1]")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    result = (StateStore(f"sqlite:///{tmp_path}/state.db") if request.param == "sqlite"
              else postgres_store())
    result.migrate()
    yield result
    if request.param == "sqlite":
        result.close()
    else:
        drop_postgres_schema(result)


@pytest.fixture
def exited_pid() -> int:
    """The pid of a process of this host that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def running_pid() -> Iterator[int]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield child.pid
    child.kill()
    child.wait()


def here(pid: int, run_id: str = "run-a") -> Holder:
    host = socket.gethostname()
    return Holder(f"{host}:{pid}:{run_id}", host, pid, run_id, pid_scope())


def age(store: StateStore, sync: str, seconds: float) -> None:
    """Move the lock's last renewal ``seconds`` into the past (no waiting in tests)."""
    with store.engine.begin() as conn:
        conn.execute(update(t.locks).where(t.locks.c.sync == sync).values(
            renewed_at=utcnow() - timedelta(seconds=seconds)))


def test_a_live_lock_of_another_host_blocks_and_names_its_holder(store: StateStore) -> None:
    assert store.acquire_lock("customers", OTHER_HOST, lease=600)
    mine = Holder.this_process("run-c")

    attempt = store.acquire_lock("customers", mine)

    assert not attempt and attempt.current is not None
    assert attempt.current.holder == OTHER_HOST.label and attempt.current.pid == 4242
    assert attempt.current.holder_alive() is None, "another host's pid is never judged"
    text = attempt.current.describe(utcnow())
    assert "worker-7:4242:run-b" in text and "last renewed" in text and "lease ends" in text


def test_a_lock_not_renewed_for_its_lease_is_taken_over(store: StateStore) -> None:
    store.acquire_lock("customers", OTHER_HOST, lease=600)
    age(store, "customers", 599)
    assert not store.acquire_lock("customers", Holder.this_process("run-c"))
    age(store, "customers", 601)

    attempt = store.acquire_lock("customers", Holder.this_process("run-c"))

    assert attempt and attempt.taken_over is not None
    assert attempt.taken_over.holder == OTHER_HOST.label
    assert attempt.reason is not None and "lease ended" in attempt.reason
    lock = store.lock("customers")
    assert lock is not None and lock.holder == Holder.this_process("run-c").label


def test_a_lock_whose_process_on_this_host_is_gone_is_taken_over_at_once(
        store: StateStore, exited_pid: int) -> None:
    store.acquire_lock("customers", here(exited_pid), lease=600)

    attempt = store.acquire_lock("customers", Holder.this_process("run-c"))

    assert attempt and attempt.taken_over is not None
    assert attempt.reason == f"its process {exited_pid} on this host is gone"


def test_a_lock_whose_process_on_this_host_runs_blocks(store: StateStore,
                                                       running_pid: int) -> None:
    store.acquire_lock("customers", here(running_pid), lease=600)

    attempt = store.acquire_lock("customers", Holder.this_process("run-c"))

    assert not attempt and attempt.current is not None
    assert attempt.current.holder_alive() is True


def test_a_pid_from_another_pid_namespace_is_not_judged(store: StateStore,
                                                        exited_pid: int) -> None:
    """A container sharing this host name: its pid means nothing here; the lease decides."""
    host = socket.gethostname()
    other = Holder(f"{host}:{exited_pid}:run-a", host, exited_pid, "run-a", "other/pid:[9]")
    store.acquire_lock("customers", other, lease=600)

    assert not store.acquire_lock("customers", Holder.this_process("run-c"))


def test_each_checkpoint_renews_the_lease(store: StateStore) -> None:
    mine = Holder.this_process("run-1")
    store.acquire_lock("customers", mine, lease=600)
    age(store, "customers", 500)
    before = store.lock("customers")

    store.checkpoint(commit(1))

    after = store.lock("customers")
    assert before is not None and after is not None
    assert after.renewed_at > before.renewed_at and after.acquired_at == before.acquired_at


def test_a_holder_whose_lock_was_taken_over_checkpoints_nothing(store: StateStore) -> None:
    mine = Holder.this_process("run-1")
    store.acquire_lock("customers", mine, lease=60)
    age(store, "customers", 61)
    taker = StateStore(store.url)
    try:
        assert taker.acquire_lock("customers", OTHER_HOST, lease=600)
    finally:
        taker.close()

    with pytest.raises(LockLost, match="now held by worker-7:4242:run-b") as lost:
        store.checkpoint(commit(1, cursor_at=utcnow()))
    with pytest.raises(LockLost):
        store.renew_lock("customers", mine)

    assert lost.value.code == "SYNC_LOCK_LOST"
    assert store.cursors("customers") == {} and store.audit_trail("customers") == []
    assert not store.release_lock("customers", mine), "the new holder's lock stays"
    assert store.lock("customers") is not None


def test_a_lock_released_by_an_operator_is_audited(store: StateStore) -> None:
    mine = Holder.this_process("run-1")
    store.acquire_lock("customers", mine, lease=600)
    entry = AuditEntry(None, "erpsync", None, "unlock", reason="released by ops on box")
    run_id = store.begin_run("customers", kind="unlock")

    assert store.release_lock_by_operator("customers", mine.label, entry, run_id)
    assert not store.release_lock_by_operator("customers", mine.label, entry, run_id)

    (row,) = store.audit_trail("customers")
    assert row["operation"] == "unlock" and row["reason"] == "released by ops on box"
    assert store.verify_audit() == [] and store.lock("customers") is None
    assert store.last_run("customers") is None, "an unlock is not a run of the sync"
    with pytest.raises(LockLost, match="released"):
        store.checkpoint(commit(1))


def test_the_lease_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ERPSYNC_LOCK_LEASE_SECONDS", raising=False)
    assert lease_seconds() == 600
    monkeypatch.setenv("ERPSYNC_LOCK_LEASE_SECONDS", "90")
    assert lease_seconds() == 90
    for bad in ("0", "-5", "ten"):
        monkeypatch.setenv("ERPSYNC_LOCK_LEASE_SECONDS", bad)
        with pytest.raises(ConfigError, match="ERPSYNC_LOCK_LEASE_SECONDS"):
            lease_seconds()


def test_a_lock_left_by_the_previous_version_keeps_its_two_hours(tmp_path: Path) -> None:
    store = StateStore(f"sqlite:///{tmp_path}/old.db")
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
        taken = utcnow()
        conn.execute(insert(t.locks).values(sync="customers", holder="old-host:77:abcd1234",
                                            acquired_at=taken))

    store.migrate()

    lock = store.lock("customers")
    assert lock is not None and lock.renewed_at == taken and lock.lease_seconds == 7200
    assert lock.pid is None and lock.holder == "old-host:77:abcd1234"
    assert not store.acquire_lock("customers", Holder.this_process("run-c"))
    store.close()

