"""``client.tasks`` against the real app: creation, splits (cached by hash), data, listing."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.tree import DecisionTreeClassifier

from mlhive import Client, InvalidInputError, NotFoundError, Task
from tests.client.experiment_data import ROWS, publish_classification, publish_regression


@pytest.fixture
def task(client: Client, run_jobs: Callable[[], int]) -> Task:
    dataset = publish_classification(client, run_jobs)
    return client.tasks.create(dataset.id, "classification", tags=["demo"])


def test_create_uses_a_friendly_default_and_returns_the_existing_task(
    client: Client, task: Task
) -> None:
    assert task.task_type == "supervised_classification" and task.target == "label"
    assert task.estimation_procedure.id == 1  # OpenML's 10-fold stratified cross-validation
    assert task.class_labels == ["down", "up"] and task.tags == ["demo"]
    again = client.tasks.create(task.dataset_id, "supervised_classification")
    assert again.id == task.id and again.splits_sha256 == task.splits_sha256
    by_name = client.tasks.create(task.dataset_id, estimation_procedure="33% Holdout set")
    assert by_name.estimation_procedure.id == 6 and by_name.id != task.id


def test_bad_task_requests_fail_with_the_reason(client: Client, task: Task) -> None:
    with pytest.raises(InvalidInputError, match="unknown task type 'ranking'"):
        client.tasks.create(task.dataset_id, "ranking")
    with pytest.raises(InvalidInputError, match="no 'nope' procedure"):
        client.tasks.create(task.dataset_id, estimation_procedure="nope")
    with pytest.raises(InvalidInputError, match="not a column"):
        client.tasks.create(task.dataset_id, target="nope")
    with pytest.raises(NotFoundError):
        client.tasks.get(9999)


def test_splits_are_downloaded_once_and_iterated_in_openml_order(
    client: Client, task: Task, http: TestClient, make_client: Callable[..., Client]
) -> None:
    downloads: list[str] = []

    def count(request: httpx.Request) -> None:
        if request.url.path.endswith("/splits"):
            downloads.append(request.url.path)

    http.event_hooks["request"].append(count)
    splits = task.splits
    assert set(splits.columns) >= {"type", "rowid", "repeat", "fold", "sample"}
    assert set(splits["type"]) == {"TRAIN", "TEST"}
    pairs = list(task.iterate_splits())
    assert len(pairs) == 10 and task.shape == (1, 10, 1)
    tested = np.concatenate([test for _, test in pairs])
    assert sorted(tested.tolist()) == list(range(ROWS))  # every row is tested exactly once
    for train, test in pairs:
        assert not set(train) & set(test) and len(train) + len(test) == ROWS
    train3, test3 = task.get_train_test_split_indices(fold=3)
    np.testing.assert_array_equal(train3, pairs[3][0])
    np.testing.assert_array_equal(test3, pairs[3][1])
    # Another client with the same cache reads the file by its hash: no second download.
    make_client().tasks.get(task.id).iterate_splits().__next__()
    assert downloads == [f"/api/tasks/{task.id}/splits"]
    with pytest.raises(ValueError, match="no fold 10"):
        task.get_train_test_split_indices(fold=10)


def test_repeated_procedure_iterates_one_repeat_on_request(client: Client, task: Task) -> None:
    repeated = client.tasks.create(task.dataset_id, estimation_procedure=2)  # 5 x 2-fold
    assert repeated.shape == (5, 2, 1)
    assert len(list(repeated.iterate_splits())) == 10
    second = list(repeated.iterate_splits(repeat=1))
    assert len(second) == 2
    np.testing.assert_array_equal(second[1][1], repeated.get_train_test_split_indices(1, 1)[1])
    with pytest.raises(ValueError, match="no repeat 7"):
        list(repeated.iterate_splits(repeat=7))


def test_x_and_y_leave_out_row_id_ignored_columns_and_target(task: Task) -> None:
    X, y = task.get_X_and_y()
    assert list(X.columns) == ["x1", "x2"]
    assert y is not None and y.name == "label" and len(y) == len(X) == ROWS
    assert task.dataset.name == "updown"


def test_list_filters_procedures_tags_and_empty_leaderboard(
    client: Client, task: Task, run_jobs: Callable[[], int]
) -> None:
    regression = client.tasks.create(publish_regression(client, run_jobs).id, "regression")
    assert regression.estimation_procedure.id == 7
    assert client.tasks.list()["id"].tolist() == [task.id, regression.id]
    assert client.tasks.list(task_type="regression")["id"].tolist() == [regression.id]
    assert client.tasks.list(tag="demo")["id"].tolist() == [task.id]
    listed = client.tasks.list(qualities={"NumberOfClasses": (2, 2)})
    assert listed["estimation_procedure"].tolist() == ["10-fold Crossvalidation"]
    assert client.tasks.list(dataset_id=12345).empty

    assert client.tasks.tag(regression.id, "fresh") == ["fresh"]
    assert client.tasks.untag(regression.id, "fresh") == []
    assert regression.refresh().tags == []

    procedures = client.tasks.procedures("regression")
    assert set(procedures["task_type"]) == {"supervised_regression"}
    assert 7 in procedures["id"].tolist()

    board = client.tasks.leaderboard(task.id)
    assert board.empty and "value" in board.columns


def test_custom_holdout_picks_the_custom_procedure(client: Client, task: Task) -> None:
    custom = client.tasks.create(task.dataset_id, test_row_ids=[0, 1, 2, 3])
    assert custom.estimation_procedure.kind == "custom_holdout"
    train, test = custom.get_train_test_split_indices()
    assert test.tolist() == [0, 1, 2, 3] and len(train) == ROWS - 4


def test_the_leaderboard_per_flow_or_setup_keeps_its_value_in_view(
    client: Client, task: Task, run_jobs: Callable[[], int]
) -> None:
    for depth in (1, 3):
        client.run(DecisionTreeClassifier(max_depth=depth, random_state=0), task, n_jobs=1)
    run_jobs()
    per_flow = client.tasks.leaderboard(task.id)
    assert len(per_flow) == 1 and per_flow.attrs["measure"] == "predictive_accuracy"
    per_setup = task.leaderboard(by="setup")
    assert len(per_setup) == 2 and per_setup.attrs["by"] == "setup"
    assert per_setup["flow"].tolist() == ["DecisionTreeClassifier"] * 2  # not the class path
    assert per_setup["flow_name"].str.startswith("sklearn.tree").all()  # the full name stays
    assert per_setup["value"].is_monotonic_decreasing
    # What print() shows in a script or an 80-column terminal: pandas elides middle columns.
    with pd.option_context("display.max_columns", 0, "display.width", 80):
        shown = repr(per_setup)
    first_value = per_setup["value"].to_string(index=False).split()[0]  # as pandas prints it
    assert "value" in shown and first_value in shown
    with pytest.raises(InvalidInputError, match=r"'nope' is not a measure.*log_loss"):
        client.tasks.leaderboard(task.id, measure="nope")


def test_recommendations_name_the_setup_that_did_best_on_a_similar_task(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    target = client.tasks.create(publish_classification(client, run_jobs).id, "classification")
    twin_data = publish_classification(client, run_jobs, name="updown-twin")  # not a re-upload
    twin = client.tasks.create(twin_data.id, "classification")
    dummy = client.run(DummyClassifier(strategy="most_frequent"), twin.id, n_jobs=1)
    tree = client.run(DecisionTreeClassifier(max_depth=3, random_state=0), twin.id, n_jobs=1)
    run_jobs()
    for run in (dummy, tree):
        run.wait(timeout=10)

    found = client.tasks.recommendations(target.id)
    assert [t.task_id for t in found.similar_tasks] == [twin.id]
    best = found.setups[0]
    assert best.evidence[0].run_id == tree.id and best.evidence[0].normalised == 1.0
    assert found.setups[1].evidence[0].run_id == dummy.id
    with pytest.raises(InvalidInputError, match="measure"):
        client.tasks.recommendations(target.id, measure="bogus")
