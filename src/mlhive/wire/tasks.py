"""Tasks on the wire: a dataset, a target and an estimation procedure with fixed splits."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from mlhive.wire.common import StoredId, WireModel
from mlhive.wire.datasets import TAG_PATTERN, Tag

TaskType = Literal[
    "supervised_classification", "supervised_regression", "learning_curve", "clustering"
]
# OpenML's task type ids.
TASK_TYPE_IDS: dict[str, int] = {
    "supervised_classification": 1,
    "supervised_regression": 2,
    "learning_curve": 3,
    "clustering": 5,
}
ProcedureKind = Literal[
    "crossvalidation", "holdout", "leaveoneout", "custom_holdout", "testontrainingdata"
]


class EstimationProcedureOut(WireModel):
    """How a task's data is split; ids and names follow OpenML's catalogue."""

    id: int
    name: str
    task_type: TaskType
    kind: ProcedureKind
    folds: int | None
    repeats: int | None
    percentage: float | None
    stratified: bool
    learning_curve: bool = False


class TaskCreate(WireModel):
    """Ask for a task; the server makes (once) and stores the splits."""

    task_type: TaskType
    dataset_id: StoredId
    target: str | None = Field(default=None, description="Defaults to the dataset's target.")
    estimation_procedure_id: StoredId
    evaluation_measures: list[str] = Field(default_factory=list)
    test_row_ids: list[int] | None = Field(
        default=None, description="custom_holdout only: the test rows (0-based)."
    )
    tags: list[Tag] = Field(default_factory=list)


class TaskOut(WireModel):
    id: int
    task_type: TaskType
    task_type_id: int
    dataset_id: int
    dataset_name: str
    dataset_version: int
    target: str | None
    estimation_procedure: EstimationProcedureOut
    evaluation_measures: list[str]
    class_labels: list[str] | None
    number_of_rows: int
    rows_without_target: int = Field(
        default=0, description="rows whose target is missing: in no split, never scored"
    )
    splits_sha256: str
    seed: int
    status: Literal["active", "deactivated"]
    tags: list[str]
    uploader: str
    created_at: datetime


class TaskPage(WireModel):
    items: list[TaskOut]
    next_cursor: str | None


class TagRequest(WireModel):
    tag: str = Field(min_length=1, max_length=64, pattern=TAG_PATTERN)
