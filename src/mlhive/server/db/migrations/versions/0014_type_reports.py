"""type reports: why each column has its type

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("type_notes", sa.JSON(), nullable=True))
    with op.batch_alter_table("dataset_features", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("dirty_values", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dataset_features", schema=None) as batch_op:
        batch_op.drop_column("dirty_values")
        batch_op.drop_column("reason")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("type_notes")
