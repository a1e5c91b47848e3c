"""Evaluation measures the server computes from a run's validated predictions.

Names follow OpenML where OpenML has the measure (``predictive_accuracy``,
``area_under_roc_curve``, ``f_measure``, ``kappa``, ...); the others are additions. Every value
comes from :mod:`sklearn.metrics` on the fold's arrays, or, for accuracy, balanced accuracy and
kappa, from the fold's confusion matrix with the arithmetic scikit-learn uses, so each equals
scikit-learn's result on the same arrays exactly. Exact definitions are in ``docs/measures.md``.

:func:`evaluate` scores each (repeat, fold, sample) block of :class:`ValidPredictions`, then
aggregates: the value of a run is the mean over its folds, its stdev the sample standard
deviation (ddof=1) across folds. Rows whose true value is missing are left out. A measure that
is undefined on a fold (AUC when the fold's truth lacks a class, R² on a single row, ...) is
``None`` there and left out of the mean. Nothing is ever NaN or infinite: ``None`` instead.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import sklearn
import sklearn.metrics as skm
from scipy.integrate import trapezoid
from scipy.special import xlogy
from sklearn.exceptions import UndefinedMetricWarning

from mlhive.server.domain.experiments.predictions import (
    CLASSIFICATION_TASK_TYPES,
    TASK_TYPES,
    ValidPredictions,
)

ArrayT = TypeVar("ArrayT", bound="np.ndarray[Any, Any]")

__all__ = ["MEASURES", "Evaluation", "Measure", "MeasureResult", "evaluate", "measures_for"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Scores = dict[str, float | None]

_CLASSIFICATION = frozenset(CLASSIFICATION_TASK_TYPES)
_REGRESSION = frozenset({"supervised_regression"})
_CLUSTERING = frozenset({"clustering"})
CONFUSION_MATRIX = "confusion_matrix"


@dataclass(frozen=True)
class Measure:
    """One evaluation measure of the catalogue.

    Attributes:
        name: OpenML's name where OpenML has the measure.
        task_types: the task types it is computed for.
        higher_is_better: how to rank runs by it.
        description: one line; the exact definition is in ``docs/measures.md``.
        is_array: True for a measure whose value is a matrix (``array_data``), not a number.
    """

    name: str
    task_types: frozenset[str]
    higher_is_better: bool
    description: str
    is_array: bool = False


def _measure(name: str, types: frozenset[str], higher: bool, description: str) -> Measure:
    return Measure(name, types, higher, description, is_array=name == CONFUSION_MATRIX)


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        _measure("predictive_accuracy", _CLASSIFICATION, True, "fraction of correct labels"),
        _measure("balanced_accuracy", _CLASSIFICATION, True, "mean recall over classes"),
        _measure("kappa", _CLASSIFICATION, True, "Cohen's kappa of truth and prediction"),
        _measure("precision", _CLASSIFICATION, True, "per-class precision, support-weighted"),
        _measure("recall", _CLASSIFICATION, True, "per-class recall, support-weighted"),
        _measure("f_measure", _CLASSIFICATION, True, "per-class F1, support-weighted"),
        _measure("precision_macro", _CLASSIFICATION, True, "per-class precision, unweighted"),
        _measure("recall_macro", _CLASSIFICATION, True, "per-class recall, unweighted"),
        _measure("f_measure_macro", _CLASSIFICATION, True, "per-class F1, unweighted"),
        _measure("area_under_roc_curve", _CLASSIFICATION, True, "ROC AUC, one-vs-rest weighted"),
        _measure("area_under_roc_curve_macro", _CLASSIFICATION, True, "ROC AUC, one-vs-rest"),
        _measure("log_loss", _CLASSIFICATION, False, "mean negative log-likelihood"),
        _measure("brier_score", _CLASSIFICATION, False, "mean squared probability error"),
        _measure("mean_absolute_error", _CLASSIFICATION | _REGRESSION, False, "mean |error|"),
        _measure("root_mean_squared_error", _CLASSIFICATION | _REGRESSION, False, "RMSE"),
        _measure(CONFUSION_MATRIX, _CLASSIFICATION, False, "counts: rows truth, columns pred"),
        _measure("r_squared", _REGRESSION, True, "coefficient of determination"),
        _measure("median_absolute_error", _REGRESSION, False, "median |error|"),
        _measure("adjusted_rand_index", _CLUSTERING, True, "chance-adjusted Rand index"),
        _measure("normalized_mutual_information", _CLUSTERING, True, "NMI (arithmetic mean)"),
    )
}


def measures_for(task_type: str) -> list[str]:
    """Return the names of the measures computed for a task type, in catalogue order.

    Raises:
        ValueError: for an unknown task type.
    """
    if task_type not in TASK_TYPES:
        raise ValueError(f"unknown task type {task_type!r}")
    return [name for name, m in MEASURES.items() if task_type in m.task_types]


@dataclass(frozen=True)
class MeasureResult:
    """One measure of one run.

    Attributes:
        value: the mean over folds (learning curves: over folds at each fold's last sample);
            ``None`` for the confusion matrix or when no fold has a value.
        stdev: sample standard deviation (ddof=1) of the fold values; ``None`` below two.
        per_fold: ``per_fold[repeat][fold]`` (learning curves: the last sample); ``None`` for
            the confusion matrix.
        per_sample: learning curves only: ``per_sample[repeat][fold][sample]``.
        curve: learning curves only: the mean over folds for each sample.
        array_data: the confusion matrix summed over folds (rows truth, columns prediction).
    """

    value: float | None
    stdev: float | None
    per_fold: list[list[float | None]] | None
    per_sample: list[list[list[float | None]]] | None = None
    curve: list[float | None] | None = None
    array_data: list[list[float]] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (no NaN or infinity anywhere)."""
        return {
            "value": self.value,
            "stdev": self.stdev,
            "per_fold": self.per_fold,
            "per_sample": self.per_sample,
            "curve": self.curve,
            "array_data": self.array_data,
        }


@dataclass(frozen=True)
class Evaluation:
    """All measures of one run, keyed by measure name (see :data:`MEASURES`)."""

    task_type: str
    measures: dict[str, MeasureResult] = field(default_factory=dict)

    def to_json(self) -> dict[str, dict[str, Any]]:
        """Return ``{measure: result}`` as JSON-ready dicts."""
        return {name: result.to_json() for name, result in self.measures.items()}


def evaluate(
    valid: ValidPredictions,
    truth: npt.NDArray[Any] | None,
    *,
    task_type: str,
    class_labels: Sequence[str] | None,
) -> Evaluation:
    """Compute every measure of :func:`measures_for` for a run, per fold and overall.

    Args:
        valid: predictions from
            :func:`~mlhive.server.domain.experiments.predictions.validate_predictions`.
        truth: the dataset's target for all rows, indexed by row id: class indices for
            classification and clustering (negative or NaN when missing), floats for regression
            (NaN when missing). ``None`` for a clustering task on a dataset without labels:
            every measure is then ``None``.
        task_type: the task's type.
        class_labels: the task's classes (classification and learning curves).

    Returns:
        The evaluation; every measure of the task type is present.

    Raises:
        ValueError: for an unknown task type, a truth array shorter than the largest row id,
            or class indices outside ``class_labels``.
    """
    names = measures_for(task_type)
    n_classes = len(class_labels or ())
    if task_type in CLASSIFICATION_TASK_TYPES and n_classes < 2:
        raise ValueError("a classification task needs at least two class labels")
    blocks = valid.blocks()
    if truth is None:
        scored: list[tuple[Scores, IntArray | None]] = [({}, None) for _ in blocks]
    else:
        rows_truth, known = _aligned_truth(valid, truth, task_type, n_classes)
        # The arrays are validated (finite, of known shapes) and the parameters are this
        # module's: scikit-learn need not check either again in each of its ~20 calls a fold.
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            scored = [
                _score_block(valid, rows_truth, known, rows, task_type, n_classes)
                for _, _, _, rows in blocks
            ]
    keys = [(r, f, s) for r, f, s, _ in blocks]
    results = {name: _aggregate(name, keys, scored) for name in names}
    return Evaluation(task_type=task_type, measures=results)


def _aligned_truth(
    valid: ValidPredictions, truth: npt.NDArray[Any], task_type: str, n_classes: int
) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_] | None]:
    if len(valid) and int(valid.row_id.max()) >= len(truth):
        raise ValueError(
            f"the truth has {len(truth)} rows; predictions reach row id {int(valid.row_id.max())}"
        )
    values = np.asarray(truth)[valid.row_id]
    if task_type == "supervised_regression":
        values = values.astype(np.float64, copy=False)
        known = ~np.isnan(values)
    elif np.issubdtype(values.dtype, np.floating):
        known = ~np.isnan(values)
        values = np.where(known, values, -1).astype(np.int64)
    else:
        values = values.astype(np.int64, copy=False)
        known = values >= 0
    if task_type in CLASSIFICATION_TASK_TYPES and np.any(values >= n_classes):
        raise ValueError(f"the truth has class indices beyond the {n_classes} classes")
    return values, (None if known.all() else known)


