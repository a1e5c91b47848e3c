"""``task/…`` and ``estimationprocedure/list``: tasks as OpenML's v1 XML API serves them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mlhive.server.domain.experiments.procedures import PROCEDURES
from mlhive.server.http.params import PositiveId
from mlhive.server.openml import descriptions, xmlio
from mlhive.server.openml.common import (
    Filters,
    actor,
    form_text,
    hive,
    read,
    required,
    threaded,
    write,
)
from mlhive.server.openml.data import base_url
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.openml.tagging import tag_routes
from mlhive.server.services.datasets import listing
from mlhive.server.services.experiments import tasks
from mlhive.server.services.experiments.tasks import TaskView
from mlhive.wire.datasets import parse_quality_range
from mlhive.wire.tasks import TASK_TYPE_IDS, EstimationProcedureOut, TaskCreate

router = APIRouter()

TYPE_NAMES = {
    "supervised_classification": "Supervised Classification",
    "supervised_regression": "Supervised Regression",
    "learning_curve": "Learning Curve",
    "clustering": "Clustering",
}
TYPES_BY_ID = {type_id: name for name, type_id in TASK_TYPE_IDS.items()}
LIST_FILTERS = (
    "type",
    "tag",
    "status",
    "limit",
    "offset",
    "task_id",
    "data_id",
    "data_name",
    "data_tag",
    "number_instances",
    "number_features",
    "number_classes",
    "number_missing_values",
)
RANGES = {
    "number_instances": "NumberOfInstances",
    "number_features": "NumberOfFeatures",
    "number_classes": "NumberOfClasses",
    "number_missing_values": "NumberOfMissingValues",
}


@router.get("/estimationprocedure/list")
def procedures() -> Response:
    """``estimationprocedure/list``: OpenML's catalogue (ids and names as on OpenML)."""
    element = xmlio.root("estimationprocedures")
    for procedure in PROCEDURES:
        entry = xmlio.add(element, "estimationprocedure")
        xmlio.add(entry, "id", procedure.id)
        xmlio.add(entry, "ttid", procedure.task_type_id)
        xmlio.add(entry, "name", procedure.name)
        xmlio.add(entry, "type", procedure.kind)
        xmlio.add_optional(entry, "repeats", procedure.repeats)
        xmlio.add_optional(entry, "folds", procedure.folds)
        xmlio.add_optional(entry, "percentage", procedure.percentage)
        xmlio.add(entry, "stratified_sampling", procedure.stratified)
    return xmlio.document(element)


@router.get("/task/list{filters:path}")
def list_tasks(filters: str, request: Request) -> Response:
    """``task/list/…``: tasks with OpenML's path filters; 482 when none match."""
    f = Filters(filters, LIST_FILTERS, 480)
    limit, offset = f.page(481)
    type_id = f.integer("type", 481)
    if type_id is not None and type_id not in TYPES_BY_ID:
        raise OpenMLError(482)
    status = f.text("status") or "active"
    try:
        ranges = tuple(
            (RANGES[name], *parse_quality_range(f"x:{value}")[1:])
            for name, value in f.values.items()
            if name in RANGES
        )
    except ValueError as exc:
        raise OpenMLError(481, str(exc)) from None
    query = tasks.TaskQuery(
        task_type=TYPES_BY_ID.get(type_id) if type_id is not None else None,
        dataset_id=f.integer("data_id", 481),
        tag=f.text("tag"),
        status=None if status == "all" else status,
        qualities=ranges,
        ids=f.integers("task_id", 481),
        data_name=f.text("data_name"),
        data_tag=f.text("data_tag"),
        limit=limit,
        offset=offset,
    )
    h = hive(request)
    with read(h) as session:
        rows = tasks.list_views(session, query, actor(request))
        if not rows:
            raise OpenMLError(482)
        qualities = listing.qualities_of(session, list({row.out.dataset_id for row in rows}))
    element = xmlio.root("tasks")
    for row in rows:
        _list_entry(element, row, qualities[row.out.dataset_id])
    return xmlio.document(element)


def _list_entry(parent: ET.Element, view: TaskView, qualities: dict[str, float | None]) -> None:
    task = view.out
    entry = xmlio.add(parent, "task")
    xmlio.add(entry, "task_id", task.id)
    xmlio.add(entry, "task_type_id", task.task_type_id)
    xmlio.add(entry, "task_type", TYPE_NAMES[task.task_type])
    xmlio.add(entry, "did", task.dataset_id)
    xmlio.add(entry, "name", task.dataset_name)
    xmlio.add(entry, "status", task.status)
    xmlio.add(entry, "format", "ARFF")
    xmlio.add(entry, "input", task.dataset_id, name="source_data")
    if task.target is not None:
        xmlio.add(entry, "input", task.target, name="target_feature")
    xmlio.add(entry, "input", task.estimation_procedure.id, name="estimation_procedure")
    if view.declared_measures:
        xmlio.add(entry, "input", view.declared_measures[0], name="evaluation_measures")
    known = {k: v for k, v in qualities.items() if v is not None}
    if len(known) >= 2:  # a lone quality breaks openml-python's parser (a dict, not a list)
        for name, value in sorted(known.items()):
            xmlio.add(entry, "quality", value, name=name)
    xmlio.add_all(entry, "tag", task.tags)


