"""Run an estimator on a task's fixed splits and build the predictions table of a run.

The table has the columns ``mlhive.wire.runs`` documents: ``repeat``, ``fold``, ``sample``,
``row_id`` (int64), ``prediction`` (class label as a string for classification and learning
curves, float64 for regression, int64 cluster for clustering) and, for classification, one
float64 ``confidence.<label>`` column per class label in the task's order.

Each ``(repeat, fold, sample)`` is fitted on a fresh ``sklearn.base.clone`` of the estimator.
Folds run in parallel with joblib (``n_jobs`` workers); an estimator's own ``n_jobs`` still applies
inside each worker, where joblib runs nested parallel calls with threads and caps BLAS/OpenMP
threads per process. Pass ``n_jobs=1`` to run folds one after another and leave the cores to the
estimator.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
from joblib import Parallel, delayed
from sklearn.base import clone

from mlhive.sklearn.errors import FoldError
from mlhive.wire.runs import FoldTiming

__all__ = ["Fold", "TaskType", "run_on_splits"]

TaskType = Literal[
    "supervised_classification", "supervised_regression", "learning_curve", "clustering"
]
Fold = tuple[int, int, int, npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]]
"""(repeat, fold, sample, train row indices, test row indices); indices are 0-based rows."""

_CLASSIFICATION = ("supervised_classification", "learning_curve")


@dataclass(frozen=True)
class _Job:
    """What one fold needs besides the data."""

    repeat: int
    fold: int
    sample: int
    train: npt.NDArray[np.int64]
    test: npt.NDArray[np.int64]
    task_type: TaskType
    class_labels: tuple[str, ...]


@dataclass(frozen=True)
class _FoldResult:
    job: _Job
    row_ids: npt.NDArray[np.int64]
    predictions: npt.NDArray[Any]
    confidences: npt.NDArray[np.float64] | None
    fit_seconds: float
    predict_seconds: float | None


def _confidences(
    model: Any, test_rows: pd.DataFrame, predicted: Sequence[str], labels: tuple[str, ...]
) -> npt.NDArray[np.float64]:
    """Probabilities in ``labels`` order; one-hot predictions when there is no predict_proba."""
    position = {label: i for i, label in enumerate(labels)}
    out = np.zeros((len(predicted), len(labels)), dtype=np.float64)
    if hasattr(model, "predict_proba"):
        columns = [position[_known(str(c), position)] for c in model.classes_]
        out[:, columns] = np.asarray(model.predict_proba(test_rows), dtype=np.float64)
    else:
        out[np.arange(len(predicted)), [position[p] for p in predicted]] = 1.0
    return out


def _known(label: str, position: dict[str, int]) -> str:
    if label not in position:
        raise ValueError(
            f"the estimator knows class {label!r}, not among the task's {list(position)}"
        )
    return label


def _classify(job: _Job, model: Any, test_rows: pd.DataFrame) -> tuple[Any, Any]:
    position = {label: i for i, label in enumerate(job.class_labels)}
    predicted = [_known(str(p), position) for p in model.predict(test_rows)]
    confidences = _confidences(model, test_rows, predicted, job.class_labels)
    return np.asarray(predicted, dtype=object), confidences


def _supervised(
    job: _Job, estimator: Any, features: pd.DataFrame, target: pd.Series[Any]
) -> _FoldResult:
    model = clone(estimator)
    # Rows whose target is missing cannot teach anything; they are still predicted when they
    # are test rows (the server leaves them out of the scores).
    train = job.train[target.iloc[job.train].notna().to_numpy()]
    start = time.perf_counter()
    model.fit(features.iloc[train], target.iloc[train])
    fit_seconds = time.perf_counter() - start
    test_rows = features.iloc[job.test]
    start = time.perf_counter()
    if job.task_type in _CLASSIFICATION:
        predictions, confidences = _classify(job, model, test_rows)
    else:
        predictions = np.asarray(model.predict(test_rows), dtype=np.float64).ravel()
        confidences = None
    predict_seconds = time.perf_counter() - start
    return _FoldResult(job, job.test, predictions, confidences, fit_seconds, predict_seconds)


def _cluster(job: _Job, estimator: Any, features: pd.DataFrame) -> _FoldResult:
    """OpenML evaluates clusterings on their training rows: label the rows it was fitted on."""
    model = clone(estimator)
    start = time.perf_counter()
    labels = model.fit_predict(features.iloc[job.train])
    fit_seconds = time.perf_counter() - start
    predict_seconds: float | None = None
    rows = job.train
    if not np.array_equal(job.test, job.train) and len(job.test):
        start = time.perf_counter()
        labels = model.predict(features.iloc[job.test])
        predict_seconds = time.perf_counter() - start
        rows = job.test
    predictions = np.asarray(labels, dtype=np.int64)
    return _FoldResult(job, rows, predictions, None, fit_seconds, predict_seconds)


def _run_fold(
    job: _Job, estimator: Any, features: pd.DataFrame, target: pd.Series[Any] | None
) -> _FoldResult:
    try:
        if job.task_type == "clustering":
            return _cluster(job, estimator, features)
        if target is None:  # run_on_splits refuses this before any fold starts
            raise ValueError(f"a {job.task_type} task needs a target y")
        return _supervised(job, estimator, features, target)
    except Exception as exc:
        message = (
            f"repeat {job.repeat}, fold {job.fold}, sample {job.sample}: "
            f"{type(exc).__name__}: {exc}"
        )
        raise FoldError(message, job.repeat, job.fold, job.sample) from exc


def _column(parts: list[npt.NDArray[Any]], dtype: Any) -> npt.NDArray[Any]:
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def _table(results: list[_FoldResult], task_type: TaskType, labels: tuple[str, ...]) -> pa.Table:
    sizes = [len(r.row_ids) for r in results]
    columns: dict[str, pa.Array] = {}
    for key in ("repeat", "fold", "sample"):
        values = [
            np.full(n, getattr(r.job, key), dtype=np.int64)
            for r, n in zip(results, sizes, strict=True)
        ]
        columns[key] = pa.array(_column(values, np.int64), pa.int64())
    columns["row_id"] = pa.array(_column([r.row_ids for r in results], np.int64), pa.int64())
    predictions = _column([r.predictions for r in results], object)
    if task_type in _CLASSIFICATION:
        columns["prediction"] = pa.array(predictions.tolist(), pa.string())
        confidences = [r.confidences for r in results if r.confidences is not None]
        matrix = np.vstack(confidences) if confidences else np.empty((0, len(labels)))
        for i, label in enumerate(labels):
            columns[f"confidence.{label}"] = pa.array(matrix[:, i], pa.float64())
    elif task_type == "clustering":
        columns["prediction"] = pa.array(predictions.astype(np.int64), pa.int64())
    else:
        columns["prediction"] = pa.array(predictions.astype(np.float64), pa.float64())
    return pa.table(columns)


def _no_report(done: int, total: int) -> None:
    """The fold callback when nobody watches."""


def _jobs(folds: Iterable[Fold], task_type: TaskType, labels: tuple[str, ...]) -> list[_Job]:
    jobs = []
    for repeat, fold, sample, train, test in folds:
        train_rows = np.asarray(train, dtype=np.int64)
        test_rows = np.asarray(test, dtype=np.int64)
        jobs.append(
            _Job(int(repeat), int(fold), int(sample), train_rows, test_rows, task_type, labels)
        )
    return jobs


def run_on_splits(
    estimator: Any,
    X: pd.DataFrame,  # noqa: N803  (scikit-learn's name for the features)
    y: pd.Series[Any] | None,
    folds: Iterable[Fold],
    *,
    task_type: TaskType,
    class_labels: Sequence[str] | None,
    n_jobs: int = -1,
    backend: Literal["loky", "threading"] = "loky",
    on_fold: Callable[[int, int], None] | None = None,
) -> tuple[pa.Table, list[FoldTiming]]:
    """Fit and predict ``estimator`` on every fold and collect the run's predictions.

    Args:
        estimator: an unfitted scikit-learn estimator (each fold fits its own clone).
        X: the features, one row per dataset row (``row_id`` = position).
        y: the target; ``None`` for clustering. Class labels are compared as strings.
        folds: ``(repeat, fold, sample, train rows, test rows)``; for clustering OpenML uses the
            training rows as test rows, and the estimator's ``fit_predict`` labels them.
        task_type: decides the ``prediction`` type and whether confidences are written.
        class_labels: the task's class labels, in the order of the confidence columns; ``None``
            takes the sorted distinct values of ``y``. Ignored unless classifying.
        n_jobs: joblib workers for the folds (-1: all cores, 1: one after another).
        backend: ``"loky"`` (processes) or ``"threading"``.
        on_fold: called with ``(folds done, folds in all)`` as each fold finishes (a progress
            bar, say); first with ``(0, total)`` before any fold starts.

    Returns:
        The predictions table (folds in the given order, test rows in fold order) and the wall
        time of fitting and predicting per fold.

    Raises:
        FoldError: the estimator raised on a fold; the message names it and the error.
        ValueError: ``y`` is missing for a supervised task.
    """
    if task_type != "clustering" and y is None:
        raise ValueError(f"a {task_type} task needs a target y")
    labels: tuple[str, ...] = ()
    if task_type in _CLASSIFICATION and y is not None:
        labels = (
            tuple(class_labels) if class_labels is not None else tuple(sorted({str(v) for v in y}))
        )
    jobs = _jobs(folds, task_type, labels)
    report = on_fold or _no_report
    report(0, len(jobs))
    if n_jobs == 1 or len(jobs) <= 1:
        finished: Iterable[_FoldResult] = (_run_fold(job, estimator, X, y) for job in jobs)
    else:
        # A generator in submission order: each result arrives as soon as its fold (and the
        # ones before it) finished, so the progress moves while the others still run.
        parallel = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")
        finished = parallel(delayed(_run_fold)(job, estimator, X, y) for job in jobs)
    results: list[_FoldResult] = []
    for result in finished:
        results.append(result)
        report(len(results), len(jobs))
    timings = [
        FoldTiming(
            repeat=r.job.repeat,
            fold=r.job.fold,
            sample=r.job.sample,
            fit_seconds=r.fit_seconds,
            predict_seconds=r.predict_seconds,
        )
        for r in results
    ]
    return _table(results, task_type, labels), timings
