"""The delete window, against the sandbox's getDeleted and clock: when change capture since a
cursor can still see every delete, and when the engine must reconcile key sets instead.

The sandbox of this module runs on its own (unpinned) clock: its ``Date`` headers tell real
time, not a pinned clock (see the report), and the connector reads the org's time from them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from salesforce_support import SandboxControl, api_delete, make_settings

from connectors.base import Cursor, ReportsDeleteWindow
from connectors.salesforce import SalesforceConnector


def sandbox_now(sandbox: SandboxControl) -> datetime:
    answer = sandbox.http.get(sandbox.url + "/_sandbox/clock", timeout=30)
    answer.raise_for_status()
    return datetime.fromisoformat(answer.json()["now"].replace("Z", "+00:00"))


def test_a_cursor_well_inside_the_window_needs_no_call(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    """``delete_window_check = "clock"`` (the default): the org's clock, learned from any
    earlier answer, says the recycle bin still holds every delete since the cursor."""
    assert isinstance(connector, ReportsDeleteWindow)
    (dropped,) = sandbox.seed("Account", [{"Name": "drop"}])["Account"]
    since = sandbox_now(sandbox)
    api_delete(sandbox, "Account", dropped)
    deleted = [r for r in connector.read_changes("Account", Cursor(since, ""), ["Name"])
               if r.deleted]
    sandbox.clear_served()

    assert connector.deletes_complete_since("Account", since - timedelta(days=13)) is True
    assert sandbox.served_data_calls() == []
    assert [r.key for r in deleted] == [dropped]


def test_a_cursor_within_a_day_of_the_windows_end_asks_getdeleted(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    """The purge runs on the org's schedule, so near the edge the org decides; here the
    sandbox's data begins after the cursor (``earliestDateAvailable``): reconcile."""
    connector.check()
    sandbox.clear_served()
    near_edge = sandbox_now(sandbox) - timedelta(days=14, hours=12)
    assert connector.deletes_complete_since("Account", near_edge) is False
    (call,) = sandbox.served_data_calls()
    assert call["path"].endswith("/sobjects/Account/deleted/") and call["status"] == 200


def test_getdeleted_mode_asks_every_time(sandbox: SandboxControl) -> None:
    settings = make_settings(sandbox.url, sandbox.ca_bundle, delete_window_check="getdeleted")
    with SalesforceConnector(settings) as connector:
        connector.check()
        since = sandbox_now(sandbox)
        sandbox.clear_served()
        assert connector.deletes_complete_since("Account", since) is True
        (call,) = sandbox.served_data_calls()
        assert call["path"].endswith("/sobjects/Account/deleted/") and call["status"] == 200


def test_a_cursor_older_than_the_recycle_bin_needs_a_reconcile_without_a_call(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    connector.check()  # learns the org's clock
    sandbox.clear_served()
    old = sandbox_now(sandbox) - timedelta(days=16)
    assert connector.deletes_complete_since("Account", old) is False
    assert sandbox.served_data_calls() == []


def test_deletes_from_before_what_the_org_still_keeps_are_not_vouched_for(
    sandbox: SandboxControl,
) -> None:
    """Within 15 days but before the org's ``earliestDateAvailable`` (here: before the
    sandbox's data begins; in a real org: after an admin emptied the recycle bin), the org
    cannot say nothing was deleted: with ``getdeleted`` the run reconciles."""
    settings = make_settings(sandbox.url, sandbox.ca_bundle, delete_window_check="getdeleted")
    with SalesforceConnector(settings) as connector:
        connector.check()
        sandbox.clear_served()
        earlier = sandbox_now(sandbox) - timedelta(days=2)
        assert connector.deletes_complete_since("Account", earlier) is False
        (call,) = sandbox.served_data_calls()
        assert call["path"].endswith("/deleted/") and call["status"] == 200  # the answer decided


def test_without_the_orgs_clock_getdeleted_decides(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    """A connector that has not heard from the org yet does not trust its own clock."""
    since = sandbox_now(sandbox)
    assert connector.deletes_complete_since("Account", since) is True
    (call,) = sandbox.served_data_calls()
    assert call["path"].endswith("/sobjects/Account/deleted/")
