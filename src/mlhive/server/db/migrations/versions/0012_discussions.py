"""discussions: threads on any object, posts with edit history, mentions and references;
merge-request comments move into them (one review thread per request, same comment ids)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
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

    _move_comments_into_threads()


REVIEWS = "model_mr"  # the subject kind of a merge request's review thread


def _reset_sequence(table: str) -> None:
    """After rows were copied with their ids, PostgreSQL's id sequence must follow them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE(MAX(id), 0) + 1, false) FROM {table}"
        )


def _move_comments_into_threads() -> None:
    op.execute(
        f"""
        INSERT INTO discussion_threads
            (subject_kind, subject_id, author_id, title, state, pinned, locked,
             created_at, last_post_at)
        SELECT '{REVIEWS}', r.id, r.author_id, r.title, 'open', false, false, r.created_at,
               (SELECT MAX(c.created_at) FROM model_mr_comments c WHERE c.request_id = r.id)
        FROM model_merge_requests r
        WHERE EXISTS (SELECT 1 FROM model_mr_comments c WHERE c.request_id = r.id)
        """
    )
    # Parents come before their replies (ids ascend), so reply_to_id always finds its post.
    op.execute(
        f"""
        INSERT INTO discussion_posts
            (id, thread_id, author_id, body, reply_to_id, anchor, created_at)
        SELECT c.id, t.id, c.author_id, c.body, c.reply_to_id, c.tensor, c.created_at
        FROM model_mr_comments c
        JOIN discussion_threads t ON t.subject_kind = '{REVIEWS}' AND t.subject_id = c.request_id
        ORDER BY c.id
        """
    )
    _reset_sequence("discussion_posts")
    with op.batch_alter_table("model_mr_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_mr_comments_request_id"))
    op.drop_table("model_mr_comments")


def _move_threads_back_into_comments() -> None:
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
    op.execute(
        f"""
        INSERT INTO model_mr_comments
            (id, request_id, author_id, body, reply_to_id, tensor, created_at)
        SELECT p.id, t.subject_id, p.author_id, p.body, p.reply_to_id, p.anchor, p.created_at
        FROM discussion_posts p
        JOIN discussion_threads t ON t.id = p.thread_id
        WHERE t.subject_kind = '{REVIEWS}'
        ORDER BY p.id
        """
    )
    _reset_sequence("model_mr_comments")


def downgrade() -> None:
    _move_threads_back_into_comments()
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
