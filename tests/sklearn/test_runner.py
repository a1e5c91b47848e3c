"""Running estimators on fixed splits: the predictions table and timings of a run."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from mlhive.sklearn import Fold, FoldError, run_on_splits

Data = tuple[pd.DataFrame, pd.Series]
LABELS = ["setosa", "versicolor", "virginica"]


def _folds(
    splitter: Any,
    X: pd.DataFrame,  # noqa: N803
    y: pd.Series,
    repeat: int = 0,
) -> list[Fold]:
    return [
        (repeat, fold, 0, train, test) for fold, (train, test) in enumerate(splitter.split(X, y))
    ]


def _classifier() -> Any:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def test_classification_table_matches_the_estimator_fold_by_fold(iris: Data) -> None:
    X, y = iris
    folds = _folds(StratifiedKFold(10, shuffle=True, random_state=0), X, y)
    table, timings = run_on_splits(
        _classifier(),
        X,
        y,
        folds,
        task_type="supervised_classification",
        class_labels=LABELS,
        n_jobs=1,
    )
    confidence = [f"confidence.{label}" for label in LABELS]
    assert table.column_names == ["repeat", "fold", "sample", "row_id", "prediction", *confidence]
    assert table.schema.field("prediction").type == pa.string()
    for name in ("repeat", "fold", "sample", "row_id"):
        assert table.schema.field(name).type == pa.int64()
    for name in confidence:
        assert table.schema.field(name).type == pa.float64()
    frame = table.to_pandas()
    assert len(frame) == len(X) and sorted(frame["row_id"]) == list(range(len(X)))
    np.testing.assert_allclose(frame[confidence].sum(axis=1), 1.0)
    for _, fold, _, train, test in folds:
        own = _classifier().fit(X.iloc[train], y.iloc[train])
        rows = frame[frame["fold"] == fold]
        assert list(rows["row_id"]) == list(test)
        assert list(rows["prediction"]) == [str(p) for p in own.predict(X.iloc[test])]
        np.testing.assert_allclose(rows[confidence], own.predict_proba(X.iloc[test]))
    assert [(t.repeat, t.fold, t.sample) for t in timings] == [(0, f, 0) for f in range(10)]
    assert all((t.fit_seconds or 0) > 0 and (t.predict_seconds or 0) > 0 for t in timings)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_parallel_folds_give_the_same_table(iris: Data, backend: Any) -> None:
    X, y = iris
    folds = _folds(StratifiedKFold(5, shuffle=True, random_state=1), X, y, repeat=2)
    model = DecisionTreeClassifier(random_state=0)
    kwargs: dict[str, Any] = {"task_type": "supervised_classification", "class_labels": LABELS}
    serial, _ = run_on_splits(model, X, y, folds, n_jobs=1, **kwargs)
    parallel, timings = run_on_splits(model, X, y, folds, n_jobs=2, backend=backend, **kwargs)
    assert parallel.equals(serial)
    assert set(parallel.column("repeat").to_pylist()) == {2}
    assert len(timings) == 5


@pytest.mark.parametrize(("n_jobs", "backend"), [(1, "loky"), (2, "threading"), (2, "loky")])
def test_progress_is_reported_as_each_fold_finishes(iris: Data, n_jobs: int, backend: Any) -> None:
    X, y = iris
    folds = _folds(StratifiedKFold(4, shuffle=True, random_state=0), X, y)
    seen: list[tuple[int, int]] = []
    run_on_splits(
        DecisionTreeClassifier(random_state=0), X, y, folds,
        task_type="supervised_classification", class_labels=LABELS,
        n_jobs=n_jobs, backend=backend, on_fold=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


def test_class_missing_from_training_gets_zero_confidence(iris: Data) -> None:
    X, y = iris
    seen = np.flatnonzero(y.to_numpy() != "virginica")
    fold: Fold = (0, 0, 0, seen[::2], np.arange(len(X)))
    table, _ = run_on_splits(
        _classifier(), X, y, [fold], task_type="supervised_classification", class_labels=LABELS
    )
    frame = table.to_pandas()
    assert (frame["confidence.virginica"] == 0.0).all()
    assert set(frame["prediction"]) <= {"setosa", "versicolor"}
    np.testing.assert_allclose(frame[[f"confidence.{c}" for c in LABELS]].sum(axis=1), 1.0)


def test_estimator_without_probabilities_gets_one_hot_confidences(iris: Data) -> None:
    X, y = iris
    folds = _folds(StratifiedKFold(3, shuffle=True, random_state=0), X, y)
    model = make_pipeline(StandardScaler(), LinearSVC(random_state=0))
    table, _ = run_on_splits(
        model, X, y, folds, task_type="supervised_classification", class_labels=LABELS
    )
    frame = table.to_pandas()
    confidence = frame[[f"confidence.{c}" for c in LABELS]].to_numpy()
    assert set(np.unique(confidence)) == {0.0, 1.0}
    chosen = np.asarray(LABELS)[confidence.argmax(axis=1)]
    assert list(chosen) == list(frame["prediction"])


def test_integer_targets_are_compared_as_strings(iris: Data) -> None:
    X, y = iris
    codes = pd.Series(y.cat.codes.astype(np.int64))
    folds = _folds(StratifiedKFold(3, shuffle=True, random_state=0), X, codes)
    table, _ = run_on_splits(
        DecisionTreeClassifier(random_state=0), X, codes, folds,
        task_type="supervised_classification", class_labels=None, n_jobs=1,
    )  # fmt: skip
    assert [n for n in table.column_names if n.startswith("confidence.")] == [
        "confidence.0",
        "confidence.1",
        "confidence.2",
    ]
    assert set(table.column("prediction").to_pylist()) == {"0", "1", "2"}


def test_regression_predictions_are_floats_matching_the_estimator(diabetes: Data) -> None:
    X, y = diabetes
    folds = _folds(KFold(5, shuffle=True, random_state=0), X, y)
    table, timings = run_on_splits(
        Ridge(alpha=0.5), X, y, folds, task_type="supervised_regression", class_labels=None
    )
    assert table.column_names == ["repeat", "fold", "sample", "row_id", "prediction"]
    assert table.schema.field("prediction").type == pa.float64()
    frame = table.to_pandas()
    for _, fold, _, train, test in folds:
        own = Ridge(alpha=0.5).fit(X.iloc[train], y.iloc[train]).predict(X.iloc[test])
        np.testing.assert_allclose(frame.loc[frame["fold"] == fold, "prediction"], own)
    assert len(timings) == 5 and all((t.fit_seconds or 0) > 0 for t in timings)


def test_clustering_labels_every_training_row(iris: Data) -> None:
    X, _ = iris
    everything = np.arange(len(X))
    model = KMeans(n_clusters=3, n_init=10, random_state=0)
    table, timings = run_on_splits(
        model,
        X,
        None,
        [(0, 0, 0, everything, everything)],
        task_type="clustering",
        class_labels=None,
    )
    assert table.column_names == ["repeat", "fold", "sample", "row_id", "prediction"]
    assert table.schema.field("prediction").type == pa.int64()
    assert table.column("row_id").to_pylist() == list(range(len(X)))
    own = KMeans(n_clusters=3, n_init=10, random_state=0).fit_predict(X)
    assert table.column("prediction").to_pylist() == own.tolist()
    assert (timings[0].fit_seconds or 0) > 0


def test_learning_curve_fits_each_sample_separately(iris: Data) -> None:
    X, y = iris
    (train, test), *_ = StratifiedKFold(4, shuffle=True, random_state=0).split(X, y)
    folds: list[Fold] = [
        (0, 0, s, train[:size], test) for s, size in enumerate((12, 40, len(train)))
    ]
    table, timings = run_on_splits(
        DecisionTreeClassifier(random_state=0), X, y, folds,
        task_type="learning_curve", class_labels=LABELS, n_jobs=1,
    )  # fmt: skip
    frame = table.to_pandas()
    assert [t.sample for t in timings] == [0, 1, 2]
    for _, _, sample, rows, _ in folds:
        own = DecisionTreeClassifier(random_state=0).fit(X.iloc[rows], y.iloc[rows])
        predicted = frame.loc[frame["sample"] == sample, "prediction"]
        assert list(predicted) == [str(p) for p in own.predict(X.iloc[test])]


class Exploding(ClassifierMixin, BaseEstimator):
    """Fails to fit whenever its training data holds fewer than ``threshold`` rows."""

    def __init__(self, threshold: int = 100) -> None:
        self.threshold = threshold

    def fit(self, X: Any, y: Any) -> Exploding:  # noqa: N803
        if len(X) < self.threshold:
            raise ValueError(f"only {len(X)} rows")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> Any:  # noqa: N803
        return np.repeat(self.classes_[0], len(X))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_failing_fold_is_named_in_the_error(iris: Data, n_jobs: int) -> None:
    X, y = iris
    everything = np.arange(len(X))
    folds: list[Fold] = [(0, 0, 0, everything, everything), (1, 3, 0, everything[:20], everything)]
    with pytest.raises(
        FoldError, match=r"repeat 1, fold 3, sample 0: ValueError: only 20 rows"
    ) as info:
        run_on_splits(
            Exploding(), X, y, folds, task_type="supervised_classification",
            class_labels=LABELS, n_jobs=n_jobs,
        )  # fmt: skip
    assert (info.value.repeat, info.value.fold, info.value.sample) == (1, 3, 0)


def test_supervised_tasks_need_a_target(iris: Data) -> None:
    X, _ = iris
    with pytest.raises(ValueError, match="needs a target"):
        run_on_splits(
            _classifier(), X, None, [], task_type="supervised_regression", class_labels=None
        )


def test_rows_with_a_missing_target_are_not_trained_on_but_are_predicted() -> None:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LinearRegression

    from mlhive.sklearn import run_on_splits

    X = pd.DataFrame({"x": np.arange(20, dtype=float)})
    y = pd.Series(2 * np.arange(20, dtype=float))
    y[[3, 11]] = np.nan
    folds = [
        (0, 0, 0, np.arange(10, 20), np.arange(0, 10)),
        (0, 1, 0, np.arange(0, 10), np.arange(10, 20)),
    ]
    table, _ = run_on_splits(
        LinearRegression(),
        X,
        y,
        folds,
        task_type="supervised_regression",
        class_labels=None,
        n_jobs=1,
    )
    assert table.column("row_id").to_pylist() == list(range(20))
    assert np.allclose(table.column("prediction").to_numpy(), 2 * np.arange(20))
