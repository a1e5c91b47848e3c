"""The whole experiment story through the public client, against the real app in-process:
publish penguins -> create tasks -> run pipelines -> the server evaluates -> leaderboards ->
rebuild the model from its flow and setup."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from palmerpenguins import load_penguins
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.impute import KNNImputer, SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_absolute_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlhive import Client, Run, Task

CATEGORICAL = ["island", "sex"]
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "year"]


def penguins() -> pd.DataFrame:
    """Palmer penguins: nominal columns (with missing values) and numeric ones (with NaN)."""
    df = load_penguins()
    for column in ("species", *CATEGORICAL):
        df[column] = df[column].astype("category")
    return df


def preprocessing(numeric: list[str]) -> ColumnTransformer:
    # A flow may hold each component flow once (as on OpenML), so the two branches impute with
    # two different imputers.
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore")),
        ]
    )
    numbers = Pipeline([("impute", KNNImputer(n_neighbors=3)), ("scale", StandardScaler())])
    return ColumnTransformer([("cat", categorical, CATEGORICAL), ("num", numbers, numeric)])


def pipeline(model: object, numeric: list[str] = NUMERIC) -> Pipeline:
    return Pipeline([("prep", preprocessing(numeric)), ("model", model)])


def evaluated(run: Run, run_jobs: Callable[[], int]) -> pd.DataFrame:
    assert run.state == "pending"
    assert run_jobs() >= 1  # the tests' worker is off: evaluate now
    return run.wait(timeout=30).set_index("measure")


@pytest.fixture
def species_task(client: Client, run_jobs: Callable[[], int]) -> Task:
    dataset = client.datasets.publish(penguins(), name="penguins", target="species")
    run_jobs()
    return client.tasks.create(dataset.id, "classification")


def test_classification_run_is_evaluated_like_sklearn_and_rebuilt_from_its_flow(
    client: Client, species_task: Task, run_jobs: Callable[[], int]
) -> None:
    task = species_task
    assert task.class_labels == ["Adelie", "Chinstrap", "Gentoo"]
    original = pipeline(LogisticRegression(max_iter=500, C=0.5))
    run = client.run(original, task, n_jobs=2, tags=["e2e"])
    assert run.task_id == task.id and run.tags == ["e2e"]
    assert len(run.fold_timings) == 10

    scores = evaluated(run, run_jobs)
    predictions = run.predictions()
    _, y = task.get_X_and_y()
    truth = y.astype(str).to_numpy()
    per_fold = [
        accuracy_score(
            truth[predictions.loc[predictions.fold == f, "row_id"]],
            predictions.loc[predictions.fold == f, "prediction"],
        )
        for f in range(10)
    ]
    accuracy = scores.loc["predictive_accuracy"]
    assert accuracy["per_fold"][0] == pytest.approx(per_fold)
    assert accuracy["value"] == pytest.approx(np.mean(per_fold))
    assert accuracy["value"] > 0.9  # a sensible model, not just valid plumbing

    board = client.tasks.leaderboard(task.id)
    assert board["run_id"].tolist() == [run.id]
    assert board["value"].iloc[0] == pytest.approx(accuracy["value"])

    # The flow and setup alone (no pickle) give a model that predicts exactly like the original.
    rebuilt = client.flows.get(run.flow_id).to_estimator(client.setups.get(run.setup_id))
    assert rebuilt.get_params()["model__C"] == 0.5
    X, _ = task.get_X_and_y()
    train, test = task.get_train_test_split_indices(fold=3)
    expected = original.fit(X.iloc[train], y.iloc[train]).predict(X.iloc[test])
    got = rebuilt.fit(X.iloc[train], y.iloc[train]).predict(X.iloc[test])
    np.testing.assert_array_equal(got, expected)
    uploaded = predictions[predictions.fold == 3].sort_values("row_id")["prediction"]
    np.testing.assert_array_equal(uploaded.to_numpy(), expected.astype(str))


def test_two_flows_are_ranked_and_a_duplicate_run_is_not_repeated(
    client: Client, species_task: Task, run_jobs: Callable[[], int]
) -> None:
    linear = client.run(pipeline(LogisticRegression(max_iter=500)), species_task.id, n_jobs=1)
    forest = client.run(
        pipeline(RandomForestClassifier(n_estimators=15, random_state=0)), species_task, n_jobs=1
    )
    run_jobs()
    values = {r.id: r.refresh().scores["predictive_accuracy"] for r in (linear, forest)}

    board = client.tasks.leaderboard(species_task.id)
    assert sorted(board["run_id"]) == sorted(values)
    assert board["value"].tolist() == sorted(values.values(), reverse=True)
    assert board["flow_id"].nunique() == 2 and board["rank"].tolist() == [1, 2]

    again = client.run(
        pipeline(LogisticRegression(max_iter=500)), species_task, avoid_duplicate=True
    )
    assert again.id == linear.id
    changed = client.run(
        pipeline(LogisticRegression(max_iter=500, C=0.1)),
        species_task,
        n_jobs=1,
        avoid_duplicate=True,
    )
    assert changed.id not in values and changed.flow_id == linear.flow_id
    assert changed.setup_id != linear.setup_id
    assert len(client.runs.list(task=species_task.id)) == 3


def test_regression_task_is_evaluated_with_the_servers_errors(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    data = penguins().drop(columns=["species"]).dropna(subset=["body_mass_g"])
    dataset = client.datasets.publish(data, name="penguin-mass", target="body_mass_g")
    run_jobs()
    task = client.tasks.create(dataset.id, "regression")
    assert task.estimation_procedure.name == "10-fold Crossvalidation"
    numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
    ridge = client.run(pipeline(Ridge(alpha=1.0), numeric), task, n_jobs=1)
    forest = client.run(
        pipeline(RandomForestRegressor(n_estimators=10, random_state=0), numeric), task, n_jobs=1
    )
    scores = evaluated(ridge, run_jobs)

    predictions = ridge.predictions()
    _, y = task.get_X_and_y()
    expected = mean_absolute_error(y.to_numpy()[predictions["row_id"]], predictions["prediction"])
    per_fold = scores.loc["mean_absolute_error", "per_fold"][0]
    assert np.mean(per_fold) == pytest.approx(scores.loc["mean_absolute_error", "value"])
    folds = predictions.groupby("fold").size().to_numpy()
    assert np.average(per_fold, weights=folds) == pytest.approx(expected)

    board = client.tasks.leaderboard(task.id, measure="root_mean_squared_error")
    assert board.attrs["higher_is_better"] is False
    forest.refresh()
    rmse = {r.id: r.scores["root_mean_squared_error"] for r in (ridge, forest)}
    assert board["run_id"].tolist() == sorted(rmse, key=lambda i: rmse[i])  # lowest first
