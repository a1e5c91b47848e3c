"""``client.runs.upload`` and ``mlhive run upload``: predictions from any tool on a leaderboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mlhive import Client, InvalidInputError, Task
from mlhive.cli import _common
from mlhive.cli.main import app
from tests.client.experiment_data import publish_classification, publish_regression
from tests.conftest import UserKey


@pytest.fixture
def task(client: Client, run_jobs: Callable[[], int]) -> Task:
    return client.tasks.create(publish_classification(client, run_jobs).id, "classification")


def threshold_predictions(task: Task, cut: float) -> pd.DataFrame:
    """A hand-written "model" outside scikit-learn: class up when x1 > cut (fitted on nothing)."""
    X, _ = task.get_X_and_y()
    parts = []
    for f in task.iter_folds():
        up = (X["x1"].to_numpy()[f.test] > cut).astype(float)
        columns = {"repeat": f.repeat, "fold": f.fold, "sample": f.sample, "row_id": f.test}
        labels = {"prediction": np.where(up == 1, "up", "down")}
        parts.append(
            pd.DataFrame({**columns, **labels, "confidence.down": 1 - up, "confidence.up": up})
        )
    return pd.concat(parts, ignore_index=True)


def test_predictions_from_any_tool_are_scored_and_ranked_under_their_flow(
    client: Client, task: Task, run_jobs: Callable[[], int]
) -> None:
    perfect = client.runs.upload(
        task,
        threshold_predictions(task, 0.0),
        flow="handmade.Threshold",
        parameters={"cut": 0.0, "layers": [64, 64], "note": "exact"},
        tags=["outside-sklearn"],
    )
    worse = client.runs.upload(
        task.id, threshold_predictions(task, 1.0), flow="handmade.Threshold",
        parameters={"cut": 1.0, "layers": [64, 64], "note": "shifted"},
    )  # fmt: skip
    run_jobs()
    perfect.wait(timeout=10)
    worse.wait(timeout=10)
    assert perfect.scores["predictive_accuracy"] == 1.0  # the label is x1 > 0
    assert worse.scores["predictive_accuracy"] < 1.0
    assert perfect.flow_id == worse.flow_id  # same method, two setups
    settings = {s.name: s.value for s in client.runs.get(perfect.id).parameter_settings}
    assert settings == {"cut": "0.0", "layers": "[64, 64]", "note": '"exact"'}
    board = client.tasks.leaderboard(task.id)
    assert board.iloc[0]["run_id"] == perfect.id
    assert board.iloc[0]["flow_name"] == "handmade.Threshold"
    assert perfect.tags == ["outside-sklearn"]


def test_a_new_parameter_makes_a_new_flow_version(client: Client, task: Task) -> None:
    one = client.runs.upload(
        task, threshold_predictions(task, 0), flow="handmade.T", parameters={"cut": 0}
    )
    two = client.runs.upload(
        task, threshold_predictions(task, 0), flow="handmade.T", parameters={"cut": 0, "w": 1}
    )
    assert one.flow_id != two.flow_id
    versions = client.flows.list(name="handmade.T")["external_version"]
    assert len(set(versions)) == 2 and all(v.startswith("params-") for v in versions)


def test_predictions_missing_a_fold_are_refused_and_nothing_is_stored(
    client: Client, task: Task
) -> None:
    partial = threshold_predictions(task, 0.0).query("fold != 3")
    with pytest.raises(InvalidInputError, match="fold 3: 6 test rows have no prediction"):
        client.runs.upload(task, partial, flow="handmade.Threshold", parameters={"cut": 0.0})
    assert client.runs.list(task=task.id).empty


def test_a_parameter_json_cannot_hold_is_refused_before_anything_is_sent(
    client: Client, task: Task
) -> None:
    with pytest.raises(ValueError, match=r"parameter 'fn'.*cannot be stored as JSON"):
        client.runs.upload(
            task, threshold_predictions(task, 0), flow="handmade.Fn", parameters={"fn": print}
        )
    assert client.flows.list(name="handmade.Fn").empty


def test_numeric_regression_predictions_from_a_csv_file(
    client: Client, run_jobs: Callable[[], int], tmp_path: Path
) -> None:
    task = client.tasks.create(publish_regression(client, run_jobs).id, "regression")
    X, y = task.get_X_and_y()
    assert y is not None
    rows = [
        pd.DataFrame({"repeat": f.repeat, "fold": f.fold, "row_id": f.test,
                      "prediction": 2 * X["x"].to_numpy()[f.test]})
        for f in task.iter_folds()
    ]  # fmt: skip
    path = tmp_path / "line.csv"
    pd.concat(rows).to_csv(path, index=False)
    run = client.runs.upload(task, path, flow="numpy.TwoX")
    run_jobs()
    run.wait(timeout=10)
    assert run.scores["root_mean_squared_error"] < 0.2  # y = 2x + noise(0.1)


def test_the_command_line_uploads_a_csv_and_waits_for_the_scores(
    http: TestClient,
    client: Client,
    task: Task,
    alice: UserKey,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_jobs: Callable[[], int],
    hive: object,
) -> None:
    path = tmp_path / "predictions.csv"
    threshold_predictions(task, 0.0).to_csv(path, index=False)
    monkeypatch.setattr(
        _common,
        "client_factory",
        lambda url, key: Client(url, key, http_client=http, cache_dir=tmp_path / "c", retries=0),
    )
    hive.worker.start()  # type: ignore[attr-defined]
    try:
        result = CliRunner().invoke(
            app,
            ["run", "upload", str(task.id), str(path), "--flow", "r.glm",
             "--param", "family=binomial", "--param", "alpha=0.5", "--wait",
             "--api-key", alice.key],
        )  # fmt: skip
    finally:
        hive.worker.stop()  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.output
    run = client.runs.get(int(result.stdout))
    assert "predictive_accuracy 1.0000" in result.stderr
    settings = {s.name: s.value for s in run.parameter_settings}
    assert settings == {"alpha": "0.5", "family": '"binomial"'}
    bad = CliRunner().invoke(
        app, ["run", "upload", str(task.id), str(path), "--flow", "x", "--param", "alpha"]
    )
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.output


def test_class_labels_that_look_like_numbers_stay_labels(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    """Labels "0" and "1" (a 0/1 target declared nominal) in a DataFrame's text column."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=120)
    frame = pd.DataFrame({"x": x, "y": pd.Categorical(np.where(x > 0, "1", "0"))})
    dataset = client.datasets.publish(frame, name="digit-labels", target="y")
    run_jobs()
    task = client.tasks.create(dataset.id, "classification")
    assert task.class_labels == ["0", "1"]
    parts = [
        pd.DataFrame({
            "repeat": f.repeat, "fold": f.fold, "row_id": f.test,
            "prediction": np.where(x[f.test] > 0, "1", "0"),  # text, as pandas keeps it
            "confidence.0": (x[f.test] <= 0).astype(float),
            "confidence.1": (x[f.test] > 0).astype(float),
        })
        for f in task.iter_folds()
    ]  # fmt: skip
    run = client.runs.upload(task, pd.concat(parts), flow="handmade.Sign")
    run_jobs()
    assert run.wait(timeout=10) is not None and run.scores["predictive_accuracy"] == 1.0
