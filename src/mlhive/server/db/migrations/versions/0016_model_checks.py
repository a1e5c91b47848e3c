"""Model checks (model CI): each repository's check configuration, and per commit the latest
run of its checks and every check's result

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_check_configs",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_check_configs_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_model_check_configs_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("repo_id", name=op.f("pk_model_check_configs")),
    )
    op.create_table(
        "model_check_runs",
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_check_runs_commit_id_model_commits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("commit_id", name=op.f("pk_model_check_runs")),
    )
    op.create_table(
        "model_check_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("figure", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_check_results_commit_id_model_commits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_check_results")),
        sa.UniqueConstraint("commit_id", "name", name=op.f("uq_model_check_results_commit_id")),
    )


def downgrade() -> None:
    op.drop_table("model_check_results")
    op.drop_table("model_check_runs")
    op.drop_table("model_check_configs")
