"""Tables of the model forge: repositories, commits, refs, merges, merge requests (whose review
threads are discussions: :mod:`mlhive.server.db.tables.social`).

Commits are immutable rows; their content is a manifest blob (see
:mod:`mlhive.server.domain.forge.tensors`) whose tensors and files are blobs of their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mlhive.server.db.base import Base, utcnow
from mlhive.server.db.tables.accounts import User


class ModelRepo(Base):
    __tablename__ = "model_repos"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    task_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    default_branch: Mapped[str] = mapped_column(String(128), default="main")
    forked_from_id: Mapped[int | None] = mapped_column(ForeignKey("model_repos.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")

    @property
    def full_name(self) -> str:
        return f"{self.owner.name}/{self.name}"


class ModelCommit(Base):
    __tablename__ = "model_commits"
    __table_args__ = (
        UniqueConstraint("repo_id", "sha"),
        Index("ix_model_commits_repo_created", "repo_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("model_repos.id", ondelete="CASCADE"))
    sha: Mapped[str] = mapped_column(String(64))
    parents: Mapped[list[str]] = mapped_column(default=list)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    format: Mapped[str] = mapped_column(String(16))
    manifest_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    card: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    n_tensors: Mapped[int] = mapped_column(Integer, default=0)
    onnx_state: Mapped[str | None] = mapped_column(String(16), default=None)
    onnx_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), default=None)
    onnx_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    author: Mapped[User] = relationship(lazy="joined")


class ModelRef(Base):
    """A branch (moves) or a tag (never moves) of a repository."""

    __tablename__ = "model_refs"

    repo_id: Mapped[int] = mapped_column(
        ForeignKey("model_repos.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    commit_id: Mapped[int] = mapped_column(ForeignKey("model_commits.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelMerge(Base):
    """A merge the server carries out in the background; ``commit_id`` once done."""

    __tablename__ = "model_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(
        ForeignKey("model_repos.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(32))
    branch: Mapped[str] = mapped_column(String(128))
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    commit_id: Mapped[int | None] = mapped_column(ForeignKey("model_commits.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MergeRequest(Base):
    __tablename__ = "model_merge_requests"
    __table_args__ = (UniqueConstraint("repo_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("model_repos.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    source_repo_id: Mapped[int] = mapped_column(ForeignKey("model_repos.id"), index=True)
    source_branch: Mapped[str] = mapped_column(String(128))
    target_branch: Mapped[str] = mapped_column(String(128))
    source_commit_id: Mapped[int] = mapped_column(ForeignKey("model_commits.id"))
    target_commit_id: Mapped[int] = mapped_column(ForeignKey("model_commits.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="open")
    evaluation_state: Mapped[str] = mapped_column(String(16), default="pending")
    evaluation_error: Mapped[str | None] = mapped_column(Text, default=None)
    comparison: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    violations: Mapped[list[str]] = mapped_column(default=list)
    merged_commit_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_commits.id"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class ModelUpload(Base):
    """An upload session: a commit whose file arrives piece by piece (resumable).

    ``request`` is the session's :class:`~mlhive.wire.models.UploadCreate`; which pieces
    arrived is read from the blob store (pieces are blobs named by their verified sha256), so
    asking again lists only what is still missing. Expired sessions are deleted; pieces that
    no commit recorded have no ``blobs`` row (see :mod:`mlhive.server.services.forge.uploads`).
    """

    __tablename__ = "model_uploads"

    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    repo_id: Mapped[int] = mapped_column(
        ForeignKey("model_repos.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
