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
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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


class Event(Base):
    """One thing that happened (append-only): who did it, what, to which object, and when.

    ``owner_id`` is the subject's owner (a user or a team), for team feeds and notifications;
    ``gate_owner_id`` and ``visibility`` are the subject's access as it was when the event was
    written, a fast first filter for listings. Readers re-check the subject's access as it is
    now (``services.social.feeds``), so an object made private or a member who left a team
    stops seeing its events on the next request.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_actor_id_id", "actor_id", "id"),
        Index("ix_events_owner_id_id", "owner_id", "id"),
        Index("ix_events_subject_id", "subject_kind", "subject_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verb: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(Integer)
    gate_owner_id: Mapped[int] = mapped_column(Integer)
    visibility: Mapped[str] = mapped_column(String(16))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    actor: Mapped[User] = relationship(lazy="joined")


class Watch(Base):
    """A user watches an object (``dataset``, ..., ``model``), a ``person`` or a ``team``."""

    __tablename__ = "watches"
    __table_args__ = (Index("ix_watches_target", "target_kind", "target_id"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    target_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """An event in a user's inbox, and why it is there (``owner``, ``mention``, ``watch``)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "event_id"),
        Index("ix_notifications_recipient_id_id", "recipient_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    read_at: Mapped[datetime | None] = mapped_column(default=None)

    event: Mapped[Event] = relationship(lazy="joined")


class Webhook(Base):
    """A user's HTTP endpoint that receives the events of their inbox, signed with ``secret``.

    ``verbs`` filters what is sent (empty: every verb).
    """

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(128))
    verbs: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One attempt at delivering one event to one webhook: the delivery log.

    ``outcome`` is ``delivered``, ``failed`` (will be retried at ``next_retry_at``), ``gave_up``
    (the last allowed attempt failed) or ``refused`` (the target is not allowed, or the owner
    can no longer see the event's object); ``retry_queued`` marks a failed attempt whose retry
    job exists.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "retry_queued", "next_retry_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    duration_ms: Mapped[float | None] = mapped_column(Float, default=None)
    next_retry_at: Mapped[datetime | None] = mapped_column(default=None)
    retry_queued: Mapped[bool] = mapped_column(default=False)