def _score_block(
    valid: ValidPredictions,
    rows_truth: npt.NDArray[Any],
    known: npt.NDArray[np.bool_] | None,
    rows: slice,
    task_type: str,
    n_classes: int,
) -> tuple[Scores, IntArray | None]:
    take: slice | IntArray = rows
    if known is not None:
        take = np.flatnonzero(known[rows]) + rows.start
    y = rows_truth[take]
    if len(y) == 0:
        return {}, None
    if task_type in CLASSIFICATION_TASK_TYPES:
        labels, probabilities = _given(valid.labels, "labels"), _given(valid.probabilities, "p")
        return _classification(y, labels[take], probabilities[take], n_classes)
    if task_type == "clustering":
        return _clustering(y, _given(valid.labels, "labels")[take]), None
    return _regression(y, _given(valid.values, "values")[take]), None


def _given(values: ArrayT | None, what: str) -> ArrayT:
    # validate_predictions fills the arrays its task type needs; anything else is a caller's bug.
    if values is None:
        raise ValueError(f"the validated predictions carry no {what} for this task type")
    return values


def _classification(
    y: IntArray, predicted: IntArray, proba: FloatArray, k: int
) -> tuple[Scores, IntArray]:
    # Every measure below is scikit-learn's, computed here with its own arithmetic in the same
    # order (tests/unit/domain/experiments/test_metrics.py asserts equality with scikit-learn
    # to the last bit): calling its functions costs ~20 input checks a fold, ten times the
    # arithmetic on a small task, and a run's scores are waited for.
    matrix: IntArray = np.bincount(y * k + predicted, minlength=k * k).reshape(k, k)
    scores: Scores = {"predictive_accuracy": float(np.trace(matrix) / len(y))}
    # Averages over classes, balanced accuracy and kappa use the labels present (in the truth
    # or the predictions), as scikit-learn's do.
    used = (matrix.sum(axis=0) + matrix.sum(axis=1)) > 0
    present = matrix[np.ix_(used, used)]
    scores["balanced_accuracy"] = _balanced_accuracy(present)
    scores["kappa"] = _kappa(present)
    scores.update(_precision_recall_f(present))
    scores.update(_auc(y, proba, matrix.sum(axis=1) > 0))
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(y)), y] = 1.0
    scores.update(_probability_losses(onehot, proba))
    scores["mean_absolute_error"] = _finite(
        float(np.average(np.average(np.abs(proba - onehot), axis=0)))
    )
    mse = float(np.average(np.average((onehot - proba) ** 2, axis=0)))
    scores["root_mean_squared_error"] = _finite(math.sqrt(mse))
    return scores, matrix


