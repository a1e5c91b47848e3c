"""openml: dataset topics, feature ontologies, flow versions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _by_dataset_and_user(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f(f"fk_{table}_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users")),
    ]


def upgrade() -> None:
    op.create_table(
        "dataset_topics",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_by_dataset_and_user("dataset_topics"),
        sa.PrimaryKeyConstraint("dataset_id", "topic", name=op.f("pk_dataset_topics")),
    )
    op.create_table(
        "dataset_feature_ontologies",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("ontology", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_by_dataset_and_user("dataset_feature_ontologies"),
        sa.PrimaryKeyConstraint(
            "dataset_id", "index", "ontology", name=op.f("pk_dataset_feature_ontologies")
        ),
    )
    with op.batch_alter_table("flows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    # Existing flows are numbered per name in upload order, as OpenML numbers them.
    op.execute(
        "UPDATE flows SET version = (SELECT COUNT(*) FROM flows AS earlier "
        "WHERE earlier.name = flows.name AND earlier.id <= flows.id)"
    )
    with op.batch_alter_table("flows", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_flows_name_version"), ["name", "version"])


def downgrade() -> None:
    with op.batch_alter_table("flows", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_flows_name_version"), type_="unique")
        batch_op.drop_column("version")
    op.drop_table("dataset_feature_ontologies")
    op.drop_table("dataset_topics")
