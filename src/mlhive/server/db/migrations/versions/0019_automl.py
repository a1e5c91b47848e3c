"""AutoML searches under hard budgets and their trials

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "automl_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("time_budget", sa.Float(), nullable=True),
        sa.Column("memory_limit", sa.BigInteger(), nullable=True),
        sa.Column("n_trials", sa.Integer(), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("study_id", sa.Integer(), nullable=True),
        sa.Column("ensemble_run_id", sa.Integer(), nullable=True),
        sa.Column("ensemble", sa.JSON(), nullable=False),
        sa.Column("final_score", sa.Float(), nullable=True),
        sa.Column("model_repo", sa.String(256), nullable=True),
        sa.Column("model_commit", sa.String(64), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_automl_searches_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_automl_searches_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automl_searches")),
    )
    op.create_index("ix_automl_searches_owner_id", "automl_searches", ["owner_id", "id"])
    op.create_index("ix_automl_searches_task_id", "automl_searches", ["task_id"])
    op.create_table(
        "automl_trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("warm_start", sa.Boolean(), nullable=False),
        sa.Column("fraction", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rung_scores", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("setup_id", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("peak_memory", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["automl_searches.id"],
            name=op.f("fk_automl_trials_search_id_automl_searches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_automl_trials")),
    )
    op.create_index(
        "ix_automl_trials_search_number", "automl_trials", ["search_id", "number"], unique=True
    )
    op.create_index("ix_automl_trials_run_id", "automl_trials", ["run_id"])
    op.create_index("ix_automl_trials_setup_id", "automl_trials", ["setup_id"])


def downgrade() -> None:
    op.drop_table("automl_trials")
    op.drop_table("automl_searches")