@router.get("/task/{task_id}")
def get_task(task_id: PositiveId, request: Request) -> Response:
    """``task/{id}``: the task with its inputs (source data, procedure, measures)."""
    h = hive(request)
    with read(h) as session, codes(not_found=151):
        view = tasks.view(session, actor(request), task_id)
    splits = f"{base_url(request, h)}/data/v1/splits/{task_id}/Task_{task_id}_splits.arff"
    return xmlio.document(task_document(view, splits))


def task_document(view: TaskView, splits_url: str) -> ET.Element:
    """``oml:task`` as OpenML renders it (inputs, the predictions output, tags)."""
    task = view.out
    element = xmlio.root("task")
    xmlio.add(element, "task_id", task.id)
    xmlio.add(element, "task_name", f"Task {task.id}: {task.dataset_name}")
    xmlio.add(element, "task_type_id", task.task_type_id)
    xmlio.add(element, "task_type", TYPE_NAMES[task.task_type])
    source = xmlio.add(xmlio.add(element, "input", name="source_data"), "data_set")
    xmlio.add(source, "data_set_id", task.dataset_id)
    xmlio.add_optional(source, "target_feature", task.target)
    holder = xmlio.add(element, "input", name="estimation_procedure")
    _procedure(xmlio.add(holder, "estimation_procedure"), task.estimation_procedure, splits_url)
    if view.declared_measures:
        measures = xmlio.add(
            xmlio.add(element, "input", name="evaluation_measures"), "evaluation_measures"
        )
        xmlio.add_all(measures, "evaluation_measure", view.declared_measures)
    output = xmlio.add(xmlio.add(element, "output", name="predictions"), "predictions")
    xmlio.add(output, "format", "ARFF")
    for name, kind in (("repeat", "integer"), ("fold", "integer"), ("row_id", "integer")):
        xmlio.add(output, "feature", name=name, type=kind)
    for label in task.class_labels or []:
        xmlio.add(output, "feature", name=f"confidence.{label}", type="numeric")
    xmlio.add(output, "feature", name="prediction", type="string")
    xmlio.add_all(element, "tag", task.tags)
    return element


def _procedure(parent: ET.Element, procedure: EstimationProcedureOut, splits_url: str) -> None:
    xmlio.add(parent, "id", procedure.id)
    xmlio.add(parent, "type", procedure.kind)
    xmlio.add(parent, "data_splits_url", splits_url)
    for name, value in (
        ("number_repeats", procedure.repeats),
        ("number_folds", procedure.folds),
        ("percentage", procedure.percentage),
        ("stratified_sampling", procedure.stratified),
    ):
        xmlio.add(parent, "parameter", value, name=name)


@router.post("/task")
async def upload(request: Request) -> Response:
    """``POST task``: ``oml:task_inputs`` → a task (614 with the id when it exists)."""
    form = await request.form()
    text = await form_text(form, "description")
    if text is None:
        raise OpenMLError(611)
    with codes(invalid=613):
        type_id, inputs = descriptions.task_inputs(xmlio.parse(text, "description"))
    body = _task_create(type_id, inputs)
    who, h = required(request), hive(request)

    def work() -> tuple[int, bool]:
        with write(h) as session, codes(not_found=622, invalid=616, conflict=615):
            task, created = tasks.create(session, h.store, h.settings, who, body)
            return task.id, created

    task_id, created = await threaded(work)
    if not created:
        raise OpenMLError(614, f"matched id(s): [{task_id}]")
    return xmlio.id_document("upload_task", task_id)


def _task_create(type_id: int, inputs: dict[str, str]) -> TaskCreate:
    task_type = TYPES_BY_ID.get(type_id)
    if task_type is None:
        raise OpenMLError(616, f"task type {type_id} is not supported by mlhive")
    unknown = set(inputs) - {
        "source_data",
        "estimation_procedure",
        "target_feature",
        "evaluation_measures",
        "cost_matrix",
    }
    if unknown:
        raise OpenMLError(616, f"unsupported inputs: {', '.join(sorted(unknown))}")
    for name in ("source_data", "estimation_procedure"):
        if not inputs.get(name, "").isdigit():
            raise OpenMLError(616, f"input {name} must be an id")
    measures = [m for m in (inputs.get("evaluation_measures") or "").split(",") if m]
    try:
        return TaskCreate(
            task_type=task_type,
            dataset_id=int(inputs["source_data"]),
            estimation_procedure_id=int(inputs["estimation_procedure"]),
            target=inputs.get("target_feature") or None,
            evaluation_measures=measures,
        )
    except ValueError as exc:
        raise OpenMLError(616, str(exc)) from None


router.include_router(tag_routes("task", "task"))


@router.delete("/task/{task_id}")
def delete(task_id: PositiveId, request: Request) -> Response:
    """``DELETE task/{id}``: its creator or an admin, when no run or suite uses it."""
    h = hive(request)
    with write(h) as session:
        with codes(not_found=452):
            tasks.get(session, actor(request), task_id)
        with codes(denied=453, conflict=454):
            tasks.delete_task(session, required(request), task_id)
    return xmlio.id_document("task_delete", task_id)
