"""serving: model aliases and their audit trail, deployments and their call counters

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:19:11.351064
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=True),
        sa.Column("commit_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"], ["model_commits.id"], name=op.f("fk_deployments_commit_id_model_commits")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_deployments_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_deployments_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint("name", name=op.f("uq_deployments_name")),
    )
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deployments_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deployments_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "model_alias_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("from_commit_id", sa.Integer(), nullable=True),
        sa.Column("to_commit_id", sa.Integer(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_model_alias_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["from_commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_alias_events_from_commit_id_model_commits"),
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_alias_events_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_alias_events_to_commit_id_model_commits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_alias_events")),
    )
    with op.batch_alter_table("model_alias_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_alias_events_repo_alias", ["repo_id", "alias", "id"], unique=False
        )

    op.create_table(
        "model_aliases",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_aliases_commit_id_model_commits"),
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_aliases_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("repo_id", "name", name=op.f("pk_model_aliases")),
    )
    with op.batch_alter_table("model_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_aliases_commit_id"), ["commit_id"], unique=False)

    op.create_table(
        "deployment_counters",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_counters_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", name=op.f("pk_deployment_counters")),
    )


def downgrade() -> None:
    op.drop_table("deployment_counters")
    with op.batch_alter_table("model_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_aliases_commit_id"))

    op.drop_table("model_aliases")
    with op.batch_alter_table("model_alias_events", schema=None) as batch_op:
        batch_op.drop_index("ix_model_alias_events_repo_alias")

    op.drop_table("model_alias_events")
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deployments_repo_id"))
        batch_op.drop_index(batch_op.f("ix_deployments_owner_id"))

    op.drop_table("deployments")
