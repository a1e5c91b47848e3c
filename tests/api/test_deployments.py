"""Deployments serve ``repo@alias`` (following it) or a fixed commit, check their inputs,
answer with the commit that predicted, honour visibility and count every call."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.api.forge import Push, make_repo, random_tensors, skops_bytes, tensors_bytes
from tests.api.serving import (
    classifier,
    classifier_on,
    promote,
    repo_with_two_commits,
    training_frame,
)
from tests.conftest import UserKey

ROWS = [{"x1": 2.0, "x2": 1.0}, {"x1": -2.0, "x2": -1.5}]


def deploy(http: TestClient, user: UserKey, **fields: Any) -> dict[str, Any]:
    body = {"name": "scorer", "visibility": "public", **fields}
    response = http.post("/api/deployments", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def predict(http: TestClient, body: dict[str, Any], user: UserKey | None = None) -> Any:
    headers = user.headers if user else {}
    return http.post("/api/deployments/scorer/predict", json=body, headers=headers)


def test_a_deployment_answers_with_its_alias_commit_and_follows_a_promotion(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    promote(http, alice, repo.repo, "production", repo.first)
    created = deploy(http, alice, repo=repo.repo, alias="production")
    assert (created["alias"], created["commit"]) == ("production", repo.first)

    before = predict(http, {"rows": ROWS})
    assert before.status_code == 200, before.text
    assert before.json()["commit"] == repo.first
    assert before.json()["predictions"] == ["hi", "lo"]

    promote(http, alice, repo.repo, "production", repo.second)
    after = predict(http, {"rows": ROWS, "probabilities": True}).json()
    assert after["commit"] == repo.second
    assert after["engine"] == "scikit-learn"  # no export checked yet: the estimator answers
    assert after["predictions"] == ["lo", "hi"]  # the second commit learned the opposite
    assert after["classes"] == ["hi", "lo"]
    expected = classifier(flip=True).predict_proba(pd.DataFrame(ROWS))
    np.testing.assert_allclose(after["probabilities"], expected, rtol=1e-9)
    assert http.get("/api/deployments/scorer").json()["commit"] == repo.second


def test_no_call_fails_while_the_alias_moves_under_a_calling_loop(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    promote(http, alice, repo.repo, "production", repo.first)
    deploy(http, alice, repo=repo.repo, alias="production")
    answers: list[tuple[int, str | None]] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            response = predict(http, {"rows": ROWS})
            commit = response.json().get("commit") if response.status_code == 200 else None
            answers.append((response.status_code, commit))

    caller = threading.Thread(target=loop)
    caller.start()
    try:
        for target in (repo.second, repo.first, repo.second):
            promote(http, alice, repo.repo, "production", target)
            seen = len(answers)  # counted once promoted: one call may have begun before
            while len(answers) < seen + 3:  # let the loop call the newly promoted commit
                stop.wait(0.01)
    finally:
        stop.set()
        caller.join()
    assert [status for status, _ in answers if status != 200] == []
    assert answers[-1][1] == repo.second
    assert {commit for _, commit in answers} == {repo.first, repo.second}
    counted = http.get("/api/deployments/scorer").json()
    assert (counted["requests"], counted["errors"]) == (len(answers), 0)


def test_missing_unknown_and_mistyped_columns_are_named(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    deploy(http, alice, repo=repo.repo, commit=repo.first)
    missing = predict(http, {"rows": [{"x1": 1.0}]})
    assert missing.status_code == 422
    assert "row 0 has no column 'x2'" in missing.json()["detail"]
    mistyped = predict(http, {"columns": ["x1", "x2"], "data": [[1.0, 2.0], [1.0, "tall"]]})
    assert mistyped.status_code == 422
    assert "column 'x2', row 1: 'tall' is not a number" in mistyped.json()["detail"]
    unknown = predict(http, {"rows": [{"x1": 1.0, "x2": 2.0, "x3": 0}]})
    assert unknown.status_code == 422 and "'x3'" in unknown.json()["detail"]
    assert predict(http, {"rows": []}).status_code == 422
    counted = http.get("/api/deployments/scorer").json()
    assert (counted["requests"], counted["errors"]) == (4, 4)


def test_mlflow_invocation_shapes_give_the_same_predictions(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    deploy(http, alice, repo=repo.repo, commit=repo.first)
    url = "/api/deployments/scorer/invocations"
    bodies = [
        {"dataframe_split": {"columns": ["x1", "x2"], "data": [[2.0, 1.0], [-2.0, -1.5]]}},
        {"dataframe_records": ROWS},
        {"inputs": {"x1": [2.0, -2.0], "x2": [1.0, -1.5]}},
        {"instances": [[2.0, 1.0], [-2.0, -1.5]]},
    ]
    for body in bodies:
        response = http.post(url, json=body)
        assert response.status_code == 200, (body, response.text)
        assert response.json()["predictions"] == ["hi", "lo"], body
        assert response.json()["commit"] == repo.first
    two = http.post(url, json={"dataframe_records": ROWS, "instances": [[1, 2]]})
    assert two.status_code == 422


def test_a_private_deployment_answers_its_owner_only(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    deploy(http, alice, repo=repo.repo, commit=repo.first, visibility="private")
    assert predict(http, {"rows": ROWS}, alice).status_code == 200
    assert predict(http, {"rows": ROWS}, bob).status_code == 404
    assert predict(http, {"rows": ROWS}).status_code == 404
    assert http.get("/api/deployments/scorer", headers=bob.headers).status_code == 404
    assert http.get("/api/deployments", headers=bob.headers).json() == []
    listed = http.get("/api/deployments", headers=alice.headers).json()
    assert [(d["name"], d["requests"]) for d in listed] == [("scorer", 1)]


def test_deployments_refuse_what_cannot_be_served(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    repo = repo_with_two_commits(http, push, alice)
    http.post("/api/models", json={"name": "net"}, headers=alice.headers)
    push(alice, "alice/net", tensors_bytes(random_tensors(2)))
    weights = http.post(
        "/api/deployments",
        json={"name": "w", "repo": "alice/net", "commit": "main"},
        headers=alice.headers,
    )
    assert weights.status_code == 422 and "safetensors" in weights.json()["detail"]
    both = http.post(
        "/api/deployments",
        json={"name": "x", "repo": repo.repo, "alias": "production", "commit": "main"},
        headers=alice.headers,
    )
    assert both.status_code == 422
    deploy(http, alice, repo=repo.repo, alias="production")
    taken = http.post(
        "/api/deployments",
        json={"name": "scorer", "repo": repo.repo, "commit": "main"},
        headers=bob.headers,
    )
    assert taken.status_code == 409
    unset = predict(http, {"rows": ROWS})
    assert unset.status_code == 409 and "points at no commit yet" in unset.json()["detail"]
    assert (
        http.post(
            "/api/deployments", json={"name": "y", "repo": repo.repo, "commit": "main"}
        ).status_code
        == 401
    )


def test_an_onnx_commit_is_served_by_onnxruntime(
    http: TestClient, alice: UserKey, push: Push
) -> None:
    from skl2onnx import to_onnx

    X, _ = training_frame()
    model = classifier()
    onnx_model = to_onnx(
        model, X.to_numpy(np.float32)[:1], options={"zipmap": False}, target_opset=17
    )
    http.post("/api/models", json={"name": "onnx-clf"}, headers=alice.headers)
    pushed = push(alice, "alice/onnx-clf", onnx_model.SerializeToString(), "model.onnx")
    assert pushed.status_code == 201, pushed.text
    deploy(http, alice, repo="alice/onnx-clf", commit="main")
    rows = [[2.0, 1.0], [-2.0, -1.5]]
    answer = predict(http, {"inputs": rows, "probabilities": True})
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"] == ["hi", "lo"]
    np.testing.assert_allclose(
        answer.json()["probabilities"],
        model.predict_proba(pd.DataFrame(rows, columns=["x1", "x2"])),
        atol=1e-5,
    )
    named = predict(http, {"rows": ROWS})
    assert named.status_code == 422 and "fitted without column names" in named.json()["detail"]
    short = predict(http, {"inputs": [[1.0]]})
    assert short.status_code == 422 and "the model takes 2" in short.json()["detail"]


def test_a_commit_whose_export_passed_parity_is_served_by_onnxruntime(
    http: TestClient, alice: UserKey, push: Push, run_jobs: Callable[[], int]
) -> None:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    task = create_task(http, alice, dataset, "supervised_classification", 1)
    frame = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
    model = classifier_on(frame[["x1", "x2"]], frame["label"].astype(str))
    make_repo(http, alice, "fast", task_ids=[task["id"]])
    push(alice, "alice/fast", skops_bytes(model), "model.skops")
    run_jobs()  # the export and its parity check on the task's data
    assert http.get("/api/models/alice/fast/commits/main").json()["onnx_export"]["state"] == "ok"
    deploy(http, alice, repo="alice/fast", commit="main")
    answer = predict(http, {"rows": ROWS, "probabilities": True}).json()
    assert answer["engine"] == "onnxruntime"
    expected = model.predict(pd.DataFrame(ROWS))
    assert answer["predictions"] == [str(label) for label in expected]
    np.testing.assert_allclose(
        answer["probabilities"], model.predict_proba(pd.DataFrame(ROWS)), atol=1e-3
    )
    missing = predict(http, {"rows": [{"x1": 1.0}]})
    assert missing.status_code == 422 and "no column 'x2'" in missing.json()["detail"]
