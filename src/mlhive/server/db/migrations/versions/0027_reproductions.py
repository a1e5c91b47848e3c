"""Reproductions: re-runs of a run's setup on the same task and splits, compared measure by measure

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reproductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reproduction_run_id", sa.Integer(), nullable=True),
        sa.Column("tolerance", sa.Float(), nullable=False),
        sa.Column("comparison", sa.JSON(), nullable=False),
        sa.Column("max_abs_diff", sa.Float(), nullable=True),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_reproductions_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reproduction_run_id"],
            ["runs.id"],
            name=op.f("fk_reproductions_reproduction_run_id_runs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_reproductions_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reproductions")),
    )
    op.create_index("ix_reproductions_run_state", "reproductions", ["run_id", "state", "id"])
    op.create_index("ix_reproductions_requester_state", "reproductions", ["requested_by", "state"])


def downgrade() -> None:
    op.drop_table("reproductions")
