"""What the hive learned from everything stored, on the wire: similar datasets, recommendations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from mlhive.wire.common import StoredId, WireModel
from mlhive.wire.datasets import DatasetStatus


class QualityMatch(WireModel):
    """One quality two datasets share, with both values (raw, as stored)."""

    name: str
    value: float = Field(description="The asked-about dataset's value.")
    neighbour_value: float


class SimilarDataset(WireModel):
    """A neighbour of a dataset in meta-feature space."""

    id: int
    name: str
    version: int
    status: DatasetStatus
    distance: float = Field(description="0: identical meta-features; larger: less similar.")
    shared_qualities: int = Field(description="Qualities both datasets have values for.")
    near_duplicate: bool
    reason: str | None = Field(description="Why it is flagged as a near-duplicate, else None.")
    closest: list[QualityMatch] = Field(
        description="The shared qualities on which the two differ least, closest first."
    )


class SimilarTask(WireModel):
    """A task whose results count as evidence: same task type, on a similar dataset."""

    task_id: int
    dataset_id: int
    dataset_name: str
    distance: float = Field(description="Meta-feature distance of its dataset (0: same data).")
    weight: float = Field(description="How much its results count: 1 / (1 + distance).")


class Evidence(WireModel):
    """A setup's best result on one similar task."""

    task_id: int
    run_id: int
    value: float = Field(description="The best value of the measure among its runs there.")
    normalised: float = Field(description="1: the best setup on that task, 0: the worst.")


class RecommendedSetup(WireModel):
    """A setup (a flow with parameter values) that did well on similar tasks."""

    rank: int
    setup_id: int
    flow_id: int
    flow_name: str
    score: float = Field(description="Weighted mean normalised score, shrunk for few tasks.")
    evidence: list[Evidence]


class RecommendedFlow(WireModel):
    """A flow, scored by its best setup."""

    rank: int
    flow_id: int
    flow_name: str
    score: float
    best_setup_id: int


class PortfolioMember(WireModel):
    """One setup of the greedy portfolio, in the order it was added."""

    setup_id: int
    flow_id: int
    flow_name: str
    value: float = Field(description="The portfolio's weighted mean best score once added.")
    gain: float = Field(description="What adding it raised that value by.")


class Recommendations(WireModel):
    """What to try on a task, learned from the stored evaluations of similar tasks."""

    task_id: int
    measure: str
    higher_is_better: bool
    similar_tasks: list[SimilarTask]
    setups: list[RecommendedSetup]
    flows: list[RecommendedFlow]
    portfolio: list[PortfolioMember]


MAX_TIME_BUDGET = 86_400.0
MAX_TRIALS = 10_000
MIN_MEMORY = 256 * 2**20


class AutoMLCreate(WireModel):
    """An AutoML search to run on the server, as a background job."""

    task_id: StoredId
    time_budget: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_BUDGET,
        description="Wall-clock seconds for the whole job (search, ensemble, refit, push).",
    )
    memory_limit: int | None = Field(
        default=None,
        ge=MIN_MEMORY,
        le=2**50,
        description="Bytes of address space each trial process may use (at least 256 MiB).",
    )
    metric: str | None = Field(
        default=None, max_length=64, description="The measure to optimise (default: the task's)."
    )
    n_trials: int | None = Field(
        default=None, ge=1, le=MAX_TRIALS, description="How many trials at most."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)


AutoMLState = Literal["queued", "running", "done", "failed"]
TrialState = Literal["complete", "pruned", "failed"]


class AutoMLTrialOut(WireModel):
    """One configuration tried, its outcome and what it cost."""

    number: int
    state: TrialState
    reason: Literal["timeout", "memory", "error"] | None = Field(
        description="Why a failed trial failed."
    )
    message: str | None
    model: str = Field(description="The model family.")
    config: dict[str, Any]
    warm_start: bool = Field(description="Proposed from the task's recommendations.")
    fraction: float = Field(description="Share of each fold's training rows it last fitted on.")
    score: float | None
    rung_scores: list[float]
    run_id: int | None = Field(description="The run on the task (complete trials).")
    setup_id: int | None
    seconds: float
    peak_memory: int | None = Field(description="Peak resident memory of its process, bytes.")


class EnsembleMember(WireModel):
    """A trial in the final ensemble and its weight."""

    trial: int
    run_id: int | None
    weight: float


class AutoMLOut(WireModel):
    """An AutoML search: its limits, its trials, the best, the ensemble and the model."""

    id: int
    task_id: int
    owner: str
    state: AutoMLState
    error: str | None
    metric: str
    higher_is_better: bool
    time_budget: float | None
    memory_limit: int | None
    n_trials: int | None
    seed: int
    job_id: int | None
    seconds: float | None = Field(description="Wall-clock seconds the job took.")
    trials: list[AutoMLTrialOut]
    best_trial: int | None
    ensemble: list[EnsembleMember]
    ensemble_run_id: int | None
    final_score: float | None = Field(
        description="The ensemble's score, as the server scored its run."
    )
    study_id: int | None
    model_repo: str | None
    model_commit: str | None
    notes: list[str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class AutoLeaderboardOut(WireModel):
    """What the hive made by itself for a processed dataset (the operator's
    ``auto_automl_budget``): its standard task, baseline runs and an AutoML search."""

    dataset_id: int
    state: Literal["off", "queued", "running", "done", "skipped", "failed"] = Field(
        description="off: the server does not do this (or did not when the dataset was "
        "processed); done: the task and baselines exist and the search was queued."
    )
    reason: str | None = Field(default=None, description="Why it was skipped or failed.")
    task_id: int | None = None
    baseline_run_ids: list[int] = Field(default_factory=list)
    time_budget: float | None = Field(default=None, description="The search's budget (s).")
    search_id: int | None = Field(
        default=None, description="The AutoML search (its owner's and administrators' only)."
    )
    search_state: str | None = Field(default=None, description="Shown with search_id.")
    created_at: datetime | None = None
    finished_at: datetime | None = None
