"""Tables of AutoML: a search under hard budgets (a job) and each of its trials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mlhive.server.db.base import Base, utcnow


class AutoMLSearch(Base):
    """One AutoML job on a task: its limits, its state and what it produced."""

    __tablename__ = "automl_searches"
    __table_args__ = (Index("ix_automl_searches_owner_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    metric: Mapped[str] = mapped_column(String(64))
    time_budget: Mapped[float | None] = mapped_column(Float, default=None)
    memory_limit: Mapped[int | None] = mapped_column(BigInteger, default=None)
    n_trials: Mapped[int | None] = mapped_column(Integer, default=None)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    # queued -> running -> done | failed
    state: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    job_id: Mapped[int | None] = mapped_column(Integer, default=None)
    # No foreign keys to what the search made: a study, run or repository deleted later
    # leaves the search's record (it says what was made, not what exists).
    study_id: Mapped[int | None] = mapped_column(Integer, default=None)
    ensemble_run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    ensemble: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    final_score: Mapped[float | None] = mapped_column(Float, default=None)
    model_repo: Mapped[str | None] = mapped_column(String(256), default=None)
    model_commit: Mapped[str | None] = mapped_column(String(64), default=None)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    seconds: Mapped[float | None] = mapped_column(Float, default=None)


class AutoMLTrial(Base):
    """One configuration tried: its outcome, its run (when complete), time and memory."""

    __tablename__ = "automl_trials"
    __table_args__ = (Index("ix_automl_trials_search_number", "search_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("automl_searches.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    # complete | pruned | failed
    state: Mapped[str] = mapped_column(String(16))
    # failed: timeout | memory | error
    reason: Mapped[str | None] = mapped_column(String(16), default=None)
    message: Mapped[str | None] = mapped_column(Text, default=None)
    warm_start: Mapped[bool] = mapped_column(default=False)
    fraction: Mapped[float] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    rung_scores: Mapped[list[float]] = mapped_column(JSON, default=list)
    run_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    setup_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    seconds: Mapped[float] = mapped_column(Float)
    peak_memory: Mapped[int | None] = mapped_column(BigInteger, default=None)


class SuiteRun(Base):
    """A flow (with a setup) or an AutoML search run on every task of a suite, as one job."""

    __tablename__ = "suite_runs"
    __table_args__ = (Index("ix_suite_runs_suite_owner", "suite_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key to the suite: deleting a suite leaves the record of what ran on it.
    suite_id: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # flow: flow_id (+ setup_id) refitted on each task's folds; automl: a search per task
    mode: Mapped[str] = mapped_column(String(16))
    flow_id: Mapped[int | None] = mapped_column(Integer, default=None)
    setup_id: Mapped[int | None] = mapped_column(Integer, default=None)
    automl: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    memory_limit: Mapped[int | None] = mapped_column(BigInteger, default=None)
    # queued -> running -> done | failed
    state: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    job_id: Mapped[int | None] = mapped_column(Integer, default=None)
    study_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    seconds: Mapped[float | None] = mapped_column(Float, default=None)


class SuiteRunTask(Base):
    """One task of a suite run: its state and the run it produced."""

    __tablename__ = "suite_run_tasks"
    __table_args__ = (Index("ix_suite_run_tasks_run_task", "suite_run_id", "task_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suite_run_id: Mapped[int] = mapped_column(ForeignKey("suite_runs.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(Integer)
    # queued -> running -> done | failed
    state: Mapped[str] = mapped_column(String(16), default="queued")
    run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    automl_search_id: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    seconds: Mapped[float | None] = mapped_column(Float, default=None)
    peak_memory: Mapped[int | None] = mapped_column(BigInteger, default=None)


class AutoLeaderboard(Base):
    """What the hive made by itself for a processed dataset (``auto_automl_budget``).

    One row per dataset, written when its processing finishes: the standard task, the
    baseline runs and the AutoML search queued on it, or why nothing was made.
    """

    __tablename__ = "auto_leaderboards"

    # No foreign keys: deleting a dataset deletes its row (datasets.catalog), and a task, run
    # or search deleted later leaves the record of what was made.
    dataset_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # queued -> running -> done | skipped | failed
    state: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    task_id: Mapped[int | None] = mapped_column(Integer, default=None)
    baseline_run_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    search_id: Mapped[int | None] = mapped_column(Integer, default=None)
    time_budget: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
