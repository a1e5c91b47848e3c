"""Suggested collaborators: a covering index over each task's latest runs

"Who else ran on this task" reads a task's latest runs (their uploader and flow); with the
uploader and flow in the index, that is one contiguous index range per task instead of a
table lookup per run.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 06:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_runs_task_latest", "runs", ["task_id", "id", "uploader_id", "flow_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_runs_task_latest", table_name="runs")
