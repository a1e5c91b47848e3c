"""``/tasks/…``: tasks as server-api serves them (its ``input``/``output`` templates filled in)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request
from pydantic import Field

from mlhive.server.domain.errors import NotFound
from mlhive.server.http.params import PositiveId
from mlhive.server.openml.data import base_url
from mlhive.server.openml.tasks import TYPE_NAMES, TYPES_BY_ID
from mlhive.server.openml.v2 import errors
from mlhive.server.openml.v2.common import (
    MAX_LISTED_IDS,
    Search,
    actor,
    hive,
    number,
    read,
)
from mlhive.server.openml.v2.datasets import StoredId
from mlhive.server.openml.v2.errors import Problem
from mlhive.server.services.datasets import listing
from mlhive.server.services.experiments import tasks
from mlhive.server.services.experiments.tasks import TaskView
from mlhive.wire.datasets import NAME_PATTERN, TAG_PATTERN
from mlhive.wire.tasks import EstimationProcedureOut

router = APIRouter(prefix="/tasks")

Tag = Annotated[str, Field(max_length=64, pattern=TAG_PATTERN)]


class TaskSearch(Search):
    """The body of ``/tasks/list`` (every field optional)."""

    task_type_id: StoredId | None = None
    tag: Tag | None = None
    data_tag: Tag | None = None
    status: Literal["active", "deactivated", "in_preparation", "all"] = "active"
    task_id: list[StoredId] | None = Field(default=None, min_length=1, max_length=MAX_LISTED_IDS)
    data_id: list[StoredId] | None = Field(default=None, min_length=1, max_length=MAX_LISTED_IDS)
    data_name: str | None = Field(default=None, max_length=128, pattern=NAME_PATTERN)


NO_TASKS = "No tasks match the search criteria."


@router.get("/list")
@router.post("/list")
def list_tasks(
    request: Request, search: Annotated[TaskSearch | None, Body()] = None
) -> list[dict[str, Any]]:
    """Tasks matching the body's filters (GET or POST, JSON body); 404 (482) when none."""
    search = search or TaskSearch()
    type_id = search.task_type_id
    if type_id is not None and type_id not in TYPES_BY_ID:
        raise Problem(errors.NO_RESULTS, NO_TASKS, code=482)
    query = tasks.TaskQuery(
        task_type=TYPES_BY_ID[type_id] if type_id is not None else None,
        tag=search.tag,
        data_tag=search.data_tag,
        status=None if search.status == "all" else search.status,
        qualities=search.ranges(),
        ids=tuple(search.task_id or ()),
        dataset_ids=tuple(search.data_id or ()),
        data_name=search.data_name,
        limit=search.pagination.limit,
        offset=search.pagination.offset,
    )
    with read(hive(request)) as session:
        rows = tasks.list_views(session, query, actor(request))
        qualities = listing.qualities_of(session, list({row.out.dataset_id for row in rows}))
    if not rows:
        raise Problem(errors.NO_RESULTS, NO_TASKS, code=482)
    return [_entry(row, qualities[row.out.dataset_id]) for row in rows]


def _entry(view: TaskView, qualities: dict[str, float | None]) -> dict[str, Any]:
    task = view.out
    inputs = [("source_data", task.dataset_id), ("target_feature", task.target)]
    inputs += [("estimation_procedure", task.estimation_procedure.id)]
    inputs += [("evaluation_measures", ",".join(view.declared_measures) or None)]
    return {
        "task_id": task.id,
        "task_type_id": task.task_type_id,
        "task_type": TYPE_NAMES[task.task_type],
        "did": task.dataset_id,
        "name": task.dataset_name,
        "format": "ARFF",
        "status": task.status,
        # server-api lists inputs and qualities as the database's text.
        "input": [{"name": k, "value": str(v)} for k, v in inputs if v is not None],
        "quality": [
            {"name": name, "value": str(value)}
            for name, value in sorted(qualities.items())
            if value is not None
        ],
        "tag": list(task.tags),
    }


@router.get("/{task_id}")
def get_task(task_id: PositiveId, request: Request) -> dict[str, Any]:
    """The task with its inputs (source data, procedure, measures) and expected output."""
    h = hive(request)
    with read(h) as session:
        try:
            view = tasks.view(session, actor(request), task_id)
        except NotFound:
            raise Problem(errors.TASK_NOT_FOUND, f"Task {task_id} not found.") from None
    splits = f"{base_url(request, h)}/data/v1/splits/{task_id}/Task_{task_id}_splits.arff"
    return document(view, splits)


def document(view: TaskView, splits_url: str) -> dict[str, Any]:
    """server-api's ``Task``: id, name, type, filled-in ``input`` and ``output``, tags."""
    task = view.out
    type_name = TYPE_NAMES[task.task_type]
    source: dict[str, Any] = {"data_set_id": task.dataset_id}
    if task.target is not None:
        source["target_feature"] = task.target
    inputs: list[dict[str, Any]] = [
        {"name": "source_data", "data_set": source},
        {
            "name": "estimation_procedure",
            "estimation_procedure": _procedure(task.estimation_procedure, splits_url),
        },
    ]
    if task.task_type in ("supervised_classification", "learning_curve"):
        inputs.append({"name": "cost_matrix", "cost_matrix": []})  # mlhive keeps none
    inputs.append(
        {
            "name": "evaluation_measures",
            "evaluation_measures": {"evaluation_measure": list(view.declared_measures)},
        }
    )
    return {
        "id": task.id,
        "name": f"Task {task.id}: {task.dataset_name} ({type_name})",
        "task_type_id": task.task_type_id,
        "task_type": type_name,
        "input": inputs,
        "output": [{"name": "predictions", "predictions": _predictions(task.class_labels)}],
        "tags": list(task.tags),
    }


def _procedure(procedure: EstimationProcedureOut, splits_url: str) -> dict[str, Any]:
    values = (
        ("number_repeats", procedure.repeats),
        ("number_folds", procedure.folds),
        ("percentage", number(procedure.percentage)),
        # OpenML's database keeps this flag as the text "true"/"false", and server-api says so.
        ("stratified_sampling", "true" if procedure.stratified else "false"),
    )
    return {
        "id": procedure.id,
        "type": procedure.kind,
        "data_splits_url": splits_url,
        "parameter": [{"name": name, "value": value} for name, value in values],
    }


def _predictions(class_labels: list[str] | None) -> dict[str, Any]:
    columns = [("repeat", "integer"), ("fold", "integer"), ("row_id", "integer")]
    columns += [(f"confidence.{label}", "numeric") for label in class_labels or []]
    columns += [("prediction", "string")]
    return {"format": "ARFF", "feature": [{"name": n, "type": t} for n, t in columns]}
