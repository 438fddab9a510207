"""The same sync with its state on PostgreSQL (as several workers would share it): a first
run, a change both ways, a held conflict resolved, and a run with nothing new that writes
nothing. Skipped with the reason when no PostgreSQL server answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.review import resolve
from engine.state.store import StateStore
from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import run_customers, variant
from tests.engine.state.test_store import drop_postgres_schema, postgres_store


@pytest.fixture
def on_postgres(erpsync_env: Sandboxes, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandboxes]:
    store = postgres_store("erpsync_e2e")
    monkeypatch.setenv("ERPSYNC_STATE_URL", store.url)
    yield erpsync_env
    drop_postgres_schema(store)


def test_sync_review_and_quiet_rerun_with_state_on_postgres(on_postgres: Sandboxes,
                                                           tmp_path: Path) -> None:
    mapping = variant(tmp_path / "m", ("conflicts:\n  policy: newest_wins",
                                       "conflicts:\n  policy: manual"))
    sap, sf = SapUser(on_postgres), SalesforceUser(on_postgres)
    first = run_customers(mapping)
    assert first.systems["salesforce"].created == 16 and first.systems["sap"].created == 5
    account = sf.account_by_number("1000003")["Id"]
    sf.update(account, BillingCity="Lyon")
    sap.update_address("1000003", CityName="Porto")
    sap.update("1000003", SearchTerm1="PORTO")

    assert run_customers(mapping).held == 1
    store = StateStore()
    (conflict,) = store.review.conflicts("customers", "open")
    resolve(store, conflict["id"], "sap", {}, "reviewer")
    run_customers(mapping)

    assert sf.account_by_number("1000003")["BillingCity"] == "Porto"
    on_postgres.clear_logs()
    quiet = run_customers(mapping)
    assert on_postgres.sap_writes() == [] and on_postgres.sf_writes() == []
    assert all(c.writes == 0 for c in quiet.systems.values())
    assert store.url.startswith("postgresql") and store.verify_audit() == []
    store.close()
