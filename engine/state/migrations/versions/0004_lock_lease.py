"""The sync lock becomes a lease: renewal time, lease length, and the holder's host, pid
(with the boot and PID namespace it belongs to) and run.

A lock left by an older version keeps the TTL that version gave it (2 hours from when it was
taken): its holder never renews.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

OLD_TTL_SECONDS = 7200


def upgrade() -> None:
    with op.batch_alter_table("locks") as batch:
        batch.alter_column("holder", type_=sa.String(255), existing_type=sa.String(64),
                           existing_nullable=False)
        batch.add_column(sa.Column("renewed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("lease_seconds", sa.Integer))
        batch.add_column(sa.Column("host", sa.String(255)))
        batch.add_column(sa.Column("pid", sa.Integer))
        batch.add_column(sa.Column("pid_scope", sa.String(128)))
        batch.add_column(sa.Column("run_id", sa.String(36)))
    locks = sa.table("locks", sa.column("acquired_at"), sa.column("renewed_at"),
                     sa.column("lease_seconds"))
    op.execute(locks.update().values(renewed_at=locks.c.acquired_at,
                                     lease_seconds=OLD_TTL_SECONDS))
    with op.batch_alter_table("locks") as batch:
        batch.alter_column("renewed_at", existing_type=sa.DateTime(timezone=True),
                           nullable=False)
        batch.alter_column("lease_seconds", existing_type=sa.Integer, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("locks") as batch:
        for name in ("run_id", "pid_scope", "pid", "host", "lease_seconds", "renewed_at"):
            batch.drop_column(name)
        batch.alter_column("holder", type_=sa.String(64), existing_type=sa.String(255),
                           existing_nullable=False)
