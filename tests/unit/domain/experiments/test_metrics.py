"""Evaluation measures equal scikit-learn's on the same arrays, per fold and overall."""

from __future__ import annotations

import json
import math
import statistics
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import sklearn.metrics as skm

from mlhive.server.domain.experiments.metrics import (
    MEASURES,
    Evaluation,
    _aggregate,
    _classification,
    evaluate,
    measures_for,
)
from mlhive.server.domain.experiments.predictions import ValidPredictions, validate_predictions
from tests.unit.domain.experiments.test_predictions import make_predictions, make_splits

BINARY = ("no", "yes")
THREE = ("a", "b", "c")
FOUR = ("w", "x", "y", "z")


def classification_run(
    classes: tuple[str, ...],
    n_rows: int = 600,
    folds: int = 5,
    samples: int = 1,
    seed: int = 0,
    weights: list[float] | None = None,
    repeats: int = 1,
) -> tuple[ValidPredictions, np.ndarray]:
    task_type = "learning_curve" if samples > 1 else "supervised_classification"
    splits = make_splits(n_rows, folds=folds, repeats=repeats, samples=samples, seed=seed)
    predictions = make_predictions(splits, task_type, classes, seed=seed)
    valid = validate_predictions(predictions, splits, task_type=task_type, class_labels=classes)
    rng = np.random.default_rng(seed + 1)
    truth = rng.choice(len(classes), size=n_rows, p=weights)
    return valid, truth


