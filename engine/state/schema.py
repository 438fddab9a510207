"""The state tables. Alembic migrations in ``migrations/`` create exactly these (a test
compares them), so the code and the database cannot drift apart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out. SQLite keeps no zone and hands back naive values; this
    type refuses naive input and re-attaches UTC on the way out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store; use aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        result: datetime = value
        return result.replace(tzinfo=UTC) if result.tzinfo is None else result.astimezone(UTC)


runs = Table(
    "runs", metadata,
    Column("id", String(36), primary_key=True),
    Column("sync", String(64), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("status", String(16), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("kind", String(16), nullable=False, server_default="run"),
    Column("resume_at", UtcDateTime()),
    Column("message", Text),
)

cursors = Table(
    "cursors", metadata,
    Column("sync", String(64), primary_key=True),
    Column("system", String(32), primary_key=True),
    Column("modified_at", UtcDateTime(), nullable=False),
    Column("key", String(64), nullable=False),
)

# Where a system's delta feed resumes, per sync and object: the link the system handed out
# (SAP's ``__delta`` with its token), kept exactly as written. Moved only after every page
# read through the previous link was checkpointed.
delta_links = Table(
    "delta_links", metadata,
    Column("sync", String(64), primary_key=True),
    Column("system", String(32), primary_key=True),
    Column("object", String(128), primary_key=True),
    Column("link", Text, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Creates sent to a system that assigns its own keys (mapping ``create_reference``), by the
# record's key in the system it came from: written before the write is sent, removed by the
# page's checkpoint. A row left behind means a run stopped between the two, so that create
# may have happened and the next attempt looks for it first (``TargetRecord.may_exist``);
# every other create is sent without a look-up.
pending_creates = Table(
    "pending_creates", metadata,
    Column("sync", String(64), primary_key=True),
    Column("system", String(32), primary_key=True),
    Column("source_key", String(64), primary_key=True),
    Column("sent_at", UtcDateTime(), nullable=False),
)

xrefs = Table(
    "xrefs", metadata,
    Column("sync", String(64), primary_key=True),
    Column("canonical_id", String(36), primary_key=True),
    Column("system", String(32), primary_key=True),
    Column("key", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("deleted", Integer, nullable=False, default=0),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("seen_run", String(36)),  # the last reconcile run that saw this key in its system
    UniqueConstraint("sync", "system", "key", name="uq_xrefs_system_key"),
)

records = Table(
    "records", metadata,
    Column("sync", String(64), primary_key=True),
    Column("canonical_id", String(36), primary_key=True),
    Column("snapshot", JSON, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("sync", String(64), nullable=False),
    Column("canonical_id", String(36)),
    Column("system", String(32), nullable=False),
    Column("key", String(64)),
    Column("operation", String(32), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("code", String(64)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("keys", JSON),  # the record's key in each system, when known
    Index("ix_audit_sync_canonical", "sync", "canonical_id"),
)

audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True),
    Column("last_hash", String(64), nullable=False),
    Column("count", Integer, nullable=False),
)

dead_letters = Table(
    "dead_letters", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("sync", String(64), nullable=False),
    Column("system", String(32), nullable=False),
    Column("key", String(64)),
    Column("stage", String(16), nullable=False),
    Column("code", String(64), nullable=False),
    Column("error_class", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("source_system", String(32)),  # where a replay re-reads the record from
    Column("source_key", String(64)),
    Column("status", String(16), nullable=False, server_default="open"),  # open | replayed
    Column("resolved_at", UtcDateTime()),
    Index("ix_dead_letters_sync", "sync"),
)

# A record held for a person: both sides changed a field whose policy is manual review.
# ``fields`` holds, per field, each system's value and the last agreed one, so the reviewer
# sees what they choose between; ``resolution`` is the reviewer's pick per field.
conflicts = Table(
    "conflicts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sync", String(64), nullable=False),
    Column("canonical_id", String(36), nullable=False),
    Column("keys", JSON, nullable=False),
    Column("fields", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved | applied
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("opened_run_id", String(36), nullable=False),
    Column("resolution", JSON),
    Column("resolved_at", UtcDateTime()),
    Column("resolved_by", String(64)),
    Column("applied_at", UtcDateTime()),
    Index("ix_conflicts_sync_status", "sync", "status"),
    Index("ix_conflicts_sync_canonical", "sync", "canonical_id"),
)

# A sync's write lock, held as a lease (``lease.py``): renewed at every page checkpoint, free
# for another run once not renewed for ``lease_seconds``, or at once when its holder's
# process on this host (``host``, ``pid`` within ``pid_scope``) is gone.
locks = Table(
    "locks", metadata,
    Column("sync", String(64), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("acquired_at", UtcDateTime(), nullable=False),
    Column("renewed_at", UtcDateTime(), nullable=False),
    Column("lease_seconds", Integer, nullable=False),
    Column("host", String(255)),
    Column("pid", Integer),
    Column("pid_scope", String(128)),  # kernel boot and PID namespace the pid belongs to
    Column("run_id", String(36)),
)
