"""Retraining policies of model repositories

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retraining_policies",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("dataset_name", sa.String(128), nullable=False),
        sa.Column("target", sa.String(256), nullable=True),
        sa.Column("time_column", sa.String(256), nullable=True),
        sa.Column("branch", sa.String(128), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("interval_hours", sa.Float(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_state", sa.String(16), nullable=False),
        sa.Column("last_message", sa.Text(), nullable=False),
        sa.Column("last_dataset_id", sa.Integer(), nullable=True),
        sa.Column("last_commit_id", sa.Integer(), nullable=True),
        sa.Column("last_request_number", sa.Integer(), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_retraining_policies_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_retraining_policies_updated_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["last_commit_id"],
            ["model_commits.id"],
            name=op.f("fk_retraining_policies_last_commit_id_model_commits"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("repo_id", name=op.f("pk_retraining_policies")),
    )
    op.create_index(
        op.f("ix_retraining_policies_dataset_name"), "retraining_policies", ["dataset_name"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_retraining_policies_dataset_name"), table_name="retraining_policies")
    op.drop_table("retraining_policies")
