"""discussions: threads on any object, posts with edit history, mentions and references

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 14:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discussion_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_post_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_discussion_threads_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_threads")),
    )
    op.create_index(
        "ix_discussion_threads_subject",
        "discussion_threads",
        ["subject_kind", "subject_id"],
        unique=False,
    )
    op.create_table(
        "discussion_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("anchor", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_discussion_posts_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["discussion_posts.id"],
            name=op.f("fk_discussion_posts_reply_to_id_discussion_posts"),
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["discussion_threads.id"],
            name=op.f("fk_discussion_posts_thread_id_discussion_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_posts")),
    )
    op.create_index(
        op.f("ix_discussion_posts_thread_id"), "discussion_posts", ["thread_id"], unique=False
    )
    op.create_table(
        "discussion_mentions",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["discussion_posts.id"],
            name=op.f("fk_discussion_mentions_post_id_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_discussion_mentions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_discussion_mentions")),
    )
    op.create_index(
        op.f("ix_discussion_mentions_user_id"), "discussion_mentions", ["user_id"], unique=False
    )
    op.create_table(
        "discussion_post_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["editor_id"], ["users.id"], name=op.f("fk_discussion_post_edits_editor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["discussion_posts.id"],
            name=op.f("fk_discussion_post_edits_post_id_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_post_edits")),
    )
    op.create_index(
        op.f("ix_discussion_post_edits_post_id"), "discussion_post_edits", ["post_id"], unique=False
    )
    op.create_table(
        "discussion_references",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["discussion_posts.id"],
            name=op.f("fk_discussion_references_post_id_discussion_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "target", name=op.f("pk_discussion_references")),
    )
    op.create_index(
        op.f("ix_discussion_references_target"), "discussion_references", ["target"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_discussion_references_target"), table_name="discussion_references")
    op.drop_table("discussion_references")
    op.drop_index(op.f("ix_discussion_post_edits_post_id"), table_name="discussion_post_edits")
    op.drop_table("discussion_post_edits")
    op.drop_index(op.f("ix_discussion_mentions_user_id"), table_name="discussion_mentions")
    op.drop_table("discussion_mentions")
    op.drop_index(op.f("ix_discussion_posts_thread_id"), table_name="discussion_posts")
    op.drop_table("discussion_posts")
    op.drop_index("ix_discussion_threads_subject", table_name="discussion_threads")
    op.drop_table("discussion_threads")
