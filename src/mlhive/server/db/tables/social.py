"""Tables of the social room: discussion threads on any object, their posts, edits, mentions.

A thread hangs on a *subject* (``subject_kind``, ``subject_id``: see
:mod:`mlhive.server.services.subjects`), so one set of tables serves datasets, tasks, flows,
runs, suites, studies and model repositories. A post keeps every earlier body of itself in
``discussion_post_edits``; mentions and references are stored when a post is written, so that
notifications and backlinks can use them without parsing text again. ``reply_to_id`` and
``anchor`` let review threads (a comment on a tensor, an answer to a comment) live here too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mlhive.server.db.base import Base, utcnow
from mlhive.server.db.tables.accounts import User


class DiscussionThread(Base):
    __tablename__ = "discussion_threads"
    __table_args__ = (Index("ix_discussion_threads_subject", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column()
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(16), default="open")
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_post_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class DiscussionPost(Base):
    __tablename__ = "discussion_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_threads.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("discussion_posts.id"), default=None)
    anchor: Mapped[str | None] = mapped_column(String(512), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)

    author: Mapped[User] = relationship(lazy="joined")


class DiscussionPostEdit(Base):
    """One earlier version of a post: the body it had before an edit, and who replaced it."""

    __tablename__ = "discussion_post_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), index=True
    )
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column()
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    editor: Mapped[User] = relationship(lazy="joined")


class DiscussionMention(Base):
    """``@name`` in a post's current body: the user it names (for notifications)."""

    __tablename__ = "discussion_mentions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DiscussionReference(Base):
    """``kind:id`` in a post's current body (``model:owner/name`` as written): for backlinks."""

    __tablename__ = "discussion_references"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_posts.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(256), primary_key=True, index=True)


class OpenCall(Base):
    """An open call: a post on a dataset, task or model asking for help, with the skills
    wanted and the access (``read`` or ``write`` on exactly that object) it offers."""

    __tablename__ = "open_calls"
    __table_args__ = (
        Index("ix_open_calls_subject", "subject_kind", "subject_id"),
        Index("ix_open_calls_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column()
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    access: Mapped[str] = mapped_column(String(8))
    # "open" or "closed"
    state: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    author: Mapped[User] = relationship(lazy="joined")


class OpenCallSkill(Base):
    """A skill an open call wants (a normalised tag, like a profile's interests)."""

    __tablename__ = "open_call_skills"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("open_calls.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class OpenCallResponse(Base):
    """An answer to an open call, or an offer to volunteer; the call's owner side accepts
    (which grants the call's access) or declines it, and may later revoke an acceptance."""

    __tablename__ = "open_call_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(
        ForeignKey("open_calls.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # "answer" or "volunteer"
    kind: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text, default="")
    # "pending", "accepted", "declined" or "revoked"
    state: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
