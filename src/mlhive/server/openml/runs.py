"""``run/…``: runs as OpenML's v1 XML API serves them, with the server's evaluations.

An uploaded run's own measures (openml-python sends per-fold accuracy and timings) are kept
apart as the uploader's claims (their means, in ``client_measures``); what ``run/{id}`` and
``evaluation/list`` show is what mlhive computed from the predictions.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from mlhive.server.domain.access import Actor
from mlhive.server.http.params import PositiveId
from mlhive.server.openml import xmlio
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
from mlhive.server.openml.data import arff_url, base_url
from mlhive.server.openml.errors import OpenMLError, codes
from mlhive.server.openml.setups import parameter_settings
from mlhive.server.openml.tagging import tag_routes
from mlhive.server.openml.tasks import TYPE_NAMES
from mlhive.server.openml.xmlio import Node
from mlhive.server.services import accounts
from mlhive.server.services.datasets import catalog
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import flows, runs, scoring, tasks
from mlhive.server.services.experiments.runs import RunOrigin, UploadedFile
from mlhive.server.services.experiments.tasks import TaskView
from mlhive.wire.runs import RunCreate, RunOut
from mlhive.wire.tasks import TASK_TYPE_IDS

router = APIRouter()
LIST_FILTERS = (
    "run",
    "task",
    "setup",
    "flow",
    "uploader",
    "tag",
    "study",
    "limit",
    "offset",
    "show_errors",
)


def file_id(run_id: int, kind: str) -> int:
    """A number for each file of a run (OpenML has file ids; mlhive has content hashes)."""
    return run_id * 10 + ("description", "predictions", "trace").index(kind)


def run_create(node: Node) -> RunCreate:
    """An uploaded ``oml:run`` description → :class:`RunCreate`."""
    for field in ("task_id", "flow_id"):
        if not (node.value(field) or "").isdigit():
            raise OpenMLError(202, f"{field} must be an id")
    claimed: dict[str, list[float]] = defaultdict(list)
    output = node.child("output_data")
    for item in output.children("evaluation") if output else []:
        try:
            value = float(item.value("value") or "nan")
        except ValueError:
            continue
        if math.isfinite(value):
            claimed[item.value("name") or ""].append(value)
    try:
        return RunCreate(
            task_id=int(node.value("task_id") or 0),
            flow_id=int(node.value("flow_id") or 0),
            parameter_settings=parameter_settings(node, "description"),
            tags=node.values("tag"),
            error_message=node.value("error_message"),
            setup_string=node.value("setup_string") or "",
            client_measures={k: sum(v) / len(v) for k, v in claimed.items() if k and v},
        )
    except ValueError as exc:
        raise OpenMLError(202, str(exc)) from None


def _upload(form_value: object, name: str) -> UploadedFile | None:
    if isinstance(form_value, UploadFile):
        return UploadedFile(form_value.file, f"{name}.arff")
    return None


@router.post("/run")
async def upload(request: Request) -> Response:
    """``POST run``: description XML, predictions ARFF and (optionally) a trace ARFF."""
    form = await request.form()
    text = await form_text(form, "description")
    if text is None:
        raise OpenMLError(201)
    with codes(invalid=203):
        body = run_create(xmlio.parse(text, "description"))
    predictions = _upload(form.get("predictions"), "predictions")
    trace = _upload(form.get("trace"), "trace")
    who, h = required(request), hive(request)

    def work() -> int:
        with write(h) as session:
            with codes(not_found=204):
                tasks.get(session, who, body.task_id)
            with codes(not_found=205):
                flows.get(session, body.flow_id)
            with codes(invalid=209):
                run = runs.submit(session, h.store, h.settings, who, body, predictions, trace)
            return run.id

    run_id = await threaded(work)
    element = xmlio.root("upload_run")
    xmlio.add(element, "run_id", run_id)
    return xmlio.document(element)


@router.get("/run/list{filters:path}")
def list_runs(filters: str, request: Request) -> Response:
    """``run/list/…``: runs with OpenML's filters; 512 when none match."""
    f = Filters(filters, LIST_FILTERS, 514)
    limit, offset = f.page(514)
    query = runs.RunQuery(
        run_ids=f.integers("run", 514),
        task_ids=f.integers("task", 514),
        flow_ids=f.integers("flow", 514),
        setup_ids=f.integers("setup", 514),
        uploader_ids=f.integers("uploader", 514),
        tag=f.text("tag"),
        study_id=f.integer("study", 514),
        limit=limit,
        offset=offset,
    )
    with read(hive(request)) as session:
        rows, _ = runs.list_page(session, query, actor(request))
        if not rows:
            raise OpenMLError(512)
        element = xmlio.root("runs")
        for run in rows:
            task = tasks.get(session, actor(request), run.task_id)
            entry = xmlio.add(element, "run")
            xmlio.add(entry, "run_id", run.id)
            xmlio.add(entry, "task_id", run.task_id)
            xmlio.add(entry, "task_type_id", TASK_TYPE_IDS[task.task_type])
            xmlio.add(entry, "setup_id", run.setup_id)
            xmlio.add(entry, "flow_id", run.flow_id)
            xmlio.add(entry, "uploader", run.uploader_id)
            xmlio.add(entry, "upload_time", run.upload_time.strftime("%Y-%m-%d %H:%M:%S"))
            xmlio.add(entry, "error_message", run.error_message)
            xmlio.add(entry, "run_details")
    return xmlio.document(element)


