"""Query result pages and the server-side cursors (query locators) behind ``nextRecordsUrl``.

A locator looks like a real one (``01g...-2000``: cursor ID, dash, position of the next row).
Cursors hold the snapshot of matching IDs; rows are read when their page is served. Like
Salesforce, an idle cursor expires (15 minutes, real time) and only a bounded number stay open.
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query_more_results.htm
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.salesforce import ids
from sandbox.salesforce.paths import Column
from sandbox.salesforce.schema import Json, ObjectSpec

DEFAULT_BATCH = 2000
MIN_BATCH = 200
IDLE_SECONDS = 15 * 60
MAX_OPEN = 50
LOCATOR = re.compile(r"(?P<cursor>[0-9A-Za-z]{18})-(?P<position>\d+)")
Render = Callable[["Cursor", list[str]], list[Json]]  # the JSON records for some IDs


@dataclass
class Cursor:
    obj: ObjectSpec
    columns: tuple[Column, ...]
    ids: list[str]
    endpoint: str  # "query" or "queryAll", echoed in nextRecordsUrl
    batch: int
    touched: float = field(default_factory=time.monotonic)


class Cursors:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: OrderedDict[str, Cursor] = OrderedDict()
        self._count = 0

    def open(self, cursor: Cursor) -> str:
        with self._lock:
            self._count += 1
            cursor_id = ids.make_id("01g", self._count)
            self._open[cursor_id] = cursor
            while len(self._open) > MAX_OPEN:
                self._open.popitem(last=False)
            return cursor_id

    def get(self, cursor_id: str) -> Cursor | None:
        with self._lock:
            cursor = self._open.get(cursor_id)
            if cursor is None or time.monotonic() - cursor.touched > IDLE_SECONDS:
                self._open.pop(cursor_id, None)
                return None
            cursor.touched = time.monotonic()
            self._open.move_to_end(cursor_id)
            return cursor

    def clear(self) -> None:
        with self._lock:
            self._open.clear()


def batch_size(header: str | None) -> int:
    """``Sforce-Query-Options: batchSize=N``, clamped to 200..2000 as Salesforce does."""
    match = re.search(r"batchSize\s*=\s*(\d+)", header or "")
    if match is None:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(DEFAULT_BATCH, int(match.group(1))))


def page(cursors: Cursors, cursor: Cursor, *, cursor_id: str | None, start: int,
         version: str, render: Render) -> dict[str, Json]:
    """The page of ``cursor`` starting at ``start``; opens the cursor if more pages follow."""
    chunk = cursor.ids[start : start + cursor.batch]
    body: dict[str, Json] = {"totalSize": len(cursor.ids), "done": True}
    following = start + len(chunk)
    if following < len(cursor.ids):
        cursor_id = cursor_id or cursors.open(cursor)
        body["done"] = False
        body["nextRecordsUrl"] = (f"/services/data/v{version}/{cursor.endpoint}/"
                                  f"{cursor_id}-{following}")
    body["records"] = render(cursor, chunk)
    return body
