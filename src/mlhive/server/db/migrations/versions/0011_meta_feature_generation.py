"""automl: the meta-feature generation counter and change log the similar-datasets cache follows

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "dataset_meta_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_meta_generation")),
    )
    # The one row every bump updates: present from the start, so a bump never has to insert.
    op.bulk_insert(table, [{"id": 1, "value": 0}])
    # Which dataset each generation changed, so the cache patches only those rows.
    op.create_table(
        "dataset_meta_changes",
        sa.Column("generation", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("generation", name=op.f("pk_dataset_meta_changes")),
    )


def downgrade() -> None:
    op.drop_table("dataset_meta_changes")
    op.drop_table("dataset_meta_generation")
