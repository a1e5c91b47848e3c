"""The ``evaluate_run`` job, and the full description of a run with its evaluations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mlhive.server.db.engine import transaction
from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Evaluation, Run, Task
from mlhive.server.domain.experiments.metrics import evaluate
from mlhive.server.domain.experiments.predictions import validate_predictions
from mlhive.server.jobs import queue
from mlhive.server.jobs.worker import JobContext
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import evaluations, flows, runs, tasks
from mlhive.wire.runs import FoldTiming, RunOut


def evaluate_run(context: JobContext, payload: Mapping[str, Any]) -> None:
    """Job handler: compute the server's measures of a run from its stored predictions."""
    run_id = int(payload["run_id"])
    with transaction(context.sessions) as session:
        run = session.get(Run, run_id)
        if run is None or run.predictions_sha256 is None:
            return
        task = session.get(Task, run.task_id)
        assert task is not None
        dataset = session.get(Dataset, task.dataset_id)
        assert dataset is not None
        spec: dict[str, Any] = {
            "predictions": run.predictions_sha256,
            "splits": task.splits_sha256,
            "data": dataset.data_sha256,
            "task_type": task.task_type,
            "target": task.target,
            "class_labels": task.class_labels,
            "keys": (run.task_id, run.flow_id, run.setup_id, run.uploader_id),
        }
    try:
        results = _compute(context, spec)
    except Exception as exc:
        with transaction(context.sessions) as session:
            failed = session.get(Run, run_id)
            if failed is not None:
                failed.state, failed.evaluation_error = "error", str(exc) or type(exc).__name__
        raise
    task_id, flow_id, setup_id, uploader_id = spec["keys"]
    with transaction(context.sessions) as session:
        run = session.get(Run, run_id)
        if run is None:
            return
        session.execute(delete(Evaluation).where(Evaluation.run_id == run_id))
        session.add_all(
            Evaluation(
                run_id=run_id,
                task_id=task_id,
                flow_id=flow_id,
                setup_id=setup_id,
                uploader_id=uploader_id,
                measure=name,
                **values,
            )
            for name, values in results.items()
        )
        run.state, run.evaluation_error = "evaluated", None


def _compute(context: JobContext, spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    predictions = load_table(context.store, spec["predictions"])
    splits = load_table(context.store, spec["splits"])
    data = load_table(context.store, spec["data"])
    valid = validate_predictions(
        predictions,
        splits,
        task_type=spec["task_type"],
        class_labels=spec["class_labels"],
        number_of_rows=data.num_rows,
    )
    truth = tasks.truth_of(data, spec["target"], spec["class_labels"])
    result = evaluate(valid, truth, task_type=spec["task_type"], class_labels=spec["class_labels"])
    return {
        name: {
            "value": m.value,
            "stdev": m.stdev,
            "per_fold": m.per_fold,
            "per_sample": m.per_sample,
            "curve": m.curve,
            "array_data": m.array_data,
        }
        for name, m in result.measures.items()
    }


def describe(session: Session, run: Run) -> RunOut:
    """The full wire description of a run, with the server's evaluations."""
    task = session.get(Task, run.task_id)
    assert task is not None
    rows = session.scalars(
        select(Evaluation).where(Evaluation.run_id == run.id).order_by(Evaluation.measure)
    ).all()
    job = queue.latest_for(session, f"run:{run.id}")
    return RunOut(
        id=run.id,
        task_id=run.task_id,
        flow_id=run.flow_id,
        flow_name=run.flow.name,
        setup_id=run.setup_id,
        dataset_id=task.dataset_id,
        uploader=run.uploader.name,
        upload_time=run.upload_time,
        state=run.state,
        error_message=run.error_message,
        evaluation_error=run.evaluation_error,
        tags=runs.tags_of(session, [run.id])[run.id],
        parameter_settings=flows.setup_parameters(session, run.setup_id),
        fold_timings=[FoldTiming.model_validate(t) for t in run.fold_timings],
        client_measures=run.client_measures,
        predictions_sha256=run.predictions_sha256,
        has_trace=run.trace_sha256 is not None,
        evaluations=evaluations.describe_many(session, rows, per_fold=True),
        job_id=job.id if job else None,
    )
