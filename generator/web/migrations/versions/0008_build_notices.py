"""build.notices: what the officer should know about a build's files (a DOCX 目录 without page numbers)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 07:00:00

When LibreOffice is installed but gives no layout (it failed, or timed out on a very long
document), the DOCX is written with a 目录 without page numbers and the build carries the Chinese
notice `generator.build.TOC_UNNUMBERED`. It is stored with the build (one notice a line), so the
build and version pages still show it when they are opened again. Builds made before have none
(NULL). The column is added and dropped natively (SQLite 3.35+ and PostgreSQL), as in 0007.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("build", sa.Column("notices", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("build", "notices")