def _precision_recall_f(matrix: IntArray) -> Scores:
    """Weighted (by support) and macro precision, recall and F1 of the labels present, with 0
    where a class was never predicted or never true (scikit-learn's ``zero_division=0``)."""
    tp = np.diagonal(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0)
    true = matrix.sum(axis=1)
    precision = _divide(tp, predicted)
    recall = _divide(tp, true)
    f = _divide(2.0 * tp, true.astype(np.float64) + predicted.astype(np.float64))
    scores: Scores = {}
    for name, values in (("precision", precision), ("recall", recall), ("f_measure", f)):
        scores[name] = float(np.average(values, weights=true))
        scores[f"{name}_macro"] = float(np.nanmean(values))
    return scores


def _divide(numerator: FloatArray, denominator: npt.NDArray[Any]) -> FloatArray:
    zero = denominator == 0
    safe = np.asarray(denominator, dtype=np.float64).copy()
    safe[zero] = 1.0
    out: FloatArray = numerator / safe
    out[zero] = 0.0
    return out


def _probability_losses(onehot: FloatArray, proba: FloatArray) -> Scores:
    """Log loss (probabilities clipped to [eps, 1 - eps]) and the multiclass Brier score (halved
    for two classes), as scikit-learn defines them; undefined for values outside [0, 1]."""
    if proba.max() > 1 or proba.min() < 0:
        return {"log_loss": None, "brier_score": None}
    eps = np.finfo(proba.dtype).eps
    clipped = np.clip(proba, eps, 1 - eps)
    log_loss = float(np.average(-np.sum(xlogy(onehot, clipped), axis=1)))
    brier = float(np.average(np.sum((onehot - proba) ** 2, axis=1)))
    if proba.shape[1] < 3:
        brier *= 0.5
    return {"log_loss": _finite(log_loss), "brier_score": _finite(brier)}


