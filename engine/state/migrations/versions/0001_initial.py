"""Initial state: runs, cursors, cross-references, snapshots, audit chain, dead letters, locks.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("sync", sa.String(64), nullable=False),
        sa.Column("started_at", _TZ, nullable=False),
        sa.Column("finished_at", _TZ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
    )
    op.create_table(
        "cursors",
        sa.Column("sync", sa.String(64), primary_key=True),
        sa.Column("system", sa.String(32), primary_key=True),
        sa.Column("modified_at", _TZ, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
    )
    op.create_table(
        "xrefs",
        sa.Column("sync", sa.String(64), primary_key=True),
        sa.Column("canonical_id", sa.String(36), primary_key=True),
        sa.Column("system", sa.String(32), primary_key=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("deleted", sa.Integer, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.UniqueConstraint("sync", "system", "key", name="uq_xrefs_system_key"),
    )
    op.create_table(
        "records",
        sa.Column("sync", sa.String(64), primary_key=True),
        sa.Column("canonical_id", sa.String(36), primary_key=True),
        sa.Column("snapshot", sa.JSON, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("sync", sa.String(64), nullable=False),
        sa.Column("canonical_id", sa.String(36)),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64)),
        sa.Column("operation", sa.String(32), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("code", sa.String(64)),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_sync_canonical", "audit", ["sync", "canonical_id"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("sync", sa.String(64), nullable=False),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("key", sa.String(64)),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("error_class", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_dead_letters_sync", "dead_letters", ["sync"])
    op.create_table(
        "locks",
        sa.Column("sync", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("acquired_at", _TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("locks", "dead_letters", "audit_head", "audit", "records", "xrefs", "cursors",
                  "runs"):
        op.drop_table(table)
