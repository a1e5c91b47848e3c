"""``client.run`` and ``client.runs``/``client.evaluations`` against the real app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mlhive import (
    Client,
    InvalidInputError,
    JobFailedError,
    LocalRun,
    PermissionDeniedError,
    RunFailedError,
    Task,
    WaitTimeoutError,
)
from mlhive.sklearn import FoldError
from tests.client.conftest import MakeClient
from tests.client.experiment_data import ROWS, classification_frame, publish_classification
from tests.conftest import UserKey


@pytest.fixture
def task(client: Client, run_jobs: Callable[[], int]) -> Task:
    dataset = publish_classification(client, run_jobs)
    return client.tasks.create(dataset.id, "classification")


def test_a_run_uploads_predictions_for_every_row_and_waits_for_the_server(
    client: Client, task: Task, run_jobs: Callable[[], int]
) -> None:
    run = client.run(DecisionTreeClassifier(max_depth=2, random_state=0), task.id, n_jobs=1)
    assert run.state == "pending" and run.evaluations.empty
    with pytest.raises(WaitTimeoutError, match=f"run {run.id} still pending"):
        run.wait(timeout=0)
    run_jobs()
    evaluations = run.wait(timeout=10)  # the job finished before waiting: returns at once
    assert list(evaluations.columns) == ["measure", "value", "stdev", "per_fold"]
    assert 0.8 < run.scores["predictive_accuracy"] <= 1.0
    predictions = run.predictions()
    assert sorted(predictions["row_id"]) == list(range(ROWS))
    assert {"confidence.down", "confidence.up"} <= set(predictions.columns)
    assert [(t.repeat, t.fold) for t in run.fold_timings] == [(0, f) for f in range(10)]
    assert all(t.fit_seconds is not None and t.fit_seconds >= 0 for t in run.fold_timings)
    settings = {s.name: s.value for s in run.parameter_settings}
    assert settings["max_depth"] == "2"
    assert client.runs.get(run.id).state == "evaluated"


def test_a_run_can_show_its_folds_progress_on_stderr(
    client: Client, task: Task, capsys: pytest.CaptureFixture[str]
) -> None:
    client.run(DummyClassifier(), task, n_jobs=1, progress=True)
    shown = capsys.readouterr()
    assert f"task {task.id} folds" in shown.err and "10/10" in shown.err
    assert shown.out == ""  # stdout stays for the user's own output
    client.run(DecisionTreeClassifier(max_depth=1), task, n_jobs=1)  # not a terminal: quiet
    assert capsys.readouterr().err == ""


def test_a_failing_estimator_is_recorded_as_a_failed_run_and_raised(
    client: Client, task: Task
) -> None:
    with pytest.raises(RunFailedError, match="'C' parameter") as caught:
        client.run(LogisticRegression(C=-1.0), task, n_jobs=1)
    error = caught.value
    assert isinstance(error.__cause__, FoldError)
    assert f"failed run {error.run_id}" in str(error)
    failed = client.runs.get(error.run_id)
    assert failed.state == "failed" and "fold" in (failed.error_message or "")
    with pytest.raises(JobFailedError, match="failed and has no evaluations"):
        failed.wait(timeout=1)
    with pytest.raises(ValueError, match="no predictions"):
        failed.predictions()


def test_a_local_run_uploads_nothing_until_published(
    client: Client, task: Task, run_jobs: Callable[[], int]
) -> None:
    local = client.run(DummyClassifier(), task, n_jobs=1, upload=False, tags=["later"])
    assert isinstance(local, LocalRun)
    assert len(local.predictions()) == ROWS
    assert client.runs.list(task=task.id).empty and client.flows.list().empty
    run = local.publish()
    assert run.tags == ["later"] and run.flow_name == local.flow.name
    run_jobs()
    assert run.refresh().state == "evaluated"
    with pytest.raises(FoldError):
        client.run(LogisticRegression(C=-1.0), task, n_jobs=1, upload=False)
    assert len(client.runs.list(task=task.id)) == 1  # the local failure was not uploaded


def test_a_local_run_built_by_hand_says_how_to_get_one_that_publishes(
    client: Client, task: Task
) -> None:
    made = client.run(DummyClassifier(), task, n_jobs=1, upload=False)
    by_hand = LocalRun(made.task, made.estimator, made.flow, made.predictions_table, [])
    with pytest.raises(ValueError, match=r"no client to publish with.*upload=False"):
        by_hand.publish()
    assert client.runs.list(task=task.id).empty


def test_list_filter_tag_compare_and_delete_runs(
    client: Client,
    task: Task,
    run_jobs: Callable[[], int],
    make_client: MakeClient,
    bob: UserKey,
) -> None:
    shallow = client.run(DecisionTreeClassifier(max_depth=1, random_state=0), task, n_jobs=1)
    deep = client.run(DecisionTreeClassifier(max_depth=4, random_state=0), task, n_jobs=1)
    dummy = make_client(bob).run(DummyClassifier(), task, n_jobs=1)
    run_jobs()

    assert client.runs.list(task=task.id)["id"].tolist() == [shallow.id, deep.id, dummy.id]
    assert client.runs.list(flow=shallow.flow_id)["id"].tolist() == [shallow.id, deep.id]
    assert client.runs.list(uploader="bob")["id"].tolist() == [dummy.id]
    assert client.runs.list(setup=[deep.setup_id, dummy.setup_id])["id"].tolist() == [
        deep.id,
        dummy.id,
    ]
    assert client.runs.list(task=task.id, limit=2, page_size=1)["id"].tolist() == [
        shallow.id,
        deep.id,
    ]
    assert client.runs.tag(deep.id, "best") == ["best"]
    assert client.runs.list(tag="best")["id"].tolist() == [deep.id]
    assert client.runs.untag(deep.id, "best") == []

    compared = client.runs.compare([shallow.id, deep.id])
    assert compared.columns.tolist() == [shallow.id, deep.id]  # one column per run
    assert compared.loc["flow"].tolist() == ["DecisionTreeClassifier"] * 2
    assert compared.loc["DecisionTreeClassifier.max_depth"].tolist() == [1, 4]  # plain ints
    assert "DecisionTreeClassifier.criterion" not in compared.index  # equal values left out
    scores = shallow.refresh().evaluations.set_index("measure")["value"]
    assert compared.loc["measure", shallow.id] == scores["predictive_accuracy"]
    assert all(len(folds[0]) == 10 for folds in compared.attrs["per_fold"].values())
    everything = client.runs.compare([shallow.id, deep.id], all_parameters=True)
    assert everything.loc["DecisionTreeClassifier.criterion"].tolist() == ["gini", "gini"]
    assert everything.loc["DecisionTreeClassifier.max_features"].tolist() == [None, None]
    with pytest.raises(InvalidInputError, match=r"'nope' is not a measure.*predictive_accuracy"):
        client.runs.compare([shallow.id], measure="nope")

    with pytest.raises(PermissionDeniedError):
        client.runs.delete(dummy.id)
    client.runs.delete(shallow.id)
    assert shallow.id not in client.runs.list(task=task.id)["id"].tolist()


def test_evaluations_are_sorted_paged_and_per_fold(
    client: Client, task: Task, run_jobs: Callable[[], int]
) -> None:
    runs = [
        client.run(DecisionTreeClassifier(max_depth=d, random_state=0), task, n_jobs=1)
        for d in (1, 3)
    ]
    runs.append(client.run(DummyClassifier(), task, n_jobs=1))
    run_jobs()
    accuracy = {r.id: r.refresh().scores["predictive_accuracy"] for r in runs}

    best_first = client.evaluations.list("predictive_accuracy", task=task.id, sort="desc")
    assert best_first["value"].tolist() == sorted(accuracy.values(), reverse=True)
    paged = client.evaluations.list(
        "predictive_accuracy", task=task.id, sort="asc", page_size=1, limit=3
    )
    assert paged["value"].tolist() == sorted(accuracy.values())
    one = client.evaluations.list(run=runs[0].id, per_fold=True)
    assert "predictive_accuracy" in one["measure"].tolist()
    assert all(len(folds[0]) == 10 for folds in one["per_fold"] if folds is not None)
    assert set(client.evaluations.list(flow=runs[2].flow_id)["run_id"]) == {runs[2].id}


def test_rows_without_a_label_are_neither_trained_on_nor_predicted(
    client: Client, run_jobs: Callable[[], int]
) -> None:
    frame = classification_frame()
    frame.loc[[0, 1, 2], "label"] = None
    dataset = client.datasets.publish(frame, name="gaps", target="label", row_id_attribute="rid")
    run_jobs()
    task = client.tasks.create(dataset.id)
    assert task.rows_without_target == 3  # in no split: they can be neither learned nor scored
    run = client.run(DecisionTreeClassifier(random_state=0), task, n_jobs=1)
    assert sorted(run.predictions()["row_id"]) == list(range(3, ROWS))
    run_jobs()
    assert run.wait(timeout=10).set_index("measure").loc["predictive_accuracy", "value"] > 0.8
