"""Records in SQLite: one row per record, the fields as a JSON document.

Indexed by SystemModstamp (how change capture reads) and by every External ID / unique field
(case-folded, as Salesforce matches them), so upserts and duplicate checks stay fast with many
rows. ``:memory:`` gives a throwaway org; a file survives restarts. ID counters live in their
own table and survive ``clear()``, so an ID is never handed out twice by the same database.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sandbox.salesforce.schema import Json

_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_TABLES = (
    "CREATE TABLE IF NOT EXISTS records ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, sobject TEXT NOT NULL,"
    " is_deleted INTEGER NOT NULL DEFAULT 0, system_modstamp TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS records_modstamp ON records (sobject, system_modstamp)",
    "CREATE TABLE IF NOT EXISTS sequences (prefix TEXT PRIMARY KEY, last INTEGER NOT NULL)",
)


@dataclass(frozen=True)
class StoredRecord:
    sobject: str
    data: dict[str, Json]

    @property
    def is_deleted(self) -> bool:
        return bool(self.data.get("IsDeleted"))


class Savepoint:
    """Handed out by ``Store.savepoint()``; ``rollback()`` undoes the block when it ends."""

    def __init__(self) -> None:
        self.rollback_requested = False

    def rollback(self) -> None:
        self.rollback_requested = True


class Store:
    """All record I/O. Not thread-safe by itself: the server serialises requests."""

    def __init__(self, path: str, key_fields: Iterable[str]) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        for statement in _TABLES:
            self._conn.execute(statement)
        self._key_fields = tuple(key_fields)
        for name in self._key_fields:
            self._conn.execute(
                f"CREATE INDEX IF NOT EXISTS records_key_{_safe(name)} ON records "
                f"(sobject, lower(json_extract(data, '$.{_safe(name)}')))"
            )
        self._names = (f"sp{n}" for n in itertools.count())

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def savepoint(self) -> Iterator[Savepoint]:
        """A nested transaction: undone on exception or on request, otherwise kept."""
        name = next(self._names)
        self._conn.execute(f"SAVEPOINT {name}")
        point = Savepoint()
        try:
            yield point
        except BaseException:
            self._conn.execute(f"ROLLBACK TO {name}")
            self._conn.execute(f"RELEASE {name}")
            raise
        if point.rollback_requested:
            self._conn.execute(f"ROLLBACK TO {name}")
        self._conn.execute(f"RELEASE {name}")

    def next_number(self, prefix: str) -> int:
        row = self._conn.execute(
            "INSERT INTO sequences (prefix, last) VALUES (?, 1) "
            "ON CONFLICT (prefix) DO UPDATE SET last = last + 1 RETURNING last",
            (prefix,),
        ).fetchone()
        return int(row[0])

    def insert(self, sobject: str, data: dict[str, Json]) -> None:
        self._conn.execute(
            "INSERT INTO records (id, sobject, is_deleted, system_modstamp, data) "
            "VALUES (?, ?, ?, ?, ?)",
            (data["Id"], sobject, int(bool(data.get("IsDeleted"))), data["SystemModstamp"],
             _dump(data)),
        )

    def save(self, data: dict[str, Json]) -> None:
        self._conn.execute(
            "UPDATE records SET is_deleted = ?, system_modstamp = ?, data = ? WHERE id = ?",
            (int(bool(data.get("IsDeleted"))), data["SystemModstamp"], _dump(data), data["Id"]),
        )

    def get(self, record_id: str) -> StoredRecord | None:
        row = self._conn.execute(
            "SELECT sobject, data FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        return StoredRecord(row[0], json.loads(row[1])) if row else None

    def rows(self, sobject: str, include_deleted: bool) -> list[dict[str, Json]]:
        """Every record of ``sobject`` in creation order."""
        sql = "SELECT data FROM records WHERE sobject = ?"
        if not include_deleted:
            sql += " AND is_deleted = 0"
        return [json.loads(row[0]) for row in self._conn.execute(sql + " ORDER BY seq", (sobject,))]

    def rows_by_id(self, record_ids: list[str]) -> dict[str, dict[str, Json]]:
        found: dict[str, dict[str, Json]] = {}
        for start in range(0, len(record_ids), 500):  # stay under SQLite's parameter limit
            chunk = record_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id, data FROM records WHERE id IN ({marks})"  # noqa: S608 - only '?'s
            found.update((row[0], json.loads(row[1])) for row in self._conn.execute(sql, chunk))
        return found

    def find(self, sobject: str, field: str, value: str) -> list[str]:
        """IDs of live records whose ``field`` equals ``value`` ignoring case."""
        if field not in self._key_fields:
            raise ValueError(f"{field} is not an indexed key field")
        sql = (
            "SELECT id, data FROM records WHERE sobject = ? AND is_deleted = 0 "  # noqa: S608 - whitelisted name
            f"AND lower(json_extract(data, '$.{_safe(field)}')) = lower(?) ORDER BY seq"
        )
        folded = value.casefold()
        rows = self._conn.execute(sql, (sobject, value)).fetchall()
        return [row[0] for row in rows if str(json.loads(row[1]).get(field)).casefold() == folded]

    def count(self, sobject: str) -> int:
        sql = "SELECT count(*) FROM records WHERE sobject = ? AND is_deleted = 0"
        return int(self._conn.execute(sql, (sobject,)).fetchone()[0])

    def changed_between(
        self, sobject: str, start: str, end: str, deleted: bool
    ) -> list[tuple[str, str]]:
        """(id, SystemModstamp) of records changed in [start, end), live or deleted ones."""
        rows = self._conn.execute(
            "SELECT id, system_modstamp FROM records WHERE sobject = ? AND is_deleted = ? "
            "AND system_modstamp >= ? AND system_modstamp < ? ORDER BY system_modstamp, seq",
            (sobject, int(deleted), start, end),
        )
        return [(row[0], row[1]) for row in rows]

    def clear(self) -> None:
        self._conn.execute("DELETE FROM records")


def _safe(name: str) -> str:
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError(f"unsafe field name {name!r}")
    return name


def _dump(data: dict[str, Json]) -> str:
    return json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))
