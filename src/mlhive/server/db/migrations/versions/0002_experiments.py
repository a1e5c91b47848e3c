"""experiments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:54:00.662676
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["users.id"], name=op.f("fk_collections_creator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("kind", "alias", name=op.f("uq_collections_kind")),
    )
    op.create_table(
        "flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("external_version", sa.String(length=1024), nullable=False),
        sa.Column("class_name", sa.String(length=1024), nullable=False),
        sa.Column("custom_name", sa.String(length=1024), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=128), nullable=False),
        sa.Column("dependencies", sa.Text(), nullable=False),
        sa.Column("installation_notes", sa.Text(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("upload_date", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name=op.f("fk_flows_uploader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
        sa.UniqueConstraint("name", "external_version", name=op.f("uq_flows_name")),
    )
    op.create_table(
        "flow_components",
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=256), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["flows.id"], name=op.f("fk_flow_components_child_id_flows")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["flows.id"],
            name=op.f("fk_flow_components_parent_id_flows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("parent_id", "identifier", name=op.f("pk_flow_components")),
    )
    with op.batch_alter_table("flow_components", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flow_components_child_id"), ["child_id"], unique=False)

    op.create_table(
        "flow_tags",
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("tagger_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_flow_tags_flow_id_flows"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tagger_id"], ["users.id"], name=op.f("fk_flow_tags_tagger_id_users")
        ),
        sa.PrimaryKeyConstraint("flow_id", "tag", name=op.f("pk_flow_tags")),
    )
    with op.batch_alter_table("flow_tags", schema=None) as batch_op:
        batch_op.create_index("ix_flow_tags_tag", ["tag", "flow_id"], unique=False)

    op.create_table(
        "setups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["flow_id"], ["flows.id"], name=op.f("fk_setups_flow_id_flows")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setups")),
        sa.UniqueConstraint("flow_id", "signature", name=op.f("uq_setups_flow_id")),
    )
    with op.batch_alter_table("setups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_setups_flow_id"), ["flow_id"], unique=False)

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_type", sa.String(length=32), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=True),
        sa.Column("target_key", sa.String(length=256), nullable=False),
        sa.Column("custom_key", sa.String(length=64), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("evaluation_measures", sa.JSON(), nullable=False),
        sa.Column("class_labels", sa.JSON(), nullable=True),
        sa.Column("number_of_rows", sa.Integer(), nullable=False),
        sa.Column("splits_sha256", sa.String(length=64), nullable=False),
        sa.Column("splits_arff_sha256", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dataset_id"], ["datasets.id"], name=op.f("fk_tasks_dataset_id_datasets")
        ),
        sa.ForeignKeyConstraint(
            ["splits_arff_sha256"], ["blobs.sha256"], name=op.f("fk_tasks_splits_arff_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["splits_sha256"], ["blobs.sha256"], name=op.f("fk_tasks_splits_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name=op.f("fk_tasks_uploader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint(
            "dataset_id",
            "task_type",
            "target_key",
            "procedure_id",
            "custom_key",
            name=op.f("uq_tasks_dataset_id"),
        ),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_dataset_id"), ["dataset_id"], unique=False)
        batch_op.create_index("ix_tasks_type_id", ["task_type", "id"], unique=False)

    op.create_table(
        "collection_tasks",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_tasks_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_collection_tasks_task_id_tasks")
        ),
        sa.PrimaryKeyConstraint("collection_id", "task_id", name=op.f("pk_collection_tasks")),
    )
    with op.batch_alter_table("collection_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_tasks_task_id"), ["task_id"], unique=False)

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("setup_id", sa.Integer(), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("upload_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("evaluation_error", sa.Text(), nullable=True),
        sa.Column("predictions_sha256", sa.String(length=64), nullable=True),
        sa.Column("trace_sha256", sa.String(length=64), nullable=True),
        sa.Column("fold_timings", sa.JSON(), nullable=False),
        sa.Column("client_measures", sa.JSON(), nullable=False),
        sa.Column("setup_string", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["flow_id"], ["flows.id"], name=op.f("fk_runs_flow_id_flows")),
        sa.ForeignKeyConstraint(
            ["predictions_sha256"], ["blobs.sha256"], name=op.f("fk_runs_predictions_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(["setup_id"], ["setups.id"], name=op.f("fk_runs_setup_id_setups")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_runs_task_id_tasks")),
        sa.ForeignKeyConstraint(
            ["trace_sha256"], ["blobs.sha256"], name=op.f("fk_runs_trace_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name=op.f("fk_runs_uploader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index("ix_runs_flow_id", ["flow_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_setup_id"), ["setup_id"], unique=False)
        batch_op.create_index("ix_runs_task_id", ["task_id", "id"], unique=False)
        batch_op.create_index("ix_runs_uploader_id", ["uploader_id", "id"], unique=False)

    op.create_table(
        "setup_parameters",
        sa.Column("setup_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["flows.id"], name=op.f("fk_setup_parameters_flow_id_flows")
        ),
        sa.ForeignKeyConstraint(
            ["setup_id"],
            ["setups.id"],
            name=op.f("fk_setup_parameters_setup_id_setups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("setup_id", "flow_id", "name", name=op.f("pk_setup_parameters")),
    )
    op.create_table(
        "task_tags",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("tagger_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tagger_id"], ["users.id"], name=op.f("fk_task_tags_tagger_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_tags_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "tag", name=op.f("pk_task_tags")),
    )
    with op.batch_alter_table("task_tags", schema=None) as batch_op:
        batch_op.create_index("ix_task_tags_tag", ["tag", "task_id"], unique=False)

    op.create_table(
        "collection_runs",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_runs_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_collection_runs_run_id_runs")
        ),
        sa.PrimaryKeyConstraint("collection_id", "run_id", name=op.f("pk_collection_runs")),
    )
    with op.batch_alter_table("collection_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_runs_run_id"), ["run_id"], unique=False)

    op.create_table(
        "evaluations",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("setup_id", sa.Integer(), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("stdev", sa.Float(), nullable=True),
        sa.Column("array_data", sa.JSON(), nullable=True),
        sa.Column("per_fold", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_evaluations_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "measure", name=op.f("pk_evaluations")),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evaluations_flow_measure", ["flow_id", "measure", "run_id"], unique=False
        )
        batch_op.create_index("ix_evaluations_measure_run", ["measure", "run_id"], unique=False)
        batch_op.create_index(
            "ix_evaluations_setup_measure", ["setup_id", "measure", "run_id"], unique=False
        )
        batch_op.create_index(
            "ix_evaluations_task_measure_value",
            ["task_id", "measure", "value", "run_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_evaluations_uploader_id"), ["uploader_id"], unique=False
        )

    op.create_table(
        "run_tags",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("tagger_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_tags_run_id_runs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tagger_id"], ["users.id"], name=op.f("fk_run_tags_tagger_id_users")
        ),
        sa.PrimaryKeyConstraint("run_id", "tag", name=op.f("pk_run_tags")),
    )
    with op.batch_alter_table("run_tags", schema=None) as batch_op:
        batch_op.create_index("ix_run_tags_tag", ["tag", "run_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("run_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_run_tags_tag")

    op.drop_table("run_tags")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluations_uploader_id"))
        batch_op.drop_index("ix_evaluations_task_measure_value")
        batch_op.drop_index("ix_evaluations_setup_measure")
        batch_op.drop_index("ix_evaluations_measure_run")
        batch_op.drop_index("ix_evaluations_flow_measure")

    op.drop_table("evaluations")
    with op.batch_alter_table("collection_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_runs_run_id"))

    op.drop_table("collection_runs")
    with op.batch_alter_table("task_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_task_tags_tag")

    op.drop_table("task_tags")
    op.drop_table("setup_parameters")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index("ix_runs_uploader_id")
        batch_op.drop_index("ix_runs_task_id")
        batch_op.drop_index(batch_op.f("ix_runs_setup_id"))
        batch_op.drop_index("ix_runs_flow_id")

    op.drop_table("runs")
    with op.batch_alter_table("collection_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_tasks_task_id"))

    op.drop_table("collection_tasks")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_type_id")
        batch_op.drop_index(batch_op.f("ix_tasks_dataset_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("setups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_setups_flow_id"))

    op.drop_table("setups")
    with op.batch_alter_table("flow_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_flow_tags_tag")

    op.drop_table("flow_tags")
    with op.batch_alter_table("flow_components", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flow_components_child_id"))

    op.drop_table("flow_components")
    op.drop_table("flows")
    op.drop_table("collections")
