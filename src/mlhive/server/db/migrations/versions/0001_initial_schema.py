"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 17:37:48.486377
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_state_id", ["state", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_subject"), ["subject"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("processing", sa.String(length=16), nullable=False),
        sa.Column("processing_error", sa.Text(), nullable=True),
        sa.Column("upload_format", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("licence", sa.String(length=128), nullable=False),
        sa.Column("creator", sa.JSON(), nullable=False),
        sa.Column("contributor", sa.JSON(), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("collection_date", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=64), nullable=False),
        sa.Column("original_url", sa.String(length=1024), nullable=False),
        sa.Column("paper_url", sa.String(length=1024), nullable=False),
        sa.Column("default_target_attribute", sa.String(length=256), nullable=True),
        sa.Column("row_id_attribute", sa.String(length=256), nullable=True),
        sa.Column("ignore_attributes", sa.JSON(), nullable=False),
        sa.Column("data_sha256", sa.String(length=64), nullable=False),
        sa.Column("arff_sha256", sa.String(length=64), nullable=True),
        sa.Column("arff_md5", sa.String(length=32), nullable=True),
        sa.Column("number_of_rows", sa.BigInteger(), nullable=False),
        sa.Column("number_of_columns", sa.Integer(), nullable=False),
        sa.Column("forked_from_id", sa.Integer(), nullable=True),
        sa.Column("upload_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processing_date", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["arff_sha256"], ["blobs.sha256"], name=op.f("fk_datasets_arff_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["data_sha256"], ["blobs.sha256"], name=op.f("fk_datasets_data_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["forked_from_id"], ["datasets.id"], name=op.f("fk_datasets_forked_from_id_datasets")
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name=op.f("fk_datasets_uploader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_datasets")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_datasets_name")),
    )
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_datasets_name"), ["name"], unique=False)
        batch_op.create_index("ix_datasets_status_id", ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_datasets_upload_date"), ["upload_date"], unique=False)
        batch_op.create_index("ix_datasets_uploader_id", ["uploader_id", "id"], unique=False)

    op.create_table(
        "dataset_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_edits_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_dataset_edits_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_edits")),
    )
    with op.batch_alter_table("dataset_edits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_edits_dataset_id"), ["dataset_id"], unique=False
        )

    op.create_table(
        "dataset_features",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("data_type", sa.String(length=16), nullable=False),
        sa.Column("nominal_values", sa.JSON(), nullable=True),
        sa.Column("number_of_missing_values", sa.BigInteger(), nullable=False),
        sa.Column("number_of_distinct_values", sa.BigInteger(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=True),
        sa.Column("maximum", sa.Float(), nullable=True),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("stdev", sa.Float(), nullable=True),
        sa.Column("is_target", sa.Boolean(), nullable=False),
        sa.Column("is_ignore", sa.Boolean(), nullable=False),
        sa.Column("is_row_identifier", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_features_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "index", name=op.f("pk_dataset_features")),
    )
    op.create_table(
        "dataset_qualities",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_qualities_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dataset_id", "name", name=op.f("pk_dataset_qualities")),
    )
    with op.batch_alter_table("dataset_qualities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dataset_qualities_name_value", ["name", "value", "dataset_id"], unique=False
        )

    op.create_table(
        "dataset_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_status_changes_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_dataset_status_changes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dataset_status_changes")),
    )
    with op.batch_alter_table("dataset_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dataset_status_changes_dataset_id"), ["dataset_id"], unique=False
        )

    op.create_table(
        "dataset_tags",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("tagger_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"],
            ["datasets.id"],
            name=op.f("fk_dataset_tags_dataset_id_datasets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tagger_id"], ["users.id"], name=op.f("fk_dataset_tags_tagger_id_users")
        ),
        sa.PrimaryKeyConstraint("dataset_id", "tag", name=op.f("pk_dataset_tags")),
    )
    with op.batch_alter_table("dataset_tags", schema=None) as batch_op:
        batch_op.create_index("ix_dataset_tags_tag", ["tag", "dataset_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dataset_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_tags_tag")

    op.drop_table("dataset_tags")
    with op.batch_alter_table("dataset_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_status_changes_dataset_id"))

    op.drop_table("dataset_status_changes")
    with op.batch_alter_table("dataset_qualities", schema=None) as batch_op:
        batch_op.drop_index("ix_dataset_qualities_name_value")

    op.drop_table("dataset_qualities")
    op.drop_table("dataset_features")
    with op.batch_alter_table("dataset_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dataset_edits_dataset_id"))

    op.drop_table("dataset_edits")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        batch_op.drop_index("ix_datasets_uploader_id")
        batch_op.drop_index(batch_op.f("ix_datasets_upload_date"))
        batch_op.drop_index("ix_datasets_status_id")
        batch_op.drop_index(batch_op.f("ix_datasets_name"))

    op.drop_table("datasets")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_user_id"))

    op.drop_table("api_keys")
    op.drop_table("users")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_subject"))
        batch_op.drop_index("ix_jobs_state_id")

    op.drop_table("jobs")
    op.drop_table("blobs")
