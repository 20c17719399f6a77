"""批复日期 per year (the board by 公开年度): one row per (department, document, year) in `approval`

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 01:00:00

Until now a department had one 预算批复日期 and one 决算批复日期, whatever the year. Each existing date
moves to the year of that department's newest version of that document (the highest id with a
预算年度), which is the year the date was entered for. A date of a document without such a version
stays with the current season: the 预算 of the season year, the 决算 of the year before it (the
决算 published in the season). The season is the newest 预算年度 of any version (预算 or 决算), or this
year (Beijing time) when there are no versions.

The old `department.approval_date` and `department.final_approval_date` columns are dropped
(natively: SQLite 3.35+ and PostgreSQL drop a column without recreating the table, so the tables
that refer to `department` are untouched). Downgrade puts each document's newest year's date back.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHINA = dt.timezone(dt.timedelta(hours=8))


def upgrade() -> None:
    op.create_table(
        "approval",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=False),
        sa.Column("document", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("department_id", "document", "year", name="uq_approval_document_year"),
    )
    op.create_index("ix_approval_department_id", "approval", ["department_id"])
    conn = op.get_bind()
    newest: dict[tuple[int, str], int] = {}
    seasons: list[int] = []
    for dept, document, year in conn.execute(
        sa.text("select department_id, document, year from version where year is not null order by id")
    ):
        newest[(dept, document)] = year
        seasons.append(year)
    season = max(seasons, default=dt.datetime.now(CHINA).year)
    approval = sa.table(
        "approval",
        sa.column("department_id", sa.Integer()),
        sa.column("document", sa.String()),
        sa.column("year", sa.Integer()),
        sa.column("approved_on", sa.Date()),
    )
    rows = []
    for dept, budget_day, final_day in conn.execute(
        sa.text("select id, approval_date, final_approval_date from department")
    ):
        for document, day, fallback in (("budget", budget_day, season), ("final", final_day, season - 1)):
            if day is not None:
                # SQLite gives a raw query's dates as text
                on = dt.date.fromisoformat(day[:10]) if isinstance(day, str) else day
                year = newest.get((dept, document), fallback)
                rows.append({"department_id": dept, "document": document, "year": year, "approved_on": on})
    if rows:
        op.bulk_insert(approval, rows)
    op.drop_column("department", "approval_date")
    op.drop_column("department", "final_approval_date")


def downgrade() -> None:
    op.add_column("department", sa.Column("approval_date", sa.Date(), nullable=True))
    op.add_column("department", sa.Column("final_approval_date", sa.Date(), nullable=True))
    conn = op.get_bind()
    for dept, document, day in conn.execute(
        sa.text("select department_id, document, approved_on from approval where approved_on is not null order by year")
    ):
        column = "final_approval_date" if document == "final" else "approval_date"
        conn.execute(sa.text(f"update department set {column} = :day where id = :dept"), {"day": day, "dept": dept})
    op.drop_index("ix_approval_department_id", table_name="approval")
    op.drop_table("approval")
