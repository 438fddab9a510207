"""Review queue and repair bookkeeping: conflicts held for a person, dead letters that can be
replayed, runs that stopped at an API limit, reconcile marks on cross-references, and both
systems' keys on audit rows.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sync", sa.String(64), nullable=False),
        sa.Column("canonical_id", sa.String(36), nullable=False),
        sa.Column("keys", sa.JSON, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", _TZ, nullable=False),
        sa.Column("opened_run_id", sa.String(36), nullable=False),
        sa.Column("resolution", sa.JSON),
        sa.Column("resolved_at", _TZ),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("applied_at", _TZ),
    )
    op.create_index("ix_conflicts_sync_status", "conflicts", ["sync", "status"])
    op.create_index("ix_conflicts_sync_canonical", "conflicts", ["sync", "canonical_id"])
    with op.batch_alter_table("dead_letters") as batch:
        batch.add_column(sa.Column("source_system", sa.String(32)))
        batch.add_column(sa.Column("source_key", sa.String(64)))
        batch.add_column(sa.Column("status", sa.String(16), nullable=False,
                                   server_default="open"))
        batch.add_column(sa.Column("resolved_at", _TZ))
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False,
                                   server_default="run"))
        batch.add_column(sa.Column("resume_at", _TZ))
        batch.add_column(sa.Column("message", sa.Text))
    with op.batch_alter_table("xrefs") as batch:
        batch.add_column(sa.Column("seen_run", sa.String(36)))
    with op.batch_alter_table("audit") as batch:
        batch.add_column(sa.Column("keys", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("keys")
    with op.batch_alter_table("xrefs") as batch:
        batch.drop_column("seen_run")
    with op.batch_alter_table("runs") as batch:
        for name in ("message", "resume_at", "kind"):
            batch.drop_column(name)
    with op.batch_alter_table("dead_letters") as batch:
        for name in ("resolved_at", "status", "source_key", "source_system"):
            batch.drop_column(name)
    op.drop_index("ix_conflicts_sync_canonical", "conflicts")
    op.drop_index("ix_conflicts_sync_status", "conflicts")
    op.drop_table("conflicts")
