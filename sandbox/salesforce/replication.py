"""``GET /sobjects/{O}/updated`` and ``/deleted``: the replication windows, and the purge
that makes them real.

* getUpdated covers at most the last 30 days, getDeleted the last 15: a ``start`` further
  back is refused with 400 ``INVALID_REPLICATION_DATE`` (so is an ``end`` not after
  ``start``). Both bounds are truncated to the minute; ``latestDateCovered`` is the end,
  but never later than the current minute.
* Deleted records stay in the recycle bin for 15 days, then are purged: they vanish from
  ``queryAll`` and getDeleted, and ``earliestDateAvailable`` moves to the newest purged
  deletion. A client whose last sync is older than that must reconcile in full.
* More than 600 000 IDs answer ``EXCEEDED_ID_LIMIT``.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getupdated.htm
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_getdeleted.htm
https://developer.salesforce.com/docs/atlas.en-us.api.meta/object_ref/sforce_api_calls_getdeleted_getdeletedresult.htm
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.salesforce.catalog import OBJECTS
from sandbox.salesforce.clock import format_datetime, parse_datetime
from sandbox.salesforce.errors import ApiError
from sandbox.salesforce.schema import Json, ObjectSpec
from sandbox.salesforce.store import Store

UPDATED_DAYS = 30
DELETED_DAYS = 15
MAX_IDS = 600_000
ORG_CREATED = "org_created"


def purge_recycle_bin(store: Store, now: datetime) -> None:
    """Physically remove what has been deleted for more than 15 days, remembering when."""
    cutoff = format_datetime(now - timedelta(days=DELETED_DAYS))
    for obj in OBJECTS.values():
        newest = store.purge_deleted(obj.name, cutoff)
        if newest is not None:
            store.set_meta(f"purged:{obj.name}", newest)


def updated(store: Store, obj: ObjectSpec, params: dict[str, str], now: datetime) -> Json:
    start, end = _window(params, now, UPDATED_DAYS)
    rows = store.changed_between(obj.name, start, end, deleted=False)
    _check_size(rows)
    return {"ids": [i for i, _ in rows], "latestDateCovered": _covered(end, now)}


def deleted(store: Store, obj: ObjectSpec, params: dict[str, str], now: datetime) -> Json:
    start, end = _window(params, now, DELETED_DAYS)
    rows = store.changed_between(obj.name, start, end, deleted=True)
    _check_size(rows)
    earliest = store.get_meta(f"purged:{obj.name}") or store.get_meta(ORG_CREATED)
    return {
        "deletedRecords": [{"id": i, "deletedDate": stamp} for i, stamp in rows],
        "earliestDateAvailable": earliest or format_datetime(now),
        "latestDateCovered": _covered(end, now),
    }


def _window(params: dict[str, str], now: datetime, days: int) -> tuple[str, str]:
    """``start``/``end`` truncated to the minute; a '+' in the offset may arrive as a space."""
    bounds = []
    for name in ("start", "end"):
        moment = parse_datetime(params.get(name, "").replace(" ", "+"))
        if moment is None:
            raise ApiError(400, "INVALID_REPLICATION_DATE", f"{name} is not a valid dateTime")
        bounds.append(moment.replace(second=0, microsecond=0))
    start, end = bounds
    if start < now - timedelta(days=days):
        raise ApiError(400, "INVALID_REPLICATION_DATE",
                       f"startDate must be within the last {days} days")
    if end <= start:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "endDate must be after startDate")
    return format_datetime(start), format_datetime(end)


def _covered(end: str, now: datetime) -> str:
    current_minute = format_datetime(now.replace(second=0, microsecond=0))
    return min(end, current_minute)


def _check_size(rows: list[tuple[str, str]]) -> None:
    if len(rows) > MAX_IDS:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", f"more than {MAX_IDS} IDs in this window; "
                       "choose start and end dates closer together")
