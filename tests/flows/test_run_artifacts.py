"""Artifacts of real runs, read back through Prefect's API: the open-conflicts table with a
conflict a run really held, and the progress artifact moving page by page while a run goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.conftest import Sandboxes
from tests.e2e.people import SalesforceUser, SapUser
from tests.e2e.sync_helpers import variant
from tests.e2e.test_manual_review import MANUAL_CITY, edit_city_in_sap
from tests.flows.conftest import poll, wait_for_artifacts
from tests.flows.test_sync_flow import flow_run_id_of, rows, run_flow

FIVE_A_PAGE = ("deletes: deactivate", "deletes: deactivate\npage_size: 5")


@pytest.mark.prefect
def test_a_held_conflict_shows_in_the_open_conflicts_table_without_its_values(
        erpsync_env: Sandboxes, prefect_api: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The city's policy is manual; SAP and the CRM both change it: the run holds the record
    and the run's open-conflicts table names it, its field and why — never the values (they
    may be personal data; `erpsync conflicts list` shows them to whoever decides)."""
    mapping = variant(tmp_path / "manual", MANUAL_CITY)
    monkeypatch.setenv("ERPSYNC_MAPPINGS", str(mapping.parent))
    sap, sf = SapUser(erpsync_env), SalesforceUser(erpsync_env)
    first = run_flow()
    assert first.is_completed(), first.message
    empty = wait_for_artifacts(flow_run_id_of(first), {"customers-open-conflicts"})
    assert rows(empty["customers-open-conflicts"]) == []

    held_id = sf.account_by_number("1000006")["Id"]
    edit_city_in_sap(sap, "1000006", "Munich")
    sf.update(held_id, BillingCity="Hamburg")

    state = run_flow()

    assert state.is_completed(), state.message
    assert state.result()["held"] == 1
    found = wait_for_artifacts(flow_run_id_of(state), {"customers-open-conflicts",
                                                       "customers-summary"})
    table = found["customers-open-conflicts"]
    (row,) = rows(table)
    assert set(row) == {"id", "keys", "fields", "reason", "waiting since"}
    assert row["keys"] == f"sap: 1000006, salesforce: {held_id}"
    assert row["fields"] == "billing_address.city"
    assert row["reason"] and row["waiting since"][:4] == "2026"
    assert "Munich" not in str(table.data) and "Hamburg" not in str(table.data), \
        "no values in the UI"
    assert "(1)" in str(table.description)
    summary = str(found["customers-summary"].data)
    assert "1 conflict(s) wait for a person" in summary
    assert "erpsync conflicts list customers" in summary


def progress_history(artifact_id: UUID) -> list[dict[str, Any]]:
    """Every update of a progress artifact, oldest first, as Prefect recorded it. The artifact
    itself holds only the latest value (an update is a PATCH); each update also emits a
    ``prefect.artifact.updated`` event with the new value, and the server keeps those."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import (
        EventFilter,
        EventNameFilter,
        EventOrder,
        EventResourceFilter,
    )

    with get_client(sync_client=True) as client:
        page = client.read_events(filter=EventFilter(
            event=EventNameFilter(name=["prefect.artifact.updated"]),
            resource=EventResourceFilter(id=[f"prefect.artifact.{artifact_id}"]),
            order=EventOrder.ASC), limit=50)
        events = list(page.events)
        while page.next_page:
            page = client.read_events_page(str(page.next_page))
            events += page.events
    return [dict(event.payload) for event in events]


@pytest.mark.prefect
def test_the_progress_artifact_moves_page_by_page_before_reaching_100(
        erpsync_env: Sandboxes, prefect_api: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    mapping = variant(tmp_path / "pages", FIVE_A_PAGE)
    monkeypatch.setenv("ERPSYNC_MAPPINGS", str(mapping.parent))

    state = run_flow()

    assert state.is_completed(), state.message
    report = state.result()
    assert report["pages"] >= 5, report  # 16 SAP customers and 5 accounts, five a page
    progress = wait_for_artifacts(flow_run_id_of(state), {"customers-progress"})[
        "customers-progress"]
    assert progress.data == 100 and progress.description == "Run completed"
    history = poll(lambda: progress_history(progress.id),
                   lambda got: any(update.get("data") == 100 for update in got))
    values = [float(update["data"]) for update in history]
    descriptions = [str(update.get("description")) for update in history]
    assert values and values[-1] == 100 and 100 not in values[:-1], history
    assert values == sorted(values), f"it only moves forward: {values}"
    middle = [value for value in values if 0 < value < 100]
    assert len(middle) >= report["pages"], \
        f"a value strictly between 0 and 100 for each page at least: {history}"
    assert "sap → salesforce: 2 page(s), 10 record(s) done" in descriptions, descriptions
    assert any(d.startswith("salesforce → sap: 1 page(s)") for d in descriptions), descriptions
    assert descriptions[-1] == "Run completed"
