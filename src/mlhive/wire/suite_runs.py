"""Benchmark-suite runs on the wire: a flow or AutoML on every task of a suite, as one job."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from mlhive.wire.automl import MAX_TIME_BUDGET, MAX_TRIALS, MIN_MEMORY
from mlhive.wire.common import StoredId, WireModel


class SuiteAutoML(WireModel):
    """The AutoML search run on each task (each task gets its own budget)."""

    time_budget: float | None = Field(
        default=None, gt=0, le=MAX_TIME_BUDGET, description="Wall-clock seconds per task."
    )
    n_trials: int | None = Field(
        default=None, ge=1, le=MAX_TRIALS, description="How many trials at most, per task."
    )
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    metric: str | None = Field(
        default=None, max_length=64, description="The measure to optimise (default: each task's)."
    )


class SuiteRunCreate(WireModel):
    """What to run on every task of the suite: a flow (with a setup's values), or AutoML."""

    flow_id: StoredId | None = Field(
        default=None, description="A scikit-learn flow, refitted on each task's folds."
    )
    setup_id: StoredId | None = Field(
        default=None, description="A setup of that flow whose parameter values to use."
    )
    automl: SuiteAutoML | None = None
    memory_limit: int | None = Field(
        default=None,
        ge=MIN_MEMORY,
        le=2**50,
        description="Bytes of address space each task's process (each trial's) may use.",
    )

    @model_validator(mode="after")
    def _one_mode(self) -> SuiteRunCreate:
        if (self.flow_id is None) == (self.automl is None):
            raise ValueError("give either flow_id (with an optional setup_id) or automl, not both")
        if self.setup_id is not None and self.flow_id is None:
            raise ValueError("setup_id needs the flow_id it is a setup of")
        return self


SuiteRunState = Literal["queued", "running", "done", "failed"]


class SuiteRunTaskOut(WireModel):
    """One task of a suite run: where it is, and the run it produced."""

    task_id: int
    state: SuiteRunState
    run_id: int | None = Field(description="The run on the task (for AutoML: its ensemble's).")
    automl_search_id: int | None
    metric: str | None = Field(description="The task's main measure (AutoML: the one optimised).")
    score: float | None = Field(description="The run's value of that measure, once scored.")
    error: str | None
    seconds: float | None
    peak_memory: int | None


class SuiteRunOut(WireModel):
    """A suite run and its progress: ``done + failed`` of ``total`` tasks have finished."""

    id: int
    suite_id: int
    owner: str
    mode: Literal["flow", "automl"]
    flow_id: int | None
    setup_id: int | None
    automl: SuiteAutoML | None
    memory_limit: int | None
    state: SuiteRunState
    error: str | None
    job_id: int | None
    study_id: int | None = Field(description="The study collecting the runs, once done.")
    total: int
    done: int
    failed: int
    tasks: list[SuiteRunTaskOut]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    seconds: float | None


class SuiteRunPage(WireModel):
    """Your runs of a suite, newest first."""

    items: list[SuiteRunOut]
