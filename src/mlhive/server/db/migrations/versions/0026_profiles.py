"""Profiles (bio, affiliation, interests), open calls, their responses and collaborator grants

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 01:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _user_fk(table: str, column: str, *, cascade: bool = True) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["users.id"],
        name=op.f(f"fk_{table}_{column}_users"),
        ondelete="CASCADE" if cascade else None,
    )


def _call_fk(table: str) -> sa.ForeignKeyConstraint:
    column = "via_call_id" if table == "object_collaborators" else "call_id"
    return sa.ForeignKeyConstraint(
        [column],
        ["open_calls.id"],
        name=op.f(f"fk_{table}_{column}_open_calls"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("bio", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "users", sa.Column("affiliation", sa.String(200), server_default="", nullable=False)
    )
    op.create_table(
        "user_interests",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        _user_fk("user_interests", "user_id"),
        sa.PrimaryKeyConstraint("user_id", "tag", name=op.f("pk_user_interests")),
    )
    op.create_index("ix_user_interests_tag", "user_interests", ["tag"])
    op.create_table(
        "open_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("access", sa.String(8), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        _user_fk("open_calls", "author_id", cascade=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_calls")),
    )
    op.create_index("ix_open_calls_subject", "open_calls", ["subject_kind", "subject_id"])
    op.create_index("ix_open_calls_state", "open_calls", ["state"])
    op.create_table(
        "open_call_skills",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(64), nullable=False),
        _call_fk("open_call_skills"),
        sa.PrimaryKeyConstraint("call_id", "skill", name=op.f("pk_open_call_skills")),
    )
    op.create_index("ix_open_call_skills_skill", "open_call_skills", ["skill"])
    op.create_table(
        "open_call_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        _call_fk("open_call_responses"),
        _user_fk("open_call_responses", "user_id", cascade=False),
        _user_fk("open_call_responses", "decided_by", cascade=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_call_responses")),
    )
    op.create_index("ix_open_call_responses_call_id", "open_call_responses", ["call_id"])
    op.create_index("ix_open_call_responses_user_id", "open_call_responses", ["user_id"])
    op.create_table(
        "object_collaborators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("via_call_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user_fk("object_collaborators", "user_id"),
        _user_fk("object_collaborators", "granted_by"),
        _call_fk("object_collaborators"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_object_collaborators")),
        sa.UniqueConstraint(
            "via_call_id", "user_id", name=op.f("uq_object_collaborators_call_user")
        ),
    )
    op.create_index("ix_object_collaborators_user_id", "object_collaborators", ["user_id"])
    op.create_index("ix_object_collaborators_via_call_id", "object_collaborators", ["via_call_id"])
    op.create_index(
        "ix_object_collaborators_subject", "object_collaborators", ["subject_kind", "subject_id"]
    )


def downgrade() -> None:
    op.drop_table("object_collaborators")
    op.drop_table("open_call_responses")
    op.drop_table("open_call_skills")
    op.drop_table("open_calls")
    op.drop_table("user_interests")
    op.drop_column("users", "affiliation")
    op.drop_column("users", "bio")
