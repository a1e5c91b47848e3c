"""forge

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:11:29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_repos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("task_ids", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("default_branch", sa.String(length=128), nullable=False),
        sa.Column("forked_from_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forked_from_id"],
            ["model_repos.id"],
            name=op.f("fk_model_repos_forked_from_id_model_repos"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_model_repos_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_repos")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_model_repos_owner_id")),
    )
    op.create_table(
        "model_commits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("sha", sa.String(length=64), nullable=False),
        sa.Column("parents", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("n_tensors", sa.Integer(), nullable=False),
        sa.Column("onnx_state", sa.String(length=16), nullable=True),
        sa.Column("onnx_sha256", sa.String(length=64), nullable=True),
        sa.Column("onnx_report", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_model_commits_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["manifest_sha256"],
            ["blobs.sha256"],
            name=op.f("fk_model_commits_manifest_sha256_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["onnx_sha256"], ["blobs.sha256"], name=op.f("fk_model_commits_onnx_sha256_blobs")
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_commits_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_commits")),
        sa.UniqueConstraint("repo_id", "sha", name=op.f("uq_model_commits_repo_id")),
    )
    with op.batch_alter_table("model_commits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_commits_repo_created", ["repo_id", "created_at"], unique=False
        )

    op.create_table(
        "model_merge_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source_repo_id", sa.Integer(), nullable=False),
        sa.Column("source_branch", sa.String(length=128), nullable=False),
        sa.Column("target_branch", sa.String(length=128), nullable=False),
        sa.Column("source_commit_id", sa.Integer(), nullable=False),
        sa.Column("target_commit_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("evaluation_state", sa.String(length=16), nullable=False),
        sa.Column("evaluation_error", sa.Text(), nullable=True),
        sa.Column("comparison", sa.JSON(), nullable=False),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.Column("merged_commit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_model_merge_requests_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["merged_commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_merge_requests_merged_commit_id_model_commits"),
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_merge_requests_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_merge_requests_source_commit_id_model_commits"),
        ),
        sa.ForeignKeyConstraint(
            ["source_repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_merge_requests_source_repo_id_model_repos"),
        ),
        sa.ForeignKeyConstraint(
            ["target_commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_merge_requests_target_commit_id_model_commits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_merge_requests")),
        sa.UniqueConstraint("repo_id", "number", name=op.f("uq_model_merge_requests_repo_id")),
    )
    with op.batch_alter_table("model_merge_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_merge_requests_source_repo_id"), ["source_repo_id"], unique=False
        )

    op.create_table(
        "model_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("branch", sa.String(length=128), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("commit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_model_merges_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["commit_id"],
            ["model_commits.id"],
            name=op.f("fk_model_merges_commit_id_model_commits"),
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_merges_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_merges")),
    )
    with op.batch_alter_table("model_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_merges_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "model_refs",
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("commit_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commit_id"], ["model_commits.id"], name=op.f("fk_model_refs_commit_id_model_commits")
        ),
        sa.ForeignKeyConstraint(
            ["repo_id"],
            ["model_repos.id"],
            name=op.f("fk_model_refs_repo_id_model_repos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("repo_id", "kind", "name", name=op.f("pk_model_refs")),
    )
    with op.batch_alter_table("model_refs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_refs_commit_id"), ["commit_id"], unique=False)

    op.create_table(
        "model_mr_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("tensor", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_model_mr_comments_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["model_mr_comments.id"],
            name=op.f("fk_model_mr_comments_reply_to_id_model_mr_comments"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["model_merge_requests.id"],
            name=op.f("fk_model_mr_comments_request_id_model_merge_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_mr_comments")),
    )
    with op.batch_alter_table("model_mr_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_mr_comments_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("model_mr_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_mr_comments_request_id"))

    op.drop_table("model_mr_comments")
    with op.batch_alter_table("model_refs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_refs_commit_id"))

    op.drop_table("model_refs")
    with op.batch_alter_table("model_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_merges_repo_id"))

    op.drop_table("model_merges")
    with op.batch_alter_table("model_merge_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_merge_requests_source_repo_id"))

    op.drop_table("model_merge_requests")
    with op.batch_alter_table("model_commits", schema=None) as batch_op:
        batch_op.drop_index("ix_model_commits_repo_created")

    op.drop_table("model_commits")
    op.drop_table("model_repos")
