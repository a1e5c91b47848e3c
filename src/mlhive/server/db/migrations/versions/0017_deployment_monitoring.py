"""Deployments keep their answer times (a latency histogram) and a summary of their inputs

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 18:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deployment_latency",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_latency_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("deployment_id", "bucket", name=op.f("pk_deployment_latency")),
    )
    op.create_table(
        "deployment_inputs",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=256), nullable=False),
        sa.Column("category", sa.String(length=128), nullable=False),
        sa.Column("values", sa.BigInteger(), nullable=False),
        sa.Column("missing", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("squares", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_inputs_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "column", "category", name=op.f("pk_deployment_inputs")
        ),
    )


def downgrade() -> None:
    op.drop_table("deployment_inputs")
    op.drop_table("deployment_latency")
