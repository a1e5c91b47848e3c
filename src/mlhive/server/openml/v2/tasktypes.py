"""``/tasktype/…``: the task types mlhive supports, in server-api's shapes.

OpenML keeps its task types in a table; mlhive supports four of them and describes them
here. server-api writes every field of a task type as text (``"id": "1"``), and so does this
face. ``creator`` names OpenML, whose catalogue the types and their ids come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from mlhive.server.openml.v2 import errors
from mlhive.server.openml.v2.errors import Problem
from mlhive.wire.tasks import TASK_TYPE_IDS

router = APIRouter(prefix="/tasktype")


@dataclass(frozen=True)
class TaskType:
    """One task type: OpenML's id and name, a description, the inputs a task of it takes."""

    key: str
    name: str
    description: str
    inputs: tuple[tuple[str, bool], ...]  # (name, required)

    @property
    def id(self) -> int:
        """OpenML's id of the type."""
        return TASK_TYPE_IDS[self.key]


_SUPERVISED = (
    ("source_data", True),
    ("target_feature", True),
    ("estimation_procedure", True),
    ("cost_matrix", False),
    ("evaluation_measures", False),
)
TYPES = (
    TaskType(
        "supervised_classification",
        "Supervised Classification",
        "Given a dataset with a nominal target and a set of train/test splits, predict the "
        "target of the test rows (with a confidence per class).",
        _SUPERVISED,
    ),
    TaskType(
        "supervised_regression",
        "Supervised Regression",
        "Given a dataset with a numeric target and a set of train/test splits, predict the "
        "target of the test rows.",
        tuple(item for item in _SUPERVISED if item[0] != "cost_matrix"),
    ),
    TaskType(
        "learning_curve",
        "Learning Curve",
        "As supervised classification, with each fold's training set cut into growing "
        "samples: predictions per sample show how performance grows with the data.",
        _SUPERVISED,
    ),
    TaskType(
        "clustering",
        "Clustering",
        "Given a dataset, group its rows into clusters.",
        (("source_data", True), ("estimation_procedure", True), ("evaluation_measures", False)),
    ),
)
BY_ID = {kind.id: kind for kind in TYPES}
CREATOR = "OpenML"


def _summary(kind: TaskType) -> dict[str, Any]:
    return {
        "id": str(kind.id),
        "name": kind.name,
        "description": kind.description,
        "creator": CREATOR,
    }


@router.get("/list")
def list_task_types() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every task type mlhive supports."""
    return {"task_types": {"task_type": [_summary(kind) for kind in TYPES]}}


@router.get("/{task_type_id}")
def get_task_type(task_type_id: int) -> dict[str, dict[str, Any]]:
    """One task type with the inputs its tasks take; 404 (241) for a type mlhive lacks."""
    kind = BY_ID.get(task_type_id)
    if kind is None:
        raise Problem(errors.TASK_TYPE_NOT_FOUND, f"Task type {task_type_id} not found.")
    inputs = [
        {"requirement": "required", "name": name} if required else {"name": name}
        for name, required in kind.inputs
    ]
    return {
        "task_type": {
            **_summary(kind),
            "creator": [CREATOR],
            "creation_date": None,
            "input": inputs,
        }
    }
