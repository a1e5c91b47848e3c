"""Landmarkers: how well three quick learners do on a dataset (classification targets only).

OpenML runs Weka's DecisionStump, NaiveBayes and IBk (k=1) with 2-fold cross-validation on the
full dataset. We run scikit-learn look-alikes with stratified k-fold cross-validation (10 folds,
fewer when a class is smaller) on at most ``sample_rows`` rows drawn with a fixed seed, so the
values are close to OpenML's but not identical (``docs/qualities.md`` lists the differences).

Features: numeric and date attributes (missing values imputed with the training mean) and
nominal attributes (the 50 most frequent categories of the sample, the rest pooled, missing as
a category of its own). String attributes are not used. For each learner the qualities are the
class-frequency-weighted one-vs-rest AUC (Weka's ``weightedAreaUnderROC``), the error rate and
Cohen's kappa of the pooled out-of-fold predictions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from sklearn.metrics import cohen_kappa_score, roc_auc_score
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import CategoricalNB, GaussianNB
from sklearn.tree import DecisionTreeClassifier

from mlhive.formats.types import feature_type
from mlhive.server.domain.datasets.features import dictionary_codes, numeric_values

__all__ = ["LANDMARKER_QUALITY_NAMES", "MAX_CATEGORIES", "MAX_FOLDS", "landmarker_qualities"]

MAX_FOLDS = 10
MAX_CATEGORIES = 50
"""Nominal attributes keep at most this many categories (by frequency in the sample)."""
_NEIGHBOUR_CHUNK = 1024  # test rows per distance matrix, to bound memory

_LEARNERS = ("DecisionStump", "NaiveBayes", "kNN1N")
LANDMARKER_QUALITY_NAMES: tuple[str, ...] = tuple(
    f"{learner}{measure}" for learner in _LEARNERS for measure in ("AUC", "ErrRate", "Kappa")
)


@dataclass(frozen=True)
class _Design:
    """The sampled learning problem: numeric block, nominal block and class labels."""

    numeric: np.ndarray  # float64 (rows, numeric attributes), NaN where missing
    nominal: np.ndarray  # int64 (rows, nominal attributes), reduced codes incl. other/missing
    categories: np.ndarray  # int64 (nominal attributes,): code count of each nominal column
    labels: np.ndarray  # int64 (rows,), 0..classes-1


def landmarker_qualities(
    table: pa.Table, *, target: str | None, sample_rows: int, seed: int
) -> dict[str, float | None]:
    """Cross-validated AUC, error rate and kappa of three quick learners.

    Args:
        table: the counted attributes of the dataset (ignored and row-id columns removed).
        target: the nominal target, or None (then every landmarker is None).
        sample_rows: at most this many rows with a known target are used.
        seed: seed of the row sample and of the fold assignment.

    Returns:
        A value or None for each name in :data:`LANDMARKER_QUALITY_NAMES`.
    """
    result: dict[str, float | None] = dict.fromkeys(LANDMARKER_QUALITY_NAMES)
    design = _design(table, target, sample_rows, seed) if target is not None else None
    if design is None:
        return result
    folds = _folds(design.labels, seed)
    if folds is None:
        return result
    for name, fit_predict in _PREDICTORS.items():
        probabilities = _cross_validate(design, folds, fit_predict)
        result.update(_scores(name, design.labels, probabilities))
    return result


def _design(table: pa.Table, target: str, sample_rows: int, seed: int) -> _Design | None:
    codes, _ = dictionary_codes(table.column(target))
    known = np.flatnonzero(codes >= 0)
    rng = np.random.default_rng(seed)
    if known.size > sample_rows:
        known = np.sort(rng.choice(known, size=sample_rows, replace=False))
    sample = table.take(pa.array(known))
    numeric, nominal, categories = [], [], []
    for name in sample.column_names:
        column = sample.column(name)
        kind = feature_type(column.type)
        if name == target or kind == "string":
            continue
        if kind == "nominal":
            reduced, count = _reduce_categories(dictionary_codes(column)[0])
            nominal.append(reduced)
            categories.append(count)
        else:
            numeric.append(numeric_values(column).to_numpy(zero_copy_only=False))
    if not numeric and not nominal:
        return None
    _, labels = np.unique(codes[known], return_inverse=True)
    rows = known.size
    return _Design(
        numeric=np.column_stack(numeric).astype(np.float64) if numeric else np.empty((rows, 0)),
        nominal=np.column_stack(nominal) if nominal else np.empty((rows, 0), dtype=np.int64),
        categories=np.asarray(categories, dtype=np.int64),
        labels=labels.astype(np.int64),
    )


def _reduce_categories(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber by frequency: the top categories 0..k-1, then 'other' = k, 'missing' = k+1."""
    present = codes[codes >= 0]
    values, counts = np.unique(present, return_counts=True)
    kept = values[np.argsort(-counts, kind="stable")][:MAX_CATEGORIES]
    lookup = np.full(int(codes.max(initial=0)) + 1, kept.size, dtype=np.int64)
    lookup[kept] = np.arange(kept.size)
    reduced = np.where(codes >= 0, lookup[np.maximum(codes, 0)], kept.size + 1)
    return reduced.astype(np.int64), kept.size + 2


