"""Unknown measures and qualities are refused (422, naming the valid ones) wherever they are
asked for, never answered with an empty table; leaderboards rank per flow or per setup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    classification_predictions,
    create_task,
    publish,
    splits,
    submit_run,
    upload_flow,
)
from tests.conftest import UserKey


@pytest.fixture
def task(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> dict[str, Any]:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    return create_task(http, alice, dataset, "supervised_classification", 1)


def _refused(response: Any, field: str, *valid: str) -> str:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert problem["detail"].startswith(f"{field}: ")
    for name in valid:
        assert name in problem["detail"]
    detail: str = problem["detail"]
    return detail


def test_leaderboard_refuses_an_unknown_measure_naming_the_tasks_measures(
    http: TestClient, task: dict[str, Any]
) -> None:
    answer = http.get(f"/api/tasks/{task['id']}/leaderboard", params={"measure": "nope"})
    detail = _refused(answer, "measure", "predictive_accuracy", "area_under_roc_curve")
    assert "'nope'" in detail
    regression_only = {"measure": "r_squared"}
    answer = http.get(f"/api/tasks/{task['id']}/leaderboard", params=regression_only)
    _refused(answer, "measure", "predictive_accuracy")  # a measure, but not of this task type


def test_evaluations_and_comparisons_refuse_an_unknown_measure(
    http: TestClient, task: dict[str, Any]
) -> None:
    listed = http.get("/api/evaluations", params={"measure": "acuracy"})
    _refused(listed, "measure", "predictive_accuracy", "root_mean_squared_error")
    compared = http.get("/api/runs/compare", params={"run": [1], "measure": "nope"})
    _refused(compared, "measure", "predictive_accuracy")


def test_task_creation_refuses_an_unknown_measure_even_when_the_task_exists(
    http: TestClient, alice: UserKey, task: dict[str, Any]
) -> None:
    same = {"dataset_id": task["dataset_id"], "estimation_procedure_id": 1}
    answer = http.post(
        "/api/tasks",
        json={"task_type": "supervised_classification", **same, "evaluation_measures": ["nope"]},
        headers=alice.headers,
    )
    _refused(answer, "evaluation_measures", "predictive_accuracy", "f_measure")


def test_dataset_and_task_lists_refuse_an_unknown_quality(
    http: TestClient, task: dict[str, Any]
) -> None:
    for url in ("/api/datasets", "/api/tasks"):
        answer = http.get(url, params={"quality": "NumberOfInstanses:1..100"})
        detail = _refused(answer, "quality", "NumberOfInstances", "NumberOfClasses")
        assert "'NumberOfInstanses'" in detail
    known = http.get("/api/datasets", params={"quality": "NumberOfInstances:1..1000"})
    assert known.status_code == 200 and len(known.json()["items"]) == 1


def test_the_leaderboard_ranks_the_best_run_per_setup_or_per_flow(
    http: TestClient, alice: UserKey, task: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    table = splits(http, task["id"])
    flow = upload_flow(http, alice)
    run_ids = {}
    for alpha, accuracy in (("1", 0.6), ("2", 0.9), ("2", 0.7)):
        preds = classification_predictions(table, task["class_labels"], LABELS, accuracy=accuracy)
        settings = [{"flow_id": flow["id"], "name": "alpha", "value": alpha}]
        created = submit_run(
            http, alice, task["id"], flow["id"], preds, parameter_settings=settings
        ).json()
        run_ids[created["id"]] = created["setup_id"]
    run_jobs()
    url = f"/api/tasks/{task['id']}/leaderboard"
    per_flow = http.get(url).json()
    assert per_flow["by"] == "flow" and per_flow["measure"] == "predictive_accuracy"
    assert len(per_flow["entries"]) == 1 and per_flow["entries"][0]["runs_of_flow"] == 3
    per_setup = http.get(url, params={"by": "setup"}).json()
    assert per_setup["by"] == "setup"
    entries = per_setup["entries"]
    assert len(entries) == 2 and {e["setup_id"] for e in entries} == set(run_ids.values())
    assert entries[0]["run_id"] == per_flow["entries"][0]["run_id"]  # the overall best
    assert [e["runs_of_flow"] for e in entries] == [
        sum(1 for s in run_ids.values() if s == e["setup_id"]) for e in entries
    ]
    assert http.get(url, params={"by": "uploader"}).status_code == 422
