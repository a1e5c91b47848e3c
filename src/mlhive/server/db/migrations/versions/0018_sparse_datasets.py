"""Datasets remember whether their ARFF file is sparse (OpenML's sparse_arff format)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sparse uploads were refused before this revision, so every existing dataset is dense.
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sparse", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # A run keeps the predictions and trace files as they were uploaded, to serve them back.
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("predictions_file_sha256", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("trace_file_sha256", sa.String(64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_runs_predictions_file_sha256_blobs"),
            "blobs",
            ["predictions_file_sha256"],
            ["sha256"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_runs_trace_file_sha256_blobs"),
            "blobs",
            ["trace_file_sha256"],
            ["sha256"],
        )


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_runs_trace_file_sha256_blobs"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_runs_predictions_file_sha256_blobs"), type_="foreignkey"
        )
        batch_op.drop_column("trace_file_sha256")
        batch_op.drop_column("predictions_file_sha256")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_column("sparse")
