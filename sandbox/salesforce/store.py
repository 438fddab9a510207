"""Records in SQLite: one table per sObject, one row per record, the fields as JSON.

Each table is indexed by (SystemModstamp, Id) (change capture and keyset paging), by
deletion state (the recycle-bin purge), by every External ID / unique text field
(case-folded, as Salesforce matches them) and by every reference field (relationship
look-ups, cascades). So upserts, duplicate checks, ``WHERE SystemModstamp >= ...`` and parent
look-ups stay index look-ups with 100 000 rows. ``:memory:`` gives a throwaway org; a file
survives restarts. ID counters live in their own table and survive ``clear()``, so an ID is
never handed out twice by the same database.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.schema import Json, ObjectSpec

_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_CHUNK = 500  # IN (...) lists stay under SQLite's parameter limit
_SHARED_TABLES = (
    "CREATE TABLE IF NOT EXISTS sequences (prefix TEXT PRIMARY KEY, last INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
# How a scan may be ordered by the database itself (then LIMIT can stop it early).
ORDERINGS = {
    "created": "seq",
    "modstamp": "system_modstamp, seq",
    "modstamp_id": "system_modstamp, id",
    "id": "id",
}


@dataclass(frozen=True)
class StoredRecord:
    sobject: str
    data: dict[str, Json]

    @property
    def is_deleted(self) -> bool:
        return bool(self.data.get("IsDeleted"))


@dataclass(frozen=True)
class Narrowing:
    """A filter the indexes can answer that keeps at least every row a query wants: the
    query's own predicate still runs on each row, so a narrowing only saves work."""

    ids: tuple[str, ...] | None = None
    key: tuple[str, tuple[str, ...]] | None = None  # (text key field, case-folded values)
    ref: tuple[str, tuple[str, ...]] | None = None  # (reference field, record IDs)
    stamp_from: str | None = None  # SystemModstamp >= this


class Savepoint:
    """Handed out by ``Store.savepoint()``; ``rollback()`` undoes the block when it ends."""

    def __init__(self) -> None:
        self.rollback_requested = False

    def rollback(self) -> None:
        self.rollback_requested = True


