"""Leaderboards kept up to date: the best run per (task, measure, flow) and per (task, measure,
setup), filled from the evaluations already stored

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# The measures ranked lowest first when this migration was written (the catalogue's
# ``higher_is_better=False``); a migration keeps its own copy so that it never changes.
LOWER_IS_BETTER = (
    "log_loss",
    "brier_score",
    "mean_absolute_error",
    "root_mean_squared_error",
    "confusion_matrix",
    "median_absolute_error",
)


def backfill_sql(grouping: str, lower_is_better: tuple[str, ...]) -> str:
    """One INSERT … SELECT filling the best rows of one grouping from ``evaluations``."""
    column = {"flow": "flow_id", "setup": "setup_id"}[grouping]
    lower = ", ".join(f"'{name}'" for name in lower_is_better)
    return f"""
        INSERT INTO leaderboard_bests
            (task_id, measure, grouped_by, group_id, run_id, value, sort_key, runs)
        SELECT task_id, measure, '{grouping}', group_id, run_id, value, sort_key, runs
        FROM (
            SELECT task_id, measure, group_id, run_id, value, sort_key,
                   ROW_NUMBER() OVER (
                       PARTITION BY task_id, measure, group_id ORDER BY sort_key, run_id
                   ) AS place,
                   COUNT(*) OVER (PARTITION BY task_id, measure, group_id) AS runs
            FROM (
                SELECT task_id, measure, {column} AS group_id, run_id, value,
                       CASE WHEN measure IN ({lower}) THEN value ELSE -value END AS sort_key
                FROM evaluations
                WHERE value IS NOT NULL
            ) AS scored
        ) AS ranked
        WHERE place = 1
    """


def upgrade() -> None:
    op.create_table(
        "leaderboard_bests",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(64), nullable=False),
        sa.Column("grouped_by", sa.String(8), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("sort_key", sa.Float(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "task_id", "measure", "grouped_by", "group_id", name=op.f("pk_leaderboard_bests")
        ),
    )
    op.create_index(
        "ix_leaderboard_bests_rank",
        "leaderboard_bests",
        ["task_id", "measure", "grouped_by", "sort_key", "run_id"],
    )
    for grouping in ("flow", "setup"):
        op.execute(backfill_sql(grouping, LOWER_IS_BETTER))


def downgrade() -> None:
    op.drop_index("ix_leaderboard_bests_rank", table_name="leaderboard_bests")
    op.drop_table("leaderboard_bests")
