"""Whether change capture since an instant still sees every delete.

Change capture reads deletes through ``queryAll`` (``IsDeleted = true`` rows in the recycle
bin). Salesforce forgets them: the recycle bin keeps records 15 days, an admin may empty it
sooner, and a background job purges the delete log when it grows large ("sObject Get Deleted",
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getdeleted.html:
"Results are returned for no more than 15 days previous to the day the call is executed (or
earlier if an administrator has purged the Recycle Bin)").

So, for a cursor at ``since``, on the org's clock (from response ``Date`` headers; the
window is the org's, not ours):

* older than ``DELETE_WINDOW``: deletes may be gone; no call needed;
* with ``delete_window_check = "clock"`` (the default) and more than ``EDGE`` inside the
  window: every delete since then is still in the recycle bin, so queryAll's ``IsDeleted``
  rows are complete as far as the window goes; no call needed. What this cannot see is a
  purge *before* 15 days (an admin emptying the recycle bin, hard deletes through the Bulk
  API); orgs that do that choose ``getdeleted``, or reconcile on a schedule;
* otherwise (``getdeleted``, the day at the window's edge, or a clock not learned yet) one
  ``GET /sobjects/{obj}/deleted/?start=..&end=..`` answers: its ``earliestDateAvailable`` is
  the stamp of the last physically deleted record
  (SOAP API Developer Guide, "GetDeletedResult",
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_getdeleted_getdeletedresult.htm);
  when it is after ``since``, deletes between the two are lost. ``INVALID_REPLICATION_DATE``
  (the start is outside what the org still keeps) means the same.

The request spans ``[min(since, now - 2 min), now]``: the start must precede the end by more
than a minute ("getDeleted()", .../sforce_api_calls_getdeleted.htm), and the span's own deleted
records do not matter here, only the two dates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.errors import ConfigError
from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.records import parse_datetime
from connectors.salesforce.retry import logger
from connectors.salesforce.soql import format_datetime

DELETE_WINDOW = timedelta(days=15)
EDGE = timedelta(days=1)
"""The recycle bin's purge runs on the org's schedule, not to the second: within a day of the
window's end, ask instead of computing."""
MIN_SPAN = timedelta(minutes=2)
REPLICATION_DATE_CODES = frozenset({"INVALID_REPLICATION_DATE"})


def deletes_visible_since(client: SalesforceClient, obj: str, since: datetime,
                          check: str = "clock") -> bool:
    """True when every delete of ``obj`` at or after ``since`` can still be read."""
    now = client.server_now()
    if client.knows_server_clock() and since < now - DELETE_WINDOW:
        logger.info("salesforce %s: cursor %s is older than the %s delete window",
                    obj, since.isoformat(), DELETE_WINDOW)
        return False
    if check == "clock" and client.knows_server_clock() and since >= now - DELETE_WINDOW + EDGE:
        return True
    return _asked(client, obj, since)


def _asked(client: SalesforceClient, obj: str, since: datetime) -> bool:
    """getDeleted decides (its answer also teaches the client the org's clock)."""
    now = client.server_now()
    params = {"start": format_datetime(min(since, now - MIN_SPAN)),
              "end": format_datetime(now)}
    try:
        answer = client.rest("GET", f"sobjects/{obj}/deleted/", f"getDeleted {obj}",
                             params=params)
    except ConfigError as exc:
        if exc.code in REPLICATION_DATE_CODES:
            logger.info("salesforce %s: the org no longer keeps deletes from %s (%s)",
                        obj, since.isoformat(), exc.code)
            return False
        raise
    return _earliest_available(answer) <= since


def _earliest_available(answer: Any) -> datetime:
    """``earliestDateAvailable`` of a getDeleted answer; an answer without one means nothing
    was purged yet, as early as anything can be."""
    raw = answer.get("earliestDateAvailable") if isinstance(answer, dict) else None
    return parse_datetime(raw) if raw else datetime.min.replace(tzinfo=UTC)