@router.get("/run/{run_id}")
def get_run(run_id: PositiveId, request: Request) -> Response:
    """``run/{id}``: the run, its files and the server's evaluations (with per-fold values)."""
    h = hive(request)
    with read(h) as session:
        with codes(not_found=236):
            run = runs.get(session, actor(request), run_id)
        out = _openml_named(session, scoring.describe(session, run))
        origin = runs.origin(session, actor(request), run_id)
        task = tasks.view(session, actor(request), out.task_id)
    return xmlio.document(_run_document(base_url(request, h), out, origin, task))


def _run_document(base: str, out: RunOut, origin: RunOrigin, task: TaskView) -> ET.Element:
    element = xmlio.root("run")
    xmlio.add(element, "run_id", out.id)
    xmlio.add(element, "uploader", origin.uploader_id)
    xmlio.add(element, "uploader_name", out.uploader)
    xmlio.add(element, "task_id", out.task_id)
    xmlio.add(element, "task_type", TYPE_NAMES[task.out.task_type])
    if task.declared_measures:
        xmlio.add(element, "task_evaluation_measure", task.declared_measures[0])
    xmlio.add(element, "flow_id", out.flow_id)
    xmlio.add(element, "flow_name", out.flow_name)
    xmlio.add(element, "setup_id", out.setup_id)
    xmlio.add_optional(element, "error", out.evaluation_error)
    xmlio.add_optional(element, "error_message", out.error_message)
    xmlio.add(element, "setup_string", origin.setup_string)
    for setting in out.parameter_settings:
        entry = xmlio.add(element, "parameter_setting")
        xmlio.add(entry, "name", setting.name)
        xmlio.add(entry, "value", setting.value)
        xmlio.add(entry, "component", setting.flow_id)
    xmlio.add_all(element, "tag", out.tags)
    source = xmlio.add(xmlio.add(element, "input_data"), "dataset")
    xmlio.add(source, "did", task.out.dataset_id)
    xmlio.add(source, "name", task.out.dataset_name)
    xmlio.add(source, "url", arff_url(base, task.out.dataset_id, task.out.dataset_name))
    output = xmlio.add(element, "output_data")
    files = ["description"] + (["predictions"] if out.predictions_sha256 else [])
    files += ["trace"] if out.has_trace else []
    for kind in files:
        entry = xmlio.add(output, "file")
        xmlio.add(entry, "did", -1)
        xmlio.add(entry, "file_id", file_id(out.id, kind))
        xmlio.add(entry, "name", kind)
        xmlio.add(entry, "url", f"{base}/data/v1/runs/{out.id}/{kind}.arff")
    _evaluations(output, out)
    return element


def _evaluations(output: ET.Element, out: RunOut) -> None:
    for evaluation in out.evaluations:
        if evaluation.array_data is not None:
            entry = xmlio.add(output, "evaluation")
            xmlio.add(entry, "name", evaluation.measure)
            xmlio.add(entry, "array_data", json.dumps(evaluation.array_data))
        elif evaluation.value is not None:
            entry = xmlio.add(output, "evaluation")
            xmlio.add(entry, "name", evaluation.measure)
            xmlio.add(entry, "value", evaluation.value)
            xmlio.add_optional(entry, "stdev", evaluation.stdev)
    for evaluation in out.evaluations:
        for repeat, values in enumerate(evaluation.per_fold or []):
            for fold, value in enumerate(values):
                if value is not None:
                    entry = xmlio.add(output, "evaluation", repeat=repeat, fold=fold)
                    xmlio.add(entry, "name", evaluation.measure)
                    xmlio.add(entry, "value", value)


@router.get("/run/trace/{run_id}")
def get_trace(run_id: PositiveId, request: Request) -> Response:
    """``run/trace/{id}``: the hyper-parameter optimisation trace as OpenML's XML."""
    h = hive(request)
    with read(h) as session, codes(not_found=571):
        sha = runs.get(session, actor(request), run_id).trace_sha256
    if sha is None:
        raise OpenMLError(572)
    table = load_table(h.store, sha)
    parameters = [name for name in table.column_names if name.startswith("parameter_")]
    element = xmlio.root("trace")
    xmlio.add(element, "run_id", run_id)
    for row in table.to_pylist():
        entry = xmlio.add(element, "trace_iteration")
        for name in ("repeat", "fold", "iteration"):
            xmlio.add(entry, name, int(row[name]))
        setup = {name: row[name] for name in parameters}
        xmlio.add(entry, "setup_string", json.dumps(setup))
        xmlio.add(entry, "evaluation", row["evaluation"])
        xmlio.add(entry, "selected", str(row["selected"]).lower() in ("true", "1"))
    return xmlio.document(element)


router.include_router(tag_routes("run", "run"))


@router.delete("/run/{run_id}")
def delete(run_id: PositiveId, request: Request) -> Response:
    """``DELETE run/{id}``: its uploader or an admin (not while a study holds it)."""
    with write(hive(request)) as session:
        with codes(not_found=392):
            runs.get(session, actor(request), run_id)
        with codes(denied=393, conflict=394):
            runs.delete_run(session, required(request), run_id)
    return xmlio.id_document("run_delete", run_id)


def uploader_ids(session: Session, names: set[str]) -> dict[str, int]:
    """Users' ids by name (OpenML identifies uploaders by id)."""
    return {name: accounts.get_user(session, name).id for name in names}


def dataset_names(session: Session, who: Actor | None, ids: set[int]) -> dict[int, str]:
    """Datasets' names by id."""
    return {i: catalog.get(session, who, i).name for i in ids}


def _openml_named(session: Session, out: RunOut) -> RunOut:
    """The run with its settings named as OpenML names them (no component paths)."""
    plain = flows.openml_settings(session, out.flow_id, list(out.parameter_settings))
    return out.model_copy(update={"parameter_settings": plain})