def _balanced_accuracy(matrix: IntArray) -> float | None:
    support = matrix.sum(axis=1)
    if not support.any():
        return None
    recalls = np.diagonal(matrix)[support > 0] / support[support > 0]
    return float(np.mean(recalls))


def _kappa(matrix: IntArray) -> float | None:
    counts = matrix.astype(np.float64)
    by_prediction, by_truth = counts.sum(axis=0), counts.sum(axis=1)
    expected = np.outer(by_prediction, by_truth) / np.sum(by_prediction)
    off_diagonal = np.ones_like(counts)
    np.fill_diagonal(off_diagonal, 0.0)
    disagreement = np.sum(off_diagonal * expected)
    if disagreement == 0:
        return None
    return float(1 - np.sum(off_diagonal * counts) / disagreement)


def _auc(y: IntArray, proba: FloatArray, in_truth: npt.NDArray[np.bool_]) -> Scores:
    undefined: Scores = {"area_under_roc_curve": None, "area_under_roc_curve_macro": None}
    if not in_truth.all():
        # A class absent from the truth has no ROC curve: undefined on this fold.
        return undefined
    if proba.shape[1] == 2:
        # For two classes the weighted and the macro one-vs-rest AUC equal the binary AUC.
        auc = _binary_auc(y, proba[:, 1])
        return {"area_under_roc_curve": auc, "area_under_roc_curve_macro": auc}
    # One-vs-rest, as roc_auc_score(multi_class="ovr") computes it: each class's binary AUC
    # once, then their mean weighted by the class's support, and their plain mean.
    if not np.allclose(1, proba.sum(axis=1)):
        return undefined  # scikit-learn refuses scores that are not probabilities
    per_class = [_binary_auc((y == c).astype(np.int64), proba[:, c]) for c in range(proba.shape[1])]
    if any(v is None for v in per_class):
        return undefined
    values = np.array(per_class, dtype=np.float64)
    support = np.bincount(y, minlength=proba.shape[1])
    return {
        "area_under_roc_curve": _finite(float(np.average(values, weights=support))),
        "area_under_roc_curve_macro": _finite(float(np.average(values))),
    }


