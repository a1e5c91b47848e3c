"""Runs (a setup applied to a task, with predictions) and their evaluations on the wire.

Predictions are a table with OpenML's columns: ``repeat``, ``fold``, ``sample`` (learning
curves only, else 0), ``row_id`` (0-based row of the dataset), ``prediction`` and, for
classification, one ``confidence.<class label>`` column per class (probabilities).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from mlhive.wire.common import StoredId, WireModel
from mlhive.wire.datasets import MAX_TAGS, Tag
from mlhive.wire.flows import MAX_PARAMETERS, ParameterSetting
from mlhive.wire.reproductions import ReproductionCounts

MeasureName = Annotated[str, Field(min_length=1, max_length=256)]


class FoldTiming(WireModel):
    repeat: int = Field(ge=0)
    fold: int = Field(ge=0)
    sample: int = Field(default=0, ge=0)
    fit_seconds: float | None = Field(default=None, ge=0)
    predict_seconds: float | None = Field(default=None, ge=0)


class RunCreate(WireModel):
    """The ``description`` part of a run upload (predictions and trace are files)."""

    task_id: StoredId
    flow_id: StoredId
    parameter_settings: list[ParameterSetting] = Field(
        default_factory=list, max_length=MAX_PARAMETERS
    )
    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    error_message: str | None = Field(
        default=None, max_length=100_000, description="Set for a run that failed: no predictions."
    )
    fold_timings: list[FoldTiming] = Field(default_factory=list, max_length=100_000)
    setup_string: str = Field(default="", max_length=10_000)
    client_measures: dict[MeasureName, float] = Field(
        default_factory=dict,
        max_length=1000,
        description="The uploader's own measures: kept apart, never used.",
    )


RunState = Literal["pending", "evaluated", "failed", "error"]


class EvaluationOut(WireModel):
    run_id: int
    task_id: int
    flow_id: int
    flow_name: str
    setup_id: int
    dataset_id: int
    uploader: str
    measure: str
    value: float | None
    stdev: float | None
    array_data: list[list[float]] | None = None
    per_sample: list[list[list[float | None]]] | None = Field(
        default=None, description="learning curves: values[repeat][fold][sample]"
    )
    curve: list[float | None] | None = Field(
        default=None, description="learning curves: the mean over folds at each sample size"
    )
    per_fold: list[list[float | None]] | None = Field(
        default=None, description="values[repeat][fold] (learning curves: the last sample)"
    )
    upload_time: datetime


class RunBase(WireModel):
    """A run's description without its evaluations (the client's ``Run`` shows them as a table)."""

    id: int
    task_id: int
    flow_id: int
    flow_name: str
    setup_id: int
    dataset_id: int
    uploader: str
    upload_time: datetime
    state: RunState
    error_message: str | None
    evaluation_error: str | None
    tags: list[str]
    parameter_settings: list[ParameterSetting]
    fold_timings: list[FoldTiming]
    client_measures: dict[str, float]
    predictions_sha256: str | None
    has_trace: bool


class RunOut(RunBase):
    evaluations: list[EvaluationOut]
    job_id: int | None = None
    reproductions: ReproductionCounts = Field(
        default_factory=ReproductionCounts,
        description="how this run's reproductions came out (GET /api/runs/{id}/reproductions)",
    )


class RunSummary(WireModel):
    id: int
    task_id: int
    flow_id: int
    flow_name: str
    setup_id: int
    uploader: str
    upload_time: datetime
    state: RunState
    tags: list[str]
    measure: str | None = Field(
        default=None, description="the task's main measure (its first declared, else the default)"
    )
    value: float | None = Field(default=None, description="the run's score on that measure")


class RunPage(WireModel):
    items: list[RunSummary]
    next_cursor: str | None


class EvaluationPage(WireModel):
    items: list[EvaluationOut]
    next_cursor: str | None


LeaderboardGroup = Literal["flow", "setup"]


class LeaderboardEntry(WireModel):
    rank: int
    flow_id: int
    flow_name: str
    run_id: int
    setup_id: int
    uploader: str
    value: float
    stdev: float | None
    runs_of_flow: int = Field(description="runs in this entry's group (its flow, or its setup)")


class Leaderboard(WireModel):
    task_id: int
    measure: str
    higher_is_better: bool
    by: LeaderboardGroup = Field(default="flow", description="best run per flow or per setup")
    reproduced: bool = Field(
        default=False, description="only runs with at least one reproduced reproduction"
    )
    entries: list[LeaderboardEntry]


class RunComparison(WireModel):
    """Selected runs side by side: their parameters and per-fold scores of one measure."""

    measure: str
    runs: list[RunOut]
    parameters: dict[str, dict[int, str | None]] = Field(
        description="'<flow id>:<parameter>' -> run id -> JSON-encoded value"
    )
    parameter_names: dict[str, str] = Field(
        default_factory=dict,
        description="'<flow id>:<parameter>' -> a readable name, e.g. 'SVC.C'",
    )
    per_fold: dict[int, list[list[float | None]]]
