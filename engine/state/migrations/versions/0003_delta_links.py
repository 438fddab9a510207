"""Delta links: where a system's delta feed (SAP's delta tokens) resumes, per sync, system
and object.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "delta_links",
        sa.Column("sync", sa.String(64), primary_key=True),
        sa.Column("system", sa.String(32), primary_key=True),
        sa.Column("object", sa.String(128), primary_key=True),
        sa.Column("link", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("delta_links")
