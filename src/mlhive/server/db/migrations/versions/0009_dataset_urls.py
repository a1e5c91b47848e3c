"""datasets given by URL: the source URL, no data until fetched

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DEPENDENTS = (
    "dataset_tags",
    "dataset_edits",
    "dataset_status_changes",
    "dataset_features",
    "dataset_qualities",
)


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_url", sa.String(length=2048), nullable=True))
        batch_op.alter_column("data_sha256", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    # Datasets whose data never arrived cannot satisfy the NOT NULL again: they go.
    unfetched = "SELECT id FROM datasets WHERE data_sha256 IS NULL"
    for table in DEPENDENTS:
        op.execute(f"DELETE FROM {table} WHERE dataset_id IN ({unfetched})")
    op.execute("DELETE FROM datasets WHERE data_sha256 IS NULL")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.alter_column("data_sha256", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("source_url")
