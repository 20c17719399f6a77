"""the bureau's 公开格式 and each department's override

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format_id", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.drop_column("format_id")
    op.drop_table("setting")
