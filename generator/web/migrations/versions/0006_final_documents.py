"""决算 beside 预算 (issue 20): a version belongs to a document kind; the 决算's own 批复日期 and 格式

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:00:00

Existing versions are 预算 (`document` = 'budget').
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("version") as batch:
        batch.add_column(sa.Column("document", sa.String(length=10), nullable=False, server_default="budget"))
        batch.create_index("ix_version_document", ["document"])
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("final_approval_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("final_format_id", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("department") as batch:
        batch.drop_column("final_format_id")
        batch.drop_column("final_approval_date")
    with op.batch_alter_table("version") as batch:
        batch.drop_index("ix_version_document")
        batch.drop_column("document")
