"""``/run/…``: runs and their optimisation traces as server-api serves them."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from mlhive.server.domain.errors import NotFound
from mlhive.server.http.params import PositiveId
from mlhive.server.openml.data import arff_url, base_url
from mlhive.server.openml.flows import full_name
from mlhive.server.openml.runs import file_id
from mlhive.server.openml.tasks import TYPE_NAMES
from mlhive.server.openml.v2 import errors
from mlhive.server.openml.v2.common import actor, hive, number, read
from mlhive.server.openml.v2.errors import Problem
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import flows, runs, scoring, tasks
from mlhive.server.services.experiments.runs import RunOrigin
from mlhive.server.services.experiments.tasks import TaskView
from mlhive.wire.runs import RunOut

router = APIRouter(prefix="/run")


def _missing(run_id: int, code: int | None = None) -> Problem:
    return Problem(errors.RUN_NOT_FOUND, f"Run {run_id} not found.", code=code)


@router.get("/trace/{run_id}")
def get_trace(run_id: PositiveId, request: Request) -> dict[str, Any]:
    """The hyper-parameter optimisation trace; 404 (571) for no run, (572) for no trace."""
    h = hive(request)
    with read(h) as session:
        try:
            sha = runs.get(session, actor(request), run_id).trace_sha256
        except NotFound:
            raise _missing(run_id) from None
    if sha is None:
        raise Problem(errors.RUN_TRACE_NOT_FOUND, f"No trace found for run {run_id}.")
    table = load_table(h.store, sha)
    parameters = [name for name in table.column_names if name.startswith("parameter_")]
    iterations = []
    for row in table.to_pylist():
        evaluation = row["evaluation"]
        iterations.append(
            {
                "repeat": int(row["repeat"]),
                "fold": int(row["fold"]),
                "iteration": int(row["iteration"]),
                "setup_string": json.dumps({name: row[name] for name in parameters}),
                "evaluation": None if evaluation is None else float(evaluation),
                "selected": "true" if str(row["selected"]).lower() in ("true", "1") else "false",
            }
        )
    return {"run_id": run_id, "trace": iterations}


@router.get("/{run_id}")
def get_run(run_id: PositiveId, request: Request) -> dict[str, Any]:
    """The run: its setup, input dataset, files and the server's evaluations."""
    h = hive(request)
    with read(h) as session:
        try:
            run = runs.get(session, actor(request), run_id)
        except NotFound:
            raise _missing(run_id, code=236) from None
        out = _openml_named(session, scoring.describe(session, run))
        origin = runs.origin(session, actor(request), run_id)
        task = tasks.view(session, actor(request), out.task_id)
        flow_version = flows.get(session, out.flow_id).version
    return document(base_url(request, h), out, origin, task, flow_version)


def document(
    base: str, out: RunOut, origin: RunOrigin, task: TaskView, flow_version: int = 1
) -> dict[str, Any]:
    """server-api's ``Run`` (absent optional values are left out, as there)."""
    files = ["description"] + (["predictions"] if out.predictions_sha256 else [])
    files += ["trace"] if out.has_trace else []
    body: dict[str, Any] = {
        "run_id": out.id,
        "uploader": origin.uploader_id,
        "uploader_name": out.uploader,
        "task_id": out.task_id,
        "task_type": TYPE_NAMES[task.out.task_type],
        "task_evaluation_measure": task.declared_measures[0] if task.declared_measures else None,
        "flow_id": out.flow_id,
        "flow_name": full_name(out.flow_name, flow_version),
        "setup_id": out.setup_id,
        "setup_string": origin.setup_string,
        "parameter_setting": [
            _without_none({"name": s.name, "value": s.value, "component": s.flow_id})
            for s in out.parameter_settings
        ],
        "error": [text for text in (out.error_message, out.evaluation_error) if text],
        "tag": list(out.tags),
        "input_data": [
            {
                "did": task.out.dataset_id,
                "name": task.out.dataset_name,
                "url": arff_url(base, task.out.dataset_id, task.out.dataset_name),
            }
        ],
        "output_data": {
            "file": [{"file_id": file_id(out.id, kind), "name": kind} for kind in files],
            "evaluation": _evaluations(out),
        },
    }
    return _without_none(body)


def _evaluations(out: RunOut) -> list[dict[str, Any]]:
    scores: list[dict[str, Any]] = []
    for evaluation in out.evaluations:
        array = None if evaluation.array_data is None else json.dumps(evaluation.array_data)
        if array is not None or evaluation.value is not None:
            scores.append(
                _without_none(
                    {
                        "name": evaluation.measure,
                        "value": number(evaluation.value),
                        "array_data": array,
                    }
                )
            )
    for evaluation in out.evaluations:
        for repeat, values in enumerate(evaluation.per_fold or []):
            for fold, value in enumerate(values):
                if value is not None:
                    scores.append(
                        {
                            "name": evaluation.measure,
                            "value": number(value),
                            "repeat": repeat,
                            "fold": fold,
                        }
                    )
    return scores


def _without_none(entry: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if value is not None}


def _openml_named(session: Session, out: RunOut) -> RunOut:
    """The run with its settings named as OpenML names them (no component paths)."""
    plain = flows.openml_settings(session, out.flow_id, list(out.parameter_settings))
    return out.model_copy(update={"parameter_settings": plain})
