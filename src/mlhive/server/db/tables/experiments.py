"""Tables of OpenML's experiment model: tasks, flows, setups, runs, evaluations, suites/studies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mlhive.server.db.base import Base, utcnow
from mlhive.server.db.tables.accounts import User
from mlhive.server.db.tables.datasets import Dataset


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("dataset_id", "task_type", "target_key", "procedure_id", "custom_key"),
        Index("ix_tasks_type_id", "task_type", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_type: Mapped[str] = mapped_column(String(32))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    target: Mapped[str | None] = mapped_column(String(256), default=None)
    # Uniqueness needs non-NULL keys: "" stands for "no target" / "not a custom split".
    target_key: Mapped[str] = mapped_column(String(256), default="")
    custom_key: Mapped[str] = mapped_column(String(64), default="")
    procedure_id: Mapped[int] = mapped_column(Integer)
    evaluation_measures: Mapped[list[str]] = mapped_column(default=list)
    class_labels: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    number_of_rows: Mapped[int] = mapped_column(Integer)
    # Rows whose target is missing: left out of every split (0 for tasks made before 0015).
    rows_without_target: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    splits_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    splits_arff_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    dataset: Mapped[Dataset] = relationship(lazy="joined")
    uploader: Mapped[User] = relationship(lazy="joined")


class TaskTag(Base):
    __tablename__ = "task_tags"
    __table_args__ = (Index("ix_task_tags_tag", "tag", "task_id"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    tagger_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Flow(Base):
    __tablename__ = "flows"
    __table_args__ = (
        UniqueConstraint("name", "external_version"),
        UniqueConstraint("name", "version", name="uq_flows_name_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1024))
    external_version: Mapped[str] = mapped_column(String(1024))
    # OpenML's version: 1 for the first flow of a name, one more for each new external version.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    class_name: Mapped[str] = mapped_column(String(1024), default="")
    custom_name: Mapped[str] = mapped_column(String(1024), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(128), default="English")
    dependencies: Mapped[str] = mapped_column(Text, default="")
    installation_notes: Mapped[str] = mapped_column(Text, default="")
    parameters: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    upload_date: Mapped[datetime] = mapped_column(default=utcnow)

    uploader: Mapped[User] = relationship(lazy="joined")


class FlowComponent(Base):
    __tablename__ = "flow_components"

    parent_id: Mapped[int] = mapped_column(
        ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True
    )
    identifier: Mapped[str] = mapped_column(String(256), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    child_id: Mapped[int] = mapped_column(ForeignKey("flows.id"), index=True)


class FlowTag(Base):
    __tablename__ = "flow_tags"
    __table_args__ = (Index("ix_flow_tags_tag", "tag", "flow_id"),)

    flow_id: Mapped[int] = mapped_column(
        ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    tagger_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Setup(Base):
    """A flow with every parameter's value; identical settings are stored once."""

    __tablename__ = "setups"
    __table_args__ = (UniqueConstraint("flow_id", "signature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id"), index=True)
    signature: Mapped[str] = mapped_column(String(64))


class SetupParameter(Base):
    __tablename__ = "setup_parameters"

    setup_id: Mapped[int] = mapped_column(
        ForeignKey("setups.id", ondelete="CASCADE"), primary_key=True
    )
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text, default=None)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_task_id", "task_id", "id"),
        Index("ix_runs_flow_id", "flow_id", "id"),
        Index("ix_runs_uploader_id", "uploader_id", "id"),
        # A task's latest runs with their uploader and flow, read from the index alone
        # ("who else ran on this task": services/social/suggestions.py).
        Index("ix_runs_task_latest", "task_id", "id", "uploader_id", "flow_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id"))
    setup_id: Mapped[int] = mapped_column(ForeignKey("setups.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    upload_time: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    evaluation_error: Mapped[str | None] = mapped_column(Text, default=None)
    predictions_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    trace_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), default=None)
    # The predictions and trace files as uploaded, served back byte for byte.
    predictions_file_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("blobs.sha256"), default=None
    )
    trace_file_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"), default=None)
    fold_timings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    client_measures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    setup_string: Mapped[str] = mapped_column(Text, default="")

    flow: Mapped[Flow] = relationship(lazy="joined")
    uploader: Mapped[User] = relationship(lazy="joined")


