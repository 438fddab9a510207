"""The delete window, against the sandbox's getDeleted: when change capture since a cursor can
still see every delete, and when the engine must reconcile key sets instead.

The sandbox of this module runs on its own (unpinned) clock: its ``Date`` headers tell real
time, not a pinned clock (see the report), and the connector reads the org's time from them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from salesforce_support import SandboxControl, api_delete

from connectors.base import Cursor, ReportsDeleteWindow
from connectors.salesforce import SalesforceConnector


def sandbox_now(sandbox: SandboxControl) -> datetime:
    answer = sandbox.http.get(sandbox.url + "/_sandbox/clock", timeout=30)
    answer.raise_for_status()
    return datetime.fromisoformat(answer.json()["now"].replace("Z", "+00:00"))


def test_a_recent_cursor_sees_every_delete_in_one_call(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    assert isinstance(connector, ReportsDeleteWindow)
    (kept, dropped) = sandbox.seed("Account", [{"Name": "keep"}, {"Name": "drop"}])["Account"]
    since = sandbox_now(sandbox)
    api_delete(sandbox, "Account", dropped)
    sandbox.clear_served()

    assert connector.deletes_complete_since("Account", since) is True
    (call,) = sandbox.served_data_calls()
    assert call["path"].endswith("/sobjects/Account/deleted/") and call["status"] == 200
    deleted = [r for r in connector.read_changes("Account", Cursor(since, ""), ["Name"])
               if r.deleted]
    assert [r.key for r in deleted] == [dropped] and kept != dropped


def test_a_cursor_older_than_the_recycle_bin_needs_a_reconcile_without_a_call(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    connector.check()  # learns the org's clock
    sandbox.clear_served()
    old = sandbox_now(sandbox) - timedelta(days=16)
    assert connector.deletes_complete_since("Account", old) is False
    assert sandbox.served_data_calls() == []


def test_deletes_from_before_what_the_org_still_keeps_are_not_vouched_for(
    sandbox: SandboxControl, connector: SalesforceConnector
) -> None:
    """Within 15 days but before the org's ``earliestDateAvailable`` (here: before the
    sandbox's data begins), the org cannot say nothing was deleted: reconcile."""
    earlier = sandbox_now(sandbox) - timedelta(days=2)
    assert connector.deletes_complete_since("Account", earlier) is False
    (call,) = sandbox.served_data_calls()
    assert call["path"].endswith("/deleted/") and call["status"] == 200  # the answer decided
