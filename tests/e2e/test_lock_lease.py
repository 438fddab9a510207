"""The sync lock as a lease, with real runs against the sandboxes: a lock another host holds
within its lease stops a run before it reads anything (SYNC_LOCKED, naming the holder and its
lease); after its lease the next run takes it over and converges; a run whose lock was taken
over stops before its next write, and what it wrote without checkpointing converges on the
next run without duplicates. State on SQLite, and on PostgreSQL where a server answers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from connectors.registry import build_connector
from engine.mapping import load_mapping
from engine.run import SyncLocked, SyncRun
from engine.state import schema as t
from engine.state.lease import Holder, LockLost
from engine.state.store import StateStore, utcnow
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser
from tests.e2e.sync_helpers import run_customers, variant
from tests.e2e.test_interruptions import Scripted, run_with
from tests.engine.state.test_store import state_on

OTHER_HOST = Holder("worker-7:4242:run-b", "worker-7", 4242, "run-b", "other-boot/pid:[1]")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state(request: pytest.FixtureRequest, erpsync_env: Sandboxes,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandboxes]:
    """The sandboxes with the state store on SQLite (erpsync_env's) or PostgreSQL."""
    yield from state_on(request.param, erpsync_env, monkeypatch, "erpsync_lease")


def store_now() -> StateStore:
    store = StateStore()
    store.migrate()
    return store


def age_lock(store: StateStore, seconds: float) -> None:
    """The lock's last renewal ``seconds`` ago (lease expiry without waiting)."""
    with store.engine.begin() as conn:
        conn.execute(update(t.locks).where(t.locks.c.sync == "customers").values(
            renewed_at=utcnow() - timedelta(seconds=seconds)))


def requests_since(env: Sandboxes, mark: int) -> list[str]:
    sap = [r["path"] for r in env.sap_requests()
           if r["id"] > mark and not r["path"].startswith("/_mock")]
    sf = [r["path"] for r in env.sf_requests() if not r["path"].startswith("/_sandbox")]
    return sap + sf


def test_another_hosts_lock_blocks_within_its_lease_and_is_taken_over_after_it(
        state: Sandboxes, caplog: pytest.LogCaptureFixture) -> None:
    store = store_now()
    assert store.acquire_lock("customers", OTHER_HOST, lease=600)
    state.clear_logs()
    mark = max((r["id"] for r in state.sap_requests()), default=0)

    with pytest.raises(SyncLocked) as locked:
        run_customers()

    assert locked.value.code == "SYNC_LOCKED"
    message = str(locked.value)
    for part in ("in progress", "held by worker-7:4242:run-b", "host worker-7, pid 4242",
                 "last renewed", "lease ends", "`erpsync unlock customers`"):
        assert part in message
    assert requests_since(state, mark) == [], "nothing was read"

    age_lock(store, 601)
    with caplog.at_level(logging.WARNING, logger="erpsync.engine"):
        report = run_customers()

    assert report.status == "completed" and report.systems["salesforce"].created == 16
    assert "took over the lock of customers from worker-7:4242:run-b: its lease ended" \
        in caplog.text
    assert store.lock("customers") is None, "released at the end of the run"
    store.close()


def test_a_run_whose_lock_was_taken_over_stops_before_its_next_write(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    mapping = variant(tmp_path / "m", ("deletes: deactivate", "deletes: deactivate\npage_size: 5"))
    loaded = load_mapping(mapping)
    store, taker = store_now(), store_now()
    run = SyncRun(loaded, {s: build_connector(s) for s in loaded.mapping.systems}, store)
    try:
        run.prepare()
        pages = run.pages("sap")
        run.process_page("sap", next(pages))
        cursor = store.cursor("customers", "sap")
        age_lock(store, 601)  # e.g. a page that took longer than the lease
        assert taker.acquire_lock("customers", OTHER_HOST, lease=600)
        erpsync_env.clear_logs()

        with pytest.raises(LockLost, match="now held by worker-7:4242:run-b"):
            run.process_page("sap", next(pages))
        run.finish("failed")

        assert erpsync_env.sf_writes() == [] and erpsync_env.sap_writes() == []
        assert store.cursor("customers", "sap") == cursor
        lock = store.lock("customers")
        assert lock is not None and lock.holder == OTHER_HOST.label, "the taker keeps it"
    finally:
        for connector in run.ctx.connectors.values():
            connector.close()
        store.close()
        taker.close()


def test_a_lock_taken_over_during_a_page_leaves_that_page_unrecorded_and_the_next_run_converges(
        erpsync_env: Sandboxes, tmp_path: Path) -> None:
    """The takeover lands while the page writes (a page slower than the lease): its
    checkpoint refuses it, so nothing of it is recorded as done; the next run matches the
    accounts it wrote and creates no duplicates."""
    mapping = variant(tmp_path / "m", ("deletes: deactivate", "deletes: deactivate\npage_size: 5"))
    taker = store_now()
    recorded = []

    def taken_over_during_second_write(call: int) -> None:
        if call == 2:
            recorded.append(taker.cursor("customers", "sap"))
            age_lock(taker, 601)
            assert taker.acquire_lock("customers", OTHER_HOST, lease=600)

    with pytest.raises(LockLost):
        run_with(mapping, {"salesforce": lambda c: Scripted(c, taken_over_during_second_write)})

    assert recorded[0] is not None, "the first page was checkpointed before the takeover"
    assert taker.cursor("customers", "sap") == recorded[0], "the second page is not recorded"
    taker.release_lock("customers", OTHER_HOST)  # the other run ends
    final = run_customers(mapping)

    assert final.status == "completed"
    accounts = SalesforceUser(erpsync_env).accounts()
    assert len(accounts) == 21 and len({a["ERP_Customer_Number__c"] for a in accounts}) == 21
    assert taker.verify_audit() == []
    taker.close()
