"""The phases of the ``evaluate_run`` job, and the full description of a run with its evaluations.

:func:`read_spec` copies what scoring needs out of a transaction, :func:`compute` validates
and scores the predictions outside any transaction, and :func:`store_evaluations` (or
:func:`mark_failed`) writes the outcome; the handler running them is
:func:`mlhive.server.services.experiments.jobs.evaluate_run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlhive.server.db.tables.datasets import Dataset
from mlhive.server.db.tables.experiments import Evaluation, Run, Task
from mlhive.server.domain.experiments.metrics import evaluate
from mlhive.server.domain.experiments.predictions import validate_predictions
from mlhive.server.jobs import queue
from mlhive.server.services.datasets.catalog import require_data
from mlhive.server.services.datasets.processing import load_table
from mlhive.server.services.experiments import evaluations, flows, leaderboards, runs, tasks
from mlhive.server.storage import BlobStore
from mlhive.wire.runs import FoldTiming, RunOut


@dataclass(frozen=True)
class ScoringSpec:
    """What scoring a run needs, copied out of a transaction."""

    predictions_sha256: str
    splits_sha256: str
    data_sha256: str
    task_type: str
    target: str | None
    class_labels: list[str] | None
    task_id: int
    flow_id: int
    setup_id: int
    uploader_id: int


def read_spec(session: Session, run_id: int) -> ScoringSpec | None:
    """What :func:`compute` needs, or None when there is nothing to score: the run is gone,
    has no predictions, or is evaluated already (a run's predictions never change, and a job
    that scores its own runs at once leaves their queued scoring nothing to do)."""
    run = session.get(Run, run_id)
    if run is None or run.predictions_sha256 is None or run.state == "evaluated":
        return None
    task = session.get_one(Task, run.task_id)
    dataset = session.get_one(Dataset, task.dataset_id)
    return ScoringSpec(
        predictions_sha256=run.predictions_sha256,
        splits_sha256=task.splits_sha256,
        data_sha256=require_data(dataset),
        task_type=task.task_type,
        target=task.target,
        class_labels=task.class_labels,
        task_id=run.task_id,
        flow_id=run.flow_id,
        setup_id=run.setup_id,
        uploader_id=run.uploader_id,
    )


SMALL_BYTES = 4 * 1024**2
"""Inputs (predictions, splits and data files together) at most this large are scored in the
worker itself (see :func:`is_small`)."""
SMALL_ROWS = 200_000
"""... and with at most this many rows in each table, as their Parquet footers declare."""


def is_small(store: BlobStore, spec: ScoringSpec) -> bool:
    """Whether scoring ``spec`` is certain to be quick: its files are small on disk and
    declare few rows (a compressed file could hold many; the footer says how many).

    A small run's scores are what its uploader waits for; a child process to bound the time
    would cost more than the scoring (tens of milliseconds). Anything else is scored in the
    bounded child, killed at the job time limit.
    """
    shas = (spec.predictions_sha256, spec.splits_sha256, spec.data_sha256)
    if sum(store.size(sha) for sha in shas) > SMALL_BYTES:
        return False
    for sha in shas:
        path = store.local_path(sha)
        if path is not None:
            rows = pq.ParquetFile(path).metadata.num_rows
        else:
            with store.open(sha) as handle:
                rows = pq.ParquetFile(handle).metadata.num_rows
        if rows > SMALL_ROWS:
            return False
    return True


def compute(store: BlobStore, spec: ScoringSpec) -> dict[str, dict[str, Any]]:
    """Validate the stored predictions and compute the server's measures; no database access."""
    predictions = load_table(store, spec.predictions_sha256)
    splits = load_table(store, spec.splits_sha256)
    data = load_table(store, spec.data_sha256)
    valid = validate_predictions(
        predictions,
        splits,
        task_type=spec.task_type,
        class_labels=spec.class_labels,
        number_of_rows=data.num_rows,
    )
    truth = tasks.truth_of(data, spec.target, spec.class_labels)
    result = evaluate(valid, truth, task_type=spec.task_type, class_labels=spec.class_labels)
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


def store_evaluations(
    session: Session, run_id: int, spec: ScoringSpec, results: dict[str, dict[str, Any]]
) -> None:
    """Replace the run's evaluations with ``results`` and mark it evaluated.

    The run's row is locked first (SQLite's writers take turns anyway): a job that scores its
    own run at once races that run's queued scoring, and the second one to write waits for the
    first, then replaces its rows (with the same values: predictions never change) instead of
    inserting beside them."""
    run = session.get(Run, run_id, with_for_update={"of": Run})
    if run is None:
        return
    leaderboards.withdraw_run(session, run_id)
    fresh = [
        Evaluation(
            run_id=run_id,
            task_id=spec.task_id,
            flow_id=spec.flow_id,
            setup_id=spec.setup_id,
            uploader_id=spec.uploader_id,
            measure=name,
            **values,
        )
        for name, values in results.items()
    ]
    session.add_all(fresh)
    session.flush()
    leaderboards.record(session, [leaderboards.Scored.of(row) for row in fresh])
    run.state, run.evaluation_error = "evaluated", None


def mark_failed(session: Session, run_id: int, error: Exception) -> None:
    """Record why the run could not be evaluated, unless it is gone."""
    run = session.get(Run, run_id)
    if run is not None:
        run.state, run.evaluation_error = "error", str(error) or type(error).__name__


def describe(session: Session, run: Run) -> RunOut:
    """The full wire description of a run, with the server's evaluations."""
    task = session.get_one(Task, run.task_id)
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
        reproductions=runs.reproduction_counts(session, [run.id])[run.id],
    )
