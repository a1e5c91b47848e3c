"""Merge requests gated by evaluation: the server runs candidate and target on the linked task
(as runs, on the leaderboard) and the repository's rule decides whether it may be merged."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from tests.api.experiments import CLASSIFICATION_CSV, create_task, publish
from tests.api.forge import Push, make_repo, skops_bytes
from tests.conftest import UserKey

FRAME = pd.read_csv(io.StringIO(CLASSIFICATION_CSV))
X, Y = FRAME[["x1", "x2"]], FRAME["label"].astype(str)


@pytest.fixture
def task(http: TestClient, alice: UserKey, run_jobs: Callable[[], int]) -> dict[str, Any]:
    dataset = publish(http, alice, run_jobs, CLASSIFICATION_CSV, "label")
    return create_task(http, alice, dataset, "supervised_classification", 1)


def _open(http: TestClient, user: UserKey, branch: str, **extra: Any) -> dict[str, Any]:
    response = http.post(
        "/api/models/alice/clf/merge-requests",
        json={"source_branch": branch, "title": f"from {branch}", **extra},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    assert result["evaluation_state"] == "pending" and not result["mergeable"]
    return result


def _request(http: TestClient, number: int) -> dict[str, Any]:
    result: dict[str, Any] = http.get(f"/api/models/alice/clf/merge-requests/{number}").json()
    return result


def test_a_request_that_improves_accuracy_merges_and_one_that_lowers_it_is_blocked(
    http: TestClient,
    alice: UserKey,
    bob: UserKey,
    push: Push,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    rules = [{"measure": "predictive_accuracy", "max_drop": 0.005}]
    make_repo(http, alice, "clf", task_ids=[task["id"]], rules=rules)
    baseline = DummyClassifier(strategy="most_frequent").fit(X, Y)
    assert push(alice, "alice/clf", skops_bytes(baseline), "model.skops").status_code == 201
    better = LogisticRegression().fit(X, Y)
    assert (
        push(bob, "alice/clf", skops_bytes(better), "model.skops", branch="bob/lr").status_code
        == 201
    )
    run_jobs()  # ONNX exports of the pushes

    opened = _open(http, bob, "bob/lr")
    run_jobs()
    good = _request(http, opened["number"])
    assert good["evaluation_state"] == "done", good["evaluation_error"]
    accuracy = {c["measure"]: c for c in good["comparison"]}["predictive_accuracy"]
    assert accuracy["candidate"] > accuracy["target"] + 0.1
    assert good["violations"] == [] and good["mergeable"]
    board = http.get(f"/api/tasks/{task['id']}/leaderboard").json()["entries"]
    assert {e["run_id"] for e in board} >= {accuracy["candidate_run_id"]}
    assert (
        http.post("/api/models/alice/clf/merge-requests/1/merge", headers=bob.headers).status_code
        == 403
    )  # only owners merge
    merged = http.post("/api/models/alice/clf/merge-requests/1/merge", headers=alice.headers)
    assert merged.status_code == 200, merged.text
    assert merged.json()["state"] == "merged"
    head = http.get("/api/models/alice/clf/commits/main").json()
    assert head["parents"] == [good["target_commit"], good["source_commit"]]

    worse = DummyClassifier(strategy="constant", constant="no").fit(X, Y)
    push(bob, "alice/clf", skops_bytes(worse), "model.skops", branch="bob/worse")
    second = _open(http, bob, "bob/worse")
    run_jobs()
    blocked = _request(http, second["number"])
    assert blocked["evaluation_state"] == "done"
    assert not blocked["mergeable"]
    assert blocked["violations"] and "predictive_accuracy" in blocked["violations"][0]
    refused = http.post("/api/models/alice/clf/merge-requests/2/merge", headers=alice.headers)
    assert refused.status_code == 409
    assert "predictive_accuracy" in refused.json()["detail"]
    assert http.get("/api/models/alice/clf/commits/main").json()["id"] == head["id"]


def test_comments_and_review_threads(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push, task: dict[str, Any]
) -> None:
    make_repo(http, alice, "clf", task_ids=[task["id"]])
    push(alice, "alice/clf", skops_bytes(DummyClassifier().fit(X, Y)), "model.skops")
    push(
        bob, "alice/clf", skops_bytes(LogisticRegression().fit(X, Y)), "model.skops", branch="bob/x"
    )
    number = _open(http, bob, "bob/x")["number"]
    url = f"/api/models/alice/clf/merge-requests/{number}/comments"
    first = http.post(url, json={"body": "why C=1?", "tensor": "coef_"}, headers=alice.headers)
    assert first.status_code == 201
    reply = http.post(
        url, json={"body": "default", "reply_to": first.json()["id"]}, headers=bob.headers
    )
    assert reply.status_code == 201
    bad = http.post(url, json={"body": "x", "reply_to": 9999}, headers=bob.headers)
    assert bad.status_code == 422
    comments = _request(http, number)["comments"]
    assert [(c["author"], c["reply_to"]) for c in comments] == [
        ("alice", None),
        ("bob", first.json()["id"]),
    ]
    assert http.post(url, json={"body": "anonymous"}).status_code == 401


def test_a_request_from_a_fork(
    http: TestClient,
    alice: UserKey,
    bob: UserKey,
    push: Push,
    task: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    make_repo(
        http,
        alice,
        "clf",
        task_ids=[task["id"]],
        rules=[{"measure": "predictive_accuracy", "min": 0.7}],
    )
    push(alice, "alice/clf", skops_bytes(DummyClassifier().fit(X, Y)), "model.skops")
    http.post("/api/models/alice/clf/fork", json={}, headers=bob.headers)
    push(bob, "bob/clf", skops_bytes(LogisticRegression().fit(X, Y)), "model.skops", branch="main")
    number = _open(http, bob, "main", source_repo="bob/clf")["number"]
    run_jobs()
    request = _request(http, number)
    assert request["source"] == "bob/clf" and request["mergeable"], request
    merged = http.post(
        f"/api/models/alice/clf/merge-requests/{number}/merge", headers=alice.headers
    )
    assert merged.status_code == 200
    log = http.get("/api/models/alice/clf/commits").json()
    assert request["source_commit"] in {c["id"] for c in log}  # the fork's commit came along


def test_others_push_only_to_their_own_branches(
    http: TestClient, alice: UserKey, bob: UserKey, push: Push
) -> None:
    make_repo(http, alice, "clf")
    response = push(bob, "alice/clf", skops_bytes(DummyClassifier().fit(X, Y)), "model.skops")
    assert response.status_code == 403
    assert "bob/" in response.json()["detail"]
