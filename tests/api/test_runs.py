"""Runs through the API: validation against the splits (nothing stored on a 4xx), server-side
evaluation, evaluations lists, leaderboards, comparisons, suites and studies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import accuracy_score
from sqlalchemy import func, select

from mlhive.server.db.tables.experiments import Run
from mlhive.server.wiring import Hive
from tests.api.experiments import (
    CLASSIFICATION_CSV,
    LABELS,
    classification_predictions,
    create_task,
    held_out_rows,
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


def test_a_run_is_evaluated_by_the_server_like_sklearn(
    http: TestClient, alice: UserKey, task: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    flow = upload_flow(http, alice)
    table = splits(http, task["id"])
    predictions = classification_predictions(table, task["class_labels"], LABELS)
    response = submit_run(
        http,
        alice,
        task["id"],
        flow["id"],
        predictions,
        client_measures={"predictive_accuracy": 1.0},
        tags=["first"],
    )
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["state"] == "pending" and run["tags"] == ["first"]
    assert run_jobs() == 1
    run = http.get(f"/api/runs/{run['id']}").json()
    assert run["state"] == "evaluated"
    measures = {e["measure"]: e for e in run["evaluations"]}
    tests = held_out_rows(table)
    folds = np.asarray(tests.column("fold"))
    truth = LABELS[np.asarray(tests.column("rowid"))]
    predicted = np.asarray(predictions.column("prediction").to_pylist())
    expected = [accuracy_score(truth[folds == f], predicted[folds == f]) for f in range(10)]
    accuracy = measures["predictive_accuracy"]
    assert accuracy["per_fold"][0] == pytest.approx(expected)
    assert accuracy["value"] == pytest.approx(np.mean(expected))
    assert run["client_measures"] == {"predictive_accuracy": 1.0}  # kept apart, not used
    assert accuracy["value"] != 1.0


def _mutate(table: pa.Table, case: str) -> pa.Table | bytes:
    n = table.num_rows
    if case == "missing rows":
        return table.slice(0, n - 3)
    if case == "duplicate rows":
        return pa.concat_tables([table, table.slice(0, 1)])
    if case == "unknown label":
        labels = table.column("prediction").to_pylist()
        labels[0] = "maybe"
        return table.set_column(
            table.schema.get_field_index("prediction"), "prediction", pa.array(labels)
        )
    if case == "probabilities":
        bad = np.asarray(table.column("confidence.no")) * 0.5
        return table.set_column(
            table.schema.get_field_index("confidence.no"), "confidence.no", pa.array(bad)
        )
    if case == "wrong fold":
        folds = np.asarray(table.column("fold")).copy()
        folds[0] = 10
        return table.set_column(
            table.schema.get_field_index("fold"), "fold", pa.array(folds, pa.int32())
        )
    if case == "row out of range":
        rows = np.asarray(table.column("row_id")).copy()
        rows[0] = 5000
        return table.set_column(table.schema.get_field_index("row_id"), "row_id", pa.array(rows))
    if case == "missing confidence":
        return table.drop_columns(["confidence.yes"])
    return b"this is not a parquet file"


@pytest.mark.parametrize(
    "case",
    [
        "missing rows",
        "duplicate rows",
        "unknown label",
        "probabilities",
        "wrong fold",
        "row out of range",
        "missing confidence",
        "garbage",
    ],
)
def test_malformed_predictions_are_rejected_and_nothing_is_stored(
    http: TestClient, alice: UserKey, task: dict[str, Any], hive: Hive, case: str
) -> None:
    flow = upload_flow(http, alice)
    good = classification_predictions(splits(http, task["id"]), task["class_labels"], LABELS)
    blobs_before = {b.sha256 for b in hive.store.iterate()}
    response = submit_run(http, alice, task["id"], flow["id"], _mutate(good, case))
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]
    with hive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0
    assert {b.sha256 for b in hive.store.iterate()} == blobs_before


def test_failed_runs_are_recorded_with_their_error(
    http: TestClient, alice: UserKey, task: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    flow = upload_flow(http, alice)
    response = submit_run(
        http, alice, task["id"], flow["id"], None, error_message="ValueError: could not converge"
    )
    assert response.status_code == 201
    run = response.json()
    assert run["state"] == "failed" and run["error_message"].startswith("ValueError")
    assert run_jobs() == 0 and run["evaluations"] == []
    no_file = submit_run(http, alice, task["id"], flow["id"], None)
    assert no_file.status_code == 422 and "predictions" in no_file.json()["detail"]


def test_parameter_settings_make_deduplicated_setups(
    http: TestClient, alice: UserKey, task: dict[str, Any]
) -> None:
    flow = upload_flow(http, alice)
    table = classification_predictions(splits(http, task["id"]), task["class_labels"], LABELS)
    one = submit_run(
        http,
        alice,
        task["id"],
        flow["id"],
        table,
        parameter_settings=[{"flow_id": flow["id"], "name": "alpha", "value": "2"}],
    )
    two = submit_run(
        http,
        alice,
        task["id"],
        flow["id"],
        table,
        parameter_settings=[{"flow_id": flow["id"], "name": "alpha", "value": "2"}],
    )
    default = submit_run(http, alice, task["id"], flow["id"], table)
    assert one.json()["setup_id"] == two.json()["setup_id"] != default.json()["setup_id"]
    setup = http.get(f"/api/setups/{default.json()['setup_id']}").json()
    assert setup["parameters"] == [{"flow_id": flow["id"], "name": "alpha", "value": "1.0"}]
    unknown = submit_run(
        http,
        alice,
        task["id"],
        flow["id"],
        table,
        parameter_settings=[{"flow_id": flow["id"], "name": "beta", "value": "1"}],
    )
    assert unknown.status_code == 422 and "beta" in unknown.json()["detail"]
    runs = http.get(
        "/api/runs", params={"task": task["id"], "setup": one.json()["setup_id"]}
    ).json()
    assert [r["id"] for r in runs["items"]] == [one.json()["id"], two.json()["id"]]


def test_evaluations_leaderboard_and_comparison(
    http: TestClient,
    alice: UserKey,
    bob: UserKey,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    table = splits(http, task["id"])
    flows = [upload_flow(http, alice, name=f"test.Flow{i}") for i in range(3)]
    accuracy = {}
    for i, (flow, acc) in enumerate(
        [(flows[0], 0.6), (flows[0], 0.9), (flows[1], 0.7), (flows[2], 0.5)]
    ):
        preds = classification_predictions(
            table, task["class_labels"], LABELS, accuracy=acc, seed=i
        )
        who = alice if i % 2 == 0 else bob
        accuracy[submit_run(http, who, task["id"], flow["id"], preds).json()["id"]] = flow["id"]
    run_jobs()
    listed = http.get(
        "/api/evaluations",
        params={"task": task["id"], "measure": "predictive_accuracy", "sort": "desc"},
    ).json()["items"]
    values = [e["value"] for e in listed]
    assert values == sorted(values, reverse=True) and len(values) == 4
    board = http.get(f"/api/tasks/{task['id']}/leaderboard").json()
    assert [e["flow_id"] for e in board["entries"]] == [
        e["flow_id"]
        for e in sorted(
            (
                {"flow_id": f, "value": max(v["value"] for v in listed if v["flow_id"] == f)}
                for f in {e["flow_id"] for e in listed}
            ),
            key=lambda e: -e["value"],
        )
    ]
    assert board["entries"][0]["runs_of_flow"] == 2
    by_bob = http.get(
        "/api/evaluations", params={"uploader": "bob", "measure": "predictive_accuracy"}
    ).json()
    assert {e["uploader"] for e in by_bob["items"]} == {"bob"}
    page = http.get("/api/evaluations", params={"task": task["id"], "limit": 5}).json()
    rest = http.get(
        "/api/evaluations",
        params={"task": task["id"], "limit": 1000, "cursor": page["next_cursor"]},
    ).json()
    everything = http.get("/api/evaluations", params={"task": task["id"], "limit": 1000}).json()
    assert page["items"] + rest["items"] == everything["items"]
    compared = http.get("/api/runs/compare", params={"run": list(accuracy)[:2]}).json()
    assert sorted(compared["per_fold"]) == sorted(str(r) for r in list(accuracy)[:2])
    assert len(compared["per_fold"][str(next(iter(accuracy)))][0]) == 10


def test_suites_and_studies(
    http: TestClient, alice: UserKey, bob: UserKey, task: dict[str, Any]
) -> None:
    suite = http.post(
        "/api/suites",
        json={"name": "Demo suite", "alias": "demo-cc", "task_ids": [task["id"]]},
        headers=alice.headers,
    )
    assert suite.status_code == 201, suite.text
    by_alias = http.get("/api/suites/demo-cc").json()
    assert by_alias["id"] == suite.json()["id"] and by_alias["task_ids"] == [task["id"]]
    clash = http.post("/api/suites", json={"name": "x", "alias": "demo-cc"}, headers=bob.headers)
    assert clash.status_code == 409
    assert (
        http.post(
            "/api/suites/demo-cc/detach", json={"ids": [task["id"]]}, headers=bob.headers
        ).status_code
        == 403
    )
    flow = upload_flow(http, alice)
    preds = classification_predictions(splits(http, task["id"]), task["class_labels"], LABELS)
    run_id = submit_run(http, alice, task["id"], flow["id"], preds).json()["id"]
    study = http.post(
        "/api/studies",
        json={"name": "Paper", "alias": "paper-1", "run_ids": [run_id]},
        headers=alice.headers,
    ).json()
    assert study["run_ids"] == [run_id]
    active = http.post(
        "/api/studies/paper-1/status", json={"status": "active"}, headers=alice.headers
    ).json()
    assert active["status"] == "active"
    runs = http.get("/api/runs", params={"study": study["id"]}).json()["items"]
    assert [r["id"] for r in runs] == [run_id]
    assert http.delete(f"/api/runs/{run_id}", headers=alice.headers).status_code == 409
    http.post("/api/studies/paper-1/detach", json={"ids": [run_id]}, headers=alice.headers)
    assert http.get("/api/studies/paper-1").json()["run_ids"] == []
    missing = http.post("/api/studies", json={"name": "x", "run_ids": [999]}, headers=alice.headers)
    assert missing.status_code == 404


def test_learning_curve_and_regression_runs_are_evaluated(
    http: TestClient, alice: UserKey, run_jobs: Callable[[], int]
) -> None:
    from tests.api.experiments import REGRESSION_CSV, Y

    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label", name="lc")
    curve = create_task(http, alice, dataset, "learning_curve", 13)
    table = splits(http, curve["id"])
    assert max(table.column("sample").to_pylist()) >= 1  # several training-set sizes
    flow = upload_flow(http, alice)
    preds = classification_predictions(table, curve["class_labels"], LABELS)
    response = submit_run(http, alice, curve["id"], flow["id"], preds)
    assert response.status_code == 201, response.text
    run_jobs()
    run = http.get(f"/api/runs/{response.json()['id']}").json()
    assert run["state"] == "evaluated", run["evaluation_error"]
    accuracy = next(e for e in run["evaluations"] if e["measure"] == "predictive_accuracy")
    samples = 1 + max(table.column("sample").to_pylist())
    assert len(accuracy["curve"]) == samples  # one point per training-set size
    assert len(accuracy["per_sample"][0][0]) >= 1

    reg_data = publish(http, alice, run_jobs, REGRESSION_CSV, "y", name="reg")
    procedure = next(
        p["id"]
        for p in http.get(
            "/api/estimation-procedures", params={"task_type": "supervised_regression"}
        ).json()
        if p["kind"] == "holdout"
    )
    task = create_task(http, alice, reg_data, "supervised_regression", procedure)
    tests = held_out_rows(splits(http, task["id"]))
    rows = np.asarray(tests.column("rowid"))
    predicted = Y[rows] + 0.5
    predictions = pa.table(
        {
            "repeat": tests.column("repeat"),
            "fold": tests.column("fold"),
            "sample": tests.column("sample"),
            "row_id": pa.array(rows, pa.int64()),
            "prediction": pa.array(predicted),
        }
    )
    run_id = submit_run(http, alice, task["id"], flow["id"], predictions).json()["id"]
    run_jobs()
    measures = {
        e["measure"]: e["value"] for e in http.get(f"/api/runs/{run_id}").json()["evaluations"]
    }
    truth = np.round(Y[rows], 4)  # the CSV keeps four decimals
    assert measures["mean_absolute_error"] == pytest.approx(
        np.mean(np.abs(predicted - truth)), abs=1e-9
    )
