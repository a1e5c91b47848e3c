"""Rows whose target is missing are in no split of a task, and the task says how many (#13)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.api.experiments import (
    LABELS,
    X1,
    N,
    Y,
    classification_predictions,
    create_task,
    held_out_rows,
    publish,
    splits,
    submit_run,
    upload_flow,
)
from tests.conftest import UserKey

UNLABELLED = [3, 17, 40, 41, 88]


def _csv(target: str, values: list[str]) -> str:
    for row in UNLABELLED:
        values[row] = ""
    return f"x1,{target}\n" + "".join(f"{a:.4f},{v}\n" for a, v in zip(X1, values, strict=True))


def _rowids(http: TestClient, task_id: int) -> set[int]:
    return set(splits(http, task_id).column("rowid").to_pylist())


@pytest.mark.parametrize(
    ("target", "values", "task_type", "procedure"),
    [
        ("label", [str(v) for v in LABELS], "supervised_classification", 1),
        ("y", [f"{v:.4f}" for v in Y], "supervised_regression", 7),
    ],
)
def test_rows_without_a_target_are_in_no_split_and_counted(
    http: TestClient,
    alice: UserKey,
    run_jobs: Callable[[], int],
    target: str,
    values: list[str],
    task_type: str,
    procedure: int,
) -> None:
    dataset = publish(http, alice, run_jobs, _csv(target, values), target)
    task = create_task(http, alice, dataset, task_type, procedure)  # 10-fold cross-validation
    assert task["number_of_rows"] == N and task["rows_without_target"] == len(UNLABELLED)
    assert http.get(f"/api/tasks/{task['id']}").json()["rows_without_target"] == 5
    table = splits(http, task["id"])
    tested = held_out_rows(table).column("rowid").to_pylist()
    assert sorted(tested) == sorted(set(range(N)) - set(UNLABELLED))  # each labelled row once
    assert not _rowids(http, task["id"]) & set(UNLABELLED)  # nor trained on
    page = http.get(f"/tasks/{task['id']}")
    assert "5 rows without a target value are in no split" in page.text


def test_a_run_on_such_a_task_is_scored_on_the_labelled_rows(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, _csv("label", [str(v) for v in LABELS]), "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    predictions = classification_predictions(
        splits(http, task["id"]), task["class_labels"], LABELS, accuracy=1.0
    )
    response = submit_run(http, alice, task["id"], upload_flow(http, alice)["id"], predictions)
    assert response.status_code == 201, response.text
    run_jobs()
    run = http.get(f"/api/runs/{response.json()['id']}").json()
    measures = {e["measure"]: e["value"] for e in run["evaluations"]}
    assert run["state"] == "evaluated" and measures["predictive_accuracy"] == 1.0


def test_a_fully_labelled_task_counts_none_and_a_custom_holdout_cannot_test_unlabelled_rows(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    labelled = "x1,label\n" + "".join(f"{a:.4f},{v}\n" for a, v in zip(X1, LABELS, strict=True))
    full = publish(http, alice, run_jobs, labelled, "label", name="full")
    whole = create_task(http, alice, full, "supervised_classification", 1)
    assert whole["rows_without_target"] == 0 and _rowids(http, whole["id"]) == set(range(N))
    dataset = publish(http, alice, run_jobs, _csv("label", [str(v) for v in LABELS]), "label")
    answer = http.post(
        "/api/tasks",
        json={
            "task_type": "supervised_classification",
            "dataset_id": dataset,
            "estimation_procedure_id": 16,
            "test_row_ids": [0, 1, 17],
        },
        headers=alice.headers,
    )
    assert answer.status_code == 422
    assert "row 17 has no target value" in answer.json()["detail"]
    kept = create_task(
        http, alice, dataset, "supervised_classification", 16, test_row_ids=[0, 1, 2]
    )
    assert held_out_rows(splits(http, kept["id"])).column("rowid").to_pylist() == [0, 1, 2]
    assert set(UNLABELLED).isdisjoint(_rowids(http, kept["id"]))