def _folds(labels: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Stratified folds over the classes with at least two examples; None if fewer than two."""
    counts = np.bincount(labels)
    usable = counts >= 2
    if np.count_nonzero(usable) < 2:
        return None
    rows = np.flatnonzero(usable[labels])
    n_splits = int(min(MAX_FOLDS, counts[usable].min()))
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return [(rows[train], rows[test]) for train, test in splitter.split(rows, labels[rows])]


_FitPredict = Callable[[_Design, np.ndarray, np.ndarray], np.ndarray]


def _cross_validate(
    design: _Design, folds: list[tuple[np.ndarray, np.ndarray]], fit_predict: _FitPredict
) -> np.ndarray:
    """Out-of-fold class probabilities (rows outside every test fold stay NaN)."""
    classes = int(design.labels.max()) + 1
    probabilities = np.full((design.labels.size, classes), np.nan)
    for train, test in folds:
        probabilities[test] = fit_predict(design, train, test)
    return probabilities


def _numeric_block(design: _Design, train: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Numeric attributes min-max scaled on the training rows, missing set to the train mean."""
    block = design.numeric
    if block.shape[1] == 0:
        return np.empty((rows.size, 0))
    fitted = block[train]
    valid = ~np.isnan(fitted)
    has_value = valid.any(axis=0)
    safe = np.where(valid, fitted, 0.0)
    counts = np.maximum(valid.sum(axis=0), 1)
    mean = np.where(has_value, safe.sum(axis=0) / counts, 0.0)
    low = np.where(has_value, np.where(valid, fitted, np.inf).min(axis=0), 0.0)
    high = np.where(has_value, np.where(valid, fitted, -np.inf).max(axis=0), 1.0)
    span = np.where(high > low, high - low, 1.0)
    selected = block[rows]
    filled = np.where(np.isnan(selected), mean, selected)
    return np.asarray((filled - low) / span, dtype=np.float64)


def _one_hot(design: _Design, rows: np.ndarray, scale: float) -> np.ndarray:
    """Nominal attributes one-hot encoded; the 'missing' code gets an all-zero row."""
    blocks = []
    for column, count in enumerate(design.categories):
        codes = design.nominal[rows, column]
        encoded = np.zeros((rows.size, int(count) - 1))
        present = codes < count - 1
        encoded[np.flatnonzero(present), codes[present]] = scale
        blocks.append(encoded)
    return np.hstack(blocks) if blocks else np.empty((rows.size, 0))


def _full_probabilities(design: _Design, seen: np.ndarray, partial: np.ndarray) -> np.ndarray:
    """Spread a model's probabilities (over the classes it saw) onto every class."""
    full = np.zeros((partial.shape[0], int(design.labels.max()) + 1))
    full[:, seen] = partial
    return full


def _decision_stump(design: _Design, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    def features(rows: np.ndarray) -> np.ndarray:
        return np.hstack([_numeric_block(design, train, rows), _one_hot(design, rows, 1.0)])

    model = DecisionTreeClassifier(max_depth=1, random_state=0)
    model.fit(features(train), design.labels[train])
    return _full_probabilities(design, model.classes_, model.predict_proba(features(test)))


def _naive_bayes(design: _Design, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """Gaussian likelihoods for numeric attributes, Laplace-smoothed counts for nominal ones."""
    labels = design.labels[train]
    classes, counts = np.unique(labels, return_counts=True)
    prior = np.log(counts / counts.sum())
    joint = np.tile(prior, (test.size, 1))
    fitted, queried = _numeric_block(design, train, train), _numeric_block(design, train, test)
    # A constant attribute says nothing and would give GaussianNB a zero variance.
    varying = fitted.max(axis=0, initial=0.0) > fitted.min(axis=0, initial=0.0)
    if varying.any():
        gaussian = GaussianNB().fit(fitted[:, varying], labels)
        joint += gaussian.predict_joint_log_proba(queried[:, varying]) - prior
    if design.nominal.shape[1]:
        categorical = CategoricalNB(alpha=1.0, min_categories=design.categories)
        categorical.fit(design.nominal[train], labels)
        joint += categorical.predict_joint_log_proba(design.nominal[test]) - prior
    partial = np.exp(joint - joint.max(axis=1, keepdims=True))
    return _full_probabilities(design, classes, partial / partial.sum(axis=1, keepdims=True))


def _nearest_neighbour(design: _Design, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """1-NN on [0, 1]-scaled numeric attributes; a nominal mismatch adds 1 to the squared distance.

    Like Weka's IBk, every training row tied at the smallest distance votes, so duplicated
    rows (common in all-nominal data) give a class distribution instead of an arbitrary pick.
    """

    def features(rows: np.ndarray) -> np.ndarray:
        return np.hstack(
            [_numeric_block(design, train, rows), _one_hot(design, rows, math.sqrt(0.5))]
        )

    reference, queries = features(train), features(test)
    labels = design.labels[train]
    classes = int(design.labels.max()) + 1
    votes = np.zeros((test.size, classes))
    for start in range(0, test.size, _NEIGHBOUR_CHUNK):
        chunk = queries[start : start + _NEIGHBOUR_CHUNK]
        distances = euclidean_distances(chunk, reference, squared=True)
        nearest = distances.min(axis=1, keepdims=True)
        tied = distances <= nearest + 1e-12 * (1.0 + nearest)
        for label in range(classes):
            votes[start : start + chunk.shape[0], label] = tied[:, labels == label].sum(axis=1)
    shares: np.ndarray = votes / votes.sum(axis=1, keepdims=True)
    return shares


_PREDICTORS: dict[str, _FitPredict] = {
    "DecisionStump": _decision_stump,
    "NaiveBayes": _naive_bayes,
    "kNN1N": _nearest_neighbour,
}


def _scores(name: str, labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float | None]:
    """Weighted one-vs-rest AUC, error rate and kappa over the rows that were in a test fold."""
    scored = ~np.isnan(probabilities).any(axis=1)
    truth = labels[scored]
    present = np.unique(truth)
    # Every training fold held every usable class, so these columns already sum to one.
    scores = probabilities[scored][:, present]
    predicted = present[np.argmax(scores, axis=1)]
    if present.size == 2:
        auc = float(roc_auc_score(truth == present[1], scores[:, 1]))
    else:
        auc = float(
            roc_auc_score(truth, scores, multi_class="ovr", average="weighted", labels=present)
        )
    kappa = float(cohen_kappa_score(truth, predicted))
    return {
        f"{name}AUC": auc if math.isfinite(auc) else None,
        f"{name}ErrRate": float(np.mean(predicted != truth)),
        f"{name}Kappa": kappa if math.isfinite(kappa) else None,
    }