class Store:
    """All record I/O. Not thread-safe by itself: the server serialises requests."""

    def __init__(self, path: str, objects: Iterable[ObjectSpec]) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        if path != ":memory:":
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=NORMAL")
        for statement in _SHARED_TABLES:
            self.connection.execute(statement)
        self._objects = {obj.name: obj for obj in objects}
        for obj in self._objects.values():
            for statement in _table_statements(obj):
                self.connection.execute(statement)
        self._names = (f"sp{n}" for n in itertools.count())

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def savepoint(self) -> Iterator[Savepoint]:
        """A nested transaction: undone on exception or on request, otherwise kept."""
        name = next(self._names)
        self.connection.execute(f"SAVEPOINT {name}")
        point = Savepoint()
        try:
            yield point
        except BaseException:
            self.connection.execute(f"ROLLBACK TO {name}")
            self.connection.execute(f"RELEASE {name}")
            raise
        if point.rollback_requested:
            self.connection.execute(f"ROLLBACK TO {name}")
        self.connection.execute(f"RELEASE {name}")

    def next_number(self, prefix: str) -> int:
        row = self.connection.execute(
            "INSERT INTO sequences (prefix, last) VALUES (?, 1) "
            "ON CONFLICT (prefix) DO UPDATE SET last = last + 1 RETURNING last",
            (prefix,),
        ).fetchone()
        return int(row[0])

    def get_meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.connection.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                                "DO UPDATE SET value = excluded.value", (key, value))

    def insert(self, sobject: str, data: dict[str, Json]) -> None:
        self.connection.execute(
            f"INSERT INTO {_table(sobject)} (id, is_deleted, system_modstamp, data) "  # noqa: S608
            "VALUES (?, ?, ?, ?)",
            (data["Id"], int(bool(data.get("IsDeleted"))), data["SystemModstamp"], _dump(data)),
        )

    def save(self, sobject: str, data: dict[str, Json]) -> None:
        self.connection.execute(
            f"UPDATE {_table(sobject)} SET is_deleted = ?, system_modstamp = ?, data = ? "  # noqa: S608
            "WHERE id = ?",
            (int(bool(data.get("IsDeleted"))), data["SystemModstamp"], _dump(data), data["Id"]),
        )

    def get(self, sobject: str, record_id: str) -> StoredRecord | None:
        row = self.connection.execute(
            f"SELECT data FROM {_table(sobject)} WHERE id = ?", (record_id,)  # noqa: S608
        ).fetchone()
        return StoredRecord(sobject, json.loads(row[0])) if row else None

    def rows_by_id(self, sobject: str, record_ids: Iterable[str]) -> dict[str, dict[str, Json]]:
        wanted = list(dict.fromkeys(record_ids))
        found: dict[str, dict[str, Json]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            sql = (f"SELECT id, data FROM {_table(sobject)} "  # noqa: S608 - names whitelisted
                   f"WHERE id IN ({','.join('?' * len(chunk))})")
            found.update((row[0], json.loads(row[1]))
                         for row in self.connection.execute(sql, chunk))
        return found

    def find(self, sobject: str, field: str, value: str) -> list[str]:
        """IDs of live records whose text key ``field`` equals ``value`` ignoring case."""
        sql = (f"SELECT id, data FROM {_table(sobject)} WHERE is_deleted = 0 "  # noqa: S608
               f"AND lower(json_extract(data, '$.{_safe(field)}')) = lower(?) ORDER BY seq")
        folded = value.casefold()
        rows = self.connection.execute(sql, (value,)).fetchall()
        return [row[0] for row in rows if str(json.loads(row[1]).get(field)).casefold() == folded]

    def children(self, sobject: str, field: str, parent_ids: list[str], *,
                 include_deleted: bool = False) -> list[dict[str, Json]]:
        """Live (or all) records of ``sobject`` whose reference ``field`` points at one of the
        parents, in creation order per parent."""
        found: list[dict[str, Json]] = []
        live = "" if include_deleted else "is_deleted = 0 AND "
        for start in range(0, len(parent_ids), _CHUNK):
            chunk = parent_ids[start : start + _CHUNK]
            sql = (f"SELECT data FROM {_table(sobject)} WHERE {live}"  # noqa: S608
                   f"json_extract(data, '$.{_safe(field)}') IN ({','.join('?' * len(chunk))}) "
                   "ORDER BY seq")
            found.extend(json.loads(row[0]) for row in self.connection.execute(sql, chunk))
        return found

    def scan(self, sobject: str, *, include_deleted: bool, narrowing: Narrowing | None = None,
             ordering: str = "created") -> Iterator[dict[str, Json]]:
        """Rows one at a time (never the whole table in memory), in a database order."""
        for (data,) in self._select("data", sobject, include_deleted, narrowing=narrowing,
                                    ordering=ordering):
            yield json.loads(data)

    def scan_ids(self, sobject: str, *, include_deleted: bool, ordering: str = "created",
                 limit: int | None = None) -> list[str]:
        """Just the IDs, in a database order: what an unfiltered query needs."""
        rows = self._select("id", sobject, include_deleted, narrowing=None, ordering=ordering,
                            limit=limit)
        return [str(row[0]) for row in rows]

    def _select(self, column: str, sobject: str, include_deleted: bool, *,
                narrowing: Narrowing | None, ordering: str,
                limit: int | None = None) -> Iterator[tuple[Any, ...]]:
        where, params = _where(narrowing or Narrowing(), include_deleted)
        sql = (f"SELECT {column} FROM {_table(sobject)} WHERE {where} "  # noqa: S608 - names
               f"ORDER BY {ORDERINGS[ordering]} LIMIT {-1 if limit is None else int(limit)}")
        cursor = self.connection.execute(sql, params)
        while rows := cursor.fetchmany(_CHUNK):
            yield from rows

    def count(self, sobject: str) -> int:
        sql = f"SELECT count(*) FROM {_table(sobject)} WHERE is_deleted = 0"  # noqa: S608
        return int(self.connection.execute(sql).fetchone()[0])

    def changed_between(
        self, sobject: str, start: str, end: str, deleted: bool
    ) -> list[tuple[str, str]]:
        """(id, SystemModstamp) of records changed in [start, end), live or deleted ones."""
        rows = self.connection.execute(
            f"SELECT id, system_modstamp FROM {_table(sobject)} WHERE is_deleted = ? "  # noqa: S608
            "AND system_modstamp >= ? AND system_modstamp < ? ORDER BY system_modstamp, seq",
            (int(deleted), start, end),
        )
        return [(row[0], row[1]) for row in rows]

    def purge_deleted(self, sobject: str, before: str) -> str | None:
        """Physically remove records deleted before ``before``; the newest purged stamp."""
        table = _table(sobject)
        newest = self.connection.execute(
            f"SELECT max(system_modstamp) FROM {table} "  # noqa: S608
            "WHERE is_deleted = 1 AND system_modstamp < ?", (before,)).fetchone()[0]
        if newest is not None:
            self.connection.execute(f"DELETE FROM {table} WHERE is_deleted = 1 "  # noqa: S608
                                    "AND system_modstamp < ?", (before,))
        return str(newest) if newest is not None else None

    def clear(self) -> None:
        for name in self._objects:
            self.connection.execute(f"DELETE FROM {_table(name)}")  # noqa: S608
        self.connection.execute("DELETE FROM meta")


def _table_statements(obj: ObjectSpec) -> list[str]:
    table = _table(obj.name)
    statements = [
        f"CREATE TABLE IF NOT EXISTS {table} (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " id TEXT NOT NULL UNIQUE, is_deleted INTEGER NOT NULL DEFAULT 0,"
        " system_modstamp TEXT NOT NULL, data TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {table}_stamp ON {table} (system_modstamp, id)",
        f"CREATE INDEX IF NOT EXISTS {table}_deleted ON {table} (is_deleted, system_modstamp)",
    ]
    for spec in obj.indexed_keys:
        name = _safe(spec.name)
        statements.append(f"CREATE INDEX IF NOT EXISTS {table}_k_{name} ON {table} "
                          f"(lower(json_extract(data, '$.{name}')))")
    for spec in obj.references:
        if spec.reference_to == ("User",):
            continue  # users are not records here; nothing looks records up by their user
        name = _safe(spec.name)
        statements.append(f"CREATE INDEX IF NOT EXISTS {table}_r_{name} ON {table} "
                          f"(json_extract(data, '$.{name}'))")
    return statements


def _where(narrowing: Narrowing, include_deleted: bool) -> tuple[str, list[str]]:
    clauses = [] if include_deleted else ["is_deleted = 0"]
    params: list[str] = []
    if narrowing.ids is not None:
        clauses.append(f"id IN ({','.join('?' * len(narrowing.ids))})")
        params += narrowing.ids
    if narrowing.key is not None:
        name, folded = narrowing.key
        clauses.append(f"lower(json_extract(data, '$.{_safe(name)}')) "
                       f"IN ({','.join('?' * len(folded))})")
        params += folded
    if narrowing.ref is not None:
        name, ref_ids = narrowing.ref
        clauses.append(f"json_extract(data, '$.{_safe(name)}') "
                       f"IN ({','.join('?' * len(ref_ids))})")
        params += ref_ids
    if narrowing.stamp_from is not None:
        clauses.append("system_modstamp >= ?")
        params.append(narrowing.stamp_from)
    return " AND ".join(clauses) or "1", params


def _table(sobject: str) -> str:
    return "sobject_" + _safe(sobject)


def _safe(name: str) -> str:
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError(f"unsafe name {name!r}")
    return name


def _dump(data: dict[str, Json]) -> str:
    return json.dumps({k: v for k, v in data.items() if v is not None}, separators=(",", ":"))
