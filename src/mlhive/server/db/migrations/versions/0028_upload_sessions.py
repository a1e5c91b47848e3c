"""Upload sessions of the model forge: commits that send only the pieces the server lacks

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 01:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_uploads",
        sa.Column("id", sa.String(43), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_uploads_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_model_uploads_actor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_uploads")),
    )
    op.create_index("ix_model_uploads_repo_id", "model_uploads", ["repo_id"])
    op.create_index("ix_model_uploads_expires_at", "model_uploads", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_model_uploads_expires_at", table_name="model_uploads")
    op.drop_index("ix_model_uploads_repo_id", table_name="model_uploads")
    op.drop_table("model_uploads")
