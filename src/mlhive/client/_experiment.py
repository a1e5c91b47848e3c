"""Running an estimator on a task locally (``client.run``): folds, predictions, the flow.

scikit-learn is imported only here and only when a run is made, so the client works without it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlhive.client._transfer import count_bar
from mlhive.client.run import LocalRun
from mlhive.client.task import Task
from mlhive.formats.splits import iter_splits
from mlhive.wire.flows import FlowCreate, FlowOut, ParameterSetting

SETUP_STRING_LIMIT = 10_000


def describe(estimator: Any) -> FlowCreate:
    """The estimator's flow (see :func:`mlhive.sklearn.estimator_to_flow`).

    Raises:
        FlowConversionError: the estimator cannot be described.
        ImportError: scikit-learn is not installed.
    """
    from mlhive.sklearn import estimator_to_flow

    return estimator_to_flow(estimator)


def execute(
    task: Task,
    estimator: Any,
    flow: FlowCreate,
    *,
    n_jobs: int,
    tags: list[str],
    progress: bool = False,
) -> LocalRun:
    """Fit ``estimator`` on every training set of ``task`` and predict its test rows.

    Args:
        task: the task (its data and splits are downloaded or read from the cache).
        estimator: an unfitted scikit-learn estimator; each fold fits its own clone.
        flow: the estimator's flow description.
        n_jobs: parallel fold workers (joblib; -1: all cores).
        tags: tags for the run.
        progress: draw a bar of the folds done on stderr.

    Returns:
        The local run; on a failing fold its ``error`` is the ``FoldError`` and it has no
        predictions.

    Raises:
        ImportError: scikit-learn is not installed.
    """
    from mlhive.sklearn import FoldError, run_on_splits

    X, y = task.get_X_and_y()  # noqa: N806 - scikit-learn style
    try:
        with count_bar(progress, f"task {task.id} folds") as report:
            table, timings = run_on_splits(
                estimator,
                X,
                y,
                iter_splits(task.splits_table),  # the runner skips unlabelled training rows
                task_type=task.task_type,
                class_labels=task.class_labels,
                n_jobs=n_jobs,
                on_fold=report,
            )
    except FoldError as exc:
        return LocalRun(task, estimator, flow, None, [], error=exc, tags=tags)
    return LocalRun(task, estimator, flow, table, timings, tags=tags)


def settings_for(estimator: Any, flow: FlowOut) -> list[ParameterSetting]:
    """The estimator's parameter values for the uploaded ``flow`` (ids of every component)."""
    from mlhive.sklearn import parameter_settings

    return parameter_settings(estimator, flow)


def setup_string(estimator: Any) -> str:
    """A short human-readable description of the estimator for the run's ``setup_string``."""
    with np.printoptions(threshold=20):
        text = repr(estimator)
    return text[:SETUP_STRING_LIMIT]


def settings_key(settings: list[ParameterSetting]) -> dict[tuple[int, str], str | None]:
    """Settings as a mapping, for comparing setups regardless of their order."""
    return {(s.flow_id, s.name): s.value for s in settings}