def sklearn_classification(y: np.ndarray, pred: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
    """Each measure exactly as a scikit-learn user would compute it."""
    k = proba.shape[1]
    onehot = np.eye(k)[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a predicted class absent from this fold's truth
        expected = {
            "predictive_accuracy": skm.accuracy_score(y, pred),
            "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
            "kappa": skm.cohen_kappa_score(y, pred),
            "log_loss": skm.log_loss(y, proba, labels=np.arange(k)),
            "brier_score": skm.brier_score_loss(y, proba, labels=np.arange(k)),
            "mean_absolute_error": skm.mean_absolute_error(onehot, proba),
            "root_mean_squared_error": math.sqrt(skm.mean_squared_error(onehot, proba)),
            "confusion_matrix": skm.confusion_matrix(y, pred, labels=np.arange(k)),
        }
        for suffix, average in (("", "weighted"), ("_macro", "macro")):
            expected[f"precision{suffix}"] = skm.precision_score(
                y, pred, average=average, zero_division=0
            )
            expected[f"recall{suffix}"] = skm.recall_score(
                y, pred, average=average, zero_division=0
            )
            expected[f"f_measure{suffix}"] = skm.f1_score(y, pred, average=average, zero_division=0)
            if k == 2:
                expected[f"area_under_roc_curve{suffix}"] = skm.roc_auc_score(y, proba[:, 1])
            else:
                expected[f"area_under_roc_curve{suffix}"] = skm.roc_auc_score(
                    y, proba, multi_class="ovr", average=average, labels=np.arange(k)
                )
    return expected


def per_block(
    valid: ValidPredictions,
    truth: np.ndarray,
    compute: Callable[..., dict[str, Any]],
) -> dict[tuple[int, int, int], dict[str, Any]]:
    out = {}
    for repeat, fold, sample, rows in valid.blocks():
        y = truth[valid.row_id[rows]]
        if valid.probabilities is not None:
            out[repeat, fold, sample] = compute(y, valid.labels[rows], valid.probabilities[rows])
        elif valid.values is not None:
            out[repeat, fold, sample] = compute(y, valid.values[rows])
        else:
            out[repeat, fold, sample] = compute(y, valid.labels[rows])
    return out


def assert_matches(
    evaluation: Evaluation, expected: dict[tuple[int, int, int], dict[str, Any]]
) -> None:
    """Per-fold values equal scikit-learn's exactly; the run's value is their mean."""
    for name in measures_for(evaluation.task_type):
        result = evaluation.measures[name]
        if name == "confusion_matrix":
            total = sum(e[name] for e in expected.values())
            assert result.array_data == total.astype(float).tolist()
            continue
        folds = [
            [expected[(r, f, 0)][name] for f in range(len(row))]
            for r, row in enumerate(result.per_fold)
        ]
        assert result.per_fold == folds, name
        assert result.value == float(np.mean(folds)), name
        if len(folds) * len(folds[0]) > 1:
            assert result.stdev == statistics.stdev(v for row in folds for v in row), name
        else:
            assert result.stdev is None


@pytest.mark.parametrize("classes", [BINARY, THREE, FOUR], ids=["binary", "3-class", "4-class"])
def test_classification_measures_equal_sklearn(classes: tuple[str, ...]) -> None:
    valid, truth = classification_run(classes)
    evaluation = evaluate(valid, truth, task_type="supervised_classification", class_labels=classes)
    assert set(evaluation.measures) == set(measures_for("supervised_classification"))
    assert_matches(evaluation, per_block(valid, truth, sklearn_classification))


def test_equal_fold_scores_have_a_stdev_of_exactly_zero() -> None:
    """A constant predictor scores 1/3 on every fold: its spread is 0, not numpy's 5.9e-17."""
    keys = [(0, fold, 0) for fold in range(10)]
    result = _aggregate("predictive_accuracy", keys, [({"predictive_accuracy": 1 / 3}, None)] * 10)
    assert result.value == pytest.approx(1 / 3) and result.stdev == 0.0


def test_repeated_cross_validation_reports_every_repeat() -> None:
    valid, truth = classification_run(THREE, n_rows=300, folds=3, repeats=2, seed=11)
    evaluation = evaluate(valid, truth, task_type="supervised_classification", class_labels=THREE)
    assert len(evaluation.measures["kappa"].per_fold) == 2
    assert_matches(evaluation, per_block(valid, truth, sklearn_classification))


def test_weighted_and_macro_averages_differ_on_imbalanced_classes() -> None:
    valid, truth = classification_run(THREE, weights=[0.8, 0.15, 0.05], seed=4)
    results = evaluate(
        valid, truth, task_type="supervised_classification", class_labels=THREE
    ).measures
    for base in ("precision", "recall", "f_measure", "area_under_roc_curve"):
        assert results[base].value != pytest.approx(results[f"{base}_macro"].value), base
    assert_matches(
        evaluate(valid, truth, task_type="supervised_classification", class_labels=THREE),
        per_block(valid, truth, sklearn_classification),
    )


def test_rows_with_missing_truth_are_left_out() -> None:
    valid, truth = classification_run(THREE, seed=2)
    with_missing = truth.astype(float)
    with_missing[::7] = np.nan
    evaluation = evaluate(
        valid, with_missing, task_type="supervised_classification", class_labels=THREE
    )
    expected = {}
    for repeat, fold, sample, rows in valid.blocks():
        keep = ~np.isnan(with_missing[valid.row_id[rows]])
        y = with_missing[valid.row_id[rows]][keep].astype(int)
        proba = valid.probabilities[rows][keep]
        expected[repeat, fold, sample] = sklearn_classification(y, valid.labels[rows][keep], proba)
    assert_matches(evaluation, expected)
    as_negative = np.where(np.isnan(with_missing), -1, with_missing).astype(np.int64)
    again = evaluate(valid, as_negative, task_type="supervised_classification", class_labels=THREE)
    assert again.to_json() == evaluation.to_json()


def test_auc_is_none_on_a_fold_whose_truth_lacks_a_class() -> None:
    valid, truth = classification_run(THREE, n_rows=300, folds=3, seed=5)
    fold1 = valid.row_id[valid.fold == 1]
    truth[fold1] = np.where(truth[fold1] == 2, 0, truth[fold1])  # no class "c" in fold 1
    results = evaluate(
        valid, truth, task_type="supervised_classification", class_labels=THREE
    ).measures
    auc = results["area_under_roc_curve"]
    assert auc.per_fold[0][1] is None
    assert auc.per_fold[0][0] is not None and auc.per_fold[0][2] is not None
    assert auc.value == float(np.mean([auc.per_fold[0][0], auc.per_fold[0][2]]))
    assert results["predictive_accuracy"].per_fold[0][1] is not None


def test_learning_curve_scores_every_sample_and_reports_the_last() -> None:
    valid, truth = classification_run(BINARY, n_rows=300, folds=3, samples=4, seed=6)
    evaluation = evaluate(valid, truth, task_type="learning_curve", class_labels=BINARY)
    expected = per_block(valid, truth, sklearn_classification)
    accuracy = evaluation.measures["predictive_accuracy"]
    assert accuracy.per_sample == [
        [[expected[0, f, s]["predictive_accuracy"] for s in range(4)] for f in range(3)]
    ]
    assert accuracy.per_fold == [[expected[0, f, 3]["predictive_accuracy"] for f in range(3)]]
    assert accuracy.value == float(np.mean(accuracy.per_fold))
    assert accuracy.curve[0] == float(
        np.mean([expected[0, f, 0]["predictive_accuracy"] for f in range(3)])
    )
    matrix = evaluation.measures["confusion_matrix"].array_data
    assert matrix == sum(expected[0, f, 3]["confusion_matrix"] for f in range(3)).tolist()


def sklearn_regression(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    return {
        "mean_absolute_error": skm.mean_absolute_error(y, pred),
        "root_mean_squared_error": skm.root_mean_squared_error(y, pred),
        "r_squared": skm.r2_score(y, pred),
        "median_absolute_error": skm.median_absolute_error(y, pred),
    }


def test_regression_measures_equal_sklearn() -> None:
    splits = make_splits(500, folds=5, seed=7)
    predictions = make_predictions(splits, "supervised_regression", seed=7)
    valid = validate_predictions(
        predictions, splits, task_type="supervised_regression", class_labels=None
    )
    truth = valid.values[np.argsort(valid.row_id)] + np.random.default_rng(8).normal(size=500)
    evaluation = evaluate(valid, truth, task_type="supervised_regression", class_labels=None)
    assert set(evaluation.measures) == {*sklearn_regression(truth[:2], truth[:2])}
    assert_matches(evaluation, per_block(valid, truth, sklearn_regression))
    assert evaluation.measures["r_squared"].value > 0.3  # truth = prediction + noise


def sklearn_clustering(y: np.ndarray, clusters: np.ndarray) -> dict[str, Any]:
    return {
        "adjusted_rand_index": skm.adjusted_rand_score(y, clusters),
        "normalized_mutual_information": skm.normalized_mutual_info_score(y, clusters),
    }


def test_clustering_measures_against_the_dataset_labels() -> None:
    splits = make_splits(400, folds=1, seed=9)
    # Clustering tasks test on every row: one fold whose test set is the whole dataset.
    splits = splits.set_column(0, "type", pa.array(["TEST"] * 400).dictionary_encode())
    predictions = make_predictions(splits, "clustering", seed=9)
    valid = validate_predictions(predictions, splits, task_type="clustering", class_labels=None)
    truth = np.where(
        np.random.default_rng(1).random(400) < 0.7, valid.labels[np.argsort(valid.row_id)], 0
    )
    evaluation = evaluate(valid, truth, task_type="clustering", class_labels=None)
    assert_matches(evaluation, per_block(valid, truth, sklearn_clustering))
    assert evaluation.measures["adjusted_rand_index"].stdev is None  # one fold only
    unlabeled = evaluate(valid, None, task_type="clustering", class_labels=None)
    assert all(r.value is None for r in unlabeled.measures.values())


def test_output_is_json_without_nan() -> None:
    valid, truth = classification_run(BINARY, n_rows=40, folds=2, seed=3)
    truth[valid.row_id[valid.fold == 0]] = 1  # fold 0: one class only, so AUC is undefined
    evaluation = evaluate(valid, truth, task_type="supervised_classification", class_labels=BINARY)
    text = json.dumps(evaluation.to_json(), allow_nan=False)
    decoded = json.loads(text)
    assert decoded["area_under_roc_curve"]["per_fold"][0][0] is None
    assert decoded["confusion_matrix"]["value"] is None
    assert len(decoded["confusion_matrix"]["array_data"]) == 2


def test_catalogue() -> None:
    assert measures_for("supervised_regression") == [
        "mean_absolute_error",
        "root_mean_squared_error",
        "r_squared",
        "median_absolute_error",
    ]
    assert "area_under_roc_curve" in measures_for("learning_curve")
    assert measures_for("clustering") == ["adjusted_rand_index", "normalized_mutual_information"]
    assert MEASURES["log_loss"].higher_is_better is False
    assert MEASURES["confusion_matrix"].is_array
    with pytest.raises(ValueError, match="unknown task type"):
        measures_for("survival")


@pytest.mark.parametrize("seed", range(40))
def test_classification_equals_sklearn_bit_for_bit_on_awkward_folds(seed: int) -> None:
    """The measures are computed without scikit-learn's functions (their input checks cost ten
    times the arithmetic) but must give its values exactly: on small folds, classes never
    predicted or never true, certain (0/1) and tied probabilities."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    n = int(rng.integers(2, 40))
    y = rng.integers(0, k, size=n)
    y[: min(n, k)] = np.arange(min(n, k))  # most folds hold every class, some cannot
    raw = rng.random((n, k)) ** int(rng.integers(1, 6))
    if seed % 3 == 0:
        raw = np.round(raw, 1)  # ties in the scores
    if seed % 4 == 0:
        raw[rng.random(n) < 0.4] = np.eye(k)[rng.integers(0, k)]  # certain predictions
    raw[raw.sum(axis=1) == 0] = 1.0
    proba = raw / raw.sum(axis=1, keepdims=True)
    predicted = proba.argmax(axis=1) if seed % 5 else np.zeros(n, dtype=np.int64)
    scores, matrix = _classification(y, predicted, proba, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = sklearn_classification(y, predicted, proba)
        if len(np.unique(y)) < k:
            expected["area_under_roc_curve"] = expected["area_under_roc_curve_macro"] = None
    assert matrix.tolist() == expected.pop("confusion_matrix").tolist()
    for name, value in expected.items():
        assert scores[name] == value, name
