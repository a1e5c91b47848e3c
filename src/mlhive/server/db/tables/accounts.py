"""Accounts (users and teams), users' API keys and browser sessions, team memberships and
invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mlhive.server.db.base import Base, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "user", or "team": an account that owns objects like a user, whose members act for it
    # and which never signs in (it has no keys). One namespace, so `owner/name` works for both.
    kind: Mapped[str] = mapped_column(String(8), default="user", server_default="user")
    # The profile: a Markdown bio (rendered sanitised) and an affiliation; interests are rows
    # of ``user_interests``.
    bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    affiliation: Mapped[str] = mapped_column(String(200), default="", server_default="")


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    # "read" or "write" (KeyScope); keys issued before scopes existed could write.
    scope: Mapped[str] = mapped_column(String(8), default="write", server_default="write")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="joined")


class BrowserSession(Base):
    """A signed-in browser: the cookie holds the secret, the table only its hash."""

    __tablename__ = "browser_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The key the person signed in with: revoking it ends the session too.
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="joined")
    key: Mapped[ApiKey] = relationship(lazy="joined")


class TeamMember(Base):
    """A user's membership of a team, with a role: ``read``, ``write`` or ``admin``."""

    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (Index("ix_team_members_user_id", "user_id"),)


class TeamInvitation(Base):
    """An invitation of a user to a team: its token is shown once and stored as a hash."""

    __tablename__ = "team_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    # "pending", "accepted" or "declined"
    state: Mapped[str] = mapped_column(String(10), default="pending")
    answered_at: Mapped[datetime | None] = mapped_column(default=None)

    team: Mapped[User] = relationship(foreign_keys=[team_id], lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class UserInterest(Base):
    """One interest of an account's profile: a normalised free tag (``gradient-boosting``).

    Indexed by tag, so that "who is interested in X" is one index lookup."""

    __tablename__ = "user_interests"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)

    __table_args__ = (Index("ix_user_interests_tag", "tag"),)


class ObjectCollaborator(Base):
    """A collaborator grant: ``user_id`` may see (``read``) or see and change (``write``) the
    one object ``subject_kind``/``subject_id``, as accepted through the open call
    ``via_call_id``. ``domain.access`` honours it where a check names that object."""

    __tablename__ = "object_collaborators"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    granted_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    via_call_id: Mapped[int] = mapped_column(
        ForeignKey("open_calls.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (
        UniqueConstraint("via_call_id", "user_id", name="uq_object_collaborators_call_user"),
        Index("ix_object_collaborators_subject", "subject_kind", "subject_id"),
    )
