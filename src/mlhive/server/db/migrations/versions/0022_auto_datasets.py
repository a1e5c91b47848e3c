"""What the hive makes by itself for each processed dataset (standard task, baselines, AutoML)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auto_leaderboards",
        sa.Column("dataset_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("baseline_run_ids", sa.JSON(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=True),
        sa.Column("time_budget", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_auto_leaderboards")),
    )


def downgrade() -> None:
    op.drop_table("auto_leaderboards")
