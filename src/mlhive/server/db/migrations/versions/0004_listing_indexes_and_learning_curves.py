"""listing indexes and learning curves

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:51:02.743238
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_datasets_name"))
        batch_op.drop_index(batch_op.f("ix_datasets_upload_date"))
        batch_op.create_index("ix_datasets_status_name_id", ["status", "name", "id"], unique=False)
        batch_op.create_index(
            "ix_datasets_status_upload_date_id", ["status", "upload_date", "id"], unique=False
        )

    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("per_sample", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("curve", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_evaluations_task_measure_flow",
            ["task_id", "measure", "flow_id", "value", "run_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluations_task_measure_flow")
        batch_op.drop_column("curve")
        batch_op.drop_column("per_sample")

    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index("ix_datasets_status_upload_date_id")
        batch_op.drop_index("ix_datasets_status_name_id")
        batch_op.create_index(batch_op.f("ix_datasets_upload_date"), ["upload_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_datasets_name"), ["name"], unique=False)