class RunTag(Base):
    __tablename__ = "run_tags"
    __table_args__ = (Index("ix_run_tags_tag", "tag", "run_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    tagger_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class Evaluation(Base):
    """One server-computed measure of a run; task/flow/setup/uploader copied for fast lists."""

    __tablename__ = "evaluations"
    __table_args__ = (
        Index("ix_evaluations_task_measure_value", "task_id", "measure", "value", "run_id"),
        Index("ix_evaluations_flow_measure", "flow_id", "measure", "run_id"),
        # Leaderboards: best value per flow on a task, read from the index alone.
        Index(
            "ix_evaluations_task_measure_flow", "task_id", "measure", "flow_id", "value", "run_id"
        ),
        Index("ix_evaluations_setup_measure", "setup_id", "measure", "run_id"),
        Index("ix_evaluations_measure_run", "measure", "run_id"),
    )

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    measure: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer)
    flow_id: Mapped[int] = mapped_column(Integer)
    setup_id: Mapped[int] = mapped_column(Integer)
    uploader_id: Mapped[int] = mapped_column(Integer, index=True)
    value: Mapped[float | None] = mapped_column(Float, default=None)
    stdev: Mapped[float | None] = mapped_column(Float, default=None)
    array_data: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    per_fold: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    # Learning curves: values[repeat][fold][sample], and the mean over folds per sample.
    per_sample: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    curve: Mapped[list[Any] | None] = mapped_column(JSON, default=None)


class LeaderboardBest(Base):
    """The best run of one flow (or setup) on a task for one measure, kept up to date as
    evaluations land or go (``services/experiments/leaderboards.py``), so that a leaderboard
    reads a few rows instead of grouping every run of its task.

    ``sort_key`` is the value turned so that ascending order puts the best first (negated when
    higher is better); ties go to the earliest run. ``runs`` counts the group's runs that have
    a value for the measure. Rows hold no visibility of their own: a run is visible exactly
    when its task is, and a leaderboard is only read for a task its reader may see.
    """

    __tablename__ = "leaderboard_bests"
    __table_args__ = (
        Index(
            "ix_leaderboard_bests_rank", "task_id", "measure", "grouped_by", "sort_key", "run_id"
        ),
    )

    task_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(64), primary_key=True)
    grouped_by: Mapped[str] = mapped_column(String(8), primary_key=True)  # "flow" / "setup"
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    sort_key: Mapped[float] = mapped_column(Float)
    runs: Mapped[int] = mapped_column(Integer)


class Collection(Base):
    """A benchmark suite (tasks) or a study (runs)."""

    __tablename__ = "collections"
    __table_args__ = (UniqueConstraint("kind", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(256))
    alias: Mapped[str | None] = mapped_column(String(64), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="in_preparation")
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    creator: Mapped[User] = relationship(lazy="joined")


class CollectionTask(Base):
    __tablename__ = "collection_tasks"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True, index=True)


class CollectionRun(Base):
    __tablename__ = "collection_runs"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True, index=True)


class Reproduction(Base):
    """An attempt to reproduce a run: the server re-ran its setup on the same task and splits
    (``kind="server"``), or a user linked a re-run of their own (``kind="uploaded"``); the
    outcome compares every measure of the original with the re-run's
    (``services/automl/reproductions.py``)."""

    __tablename__ = "reproductions"
    __table_args__ = (
        Index("ix_reproductions_run_state", "run_id", "state", "id"),
        Index("ix_reproductions_requester_state", "requested_by", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # server | uploaded
    # queued -> running -> reproduced | differs | failed
    state: Mapped[str] = mapped_column(String(16), default="queued")
    reproduction_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("runs.id", ondelete="SET NULL"), default=None
    )
    tolerance: Mapped[float] = mapped_column(Float)
    # [{measure, original, reproduced, abs_diff, rel_diff, within}], largest difference first
    comparison: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_abs_diff: Mapped[float | None] = mapped_column(Float, default=None)
    log: Mapped[str] = mapped_column(Text, default="")
    job_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
