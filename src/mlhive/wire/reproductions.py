"""Reproductions on the wire: a run re-run from its setup (or a linked re-run), compared."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from mlhive.wire.common import StoredId, WireModel

ReproductionState = Literal["queued", "running", "reproduced", "differs", "failed"]
ReproductionKind = Literal["server", "uploaded"]


class ReproductionCreate(WireModel):
    """Ask the server to re-run a run's setup, or link a re-run of your own (``run_id``)."""

    run_id: StoredId | None = Field(
        default=None,
        description="a run of yours on the same task with the same setup (flow and parameter "
        "values), already evaluated, to link as a reproduction instead of a server re-run",
    )
    tolerance: float | None = Field(
        default=None,
        ge=0,
        le=1e6,
        description="largest absolute difference per measure that still counts as reproduced "
        "(default 1e-9)",
    )


class MeasureComparison(WireModel):
    measure: str
    original: float
    reproduced: float | None
    abs_diff: float | None = Field(description="|reproduced - original| (null: no value)")
    rel_diff: float | None = Field(description="abs_diff / |original| (null: not defined)")
    within: bool = Field(description="abs_diff is at most the tolerance")


class ReproductionOut(WireModel):
    id: int
    run_id: int = Field(description="the original run")
    requested_by: str
    kind: ReproductionKind
    state: ReproductionState
    reproduction_run_id: int | None = Field(description="the re-run (a normal run on the task)")
    tolerance: float
    max_abs_diff: float | None = Field(description="the largest difference of any measure")
    differing: int = Field(description="how many measures differ by more than the tolerance")
    comparison: list[MeasureComparison] = Field(description="largest differences first")
    log: str
    job_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ReproductionPage(WireModel):
    items: list[ReproductionOut]


class ReproductionCounts(WireModel):
    """How a run's reproductions came out (queued and running ones are not counted)."""

    reproduced: int = 0
    differs: int = 0
    failed: int = 0
