"""Tables of serving: aliases of model commits, their audit trail, deployments, call counters.

An alias (``staging``, ``production`` or one the owner names) points at a commit of a
repository and moves only through an audited event; a deployment serves a repository's alias
(following it) or one fixed commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
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


class ModelAlias(Base):
    """Where an alias of a repository points now."""

    __tablename__ = "model_aliases"

    repo_id: Mapped[int] = mapped_column(
        ForeignKey("model_repos.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    commit_id: Mapped[int] = mapped_column(ForeignKey("model_commits.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AliasEvent(Base):
    """One move of an alias: who, when, from which commit to which, and the checks it passed."""

    __tablename__ = "model_alias_events"
    __table_args__ = (Index("ix_model_alias_events_repo_alias", "repo_id", "alias", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("model_repos.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    from_commit_id: Mapped[int | None] = mapped_column(ForeignKey("model_commits.id"), default=None)
    to_commit_id: Mapped[int] = mapped_column(ForeignKey("model_commits.id"))
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined")


class Deployment(Base):
    """A named endpoint serving ``repo@alias`` (following it) or one fixed commit."""

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    repo_id: Mapped[int] = mapped_column(
        ForeignKey("model_repos.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str | None] = mapped_column(String(64), default=None)
    commit_id: Mapped[int | None] = mapped_column(ForeignKey("model_commits.id"), default=None)
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(lazy="joined")


class DeploymentCounter(Base):
    """How often a deployment was called, and how many of those calls failed."""

    __tablename__ = "deployment_counters"

    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True
    )
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelCheckConfig(Base):
    """The model checks a repository's commits must pass before promotion (model CI)."""

    __tablename__ = "model_check_configs"

    repo_id: Mapped[int] = mapped_column(
        ForeignKey("model_repos.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelCheckRun(Base):
    """The latest run of a commit's checks: which configuration, and how it ended."""

    __tablename__ = "model_check_runs"

    commit_id: Mapped[int] = mapped_column(
        ForeignKey("model_commits.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelCheckResult(Base):
    """One check's result for a commit, under the configuration revision it ran with."""

    __tablename__ = "model_check_results"
    __table_args__ = (UniqueConstraint("commit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commit_id: Mapped[int] = mapped_column(ForeignKey("model_commits.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(128))
    passed: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text, default="")
    figure: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeploymentLatency(Base):
    """Calls of a deployment answered within one latency bucket (services.serving.monitor)."""

    __tablename__ = "deployment_latency"

    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True
    )
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    calls: Mapped[int] = mapped_column(BigInteger, default=0)


class DeploymentInput(Base):
    """What a deployment's answered calls were given in one column: the column's summary
    (``category`` ``""``: values, missing ones, sum and sum of squares of numbers) or how often
    one text value came (``category`` the value)."""

    __tablename__ = "deployment_inputs"

    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True
    )
    column: Mapped[str] = mapped_column(String(256), primary_key=True)
    category: Mapped[str] = mapped_column(String(128), primary_key=True)
    values: Mapped[int] = mapped_column(BigInteger, default=0)
    missing: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)
    squares: Mapped[float] = mapped_column(Float, default=0.0)


class RetrainingPolicy(Base):
    """A repository's retraining policy: follow a dataset's versions (and maybe a schedule),
    refit the pipeline of the default branch's head on each new version, commit it to a branch
    and open a merge request (or move @staging) once its model checks have run.

    The ``last_*`` columns are the latest retrain's outcome, which the policy's page shows.
    """

    __tablename__ = "retraining_policies"

    repo_id: Mapped[int] = mapped_column(
        ForeignKey("model_repos.id", ondelete="CASCADE"), primary_key=True
    )
    dataset_name: Mapped[str] = mapped_column(String(128), index=True)
    target: Mapped[str | None] = mapped_column(String(256), default=None)
    time_column: Mapped[str | None] = mapped_column(String(256), default=None)
    branch: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    interval_hours: Mapped[float | None] = mapped_column(Float, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_state: Mapped[str] = mapped_column(String(16), default="never")
    last_message: Mapped[str] = mapped_column(Text, default="")
    last_dataset_id: Mapped[int | None] = mapped_column(Integer, default=None)
    last_commit_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_commits.id", ondelete="SET NULL"), default=None
    )
    last_request_number: Mapped[int | None] = mapped_column(Integer, default=None)
    last_started_at: Mapped[datetime | None] = mapped_column(default=None)
    last_finished_at: Mapped[datetime | None] = mapped_column(default=None)
