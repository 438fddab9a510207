"""Bulk jobs and their rows in SQLite, next to the records, so jobs survive a restart.

A job is its Salesforce job-info document (``id``, ``state``, ``numberRecordsProcessed``...)
plus private keys starting with ``_`` that never leave the server. Its rows (the uploaded
CSV records, the successful and failed results, a query's result rows) are stored one per
table row as JSON lists of strings, keyed by (job, part, position): reading a page or a
result file is an index range scan, never the whole job in memory.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator

from sandbox.salesforce import ids
from sandbox.salesforce.schema import Json

JOB_PREFIX = "750"
WORKING_STATES = ("UploadComplete", "InProgress")
FINAL_STATES = frozenset({"JobComplete", "Failed", "Aborted"})
_TABLES = (
    "CREATE TABLE IF NOT EXISTS bulk_jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, state TEXT NOT NULL, info TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS bulk_jobs_state ON bulk_jobs (state, seq)",
    "CREATE TABLE IF NOT EXISTS bulk_rows (job_id TEXT NOT NULL, part TEXT NOT NULL,"
    " position INTEGER NOT NULL, cells TEXT NOT NULL, PRIMARY KEY (job_id, part, position))"
    " WITHOUT ROWID",
)
Job = dict[str, Json]


class JobStore:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        for statement in _TABLES:
            self._conn.execute(statement)

    def new_id(self, number: int) -> str:
        return ids.make_id(JOB_PREFIX, number)

    def insert(self, kind: str, job: Job) -> None:
        self._conn.execute("INSERT INTO bulk_jobs (id, kind, state, info) VALUES (?, ?, ?, ?)",
                           (job["id"], kind, job["state"], json.dumps(job)))

    def save(self, job: Job) -> None:
        self._conn.execute("UPDATE bulk_jobs SET state = ?, info = ? WHERE id = ?",
                           (job["state"], json.dumps(job), job["id"]))

    def get(self, kind: str, job_id: str) -> Job | None:
        row = self._conn.execute("SELECT info FROM bulk_jobs WHERE id = ? AND kind = ?",
                                 (ids.normalize(job_id) or job_id, kind)).fetchone()
        return dict(json.loads(row[0])) if row else None

    def listing(self, kind: str) -> list[Job]:
        rows = self._conn.execute("SELECT info FROM bulk_jobs WHERE kind = ? ORDER BY seq",
                                  (kind,))
        return [dict(json.loads(row[0])) for row in rows]

    def delete(self, job_id: str) -> None:
        self._conn.execute("DELETE FROM bulk_rows WHERE job_id = ?", (job_id,))
        self._conn.execute("DELETE FROM bulk_jobs WHERE id = ?", (job_id,))

    def next_work(self) -> tuple[str, Job] | None:
        """The oldest job waiting for the worker, as (kind, job)."""
        row = self._conn.execute(
            "SELECT kind, info FROM bulk_jobs WHERE state IN (?, ?) ORDER BY seq LIMIT 1",
            WORKING_STATES).fetchone()
        return (str(row[0]), dict(json.loads(row[1]))) if row else None

    def add_rows(self, job_id: str, part: str, start: int, rows: Iterable[list[str]]) -> int:
        """Append rows at positions start, start+1, ...; returns how many were added."""
        numbered = ((job_id, part, start + n, json.dumps(cells)) for n, cells in enumerate(rows))
        before = self._conn.total_changes
        self._conn.executemany("INSERT INTO bulk_rows (job_id, part, position, cells) "
                               "VALUES (?, ?, ?, ?)", numbered)
        return self._conn.total_changes - before

    def rows(self, job_id: str, part: str, start: int = 0,
             limit: int | None = None) -> Iterator[list[str]]:
        cursor = self._conn.execute(
            "SELECT cells FROM bulk_rows WHERE job_id = ? AND part = ? AND position >= ? "
            "ORDER BY position LIMIT ?", (job_id, part, start, -1 if limit is None else limit))
        while chunk := cursor.fetchmany(1000):
            for row in chunk:
                yield list(json.loads(row[0]))

    def clear(self) -> None:
        self._conn.execute("DELETE FROM bulk_rows")
        self._conn.execute("DELETE FROM bulk_jobs")


def public(job: Job) -> Job:
    """The job-info document as a client sees it: private keys removed."""
    return {k: v for k, v in job.items() if not k.startswith("_")}