def _binary_auc(truth: IntArray, score: FloatArray) -> float | None:
    """The area under the ROC curve of 0/1 ``truth`` ranked by ``score``, by the trapezoidal
    rule over the curve's corners (collinear points dropped), as ``roc_curve`` + ``auc`` do;
    None when the truth holds one class only."""
    order = np.argsort(-score, kind="stable")
    ranked_score, ranked_truth = score[order], truth[order].astype(np.float64)
    thresholds = np.r_[np.flatnonzero(np.diff(ranked_score)), len(ranked_score) - 1]
    tps = np.cumsum(ranked_truth)[thresholds]
    fps = 1 + thresholds.astype(np.float64) - tps
    if len(fps) > 2:
        corners = np.flatnonzero(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])
        fps, tps = fps[corners], tps[corners]
    tps, fps = np.r_[0.0, tps], np.r_[0.0, fps]
    if fps[-1] <= 0 or tps[-1] <= 0:
        return None
    return _finite(float(trapezoid(tps / tps[-1], fps / fps[-1])))


def _regression(y: FloatArray, predicted: FloatArray) -> Scores:
    return {
        "mean_absolute_error": _safe(skm.mean_absolute_error, y, predicted),
        "root_mean_squared_error": _safe(skm.root_mean_squared_error, y, predicted),
        "r_squared": _safe(skm.r2_score, y, predicted) if len(y) > 1 else None,
        "median_absolute_error": _safe(skm.median_absolute_error, y, predicted),
    }


def _clustering(y: IntArray, clusters: IntArray) -> Scores:
    return {
        "adjusted_rand_index": _safe(skm.adjusted_rand_score, y, clusters),
        "normalized_mutual_information": _safe(skm.normalized_mutual_info_score, y, clusters),
    }


def _safe(function: Callable[..., Any], *args: Any, **kwargs: Any) -> float | None:
    """Call a scikit-learn measure; ``None`` where it declares the value undefined."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        try:
            value = float(function(*args, **kwargs))
        except (ValueError, UndefinedMetricWarning):
            return None
    return value if math.isfinite(value) else None


def _aggregate(
    name: str, keys: list[tuple[int, int, int]], scored: list[tuple[Scores, IntArray | None]]
) -> MeasureResult:
    last = _last_samples(keys)
    if name == CONFUSION_MATRIX:
        final = set(last.values())
        matrices = [
            m for key, (_, m) in zip(keys, scored, strict=True) if key in final and m is not None
        ]
        total = np.sum(matrices, axis=0) if matrices else None
        array = None if total is None else total.astype(np.float64).tolist()
        return MeasureResult(value=None, stdev=None, per_fold=None, array_data=array)
    values = {key: _finite(scores.get(name)) for key, (scores, _) in zip(keys, scored, strict=True)}
    repeats = 1 + max((r for r, _, _ in keys), default=-1)
    folds = 1 + max((f for _, f, _ in keys), default=-1)
    per_fold = [
        [values.get(last.get((r, f), (r, f, -1))) for f in range(folds)] for r in range(repeats)
    ]
    defined = [v for row in per_fold for v in row if v is not None]
    mean = _finite(float(np.mean(defined))) if defined else None
    # statistics.stdev is correctly rounded: equal fold values give exactly 0, not 5.9e-17.
    stdev = _finite(statistics.stdev(defined)) if len(defined) > 1 else None
    if not any(s for _, _, s in keys):
        return MeasureResult(value=mean, stdev=stdev, per_fold=per_fold)
    samples = 1 + max(s for _, _, s in keys)
    per_sample = [
        [[values.get((r, f, s)) for s in range(samples)] for f in range(folds)]
        for r in range(repeats)
    ]
    curve = [_mean_of([row[s] for rep in per_sample for row in rep]) for s in range(samples)]
    return MeasureResult(mean, stdev, per_fold, per_sample=per_sample, curve=curve)


def _last_samples(keys: list[tuple[int, int, int]]) -> dict[tuple[int, int], tuple[int, int, int]]:
    last: dict[tuple[int, int], tuple[int, int, int]] = {}
    for key in keys:
        if key[:2] not in last or key[2] > last[key[:2]][2]:
            last[key[:2]] = key
    return last


def _mean_of(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return _finite(float(np.mean(defined))) if defined else None


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)
