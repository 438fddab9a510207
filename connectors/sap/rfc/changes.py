"""Change capture over RFC: which keys changed since a cursor, in ``(stamp, key)`` order.

No customer or material BAPI says when a record last changed (see ``objects.py``), so stamps
come from a table read with RFC_READ_TABLE (``settings.ChangeTable``): a date column, an
optional time column, in the SAP system's time zone, turned into aware UTC. With a date only,
a record's stamp is the start of its change day, and every run re-reads the cursor's day
(the engine's content hashes drop what did not change).

RFC_READ_TABLE cannot sort, and paging it with ROWSKIPS over rows that change meanwhile can
skip a row that slides across a page boundary. So the window is read in two passes:

1. the date column alone, ``COUNT_PAGE`` rows a call, only to count rows per day;
2. runs of consecutive days holding about ``bucket_size`` rows each, every run read whole in
   one call and sorted here. Memory holds one count page of dates or one run (a single day
   with more rows than ``bucket_size`` is one run), never the window: see
   ``bench/rfc_change_capture.py``. The last run has no upper bound, so a record changed
   during the read is still seen (or, stamped later than everything read, by the next run).

A key that has rows on several days (change documents) appears once per run it falls into,
with that run's newest stamp; the engine's de-duplication absorbs the repeat.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.base import Cursor
from connectors.errors import ConfigError
from connectors.sap.keys import alpha_in, key_forms
from connectors.sap.rfc import table_query
from connectors.sap.rfc.settings import ChangeTable
from connectors.sap.rfc.table_query import Condition, TableQuery

ReadTable = Callable[[dict[str, Any]], dict[str, Any]]
"""Runs RFC_READ_TABLE with the given import parameters."""

COUNT_PAGE = 5000  # rows of the date column per call while counting


@dataclass(frozen=True, order=True)
class Stamp:
    at: datetime
    key: str


class ChangeLog:
    """The keys of one object's change table, read as described in the module docstring."""

    def __init__(self, spec: ChangeTable, query: TableQuery, zone: ZoneInfo,
                 read: ReadTable) -> None:
        self.spec = spec
        self.query = query
        self.zone = zone
        self._read = read
        for name in (spec.key, spec.date, spec.time, *spec.equals, *spec.not_blank,
                     *spec.columns.values()):
            if name:
                query.column(name)

    def changed(self, since: Cursor | None, bucket_size: int) -> Iterator[list[Stamp]]:
        """Runs of stamps at or after ``since`` (keyset: same stamp, key >= cursor's), each
        run sorted, runs in order."""
        base = self._base(since)
        days = sorted(self._count_days(base).items())
        for first, last in _runs(days, bucket_size):
            stamps = self._stamps(base, first, last)
            if since is not None:
                floor = Stamp(since.modified_at.astimezone(UTC), since.key)
                stamps = [s for s in stamps if s >= floor]
            if stamps:
                yield stamps

    def keys_where(self, field_name: str, values: Sequence[str]) -> list[str]:
        """Keys of rows whose column for record field ``field_name`` is one of ``values``."""
        column = self.spec.columns.get(field_name)
        if column is None:
            raise ConfigError(
                f"{self.spec.table}: no column configured for {field_name!r}; known: "
                f"{', '.join(sorted(self.spec.columns))} (ERPSYNC_SAP_CHANGE_TABLES)",
                code="UNSUPPORTED_FIELD", system="sap")
        condition = self._and(self._fixed(), self.query.one_of(column, list(values)))
        found = self._rows([self.spec.key], condition)
        return list(dict.fromkeys(row[self.spec.key] for row in found))

    def stamps_of(self, keys: Sequence[str]) -> dict[str, Stamp]:
        """The newest stamp of each of ``keys`` (found ones only), by ALPHA-normalised key;
        each key is asked for in both its spellings."""
        forms = list(dict.fromkeys(form for key in keys for form in key_forms(key)))
        condition = self._and(self._fixed(), self.query.one_of(self.spec.key, forms))
        newest: dict[str, Stamp] = {}
        for stamp in self._newest(self._rows(self._stamp_columns(), condition)):
            newest[alpha_in(stamp.key)] = stamp
        return newest

    # -- the two passes -------------------------------------------------------------------

    def _count_days(self, base: Condition | None) -> Counter[str]:
        counts: Counter[str] = Counter()
        skip = 0
        while self._count_page(counts, base, skip) == COUNT_PAGE:
            skip += COUNT_PAGE
        return counts

    def _count_page(self, counts: Counter[str], base: Condition | None, skip: int) -> int:
        """Count one page of dates into ``counts``; the page is gone when this returns, so
        two pages are never held at once."""
        page = self._rows([self.spec.date], base, rowcount=COUNT_PAGE, rowskips=skip)
        counts.update(row[self.spec.date] for row in page)
        return len(page)

    def _stamps(self, base: Condition | None, first: str, last: str | None) -> list[Stamp]:
        """Stamps of days ``first`` to ``last`` (open when ``None``), newest per key, sorted.
        The upper bound is "before the next day", which also holds for a stand-in that keeps
        a time after the date."""
        bounds = [self.query.compare(self.spec.date, ">=", self._literal(_date(first)))]
        if last is not None:
            next_day = _date(last) + timedelta(days=1)
            bounds.append(self.query.compare(self.spec.date, "<", self._literal(next_day)))
        condition = self._and(base, self.query.all_of(bounds))
        return self._newest(self._rows(self._stamp_columns(), condition))

    def _stamp_columns(self) -> list[str]:
        return [self.spec.key, self.spec.date, *([self.spec.time] if self.spec.time else [])]

    def _newest(self, rows: list[dict[str, str]]) -> list[Stamp]:
        """One stamp per key, its newest, sorted by ``(stamp, key)``."""
        newest: dict[str, Stamp] = {}
        for row in rows:
            stamp = Stamp(self._instant(row), row[self.spec.key])
            if stamp.key not in newest or newest[stamp.key] < stamp:
                newest[stamp.key] = stamp
        return sorted(newest.values())

    # -- conditions and rows --------------------------------------------------------------

    def _base(self, since: Cursor | None) -> Condition | None:
        condition = self._fixed()
        if since is not None:
            day = self._literal(since.modified_at.astimezone(self.zone).date())
            condition = self._and(condition, self.query.compare(self.spec.date, ">=", day))
        return condition

    def _literal(self, day: date) -> str:
        return day.isoformat() if self.spec.date_literals == "iso" else day.strftime("%Y%m%d")

    def _fixed(self) -> Condition | None:
        parts = [self.query.compare(c, "=", v) for c, v in sorted(self.spec.equals.items())]
        parts += [self.query.compare(c, "<>", "") for c in self.spec.not_blank]
        return self.query.all_of(parts)

    def _and(self, left: Condition | None, right: Condition | None) -> Condition | None:
        return self.query.all_of([c for c in (left, right) if c is not None])

    def _rows(self, fields: list[str], condition: Condition | None, *, rowcount: int = 0,
              rowskips: int = 0) -> list[dict[str, str]]:
        params = table_query.parameters(self.spec.table, fields, condition,
                                        rowcount=rowcount, rowskips=rowskips)
        return table_query.rows(self._read(params))

    def _instant(self, row: dict[str, str]) -> datetime:
        day = _date(row[self.spec.date])
        clock = _time(row.get(self.spec.time, "")) if self.spec.time else time()
        return datetime.combine(day, clock, tzinfo=self.zone).astimezone(UTC)


def _runs(days: Sequence[tuple[str, int]], size: int) -> Iterator[tuple[str, str | None]]:
    """Consecutive days grouped into runs of about ``size`` rows; the last run is open."""
    start, total = None, 0
    for index, (day, count) in enumerate(days):
        if start is None:
            start, total = day, 0
        total += count
        last = index == len(days) - 1
        if last:
            yield start, None
        elif total + days[index + 1][1] > size:
            yield start, day
            start = None


def _date(text: str) -> date:
    digits = text.replace("-", "")
    if len(digits) != 8 or not digits.isdigit() or digits == "00000000":
        return date(1970, 1, 1)  # an initial (never set) date sorts first
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def _time(text: str) -> time:
    digits = text.replace(":", "")
    if len(digits) != 6 or not digits.isdigit():
        return time()
    return time(int(digits[:2]), int(digits[2:4]), int(digits[4:]))
